# Special files: FIFOs (made with mkfifo and mknod, opened by processes at
# both ends, listed, stat'd, renamed, linked, their modes and owners
# changed, removed), a character device (root only: the test runs as
# root), a socket file made with mknod (opening it is ENXIO).
umask 022
cd "$D"
mkfifo p
mknod q p
stat -c '%n %F %a %s %h' p q
ls -l p q | cut -c1-10
[ -p p ] && echo "p: -p true"
# A writer and a reader in different processes; the reader waits.
(printf 'through the fifo\n' > p) &
cat p
wait
# Both ends opened by one shell, read and write.
exec 3<>q
echo 'rw open' >&3
read -r line <&3
echo "read back: $line"
exec 3>&-
# Renames, links, attributes.
mv p p2; stat -c '%n %F' p2
ln p2 p3; stat -c '%n %h' p2 p3
chmod 600 p2; chown 1:1 p3; stat -c '%n %a %u %g' p2 p3
(echo linked > p3) & cat p2; wait
rm p2; stat -c '%n %h' p3
mkdir sub; mkfifo sub/f; ls -F sub
find . -type p | sort
rm -r sub
# A character device: /dev/null's numbers.
mknod nul c 1 3
stat -c '%n %F %t:%T %a' nul
echo gone > nul; cat nul; echo "cat nul: $?"
mknod zero c 1 5
head -c 4 zero | od -An -tx1
# A socket file made with mknod: listed and stat'd; it opens nothing.
python3 -c 'import os, stat; os.mknod("s", 0o644 | stat.S_IFSOCK)'
stat -c '%n %F %a' s
cat s 2>/dev/null; echo "cat socket: $?"
python3 -c '
import errno, os
for name in ("s", "p3"):
    try:
        os.close(os.open(name, os.O_WRONLY | os.O_NONBLOCK))
        print(name, "opened")
    except OSError as e:
        print(name, errno.errorcode[e.errno])
'
ls -l | cut -c1-1 | sort | uniq -c | tr -s ' '
rm nul zero s p3 q
ls -A
