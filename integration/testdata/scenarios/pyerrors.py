# Errors by name, as root and (in a forked child) as uid 65534.
import errno
import os
import sys

D = os.environ["D"]
os.umask(0o022)


def t(label, f, *a, **kw):
    try:
        r = f(*a, **kw)
        if f is os.open:
            os.close(r)
            r = None
        if not isinstance(r, (int, str, bytes, list)):
            r = None
        print(label + ":", "ok" if r is None else f"ok {r}", flush=True)
    except OSError as e:
        print(label + ":", errno.errorcode[e.errno], flush=True)


def show(label, p):
    try:
        s = os.stat(p)
        print(label + ":", oct(s.st_mode), s.st_uid, s.st_gid, s.st_size, flush=True)
    except OSError as e:
        print(label + ":", errno.errorcode[e.errno], flush=True)


def write(p, data="x"):
    with open(p, "w") as f:
        f.write(data)


os.mkdir(f"{D}/dir")
write(f"{D}/dir/inner")
write(f"{D}/file")
os.mkdir(f"{D}/empty")
os.mkdir(f"{D}/full")
write(f"{D}/full/x")
os.symlink("file", f"{D}/link")
os.symlink("dir", f"{D}/dirlink")
os.symlink("nowhere", f"{D}/dangling")
os.symlink("loop2", f"{D}/loop1")
os.symlink("loop1", f"{D}/loop2")
R, W, RW = os.O_RDONLY, os.O_WRONLY, os.O_RDWR
C, X = os.O_CREAT, os.O_EXCL

t("open missing", os.open, f"{D}/missing", R)
t("open missing/x", os.open, f"{D}/nodir/x", R)
t("open missing/x O_CREAT", os.open, f"{D}/nodir/x", W | C)
t("mkdir existing dir", os.mkdir, f"{D}/dir")
t("mkdir existing file", os.mkdir, f"{D}/file")
t("mkdir existing symlink", os.mkdir, f"{D}/dangling")
t("rmdir non-empty", os.rmdir, f"{D}/dir")
t("rmdir file", os.rmdir, f"{D}/file")
t("rmdir missing", os.rmdir, f"{D}/missing")
t("rmdir dot", os.rmdir, f"{D}/empty/.")
t("rmdir symlink to dir", os.rmdir, f"{D}/dirlink")
t("unlink dir", os.unlink, f"{D}/dir")
t("unlink missing", os.unlink, f"{D}/missing")
t("open dir O_WRONLY", os.open, f"{D}/dir", W)
t("open dir O_RDWR", os.open, f"{D}/dir", RW)
t("open dir O_RDONLY", os.open, f"{D}/dir", R)
t("open dir O_CREAT", os.open, f"{D}/dir", R | C)
t("open through file", os.open, f"{D}/file/x", R)
t("mkdir through file", os.mkdir, f"{D}/file/x")
t("stat through file", os.stat, f"{D}/file/x")
t("O_EXCL existing", os.open, f"{D}/file", W | C | X)
t("O_EXCL dangling symlink", os.open, f"{D}/dangling", W | C | X)
t("O_EXCL dir", os.open, f"{D}/dir", R | C | X)
t("rename dir into itself", os.rename, f"{D}/dir", f"{D}/dir/sub")
t("rename onto non-empty dir", os.rename, f"{D}/empty", f"{D}/full")
t("rename file onto dir", os.rename, f"{D}/file", f"{D}/empty")
t("rename dir onto file", os.rename, f"{D}/empty", f"{D}/file")
t("rename missing", os.rename, f"{D}/missing", f"{D}/x")
t("rename dot", os.rename, f"{D}/dir/.", f"{D}/x")
t("readlink non-symlink", os.readlink, f"{D}/file")
t("readlink dir", os.readlink, f"{D}/dir")
t("readlink missing", os.readlink, f"{D}/missing")
t("stat symlink loop", os.stat, f"{D}/loop1")
t("open symlink loop", os.open, f"{D}/loop1", R)
t("open symlink loop O_CREAT", os.open, f"{D}/loop1", W | C)
t("name of 256 chars", os.open, f"{D}/{'a' * 256}", W | C)
t("mkdir name of 256 chars", os.mkdir, f"{D}/{'a' * 256}")
t("stat name of 256 chars", os.stat, f"{D}/{'a' * 256}")
t("name of 255 chars", os.open, f"{D}/{'a' * 255}", W | C)
t("unlink name of 255 chars", os.unlink, f"{D}/{'a' * 255}")
t("path longer than PATH_MAX", os.stat, D + "/a" * 2100)
t("trailing slash on file (stat)", os.stat, f"{D}/file/")
t("trailing slash on file (open)", os.open, f"{D}/file/", R)
t("trailing slash on file (unlink)", os.unlink, f"{D}/file/")
t("trailing slash on new file (O_CREAT)", os.open, f"{D}/newfile/", W | C)
t("trailing slash rename file to new", os.rename, f"{D}/file", f"{D}/file2/")
t("trailing slash on symlink to dir", os.stat, f"{D}/dirlink/")
t("trailing slash on new dir (mkdir)", os.mkdir, f"{D}/newdir/")
t("O_NOFOLLOW on symlink", os.open, f"{D}/link", R | os.O_NOFOLLOW)
t("O_NOFOLLOW on file", os.open, f"{D}/file", R | os.O_NOFOLLOW)
t("O_DIRECTORY on file", os.open, f"{D}/file", R | os.O_DIRECTORY)
t("O_DIRECTORY on symlink to dir", os.open, f"{D}/dirlink", R | os.O_DIRECTORY)
t("O_DIRECTORY|O_NOFOLLOW on symlink to dir", os.open, f"{D}/dirlink", R | os.O_DIRECTORY | os.O_NOFOLLOW)
t("O_CREAT on dangling symlink", os.open, f"{D}/dangling", W | C)
t("dangling target created", os.stat, f"{D}/nowhere")
t("link dir", os.link, f"{D}/dir", f"{D}/dirhard")
t("link onto existing", os.link, f"{D}/file", f"{D}/link")
t("link missing", os.link, f"{D}/missing", f"{D}/x")
t("symlink onto existing", os.symlink, "x", f"{D}/file")
t("chdir file", os.chdir, f"{D}/file")
t("listdir file", os.listdir, f"{D}/file")
t("truncate dir", os.truncate, f"{D}/dir", 0)
t("truncate negative", os.truncate, f"{D}/file", -1)
t("utime missing", os.utime, f"{D}/missing", None)
t("chmod missing", os.chmod, f"{D}/missing", 0o644)
t("chown missing", os.chown, f"{D}/missing", 0, 0)


