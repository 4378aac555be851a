# Opening a lower file again through /proc/self/fd/N of a read-only
# descriptor, for writing: the file is copied up and the copy written (the
# lower tree stays as it was), with O_TRUNC and with O_APPEND, and by
# truncate(1) and truncate(2), and through another process's link (a
# subshell's /proc/$$/fd/N, once the file is in the stub's view); for
# reading, the overlay file's data.
set -u
cd "$D"
exec 3<a.txt
cat /proc/self/fd/3
echo reopened > /proc/self/fd/3; echo "write: $?"
cat a.txt
exec 4<b.txt
echo more >> /proc/self/fd/4; echo "append: $?"
cat b.txt
exec 6<dir/x.txt
truncate -s 2 /proc/self/fd/6; echo "truncate: $?"
cat dir/x.txt; echo
python3 -c 'import os; fd = os.open("exec.sh", os.O_RDONLY); os.truncate("/proc/self/fd/%d" % fd, 3)'; echo "truncate(2): $?"
cat exec.sh; echo
cat dir/sub/y.txt > /dev/null; cat dir/sub/y.txt > /dev/null
exec 7<dir/sub/y.txt
(echo "through another process's link" > /proc/$$/fd/7); echo "write through /proc/\$\$/fd: $?"
cat dir/sub/y.txt
exec 5<ro.txt
(echo x > /proc/self/fd/5) 2>/dev/null; echo "write 0444 file as root: $?"
cat ro.txt
exec 3<&- 4<&- 5<&- 6<&- 7<&-
