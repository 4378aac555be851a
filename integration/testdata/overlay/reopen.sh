# Opening a lower file again through /proc/self/fd/N of a read-only
# descriptor, for writing: the file is copied up and the copy written (the
# lower tree stays as it was), with O_TRUNC and with O_APPEND; for reading,
# the overlay file's data.
set -u
cd "$D"
exec 3<a.txt
cat /proc/self/fd/3
echo reopened > /proc/self/fd/3; echo "write: $?"
cat a.txt
exec 4<b.txt
echo more >> /proc/self/fd/4; echo "append: $?"
cat b.txt
exec 5<ro.txt
(echo x > /proc/self/fd/5) 2>/dev/null; echo "write 0444 file as root: $?"
cat ro.txt
exec 3<&- 4<&- 5<&-
