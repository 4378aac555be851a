# Open files across a copy-up, as kernel overlayfs has them: the change
# goes to the copy, which every later open (and a second writer) shares,
# and which fstat of a descriptor opened before it describes; a shared
# mapping of the copy writes the copy. The lower tree is never written
# (the harness checks it). (Reading such an earlier descriptor gives the
# lower data under zvfs, the copy's under the kernel: a documented
# difference.)
import mmap
import os

os.chdir(os.environ["D"])
old = os.open("a.txt", os.O_RDONLY)
print("lower", os.read(old, 100))
w = os.open("a.txt", os.O_WRONLY | os.O_APPEND)
os.write(w, b"appended\n")
r = os.open("a.txt", os.O_RDONLY)
print("copy", os.read(r, 100))
print("held lower", os.fstat(old).st_size)
w2 = os.open("a.txt", os.O_RDWR)
os.pwrite(w2, b"A", 0)
os.lseek(r, 0, os.SEEK_SET)
print("second writer", os.read(r, 100), os.stat("a.txt").st_size)
m = mmap.mmap(w2, os.fstat(w2).st_size)
m[1:2] = b"L"
m.close()
print("mapped", open("a.txt", "rb").read())
for fd in (old, w, r, w2):
    os.close(fd)

# A hard-linked lower file opened read-only, then written by its other name.
h = os.open("h1", os.O_RDONLY)
with open("h2", "a") as f:
    f.write("linked\n")
print("h1 after", open("h1").read(), os.fstat(h).st_size)
os.close(h)

# Attribute changes through a read-only descriptor of a lower file: the
# first copies it up, and a stat by name sees every one, the later ones too.
d = os.open("dir/x.txt", os.O_RDONLY)
os.fchmod(d, 0o600)
os.utime(d, (5, 5))
st = os.stat("dir/x.txt")
print("after fchmod, futimens", oct(st.st_mode & 0o7777), int(st.st_mtime))
os.fchmod(d, 0o640)
os.utime(d, (7, 7))
st = os.stat("dir/x.txt")
print("and again", oct(st.st_mode & 0o7777), int(st.st_mtime))
os.close(d)
