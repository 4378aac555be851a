# A Unix-domain socket bound in an overlay (in a lower directory, by a
# relative name), connected from a child, listed, removed.
import os
import socket
import stat

D = os.environ["D"]
os.chdir(D + "/dir")
srv = socket.socket(socket.AF_UNIX)
srv.bind("sock")
srv.listen(1)
pid = os.fork()
if pid == 0:
    c = socket.socket(socket.AF_UNIX)
    c.connect(D + "/dir/sock")
    c.sendall(b"through the overlay")
    os._exit(0)
conn, _ = srv.accept()
print(conn.recv(64).decode())
os.waitpid(pid, 0)
print(sorted(os.listdir(".")), stat.S_ISSOCK(os.lstat("sock").st_mode))
os.unlink("sock")
print(sorted(os.listdir(".")))
