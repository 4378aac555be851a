package fdtable

import (
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
