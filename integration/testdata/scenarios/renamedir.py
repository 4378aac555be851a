# Names relative to an open directory after it was renamed (or a directory
# above it was): they are looked up where the directory is now, as the
# kernel looks them up from the directory itself; once it is removed, new
# names cannot be made in it.
import errno
import os

D = os.environ["D"]
os.umask(0o022)
os.chdir(D)
os.makedirs("a/d")
open("a/d/old", "w").close()
fd = os.open("a/d", os.O_RDONLY | os.O_DIRECTORY)
os.rename("a/d", "a/e")
os.rename("a", "b")
os.close(os.open("new", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
print(sorted(os.listdir("b/e")))
print(os.stat("old", dir_fd=fd).st_size, os.path.exists("b/e/new"))
os.mkdir("sub", dir_fd=fd)
os.rename("new", "sub/moved", src_dir_fd=fd, dst_dir_fd=fd)
print(sorted(os.listdir("b/e")), os.listdir("b/e/sub"))
os.unlink("sub/moved", dir_fd=fd)
os.rmdir("sub", dir_fd=fd)
os.unlink("old", dir_fd=fd)
os.rmdir("b/e")
try:
    os.open("again", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd)
except OSError as e:
    print("in the removed directory:", errno.errorcode[e.errno])
os.close(fd)
print(sorted(os.listdir(".")))
