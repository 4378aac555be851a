# Extended attributes: user.* set, listed, read and removed by path, by
# descriptor and on a directory; XATTR_CREATE and XATTR_REPLACE; the
# kernel's errors for a missing attribute, an unknown namespace, a name or
# value too long; user.* on a symbolic link (EPERM); trusted.* for root
# only; what uid 65534 may read and change.
import errno
import os
d = os.environ["D"]
os.chdir(d)
open("f", "w").close()
os.setxattr("f", "user.a", b"alpha")
os.setxattr("f", "user.b", b"")
print(sorted(os.listxattr("f")), os.getxattr("f", "user.a"))
for f, a in [("create existing", lambda: os.setxattr("f", "user.a", b"x", os.XATTR_CREATE)),
             ("replace missing", lambda: os.setxattr("f", "user.c", b"x", os.XATTR_REPLACE)),
             ("get missing", lambda: os.getxattr("f", "user.zz")),
             ("bad namespace", lambda: os.setxattr("f", "foo.bar", b"x")),
             ("too long name", lambda: os.setxattr("f", "user." + "n" * 300, b"x")),
             ("too big", lambda: os.setxattr("f", "user.big", b"x" * 70000)),
             ("remove missing", lambda: os.removexattr("f", "user.zz"))]:
    try: a(); print(f, "ok")
    except OSError as e: print(f, errno.errorcode[e.errno])
os.removexattr("f", "user.b")
os.symlink("f", "l")
print(os.listxattr("l"), os.listxattr("l", follow_symlinks=False))
try: os.setxattr("l", "user.x", b"1", follow_symlinks=False)
except OSError as e: print("user on symlink", errno.errorcode[e.errno])
os.setxattr("f", "trusted.t", b"root only")
print(sorted(os.listxattr("f")))
fd = os.open("f", os.O_RDONLY)
os.setxattr(fd, "user.fd", b"by fd")
print(sorted(os.listxattr(fd)), os.getxattr(fd, "user.fd"))
os.close(fd)
os.mkdir("dir"); os.setxattr("dir", "user.d", b"dirattr"); print(os.getxattr("dir", "user.d"))
pid = os.fork()
if pid == 0:
    os.setgid(65534); os.setuid(65534)
    for f, a in [("nobody get", lambda: os.getxattr("f", "user.a")),
                 ("nobody list", lambda: print(sorted(os.listxattr("f")))),
                 ("nobody set", lambda: os.setxattr("f", "user.n", b"x")),
                 ("nobody trusted", lambda: os.getxattr("f", "trusted.t"))]:
        try: a(); print(f, "ok")
        except OSError as e: print(f, errno.errorcode[e.errno])
    os._exit(0)
os.waitpid(pid, 0)
