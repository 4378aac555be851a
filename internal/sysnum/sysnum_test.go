package sysnum

import "testing"

func TestNames(t *testing.T) {
	for nr, name := range map[int]string{0: "read", 39: "getpid", 56: "clone", 262: "newfstatat", 435: "clone3"} {
		if got := Name(nr); got != name {
			t.Errorf("Name(%d) = %q, want %q", nr, got, name)
		}
		if got, ok := Number(name); !ok || got != nr {
			t.Errorf("Number(%q) = %d, %v", name, got, ok)
		}
	}
	if Name(-1) != "syscall_-1" || Name(100000) != "syscall_100000" {
		t.Error("unnamed numbers")
	}
}