def on_fd(path, flags, op):
    fd = os.open(path, flags)
    try:
        return op(fd)
    finally:
        os.close(fd)


t("read dir fd", on_fd, f"{D}/dir", R, lambda fd: os.read(fd, 10))
t("write dir fd", on_fd, f"{D}/dir", R, lambda fd: os.write(fd, b"x"))
t("write read-only fd", on_fd, f"{D}/file", R, lambda fd: os.write(fd, b"x"))
t("ftruncate read-only fd", on_fd, f"{D}/file", R, lambda fd: os.ftruncate(fd, 0))
t("lseek negative", on_fd, f"{D}/file", R, lambda fd: os.lseek(fd, -1, os.SEEK_SET))
t("fstat closed fd", lambda: os.fstat(on_fd(f"{D}/file", R, lambda fd: fd)))
t("fstat bad fd", os.fstat, 9999)
t("getxattr missing", os.getxattr, f"{D}/missing", "user.x")

# The checks as another user get their own tree, so that a failure above
# cannot change what they see.
D = D + "/perm"
os.mkdir(D)
os.mkdir(f"{D}/rootonly")
write(f"{D}/rootonly/f")
write(f"{D}/secret", "secret")
os.chmod(f"{D}/secret", 0o600)
write(f"{D}/public", "public")
os.mkdir(f"{D}/open")
os.chmod(f"{D}/open", 0o777)
os.mkdir(f"{D}/sticky")
os.chmod(f"{D}/sticky", 0o1777)
write(f"{D}/sticky/rootfile")
os.chmod(f"{D}/sticky/rootfile", 0o666)
os.mkdir(f"{D}/private")
os.chmod(f"{D}/private", 0o700)
write(f"{D}/private/f")
os.mkdir(f"{D}/noexec")
os.chmod(f"{D}/noexec", 0o766)
write(f"{D}/noexec/f")

