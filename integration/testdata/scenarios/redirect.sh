# Redirections (>, >>, <>, >|, noclobber, here-documents, exec'd
# descriptors) and cat.
umask 022
echo one > "$D/f"
echo two >> "$D/f"
cat "$D/f"
printf abc > "$D/f"
cat "$D/f"; echo
: > "$D/empty"
stat -c '%n %s %a %h %F %U %G' "$D/f" "$D/empty"
cat "$D/f" "$D/f" > "$D/g"
cat "$D/g"; echo
wc -c < "$D/g"
cat <<EOT > "$D/here"
line1
line2 $((40 + 2)) \$D
EOT
cat "$D/here"
cat <<'EOT' >> "$D/here"
line3 $D
EOT
tail -n 1 "$D/here"
set -C
echo clobber > "$D/f"; echo "noclobber status $?"
echo forced >| "$D/f"; echo "forced status $?"
set +C
cat "$D/f"
cat "$D/missing"; echo "cat missing status $?"
echo x > "$D/nodir/f"; echo "create in missing dir status $?"
echo x > "$D"; echo "write to dir status $?"
exec 4> "$D/fd4"
echo via4 >&4
echo more >&4
exec 4>&-
cat "$D/fd4"
exec 5< "$D/here"
read -r l <&5
echo "read: $l"
read -r l <&5
echo "read: ${l%% *}"
exec 5<&-
echo XY 1<> "$D/f"
od -c "$D/f" | sed 's/  */ /g'
{ echo a; echo b >&2; } > "$D/both" 2>&1
cat "$D/both"
echo appended >> "$D/new-by-append"
stat -c '%n %s %a' "$D/new-by-append"
for i in 1 2 3 4 5; do echo "$i" >> "$D/loop"; done
cat "$D/loop" | tr '\n' ' '; echo
cat < "$D/loop" > "$D/loop2"; cmp "$D/loop" "$D/loop2" && echo same
ls "$D"
