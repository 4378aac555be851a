# Reads, copy-up on write and on metadata change, deletions and recreation
# over a lower tree (see lowerTree in overlay_test.go). Listings are sorted;
# no inode or device numbers, no directory link counts (overlayfs reports
# its own for merged directories).
set -u
cd "$D"
show() { find . -mindepth 1 | LC_ALL=C sort | while read -r p; do
	if [ -L "$p" ]; then echo "$p -> $(readlink "$p")"
	elif [ -d "$p" ]; then echo "$p/ $(stat -c %a "$p")"
	else echo "$p $(stat -c '%a %h %s' "$p") $(md5sum < "$p" | cut -c1-8)"; fi
done; }
echo "== lower"; show
cat a.txt dir/x.txt link
echo more >> b.txt; echo "append: $?"; cat b.txt
chmod 600 ro.txt; stat -c '%a' ro.txt
rm dir/x.txt; ls dir
echo new > dir/x.txt; cat dir/x.txt
rm -r dir/sub; ls dir
mkdir dir/sub; ls -A dir/sub; echo "recreated sub is empty: $?"
rmdir empty; ls -d empty 2>&1 | sed 's/^ls: //'
mv a.txt a2.txt; cat a2.txt; cat link 2>&1 | sed 's/^cat: //'
ln h1 h3; stat -c '%h' h1 h3
ln -s dir/x.txt newlink; cat newlink
truncate -s 2 exec.sh; cat exec.sh; echo
: > b.txt; stat -c %s b.txt
touch -d @1000000000 dir; stat -c %Y dir
echo "== merged"; show
