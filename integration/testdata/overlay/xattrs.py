# Extended attributes in an overlay: on a new file, and on a lower file,
# which the first setxattr copies up (its data and mode go along).
import errno
import os

D = os.environ["D"]
os.chdir(D)
open("new", "w").close()
os.setxattr("new", "user.n", b"new")
print(os.listxattr("new"), os.getxattr("new", "user.n"))
print(os.listxattr("a.txt"))
os.setxattr("a.txt", "user.up", b"copied up")
print(os.listxattr("a.txt"), os.getxattr("a.txt", "user.up"), open("a.txt").read().strip(), oct(os.stat("a.txt").st_mode))
os.removexattr("a.txt", "user.up")
print(os.listxattr("a.txt"))
try:
    os.getxattr("dir/x.txt", "user.none")
except OSError as e:
    print("lower, none:", errno.errorcode[e.errno])
os.setxattr("dir", "user.dir", b"d")
print(os.listxattr("dir"), sorted(os.listdir("dir")))
# Through /proc/self/fd/N of a read-only descriptor of a lower file, and
# through the descriptor itself: the file is copied up, the lower file
# keeps its attributes.
fd = os.open("b.txt", os.O_RDONLY)
link = "/proc/self/fd/%d" % fd
os.setxattr(link, "user.via", b"link")
print(os.listxattr("b.txt"), os.getxattr(link, "user.via"), sorted(os.listxattr(link)))
os.setxattr(fd, "user.fd", b"fd")
print(sorted(os.listxattr("b.txt")), os.getxattr(fd, "user.fd"))
os.removexattr(link, "user.via")
print(os.listxattr(fd))
os.close(fd)
