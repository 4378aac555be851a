# The same rules through Python's os module, with errno names.
import errno, os
os.chdir(os.environ["D"])
def tryit(label, f):
    try:
        r = f()
        print(label, "ok", "" if r is None else r)
    except OSError as e:
        print(label, errno.errorcode[e.errno])
tryit("open lower", lambda: open("a.txt").read().strip())
tryit("O_EXCL lower", lambda: os.open("a.txt", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
tryit("unlink dir", lambda: os.unlink("dir"))
tryit("rmdir nonempty", lambda: os.rmdir("dir"))
tryit("rmdir file", lambda: os.rmdir("a.txt"))
tryit("open dir for write", lambda: os.open("dir", os.O_WRONLY))
tryit("listdir file", lambda: os.listdir("a.txt"))
tryit("rename file onto dir", lambda: os.rename("a.txt", "dir"))
# (A directory of the lower layer renamed: the kernel answers EXDEV before
# anything else, zvfs renames it; a documented difference. An upper one:)
os.mkdir("newdir")
tryit("rename onto nonempty dir", lambda: os.rename("newdir", "dir"))
tryit("readlink", lambda: os.readlink("link"))
tryit("write", lambda: open("dir/x.txt", "a").write("!"))
tryit("read back", lambda: open("dir/x.txt").read())
tryit("rename file", lambda: os.rename("b.txt", "dir/b.txt"))
tryit("stat old", lambda: os.stat("b.txt"))
tryit("stat new", lambda: oct(os.stat("dir/b.txt").st_mode))
tryit("utime", lambda: os.utime("h1", (5, 7)))
tryit("mtime", lambda: os.stat("h1").st_mtime)
tryit("hard link count kept", lambda: os.stat("h2").st_nlink)
for root, dirs, files in os.walk("."):
    dirs.sort()
    print(root, sorted(files))
