// staticprog exercises the file calls of a statically linked program in
// the directory its first argument names: run natively on a tmpfs and under
// zvfs on a mount, its output must be the same.
package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
)

func main() {
	d := os.Args[1]
	if len(os.Args) > 2 && os.Args[2] == "child" {
		b, err := os.ReadFile("note")
		fmt.Printf("child: %q %v\n", b, err)
		wd, _ := os.Getwd()
		fmt.Println("child cwd", rel(d, wd))
		return
	}
	must(os.WriteFile(filepath.Join(d, "a"), []byte("alpha\n"), 0o640))
	b, err := os.ReadFile(filepath.Join(d, "a"))
	fmt.Printf("read %q %v\n", b, err)
	fi, err := os.Stat(filepath.Join(d, "a"))
	fmt.Println("stat", fi.Size(), fi.Mode(), err)
	must(os.MkdirAll(filepath.Join(d, "x/y/z"), 0o755))
	must(os.Rename(filepath.Join(d, "a"), filepath.Join(d, "x/y/b")))
	_, err = os.Stat(filepath.Join(d, "a"))
	fmt.Println("old name:", os.IsNotExist(err))
	must(os.Symlink("y/b", filepath.Join(d, "x/link")))
	l, err := os.Readlink(filepath.Join(d, "x/link"))
	fmt.Println("link", l, err)

	// Many goroutines, so many threads, making file calls at once.
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := filepath.Join(d, fmt.Sprintf("f%02d", i))
			for range 20 {
				must(os.WriteFile(p, []byte(fmt.Sprint("file ", i)), 0o644))
				if _, err := os.Stat(p); err != nil {
					panic(err)
				}
			}
		}()
	}
	wg.Wait()
	list(d)

	// A working directory in the mount, names relative to it.
	must(os.Chdir(filepath.Join(d, "x")))
	wd, err := os.Getwd()
	fmt.Println("cwd", rel(d, wd), err)
	must(os.WriteFile("note", []byte("relative\n"), 0o644))
	b, err = os.ReadFile("y/b")
	fmt.Printf("relative read %q %v\n", b, err)
	b, err = os.ReadFile("../x/note")
	fmt.Printf("dotdot read %q %v\n", b, err)

	// exec of itself (static) and of a dynamic program, from the working
	// directory in the mount.
	out, err := exec.Command(os.Args[0], d, "child").CombinedOutput()
	fmt.Printf("%s%v\n", out, err)
	out, err = exec.Command("ls", "-1", ".", "y").CombinedOutput()
	fmt.Printf("ls: %s%v\n", out, err)
	out, err = exec.Command("sh", "-c", "cat note; cd y && pwd").CombinedOutput()
	fmt.Printf("sh: %s%v\n", rel(d, string(out)), err)

	// A Unix-domain socket bound by a name relative to the working
	// directory, dialled by its absolute path, and by a dynamic program.
	ln, err := net.Listen("unix", "srv.sock")
	if err != nil {
		panic(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 64)
			n, _ := c.Read(buf)
			c.Write(append([]byte("echo "), buf[:n]...))
			c.Close()
		}
	}()
	c, err := net.Dial("unix", filepath.Join(d, "x/srv.sock"))
	if err != nil {
		panic(err)
	}
	c.Write([]byte("static"))
	reply, _ := io.ReadAll(c)
	fmt.Printf("socket: %s\n", reply)
	out, err = exec.Command("python3", "-c", `import socket; s = socket.socket(socket.AF_UNIX); s.connect("srv.sock"); s.send(b"dynamic"); print(s.recv(64).decode())`).CombinedOutput()
	fmt.Printf("python: %s%v\n", out, err)
	fi, err = os.Lstat("srv.sock")
	fmt.Println("socket file:", fi.Mode()&os.ModeSocket != 0, err)
	ln.Close()

	must(os.Chdir("/"))
	must(os.RemoveAll(filepath.Join(d, "x")))
	list(d)
	_, err = os.Open(filepath.Join(d, "missing"))
	fmt.Println("missing:", err != nil && os.IsNotExist(err))
}

func list(d string) {
	var names []string
	filepath.Walk(d, func(p string, fi os.FileInfo, err error) error {
		if err == nil && p != d {
			names = append(names, fmt.Sprintf("%s %v %d", rel(d, p), fi.Mode(), fi.Size()))
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		fmt.Println(n)
	}
}

func rel(d, p string) string {
	for i := 0; i+len(d) <= len(p); i++ {
		if p[i:i+len(d)] == d {
			return p[:i] + "$D" + rel(d, p[i+len(d):])
		}
	}
	return p
}

func must(err error) {
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}
