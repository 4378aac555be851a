# The working directory follows renames, as the kernel's does: of itself,
# of a directory above it, by this process or another; getcwd, relative
# names and the programs it starts see where it went. Once it is removed
# (or another directory is renamed over it), relative names fail and
# getcwd is ENOENT, even after a new directory takes its name, stat(".")
# describes it with no link left, and ".." still leads to its parent.
import errno
import os
import stat
import subprocess

D = os.environ["D"]


def where():
    try:
        return os.getcwd().replace(D, "D")
    except OSError as e:
        return errno.errorcode[e.errno]


def attempt(f, *a):
    try:
        f(*a)
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]


os.chdir(D)
os.makedirs("a/b")
open("a/b/f", "w").write("x")
os.chdir("a/b")
os.rename(D + "/a", D + "/z")
print("renamed above", where(), os.listdir("."))
open("new", "w").close()
print("created", sorted(os.listdir(D + "/z/b")))
out = subprocess.run(["sh", "-c", "pwd; ls; cat f"], capture_output=True, text=True).stdout
print("child", out.replace(D, "D").split())
subprocess.run(["mv", D + "/z/b", D + "/moved"], check=True)
print("moved by another", where(), os.path.exists("f"))
os.rename(D + "/moved", D + "/z/again")
print("and back", where(), sorted(os.listdir(".")))

os.chdir(D)
os.mkdir("victim")
os.mkdir("over")
os.chdir("victim")
os.rename(D + "/over", D + "/victim")
print("renamed over", where(), attempt(open, "x", "w"), os.stat(".").st_nlink)
os.chdir(D)

os.mkdir("gone")
os.chdir("gone")
os.rmdir(D + "/gone")
print("removed", where(), attempt(open, "x", "w"), attempt(os.listdir, "f"))
st = os.stat(".")
print("stat . of the removed one", stat.S_ISDIR(st.st_mode), oct(stat.S_IMODE(st.st_mode)), st.st_nlink)
os.mkdir(D + "/gone")
print("name taken again", where(), attempt(open, "x", "w"))
os.chdir("..")
print("up", where(), sorted(os.listdir(".")))

# A directory renamed onto itself (or exchanged with itself) stays where
# it is: the kernel does nothing.
os.chdir(D)
os.mkdir("self")
os.chdir("self")
os.rename(D + "/self", D + "/self")
os.rename(D + "/self", D + "/../" + os.path.basename(D) + "/self")
print("renamed onto itself", where(), attempt(open, "x", "w"), sorted(os.listdir(".")))
os.chdir(D)
