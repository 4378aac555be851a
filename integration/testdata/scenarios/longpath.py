# Relative names up to PATH_MAX - 1 bytes from a working directory in $D:
# the kernel's limit is on the name the program passes, not on the working
# directory joined to it (which the stub sends).
import errno
import os

D = os.environ["D"]
os.umask(0o022)
os.chdir(D)
chain = "/".join(["d" * 200] * 20)  # 4 019 bytes
os.makedirs(chain)


def attempt(label, f, *a):
    try:
        r = f(*a)
        print(label, "ok", "" if r is None else r)
    except OSError as e:
        print(label, errno.errorcode[e.errno])


for n in (4060, 4090, 4094, 4095, 4096):
    name = chain + "/" + "f" * (n - len(chain) - 1)
    assert len(name) == n

    def create(name=name, n=n):
        fd = os.open(name, os.O_CREAT | os.O_WRONLY, 0o644)
        os.write(fd, b"x" * (n % 7))
        os.close(fd)

    attempt(n, create)
    attempt(n, lambda name=name: os.stat(name).st_size)
    attempt(n, lambda name=name: os.rename(name, name[:-1] + "g"))
    attempt(n, lambda name=name: os.unlink(name[:-1] + "g"))

# Deep inside, names relative to the deep directory, and a listing.
os.chdir(chain)
attempt("mkdir", os.mkdir, "sub")
attempt("listing", lambda: sorted(os.listdir(".")))
attempt("rmdir", os.rmdir, "sub")
os.chdir(D)
attempt("rmtree", lambda: os.removedirs(chain))
attempt("left", lambda: sorted(os.listdir(D)))
