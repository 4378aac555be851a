# find -printf, ls -la without dates, stat -c, du --apparent-size.
umask 022
mkdir -p "$D/t/a/b" "$D/t/c"
echo x > "$D/t/a/f"
printf '%1000s' "" > "$D/t/a/b/thousand"
dd if=/dev/zero of="$D/t/c/big" bs=1000 count=70 2>/dev/null
ln -s a/f "$D/t/l"
ln "$D/t/a/f" "$D/t/c/hard"
chmod 0640 "$D/t/a/f"
chmod 1777 "$D/t/c"
chmod 2755 "$D/t/a/b"
find "$D" -printf '%p %s %m %M %n %y %Y %u %g %U %G %l %d\n' | sort
find "$D/t" -mindepth 1 -printf '%P %d %y %f %h\n' | sort
find "$D" -name f -type f
find "$D" -type l -printf '%p -> %l\n'
find "$D" -links 2 -type f | sort
find "$D" -size +10k
find "$D" -perm -1000
find "$D" -empty | sort
find "$D/t" -maxdepth 1 | sort
lsl() { ls -la --time-style=+@ "$@" | sed -e '/^total /d' -e 's/ @ / /'; }
lsl "$D/t"
lsl "$D/t/a"
lsl "$D/t/c"
lsl -d "$D" "$D/t"
ls -lR --time-style=+@ "$D/t" | sed -e '/^total /d' -e 's/ @ / /'
ls -1 "$D/t"
ls -A "$D"
ls -F "$D/t"
ls -S "$D/t/c"
ls -ln --time-style=+@ "$D/t/c" | sed -e '/^total /d' -e 's/ @ / /'
stat -c '%n %s %a %A %h %F %U %G %u %g' "$D" "$D/t" "$D/t/a" "$D/t/a/f" "$D/t/a/b" "$D/t/c" "$D/t/c/big" "$D/t/l"
stat -L -c '%n %s %a %h %F' "$D/t/l"
stat -c '%N' "$D/t/l"
stat -c '%n %o' "$D/t/a/f" >/dev/null && echo "stat %o works"
du -a -l --apparent-size "$D/t" | sort -k2
du -a -l -b "$D/t" | sort -k2
du -s --apparent-size -B1 "$D/t/c/big"
du -s -b "$D"
