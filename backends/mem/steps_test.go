// steps_test.go holds the step language of the differential tests: parsing
// "op arg arg [=WANT]" lines, describing stat results, and turning errors
// into comparable outcomes.

package mem

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// outcome is what one step gave: an errno name (empty for success) and the
// output of reading operations.
type outcome struct {
	Err string `json:"e,omitempty"`
	Out string `json:"o,omitempty"`
}

// op is one parsed step: "name arg arg ... [=WANT]". Arguments may be
// Go-quoted strings. WANT is an errno name or "ok" and is checked against
// the kernel's answer, to keep each scenario honest about what it tests.
type op struct {
	line string
	name string
	args []string
	want string
}

func parseOp(line string) (op, error) {
	o := op{line: line}
	rest := strings.TrimSpace(line)
	var toks []string
	for rest != "" {
		var tok string
		if rest[0] == '"' {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return o, fmt.Errorf("%q: %v", line, err)
			}
			tok, _ = strconv.Unquote(q)
			rest = rest[len(q):]
		} else {
			i := strings.IndexByte(rest, ' ')
			if i < 0 {
				i = len(rest)
			}
			tok, rest = rest[:i], rest[i:]
		}
		toks = append(toks, tok)
		rest = strings.TrimLeft(rest, " ")
	}
	if len(toks) == 0 {
		return o, fmt.Errorf("empty step")
	}
	if last := toks[len(toks)-1]; len(toks) > 1 && strings.HasPrefix(last, "=") {
		o.want = last[1:]
		toks = toks[:len(toks)-1]
	}
	o.name, o.args = toks[0], toks[1:]
	return o, nil
}

func (o op) s(i int) string {
	if i < len(o.args) {
		return o.args[i]
	}
	return ""
}

func (o op) n(i int) int64 {
	v, _ := strconv.ParseInt(o.s(i), 0, 64)
	return v
}

func (o op) h() int { return int(o.n(0)) }

var flagNames = map[string]int{
	"RDONLY": unix.O_RDONLY, "WRONLY": unix.O_WRONLY, "RDWR": unix.O_RDWR,
	"CREAT": unix.O_CREAT, "EXCL": unix.O_EXCL, "TRUNC": unix.O_TRUNC,
	"APPEND": unix.O_APPEND, "DIRECTORY": unix.O_DIRECTORY,
	"NOFOLLOW": unix.O_NOFOLLOW, "NOATIME": unix.O_NOATIME, "TMPFILE": unix.O_TMPFILE,
	"NOREPLACE": unix.RENAME_NOREPLACE, "EXCHANGE": unix.RENAME_EXCHANGE,
	"WHITEOUT": unix.RENAME_WHITEOUT,
}

func (o op) flags(i int) int {
	f := 0
	for _, name := range strings.Split(o.s(i), "|") {
		if name != "" && name != "0" {
			v, ok := flagNames[name]
			if !ok {
				panic("unknown flag " + name + " in " + o.line)
			}
			f |= v
		}
	}
	return f
}

// mode returns argument i as a mode, def if absent.
func (o op) mode(i int, def uint32) uint32 {
	if i >= len(o.args) {
		return def
	}
	return uint32(o.n(i))
}

// fixedTime is what the utimes step sets.
var fixedTime = time.Unix(1000000000, 5000)

func describe(mode uint32, nlink uint64, size int64, uid, gid uint32) string {
	typ := "?"
	switch mode & unix.S_IFMT {
	case unix.S_IFDIR:
		typ = "d"
	case unix.S_IFREG:
		typ = "-"
	case unix.S_IFLNK:
		typ = "l"
	}
	return fmt.Sprintf("%s%04o n=%d s=%d %d:%d", typ, mode&07777, nlink, size, uid, gid)
}

func describeHost(st *unix.Stat_t) string {
	return describe(st.Mode, st.Nlink, st.Size, st.Uid, st.Gid)
}

func describeMem(fi os.FileInfo) string {
	st := fi.Sys().(*Stat)
	return describe(st.Mode, st.Nlink, st.Size, st.Uid, st.Gid)
}

// result turns an error into an outcome.
func result(out string, err error) outcome {
	if err == nil || err == io.EOF {
		return outcome{Out: out}
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		return outcome{Err: unix.ErrnoName(e), Out: out}
	}
	return outcome{Err: "ERR(" + err.Error() + ")", Out: out}
}

// count is the outcome of a step that returns a number, which is
// meaningless on error.
func count(n int, err error) outcome {
	if err != nil {
		return result("", err)
	}
	return result(strconv.Itoa(n), nil)
}

// runSteps parses and runs lines, appending their outcomes.
func runSteps(run func(op) outcome, lines []string, out []outcome) ([]outcome, error) {
	for _, line := range lines {
		o, err := parseOp(line)
		if err != nil {
			return out, err
		}
		out = append(out, run(o))
	}
	return out, nil
}
