package hook

import (
	"testing"

	"golang.org/x/sys/unix"
)

type valueHooks struct{ Default }

func (valueHooks) Read(c *Call, fd int, buf, count uint64) Result { return c.Continue() }

type pointerHooks struct {
	Default
	n int
}

func (p *pointerHooks) Write(c *Call, fd int, buf, count uint64) Result { p.n++; return c.Continue() }

// nestedHooks gets Read from valueHooks, which overrides it.
type nestedHooks struct{ valueHooks }

type embedsPointer struct{ *Default }

func (embedsPointer) Openat(c *Call, dirfd int, path string, flags int, mode uint32) Result {
	return c.Continue()
}

type generic struct{ Default }

func (generic) Syscall(c *Call) Result { return c.Continue() }

type filtered struct{ generic }

func (filtered) SyscallNumbers() []int { return []int{unix.SYS_UNAME, unix.SYS_READ} }

// own implements every method itself, embedding nothing.
type own struct{ Default }

func TestOverridden(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    Hooks
		want []int
	}{
		{"Default", Default{}, nil},
		{"value", valueHooks{}, []int{unix.SYS_READ}},
		{"pointer to value", &valueHooks{}, []int{unix.SYS_READ}},
		{"pointer", &pointerHooks{}, []int{unix.SYS_WRITE}},
		{"nested", nestedHooks{}, []int{unix.SYS_READ}},
		{"nested pointer", &nestedHooks{}, []int{unix.SYS_READ}},
		{"embedded *Default", embedsPointer{&Default{}}, []int{unix.SYS_OPENAT}},
		{"nothing", own{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newDispatcher(tc.h)
			var got []int
			for nr := range 512 {
				if d.set.Has(nr) {
					got = append(got, nr)
				}
			}
			if len(got) != len(tc.want) || (len(got) > 0 && got[0] != tc.want[0]) {
				t.Errorf("hooked %v, want %v", got, tc.want)
			}
		})
	}
	d := newDispatcher(generic{})
	if !d.set.Has(unix.SYS_FUTEX) || d.set.Has(unix.SYS_READ) || d.set.Has(unix.SYS_RT_SIGRETURN) {
		t.Errorf("Syscall override: futex %v read %v rt_sigreturn %v", d.set.Has(unix.SYS_FUTEX), d.set.Has(unix.SYS_READ), d.set.Has(unix.SYS_RT_SIGRETURN))
	}
	d = newDispatcher(filtered{})
	if !d.set.Has(unix.SYS_UNAME) || d.set.Has(unix.SYS_READ) || d.set.Has(unix.SYS_FUTEX) {
		t.Errorf("filtered Syscall: uname %v read %v futex %v", d.set.Has(unix.SYS_UNAME), d.set.Has(unix.SYS_READ), d.set.Has(unix.SYS_FUTEX))
	}
}

func TestSockaddrString(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		want string
	}{
		{[]byte{2, 0, 0, 80, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0}, "192.0.2.1:80"},
		{append([]byte{10, 0, 1, 187, 0, 0, 0, 0}, append([]byte{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0, 0, 0, 0)...), "[2001:db8::1]:443"},
		{append([]byte{1, 0}, "/run/x.sock\x00"...), "unix:/run/x.sock"},
		{append([]byte{1, 0, 0}, "abs"...), "unix:@abs"},
		{nil, "(none)"},
		{[]byte{2, 0, 1}, "family 2 020001"},
	} {
		if got := Sockaddr(tc.b).String(); got != tc.want {
			t.Errorf("%x: %q, want %q", tc.b, got, tc.want)
		}
	}
}
