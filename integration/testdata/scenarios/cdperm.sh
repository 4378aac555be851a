# need: setpriv
# cd as an ordinary user: into directories it may and may not search, a
# file, a link to a directory, a missing name (zvfs answers a chdir from
# its namespace view when it can; the answers must be the kernel's).
umask 022
chmod 755 "$D"
mkdir -p "$D/open/sub" "$D/shut/sub" "$D/noexec"
chmod 700 "$D/shut"
chmod 644 "$D/noexec"
echo x > "$D/file"
ln -s open "$D/lnk"
for d in open open/sub shut shut/sub noexec lnk lnk/sub file missing open/../shut; do
	setpriv --reuid=65534 --regid=65534 --clear-groups sh -c \
		'if cd "$1" 2>/dev/null; then echo "$2: in $(pwd -P | sed "s|^$3|D|")"; ls; else echo "$2: refused"; fi' \
		sh "$D/$d" "$d" "$D"
done
chmod 755 "$D/noexec"
