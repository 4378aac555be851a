# Unix-domain sockets by path: bound by absolute and relative names (the
# working directory in $D), connected from another process, stream and
# datagram; the socket file's type, mode (0777 less the umask) and
# listing; EADDRINUSE, ECONNREFUSED, ENOENT after unlink, EACCES without
# write permission (in a forked child as uid 65534); getsockname gives
# the name bound; abstract names are the kernel's alone.
import errno
import os
import socket
import stat

D = os.environ["D"]
os.umask(0o022)
os.chdir(D)


def err(label, f, *a):
    try:
        f(*a)
        print(label, "ok")
    except OSError as e:
        print(label, errno.errorcode[e.errno])


srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind("s1")
srv.listen(4)
st = os.lstat(D + "/s1")
print("s1", stat.S_ISSOCK(st.st_mode), oct(st.st_mode & 0o7777), st.st_nlink, st.st_size)
pid = os.fork()
if pid == 0:
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(D + "/s1")
    c.sendall(b"from the child")
    os._exit(0)
conn, _ = srv.accept()
print(conn.recv(64).decode())
conn.close()
os.waitpid(pid, 0)

os.mkdir("sub")
dg = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
dg.bind(D + "/sub/dg")
snd = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
snd.connect("sub/dg")
snd.send(b"datagram")
print(dg.recv(64).decode())
print(sorted(os.listdir(".")), sorted(os.listdir("sub")))
# The names as bound, relative or absolute (not where zvfs binds them).
print("names", srv.getsockname(), dg.getsockname().replace(D, "$D"))

again = socket.socket(socket.AF_UNIX)
err("bind over s1", again.bind, "s1")
open("plain", "w").close()
err("bind over a file", again.bind, "plain")
err("connect to a file", again.connect, "plain")
err("connect to nothing", again.connect, "none")
os.mknod("made", 0o644 | stat.S_IFSOCK)
err("connect to a socket file nothing serves", again.connect, "made")
os.rename("s1", "sub/moved")
c = socket.socket(socket.AF_UNIX)
err("connect by the new name", c.connect, "sub/moved")
os.chmod("sub/moved", 0o700)
pid = os.fork()
if pid == 0:
    os.setgid(65534)
    os.setuid(65534)
    c = socket.socket(socket.AF_UNIX)
    err("connect without write permission", c.connect, D + "/sub/moved")
    os._exit(0)
os.waitpid(pid, 0)
os.unlink("sub/moved")
err("connect after unlink", socket.socket(socket.AF_UNIX).connect, "sub/moved")
ab = socket.socket(socket.AF_UNIX)
ab.bind("\0zvfs-scenario-%d" % os.getpid())
print("abstract", sorted(os.listdir(".")))
srv.close()
