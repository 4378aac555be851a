package supervisor

import (
	"bytes"
	"fmt"
	"strconv"
)

// Mapping is one line of /proc/PID/maps.
type Mapping struct {
	Start, End uint64
	Perms      string // e.g. "r-xp"
	Offset     uint64
	Major      uint32
	Minor      uint32
	Inode      uint64
	Path       string // "" for anonymous memory; "[vdso]" and the like for special mappings
}

// Exec reports whether the mapping is executable.
func (m Mapping) Exec() bool { return len(m.Perms) == 4 && m.Perms[2] == 'x' }

// Private reports whether the mapping is copy-on-write (safe to patch).
func (m Mapping) Private() bool { return len(m.Perms) == 4 && m.Perms[3] == 'p' }

// Prot returns the mapping's protection as PROT_* bits.
func (m Mapping) Prot() uint32 {
	var p uint32
	if len(m.Perms) == 4 {
		if m.Perms[0] == 'r' {
			p |= 1
		}
		if m.Perms[1] == 'w' {
			p |= 2
		}
		if m.Perms[2] == 'x' {
			p |= 4
		}
	}
	return p
}

// ParseMaps parses the text of /proc/PID/maps as sent by a stub. The text is
// untrusted: any malformed line is an error naming the line.
func ParseMaps(text []byte) ([]Mapping, error) {
	var out []Mapping
	for n := 1; len(text) > 0; n++ {
		line := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		if len(line) == 0 {
			continue
		}
		m, err := parseMapsLine(line)
		if err != nil {
			return nil, fmt.Errorf("maps line %d: %w", n, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func parseMapsLine(line []byte) (Mapping, error) {
	var m Mapping
	fields := make([][]byte, 0, 6)
	rest := line
	for len(fields) < 5 {
		rest = bytes.TrimLeft(rest, " ")
		i := bytes.IndexByte(rest, ' ')
		if i < 0 {
			if len(rest) == 0 {
				break
			}
			fields = append(fields, rest)
			rest = nil
			break
		}
		fields = append(fields, rest[:i])
		rest = rest[i+1:]
	}
	if len(fields) < 5 {
		return m, fmt.Errorf("%d fields, want at least 5", len(fields))
	}
	rng := fields[0]
	dash := bytes.IndexByte(rng, '-')
	if dash < 0 {
		return m, fmt.Errorf("address range %q", rng)
	}
	var err error
	if m.Start, err = strconv.ParseUint(string(rng[:dash]), 16, 64); err != nil {
		return m, fmt.Errorf("start address: %w", err)
	}
	if m.End, err = strconv.ParseUint(string(rng[dash+1:]), 16, 64); err != nil {
		return m, fmt.Errorf("end address: %w", err)
	}
	if m.End <= m.Start || m.Start&0xfff != 0 || m.End&0xfff != 0 {
		return m, fmt.Errorf("address range %q", rng)
	}
	if len(fields[1]) != 4 {
		return m, fmt.Errorf("permissions %q", fields[1])
	}
	m.Perms = string(fields[1])
	if m.Offset, err = strconv.ParseUint(string(fields[2]), 16, 64); err != nil {
		return m, fmt.Errorf("offset: %w", err)
	}
	dev := fields[3]
	colon := bytes.IndexByte(dev, ':')
	if colon < 0 {
		return m, fmt.Errorf("device %q", dev)
	}
	maj, err := strconv.ParseUint(string(dev[:colon]), 16, 32)
	if err != nil {
		return m, fmt.Errorf("device: %w", err)
	}
	mnr, err := strconv.ParseUint(string(dev[colon+1:]), 16, 32)
	if err != nil {
		return m, fmt.Errorf("device: %w", err)
	}
	m.Major, m.Minor = uint32(maj), uint32(mnr)
	if m.Inode, err = strconv.ParseUint(string(fields[4]), 10, 64); err != nil {
		return m, fmt.Errorf("inode: %w", err)
	}
	m.Path = string(bytes.TrimLeft(rest, " "))
	return m, nil
}
