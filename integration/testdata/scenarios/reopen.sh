# need: setpriv python3
# Opening a file again through /proc/self/fd/N of a read-only descriptor:
# the kernel checks the opener's access to the file itself, as for an open
# by name (uid 65534, setpriv, against root's files and its own 0444 one);
# O_TRUNC truncates; O_PATH needs no access.
umask 022
chmod 1777 "$D"
echo secret > "$D/f"; chmod 0644 "$D/f"
echo locked > "$D/g"; chmod 0000 "$D/g"
nob() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nob sh -c '
exec 3<"$D/f"
cat /proc/self/fd/3; echo "read again: $?"
(echo x > /proc/self/fd/3) 2>/dev/null; echo "write root 0644 file: $?"
(echo x >> /proc/self/fd/3) 2>/dev/null; echo "append root 0644 file: $?"
(echo x > /proc/$$/fd/3) 2>/dev/null; echo "write it through another process'"'"'s link: $?"
echo ro > "$D/mine"; chmod 0444 "$D/mine"; exec 4<"$D/mine"
(echo x > /proc/self/fd/4) 2>/dev/null; echo "write own 0444 file: $?"
(echo x > /dev/fd/4) 2>/dev/null; echo "write it through /dev/fd: $?"
(exec 0<"$D/mine"; echo x > /dev/stdin) 2>/dev/null; echo "write it through /dev/stdin: $?"
cat "$D/mine"
'
nob env PATH=/usr/bin:/bin python3 -c '
import os
fd = os.open(os.environ["D"] + "/f", os.O_RDONLY)
try:
    os.truncate("/proc/self/fd/%d" % fd, 1)
    print("truncate(2) root 0644 file: done")
except OSError as e:
    print("truncate(2) root 0644 file:", e.strerror)
'
cat "$D/f"
exec 5<"$D/f"
echo root > /proc/self/fd/5; echo "root writes 0644 file: $?"
cat "$D/f"
exec 6<"$D/mine"
echo rootmine > /proc/self/fd/6; echo "root writes 0444 file: $?"
cat "$D/mine"
exec 5<&- 6<&-
# Attributes read through another process's link (a subshell's
# /proc/$$/fd/N) are the file's, not those of what holds its data.
echo attrs > "$D/a"; chmod 0640 "$D/a"
exec 7<"$D/a"
( stat -L -c '%A %s %h %U' /proc/$$/fd/7 )
( python3 -c 'import os, sys; st = os.stat("/proc/%s/fd/7" % sys.argv[1]); print(oct(st.st_mode), st.st_size, st.st_nlink)' $$ )
exec 7<&-
