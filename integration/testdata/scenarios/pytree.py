# os.walk, shutil.copytree, tempfile, os.scandir, os.stat fields, mmap.
import mmap
import os
import shutil
import stat
import tempfile

D = os.environ["D"]
os.umask(0o022)


def rel(p):
    return os.path.relpath(p, D)


def walk(top, **kw):
    for root, dirs, files in os.walk(top, **kw):
        dirs.sort()
        print("walk", rel(root), sorted(dirs), sorted(files))


def st(p, follow=True):
    s = os.stat(p, follow_symlinks=follow)
    print("stat", rel(p), stat.filemode(s.st_mode), oct(stat.S_IMODE(s.st_mode)),
          s.st_nlink, s.st_size if not stat.S_ISLNK(s.st_mode) or not os.readlink(p).startswith(D) else "-",
          s.st_uid, s.st_gid)


os.makedirs(f"{D}/tree/a/b/c")
os.makedirs(f"{D}/tree/x", mode=0o750)
for p, data in [("tree/a/f1", b"one"), ("tree/a/b/f2", b"two" * 1000), ("tree/x/f3", b"")]:
    with open(f"{D}/{p}", "wb") as f:
        f.write(data)
os.symlink("a/f1", f"{D}/tree/l1")
os.symlink("missing", f"{D}/tree/dangling")
os.symlink("a", f"{D}/tree/ldir")
os.link(f"{D}/tree/a/f1", f"{D}/tree/x/hard")
os.chmod(f"{D}/tree/a/b/f2", 0o600)
os.utime(f"{D}/tree/a/f1", ns=(1_000_000_000_123_456_789, 1_100_000_000_987_654_321))

walk(f"{D}/tree")
walk(f"{D}/tree", followlinks=True)
print("bottom-up", [rel(r) for r, _, _ in sorted(os.walk(f"{D}/tree", topdown=False))])
print("makedirs exist_ok", os.makedirs(f"{D}/tree/a/b", exist_ok=True))
try:
    os.makedirs(f"{D}/tree/a/b")
except FileExistsError as e:
    print("makedirs", e.errno == 17)

shutil.copytree(f"{D}/tree", f"{D}/copy", symlinks=True)
walk(f"{D}/copy")
for p in ["copy", "copy/a", "copy/a/f1", "copy/a/b/f2", "copy/l1", "copy/dangling", "copy/x", "copy/x/hard"]:
    st(f"{D}/{p}", follow=False)
print("copy2 kept mtime", os.stat(f"{D}/copy/a/f1").st_mtime_ns == os.stat(f"{D}/tree/a/f1").st_mtime_ns)
try:
    shutil.copytree(f"{D}/tree", f"{D}/copy")
except FileExistsError as e:
    print("copytree onto existing", e.errno)
shutil.copytree(f"{D}/tree", f"{D}/deref", ignore_dangling_symlinks=True)
walk(f"{D}/deref")
shutil.copyfile(f"{D}/tree/a/b/f2", f"{D}/copied")
print("copyfile", os.path.getsize(f"{D}/copied"), open(f"{D}/copied", "rb").read(6))
shutil.copy2(f"{D}/tree/a/f1", f"{D}/copy2ed")
print("copy2", oct(os.stat(f"{D}/copy2ed").st_mode), os.stat(f"{D}/copy2ed").st_mtime_ns)
shutil.move(f"{D}/deref", f"{D}/moved")
shutil.rmtree(f"{D}/moved")
print("after rmtree", sorted(os.listdir(D)))
print("samefile", os.path.samefile(f"{D}/tree/a/f1", f"{D}/tree/x/hard"),
      os.path.samefile(f"{D}/tree/a/f1", f"{D}/copy/a/f1"))

