# mkdir -p, rmdir, rm and rm -r, including a directory of 300 files.
umask 022
mkdir -p "$D/a/b/c/d"; echo "mkdir -p: $?"
mkdir -p "$D/a/b/c/d"; echo "mkdir -p again: $?"
mkdir "$D/a"; echo "mkdir existing: $?"
mkdir "$D/x/y"; echo "mkdir missing parent: $?"
mkdir -m 0700 "$D/m"
mkdir -p -m 0711 "$D/p/q"
touch "$D/file"
mkdir -p "$D/file/sub"; echo "mkdir -p through a file: $?"
stat -c '%n %a %h %F' "$D/m" "$D/p" "$D/p/q" "$D/a" "$D/a/b/c/d"
rmdir "$D/a"; echo "rmdir non-empty: $?"
rmdir "$D/file"; echo "rmdir file: $?"
rm "$D/a"; echo "rm dir: $?"
rm "$D/missing"; echo "rm missing: $?"
rm -f "$D/missing"; echo "rm -f missing: $?"
rm -r "$D/a/b"; echo "rm -r: $?"
find "$D" -printf '%P %y %n\n' | sort
(cd "$D" && rmdir -p p/q); echo "rmdir -p: $?"
mkdir "$D/many"
i=0
while [ $i -lt 300 ]; do : > "$D/many/file-$i"; i=$((i + 1)); done
mkdir "$D/many/sub" && echo x > "$D/many/sub/f" && chmod 0400 "$D/many/sub/f"
ls "$D/many" | wc -l
stat -c '%n %s %h' "$D/many"
rm -r "$D/many"; echo "rm -r many: $?"
ls "$D"
mkdir -p "$D/ro/in" && chmod 0555 "$D/ro"
rm -rf "$D/ro"; echo "rm -rf 0555 dir as root: $?"
rm -rf "$D/a" "$D/m" "$D/file"
ls -A "$D"
stat -c '%s %h' "$D"
