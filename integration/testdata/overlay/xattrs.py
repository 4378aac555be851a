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
