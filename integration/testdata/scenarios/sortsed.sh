# sort -o in place and sed -i (a new file renamed over the old one).
umask 022
printf '3\nb\n1\na\n2\n' > "$D/n"
chmod 0640 "$D/n"
sort -o "$D/n" "$D/n"; cat "$D/n"
stat -c '%n %s %a %h' "$D/n"
sort -r -o "$D/n" "$D/n"; tr '\n' ' ' < "$D/n"; echo
sort -n "$D/n" -o "$D/sorted"; tr '\n' ' ' < "$D/sorted"; echo
sed -i 's/a/A/' "$D/n"; tr '\n' ' ' < "$D/n"; echo
stat -c '%n %s %a %h' "$D/n"
ln "$D/n" "$D/nlink"
sed -i 's/b/B/' "$D/n"
stat -c '%n %h' "$D/n" "$D/nlink"
tr '\n' ' ' < "$D/n"; echo; tr '\n' ' ' < "$D/nlink"; echo
ln -s n "$D/sym"
sed -i --follow-symlinks 's/1/one/' "$D/sym"
stat -c '%n %F' "$D/sym"; tr '\n' ' ' < "$D/n"; echo
sed -i 's/2/two/' "$D/sym"
stat -c '%n %F %a' "$D/sym"; tr '\n' ' ' < "$D/sym"; echo
sed -i.bak 's/3/three/' "$D/n"
ls "$D"
tr '\n' ' ' < "$D/n.bak"; echo
sed -i 's/x/y/' "$D/missing"; echo "sed missing: $?"
mkdir "$D/dir"; sed -i 's/x/y/' "$D/dir"; echo "sed dir: $?"
seq 1 3000 | sort -R --random-source=/dev/zero > "$D/big"; sort -n -o "$D/big" "$D/big"; head -n 3 "$D/big"; tail -n 1 "$D/big"
uniq -c "$D/big" | wc -l
ls -A "$D"
