package fdtable

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestTable: a placeholder leads back to its open file description, a
// duplicate too; Mark leaves a byte the holder can peek at; the last close
// releases the description.
func TestTable(t *testing.T) {
	tab := New()
	closed := make(chan struct{})
	o := &Open{Path: "/data/d", Close: func() { close(closed) }}
	fd, err := tab.Add(o)
	if err != nil {
		t.Fatal(err)
	}
	dup, err := unix.Dup(fd)
	if err != nil {
		t.Fatal(err)
	}
	if tab.Lookup(fd) != o || tab.Lookup(dup) != o {
		t.Fatal("Lookup does not find the placeholder")
	}
	if tab.Lookup(0) != nil {
		t.Error("Lookup found a descriptor that is not a placeholder")
	}
	var b [4]byte
	if n, _, err := unix.Recvfrom(dup, b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT); n > 0 || err != unix.EAGAIN {
		t.Fatalf("unmarked placeholder: recv %d %v", n, err)
	}
	if err := o.Mark(); err != nil {
		t.Fatal(err)
	}
	// The mark is the description's: seen through either descriptor.
	deadline := time.Now().Add(time.Second)
	for {
		n, _, err := unix.Recvfrom(fd, b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mark: recv %d %v", n, err)
		}
		time.Sleep(time.Millisecond)
	}
	unix.Close(fd)
	if tab.Len() != 1 {
		t.Error("released while a duplicate is open")
	}
	unix.Close(dup)
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the last close did not release the description")
	}
	for i := 0; tab.Len() != 0 && i < 1000; i++ {
		time.Sleep(time.Millisecond)
	}
	if tab.Len() != 0 {
		t.Error("the table still holds the description")
	}
}

// TestPush: messages queue whole, in order, until the queue is full (Push
// says so instead of waiting); an empty message the holder sends back does
// not pass for the last close.
func TestPush(t *testing.T) {
	tab := New()
	o := &Open{Path: "/data/d"}
	fd, err := tab.Add(o)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	msg := make([]byte, 8<<10)
	pushed := 0
	for ; pushed < 10000; pushed++ {
		msg[0] = byte(pushed)
		ok, err := o.Push(msg)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
	}
	if pushed == 0 || pushed == 10000 {
		t.Fatalf("pushed %d messages before the queue was full", pushed)
	}
	buf := make([]byte, 16<<10)
	for i := 0; i < pushed; i++ {
		n, _, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
		if err != nil || n != len(msg) || buf[0] != byte(i) {
			t.Fatalf("message %d: %d bytes, first %d, %v", i, n, buf[0], err)
		}
	}
	if _, err := unix.Write(fd, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if tab.Len() != 1 {
		t.Fatal("an empty message released the description")
	}
}

// TestWatcherHoldsNoP: between events the watcher is parked in the Go
// runtime's poller ("IO wait"), not blocked in a system call, which would
// keep its P from the connection servers until the runtime's monitor took
// it back (up to 10 ms).
func TestWatcherHoldsNoP(t *testing.T) {
	tab := New()
	closed := make(chan struct{})
	fd, err := tab.Add(&Open{Path: "/d", Close: func() { close(closed) }})
	if err != nil {
		t.Fatal(err)
	}
	var state string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		buf := make([]byte, 1<<20)
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			if strings.Contains(g, "fdtable.(*Table).watch(") {
				state = g[:strings.IndexByte(g, '\n')]
			}
		}
		if strings.Contains(state, "[IO wait") {
			break
		}
	}
	if !strings.Contains(state, "[IO wait") {
		t.Errorf("watcher: %q, want it parked in the poller (IO wait)", state)
	}
	// And it still sees the last close.
	unix.Close(fd)
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the last close was not seen")
	}
}