sys.stdout.flush()
pid = os.fork()
if pid == 0:
    try:
        os.setgroups([])
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)
        print("as uid", os.getuid(), os.geteuid(), os.getgid(), os.getgroups(), flush=True)
        t("nobody: create in 0755 root dir", os.open, f"{D}/rootonly/new", W | C)
        t("nobody: read 0600 root file", os.open, f"{D}/secret", R)
        t("nobody: write 0644 root file", os.open, f"{D}/public", W)
        t("nobody: read 0644 root file", os.open, f"{D}/public", R)
        t("nobody: mkdir in root dir", os.mkdir, f"{D}/rootonly/d")
        t("nobody: unlink in root dir", os.unlink, f"{D}/rootonly/f")
        t("nobody: rename in root dir", os.rename, f"{D}/rootonly/f", f"{D}/rootonly/g")
        t("nobody: symlink in root dir", os.symlink, "x", f"{D}/rootonly/l")
        t("nobody: chmod root file", os.chmod, f"{D}/public", 0o777)
        t("nobody: chown root file", os.chown, f"{D}/public", 65534, 65534)
        t("nobody: utime now on 0644 root file", os.utime, f"{D}/public", None)
        t("nobody: utime explicit on 0666 root file", os.utime, f"{D}/sticky/rootfile", (1, 1))
        t("nobody: utime now on 0666 root file", os.utime, f"{D}/sticky/rootfile", None)
        t("nobody: truncate 0644 root file", os.truncate, f"{D}/public", 0)
        t("nobody: list 0700 dir", os.listdir, f"{D}/private")
        t("nobody: stat through 0700 dir", os.stat, f"{D}/private/f")
        t("nobody: list 0766 dir (no x)", os.listdir, f"{D}/noexec")
        t("nobody: stat through 0766 dir (no x)", os.stat, f"{D}/noexec/f")
        t("nobody: chdir 0700 dir", os.chdir, f"{D}/private")
        t("nobody: create in 0777 dir", os.open, f"{D}/open/mine", W | C, 0o644)
        show("nobody: own file", f"{D}/open/mine")
        t("nobody: chmod own file", os.chmod, f"{D}/open/mine", 0o600)
        t("nobody: chown own file to root", os.chown, f"{D}/open/mine", 0, -1)
        t("nobody: chown own file to other group", os.chown, f"{D}/open/mine", -1, 0)
        t("nobody: chown own file to own ids", os.chown, f"{D}/open/mine", 65534, 65534)
        t("nobody: set-gid on own file (not in group 0)", os.chmod, f"{D}/open/mine", 0o2755)
        show("nobody: own file", f"{D}/open/mine")
        t("nobody: unlink root file in sticky dir", os.unlink, f"{D}/sticky/rootfile")
        t("nobody: rename root file in sticky dir", os.rename, f"{D}/sticky/rootfile", f"{D}/sticky/x")
        t("nobody: write 0666 root file in sticky dir", os.open, f"{D}/sticky/rootfile", W)
        t("nobody: create in sticky dir", os.open, f"{D}/sticky/mine", W | C, 0o644)
        t("nobody: unlink own file in sticky dir", os.unlink, f"{D}/sticky/mine")
        t("nobody: hard link to 0600 root file", os.link, f"{D}/secret", f"{D}/open/hl")
        print("nobody: access", os.access(f"{D}/secret", os.R_OK), os.access(f"{D}/public", os.R_OK),
              os.access(f"{D}/public", os.W_OK), os.access(f"{D}/rootonly", os.W_OK), flush=True)
        t("nobody: rmdir own empty dir in 0777 dir", lambda: (os.mkdir(f"{D}/open/d"), os.rmdir(f"{D}/open/d"))[1])
        t("nobody: setuid 0", os.setuid, 0)
    except BaseException as e:
        print("child failed:", repr(e), flush=True)
    finally:
        sys.stdout.flush()
        os._exit(0)
_, status = os.waitpid(pid, 0)
print("child status", status)
for p in ["open/mine", "public", "sticky/rootfile", "rootonly/f", "secret"]:
    show("after " + p, f"{D}/{p}")
