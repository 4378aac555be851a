# Several opens of one file in $D, as a build's tools and editors make
# them: what one descriptor writes (write, pwrite, O_APPEND, a shared
# mapping, ftruncate) the others and a fresh stat see at once, with the
# size and times the kernel gives; a file renamed or unlinked while open
# keeps its data. Through zvfs fuse, reads and writes of mem files go to
# the memfd by FUSE passthrough, so this is also its test.
import mmap
import os

D = os.environ["D"]
os.umask(0o022)
os.chdir(D)


def show(label, *fds):
    out = []
    for fd in fds:
        os.lseek(fd, 0, os.SEEK_SET)
        out.append(os.read(fd, 1 << 16))
    st = os.stat("f") if os.path.exists("f") else None
    print(label, out, None if st is None else (st.st_size, st.st_nlink, oct(st.st_mode)))


w = os.open("f", os.O_CREAT | os.O_RDWR, 0o644)
r = os.open("f", os.O_RDONLY)
a = os.open("f", os.O_WRONLY | os.O_APPEND)
os.write(w, b"hello")
show("write", r)
os.write(a, b" world")
show("append", r, w)
os.pwrite(w, b"J", 0)
show("pwrite", r)
os.ftruncate(w, 8192)
m = mmap.mmap(w, 8192)
m[8000:8003] = b"map"
m.flush()
os.lseek(r, 8000, os.SEEK_SET)
print("mapped", os.read(r, 3), os.fstat(r).st_size)
m.close()
os.ftruncate(w, 3)
show("truncated", r)
before = os.stat("f").st_mtime_ns
os.write(w, b"!")
print("mtime moved", os.fstat(r).st_mtime_ns >= before, os.fstat(r).st_size)
os.rename("f", "g")
os.write(a, b"+renamed")
print("renamed", open("g", "rb").read())
os.unlink("g")
os.write(a, b"+gone")
os.lseek(r, 0, os.SEEK_SET)
print("unlinked", os.read(r, 100), os.fstat(r).st_nlink)
for fd in (w, r, a):
    os.close(fd)

# A new file of the same name is another file: the old descriptors'
# data is not its.
with open("f", "wb") as f:
    f.write(b"second")
r2 = os.open("f", os.O_RDONLY)
with open("f", "ab") as f:
    f.write(b" file")
print("second", os.read(r2, 100))
os.close(r2)

# A set-user-ID file written by its owner keeps the bit only for root
# (the kernel clears it for anyone without CAP_FSETID).
with open("s", "wb") as f:
    f.write(b"x")
os.chmod("s", 0o4755)
with open("s", "ab") as f:
    f.write(b"y")
print("setuid", oct(os.stat("s").st_mode & 0o7777), os.geteuid() == 0)
