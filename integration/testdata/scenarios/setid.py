# Set-user-ID and set-group-ID bits cleared by an unprivileged writer, as
# the kernel clears them (pjdfstest chmod/12.t and more): a write, a
# truncate (by name and by descriptor) and an O_TRUNC open by uid 65534
# clear S_ISUID, and S_ISGID when the group may execute; root's writes
# keep them.
import os
import stat

D = os.environ["D"]
os.chdir(D)
os.chmod(".", 0o777)
modes = [0o4777, 0o2777, 0o6777, 0o2767, 0o4757]


def make(name, mode):
    with open(name, "w") as f:
        f.write("data")
    os.chmod(name, mode)


def as_nobody(f):
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            f()
            os._exit(0)
        except OSError as e:
            print("  child:", e.strerror)
            os._exit(1)
    os.waitpid(pid, 0)


def write():
    fd = os.open("f", os.O_WRONLY)
    os.write(fd, b"x")
    os.close(fd)


def ftrunc():
    fd = os.open("f", os.O_WRONLY)
    os.ftruncate(fd, 1)
    os.close(fd)


def otrunc():
    os.close(os.open("f", os.O_WRONLY | os.O_TRUNC))


for label, act in [("write", write), ("truncate", lambda: os.truncate("f", 2)), ("ftruncate", ftrunc), ("O_TRUNC", otrunc)]:
    for mode in modes:
        make("f", mode)
        as_nobody(act)
        print(label, oct(mode), "->", oct(stat.S_IMODE(os.stat("f").st_mode)))
        os.unlink("f")
make("f", 0o6777)
write()
print("root's write keeps", oct(stat.S_IMODE(os.stat("f").st_mode)))
