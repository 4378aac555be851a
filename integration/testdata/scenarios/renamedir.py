# An open directory follows renames, as the kernel's descriptor does:
# names relative to it are looked up where it went (it or a directory above
# it renamed); fstat of it after another directory was renamed over it
# describes it, removed (nlink 0), not its replacement; a removed one takes
# no new names. Run on mem against tmpfs and, through overlay/renamedir.py
# (a link to this file), on the overlay against kernel overlayfs.
import errno
import os
import stat

os.chdir(os.environ["D"])
os.umask(0o022)
os.makedirs("a/d")
open("a/d/old", "w").close()
fd = os.open("a/d", os.O_RDONLY | os.O_DIRECTORY)
os.rename("a/d", "a/e")
os.rename("a", "b")
os.close(os.open("new", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
print(sorted(os.listdir("b/e")), os.stat("old", dir_fd=fd).st_size)
os.mkdir("sub", dir_fd=fd)
os.rename("new", "sub/moved", src_dir_fd=fd, dst_dir_fd=fd)
print(sorted(os.listdir("b/e")), os.listdir("b/e/sub"))
print(sorted(os.listdir(fd)))

os.mkdir("x", 0o700)
os.mkdir("y", 0o755)
xfd = os.open("x", os.O_RDONLY | os.O_DIRECTORY)
os.rename("y", "x")
st = os.fstat(xfd)
print("replaced", oct(stat.S_IMODE(st.st_mode)), st.st_nlink)
try:
    os.open("again", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=xfd)
except OSError as e:
    print("in the replaced directory:", errno.errorcode[e.errno])
os.close(xfd)

os.unlink("sub/moved", dir_fd=fd)
os.rmdir("sub", dir_fd=fd)
os.unlink("old", dir_fd=fd)
os.rmdir("b/e")
try:
    os.open("again", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd)
except OSError as e:
    print("in the removed directory:", errno.errorcode[e.errno])
print("removed", os.fstat(fd).st_nlink)
os.close(fd)
print(sorted(os.listdir(".")))
