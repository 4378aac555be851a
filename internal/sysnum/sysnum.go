// Package sysnum names the x86-64 Linux system calls. The table is generated
// from golang.org/x/sys/unix so that the names zvfs prints are the kernel's.
package sysnum

//go:generate go run gen.go

// Name returns the system call's name, or "syscall_N" for a number with no name.
func Name(nr int) string {
	if nr >= 0 && nr < len(names) && names[nr] != "" {
		return names[nr]
	}
	return "syscall_" + itoa(nr)
}

// Number returns the number of the named system call.
func Number(name string) (int, bool) {
	for nr, n := range names {
		if n == name && n != "" {
			return nr, true
		}
	}
	return 0, false
}

// Count is one more than the highest numbered system call in the table.
func Count() int { return len(names) }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
