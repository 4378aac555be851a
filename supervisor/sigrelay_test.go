package supervisor

import (
	"syscall"
	"testing"
	"time"
)

// Two runs relaying at once both get a SIGINT sent to the process (from
// kill: SI_USER), and the handler stays until the last one stops, which
// puts the runtime's back.
func TestRelayShared(t *testing.T) {
	var before kernelSigaction
	if err := sigaction(syscall.SIGINT, nil, &before); err != nil {
		t.Fatal(err)
	}
	got := [2]chan syscall.Signal{make(chan syscall.Signal, 1), make(chan syscall.Signal, 1)}
	stop0, err := relaySignals([]syscall.Signal{syscall.SIGINT}, func(s syscall.Signal) { got[0] <- s })
	if err != nil {
		t.Fatal(err)
	}
	stop1, err := relaySignals([]syscall.Signal{syscall.SIGINT}, func(s syscall.Signal) { got[1] <- s })
	if err != nil {
		t.Fatal(err)
	}
	syscall.Kill(syscall.Getpid(), syscall.SIGINT)
	for i, c := range got {
		select {
		case s := <-c:
			if s != syscall.SIGINT {
				t.Errorf("run %d got %v", i, s)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("run %d got nothing", i)
		}
	}
	stop0()
	var during kernelSigaction
	sigaction(syscall.SIGINT, nil, &during)
	if handler, _ := relayAddrs(); during.handler != handler {
		t.Errorf("the first stop took the handler away from the second run")
	}
	stop1()
	var after kernelSigaction
	sigaction(syscall.SIGINT, nil, &after)
	if after != before {
		t.Errorf("handler after the last stop %+v, want the runtime's %+v", after, before)
	}
}

// A run that relays SIGQUIT, started while another relays SIGINT alone,
// gets its own handler and its own signals; it goes with that run.
func TestRelayOwnSignals(t *testing.T) {
	var before kernelSigaction
	if err := sigaction(syscall.SIGQUIT, nil, &before); err != nil {
		t.Fatal(err)
	}
	ints, quits := make(chan syscall.Signal, 2), make(chan syscall.Signal, 2)
	stopInt, err := relaySignals([]syscall.Signal{syscall.SIGINT}, func(s syscall.Signal) { ints <- s })
	if err != nil {
		t.Fatal(err)
	}
	defer stopInt()
	stopQuit, err := relaySignals([]syscall.Signal{syscall.SIGQUIT}, func(s syscall.Signal) { quits <- s })
	if err != nil {
		t.Fatal(err)
	}
	syscall.Kill(syscall.Getpid(), syscall.SIGQUIT)
	select {
	case s := <-quits:
		if s != syscall.SIGQUIT {
			t.Errorf("the SIGQUIT run got %v", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the SIGQUIT run got nothing")
	}
	select {
	case s := <-ints:
		t.Errorf("the SIGINT run got %v", s)
	case <-time.After(100 * time.Millisecond):
	}
	stopQuit()
	var after kernelSigaction
	sigaction(syscall.SIGQUIT, nil, &after)
	if after != before {
		t.Errorf("SIGQUIT handler after its run stopped %+v, want the runtime's %+v", after, before)
	}
}
