# Special files made in an overlay (they live in its upper layer): FIFOs
# opened at both ends by different processes, a character device, a socket
# file; over a lower directory and in place of a deleted lower file.
set -u
cd "$D"
mkfifo dir/p
rm b.txt; mkfifo b.txt
stat -c '%n %F %a %h' dir/p b.txt
(echo 'over the lower' > b.txt) & cat b.txt; wait
(echo 'in dir' > dir/p) & cat dir/p; wait
chmod 600 dir/p; mv dir/p dir/sub/q; stat -c '%n %F %a' dir/sub/q
mknod nul c 1 3; stat -c "%n %F %t:%T" nul; echo x > nul; echo "nul: $?"
python3 -c 'import os, stat; os.mknod("s", 0o600 | stat.S_IFSOCK)'
stat -c '%n %F %a' s
ls -l | cut -c1 | LC_ALL=C sort | uniq -c | tr -s ' '
rm dir/sub/q b.txt nul s
ls dir/sub
