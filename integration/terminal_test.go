package integration

// A run in a terminal: the program shares zvfs's process group, so a ^C
// typed at the terminal reaches it once (zvfs does not pass it on again),
// while a SIGINT or SIGQUIT sent to zvfs alone (kill -INT PID) is passed
// on. The same script runs without zvfs as the oracle.

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPty returns a new pseudo-terminal's master and slave.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

func TestTerminalInterrupts(t *testing.T) {
	requireHook(t)
	script := `n=0; trap 'n=$((n+1)); echo INT $n' INT; trap 'n=$((n+1)); echo QUIT $n' QUIT; ` +
		`echo ready; while [ $n -lt 3 ]; do sleep 0.05; done; echo done`
	for _, prefix := range [][]string{nil, {zvfsBin, "--"}} {
		name := "native"
		if prefix != nil {
			name = "zvfs"
		}
		t.Run(name, func(t *testing.T) {
			master, slave := openPty(t)
			argv := append(append([]string{}, prefix...), "sh", "-c", script)
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
			// Its own session, with the terminal as its controlling one and
			// its process group in the foreground, as a shell starts a job.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
			out := &lockedBuffer{}
			go io.Copy(out, master)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			waitOut := func(s string) {
				t.Helper()
				for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), s); time.Sleep(10 * time.Millisecond) {
					if time.Now().After(deadline) {
						cmd.Process.Kill()
						t.Fatalf("no %q in %q", s, out.String())
					}
				}
			}
			waitOut("ready")
			master.Write([]byte{3}) // ^C: SIGINT to the foreground group
			waitOut("INT 1")
			cmd.Process.Signal(syscall.SIGINT) // to the first process alone
			waitOut("INT 2")
			cmd.Process.Signal(syscall.SIGQUIT)
			waitOut("QUIT 3")
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("exit: %v; output %q", err, out.String())
				}
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("did not exit; output %q", out.String())
			}
			// A ^C passed on twice would have counted twice.
			if got := out.String(); strings.Contains(got, "INT 3") || strings.Contains(got, "QUIT 4") {
				t.Errorf("an interrupt arrived twice: %q", got)
			}
		})
	}
}