fd, name = tempfile.mkstemp(dir=D, prefix="tmp-", suffix=".x")
print("mkstemp", os.path.dirname(name) == D, os.path.basename(name).startswith("tmp-"), name.endswith(".x"))
s = os.fstat(fd)
print("mkstemp stat", oct(s.st_mode), s.st_nlink, s.st_size)
os.write(fd, b"abc")
os.close(fd)
print("mkstemp size", os.path.getsize(name))
os.unlink(name)
td = tempfile.mkdtemp(dir=D)
print("mkdtemp", oct(os.stat(td).st_mode), os.stat(td).st_nlink)
os.rmdir(td)
with tempfile.TemporaryDirectory(dir=D) as t:
    open(f"{t}/inside", "w").write("x")
    print("TemporaryDirectory", os.listdir(t))
print("TemporaryDirectory removed", not os.path.exists(t))
with tempfile.NamedTemporaryFile(dir=D) as f:
    f.write(b"named")
    f.flush()
    print("NamedTemporaryFile", os.path.getsize(f.name), os.path.dirname(f.name) == D)
print("NamedTemporaryFile removed", not os.path.exists(f.name))
before = sorted(os.listdir(D))
with tempfile.TemporaryFile(dir=D) as f:
    f.write(b"anonymous")
    f.seek(0)
    print("TemporaryFile", f.read(), sorted(os.listdir(D)) == before)

with os.scandir(f"{D}/tree") as it:
    for e in sorted(it, key=lambda e: e.name):
        s = e.stat(follow_symlinks=False)
        print("scandir", e.name, e.is_dir(), e.is_file(), e.is_symlink(),
              e.is_dir(follow_symlinks=False), stat.filemode(s.st_mode), s.st_nlink)
for p in ["", "tree", "tree/a", "tree/a/b", "tree/a/f1", "tree/a/b/f2", "tree/x/f3", "tree/l1", "tree/ldir"]:
    st(os.path.join(D, p))
st(f"{D}/tree/l1", follow=False)
s = os.stat(f"{D}/tree/a/f1")
print("mtime", s.st_mtime_ns)
os.utime(f"{D}/tree/a/f1", (5, 6))
print("utime", os.stat(f"{D}/tree/a/f1").st_atime, os.stat(f"{D}/tree/a/f1").st_mtime)
print("listdir", sorted(os.listdir(f"{D}/tree")))
print("lexists", os.path.lexists(f"{D}/tree/dangling"), os.path.exists(f"{D}/tree/dangling"))
print("islink isdir isfile", os.path.islink(f"{D}/tree/ldir"), os.path.isdir(f"{D}/tree/ldir"),
      os.path.isfile(f"{D}/tree/l1"))
print("realpath", rel(os.path.realpath(f"{D}/tree/ldir/b/../f1")))
print("access", os.access(f"{D}/tree/a/f1", os.R_OK | os.W_OK), os.access(f"{D}/tree/a/f1", os.X_OK))

os.chdir(f"{D}/tree/a")
print("getcwd", rel(os.getcwd()))
print("relative", open("b/../f1").read(), sorted(os.listdir("..")))
os.rename("f1", "../renamed")
os.replace("../renamed", "f1")
os.chdir(D)

with open(f"{D}/mapped", "wb") as f:
    f.write(b"0123456789" * 1000)
with open(f"{D}/mapped", "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
    print("mmap", len(m), m[5:15])
    m[0:5] = b"HELLO"
    m.flush()
    m.close()
print("after mmap", open(f"{D}/mapped", "rb").read(12))
with open(f"{D}/mapped", "r+b") as f:
    f.truncate(20000)
    f.seek(0, 2)
    print("truncate grow", f.tell())
with open(f"{D}/t.txt", "w") as f:
    print("text", file=f)
with open(f"{D}/t.txt", "a+") as f:
    f.write("more\n")
    f.seek(0)
    print("a+", f.read().split())
fd = os.open(f"{D}/t.txt", os.O_RDWR)
print("pread pwrite", os.pread(fd, 4, 0), os.pwrite(fd, b"TE", 0), os.pread(fd, 4, 0))
print("lseek", os.lseek(fd, 0, os.SEEK_END), os.lseek(fd, -3, os.SEEK_END))
os.ftruncate(fd, 2)
print("ftruncate", os.fstat(fd).st_size)
os.fsync(fd)
os.close(fd)
print("final", sorted(os.listdir(D)))
