// served.go answers the data calls of served descriptors: getdents,
// read and write, lseek, fsync, ftruncate.

package vfs

import (
	"encoding/binary"
	"io"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/fdtable"
	"github.com/zvfs/zvfs/internal/abi"
)

// entries is a served directory's listing: "." and "..", then the
// backend's entries, a slice that may be the backend's own cached listing
// (never changed here).
type entries struct {
	dots [2]caps.Dirent
	rest []caps.Dirent
}

func (l *entries) len() int { return 2 + len(l.rest) }

func (l *entries) at(i int) *caps.Dirent {
	if i < 2 {
		return &l.dots[i]
	}
	return &l.rest[i-2]
}

// listing reads the listing of the served directory f, or leaves none.
func (h *handler) listing(f *fdFile) error {
	err := h.list(f)
	if err != nil {
		f.s.ents = nil
	}
	return err
}

// list reads f's listing into f.s.ents.
func (h *handler) list(f *fdFile) error {
	s := f.s
	if s.hostDir != "" {
		return s.hostListing()
	}
	fi, err := f.stat(&h.c)
	if err != nil {
		return err
	}
	self := attrOf(f.m, s.rel, fi)
	parent := self.Ino
	if s.rel != "" {
		prel := ""
		if i := lastSlash(s.rel); i >= 0 {
			prel = s.rel[:i]
		}
		if pfi, err := h.c.lstat(f.m, prel); err == nil {
			parent = attrOf(f.m, prel, pfi).Ino
		}
	}
	s.ents = &entries{dots: [2]caps.Dirent{{Name: ".", Ino: self.Ino, Type: unix.DT_DIR}, {Name: "..", Ino: parent, Type: unix.DT_DIR}}}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		// Some backends cannot rewind a directory: reopen it.
		nf, err := h.c.fs(f.m).Open("/" + s.rel)
		if err != nil {
			return err
		}
		s.file.Close()
		s.file = nf
	}
	if d, ok := s.file.(caps.Direnter); ok {
		ents, err := d.Dirents()
		if err != nil {
			return err
		}
		s.ents.rest = ents
		return nil
	}
	fis, err := s.file.Readdir(-1)
	if err != nil && err != io.EOF {
		return err
	}
	for _, e := range fis {
		rel := e.Name()
		if s.rel != "" {
			rel = s.rel + "/" + rel
		}
		a := attrOf(f.m, rel, e)
		s.ents.rest = append(s.ents.rest, caps.Dirent{Name: e.Name(), Ino: a.Ino, Type: uint8(a.Mode & unix.S_IFMT >> 12)})
	}
	return nil
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

func (h *handler) getdents(is64 bool) (Answer, error) {
	f, err := h.fdOf()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	if f.open == nil || !f.s.dir {
		return Answer{}, unix.ENOTDIR
	}
	if f.s.file == nil && f.s.hostDir == "" {
		return Answer{}, unix.EBADF
	}
	if f.s.ents == nil {
		if err := h.listing(f); err != nil {
			return Answer{}, err
		}
	}
	size := int(h.a[2])
	if size < 0 {
		return Answer{}, unix.EINVAL
	}
	bp := recordBufs.Get().(*[]byte)
	defer recordBufs.Put(bp)
	out, next := render(f.s.ents, f.s.pos, size, is64, (*bp)[:0])
	*bp = out[:0]
	if len(out) == 0 && next < f.s.ents.len() {
		return Answer{}, unix.EINVAL // not even one record fits
	}
	if len(out) > 0 {
		if err := h.r.Mem.Write(h.a[1], out); err != nil {
			return Answer{}, err
		}
	}
	f.s.pos = next
	if is64 && size >= minPush && !h.r.Direct {
		// The stub asks only with an empty queue: queue what follows, in
		// chunks the caller's buffer holds.
		f.s.push(f.open, size)
	} else if f.s.pos >= f.s.ents.len() && !f.s.marked {
		f.s.marked = f.open.Mark() == nil
	}
	return done(int64(len(out)))
}

// minPush is the smallest getdents buffer worth queueing chunks for.
const minPush = 1024

// push queues the listing from s.pos into the placeholder in chunks of at
// most size bytes (see abi.ListingChunkHeader), until it is all queued,
// then the end mark, or until the queue is full: the stub answers getdents
// from them and asks again once they are read.
func (s *served) push(o *fdtable.Open, size int) {
	size = min(size, abi.ListingChunkMax) + abi.ListingChunkHeader
	bp := recordBufs.Get().(*[]byte)
	defer recordBufs.Put(bp)
	for s.pos < s.ents.len() {
		chunk := binary.LittleEndian.AppendUint64((*bp)[:0], uint64(s.pos))
		chunk, next := render(s.ents, s.pos, size, true, chunk)
		*bp = chunk[:0]
		if next == s.pos {
			return
		}
		if ok, err := o.Push(chunk); !ok || err != nil {
			return
		}
		s.pos = next
	}
	if !s.marked {
		s.marked = o.Mark() == nil
	}
}

// recordBufs holds buffers for rendered records (a listing is rendered
// at every open of a directory: garbage here is a collection there).
var recordBufs = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// render appends to out the records of ents from position pos on, as
// getdents64 (or, without is64, getdents) gives them, while out stays
// within size bytes. It returns out and the position after the last record.
// A record's d_off is the position after it, which lseek accepts.
func render(ents *entries, pos, size int, is64 bool, out []byte) ([]byte, int) {
	le := binary.LittleEndian
	for ; pos < ents.len(); pos++ {
		e := ents.at(pos)
		reclen := (18 + len(e.Name) + 2 + 7) &^ 7 // linux_dirent: d_type in the last byte
		if is64 {
			reclen = (19 + len(e.Name) + 1 + 7) &^ 7
		}
		if len(out)+reclen > size {
			break
		}
		at := len(out)
		out = append(out, make([]byte, reclen)...) // zeroed: the name's terminator and padding
		rec := out[at:]
		le.PutUint64(rec, e.Ino)
		le.PutUint64(rec[8:], uint64(pos+1))
		le.PutUint16(rec[16:], uint16(reclen))
		if is64 {
			rec[18] = e.Type
			copy(rec[19:], e.Name)
		} else {
			copy(rec[18:], e.Name)
			rec[reclen-1] = e.Type
		}
	}
	return out, pos
}

// servedFd finds the served file of the call's descriptor, for data
// calls; a kernel-backed one is the kernel's (errPass). The caller
// releases it.
func (h *handler) servedFd() (*fdFile, error) {
	f, err := h.fdOf()
	if err == nil && f.open == nil {
		f.release()
		return nil, errPass
	}
	return f, err
}

// maxIO bounds one served read or write: a short count, as a pipe gives.
const maxIO = 1 << 20

func (h *handler) io() (Answer, error) {
	f, err := h.servedFd()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	nr := h.r.Call.Nr
	write := nr == unix.SYS_WRITE || nr == unix.SYS_PWRITE64 || nr == unix.SYS_WRITEV || nr == unix.SYS_PWRITEV || nr == unix.SYS_PWRITEV2
	acc := f.open.Flags & unix.O_ACCMODE
	switch {
	case f.s.file == nil:
		return Answer{}, unix.EBADF
	case f.s.dir && !write:
		return Answer{}, unix.EISDIR
	case write && acc == unix.O_RDONLY, !write && acc == unix.O_WRONLY, f.s.dir:
		return Answer{}, unix.EBADF
	}
	// The caller's buffers.
	var iov [][2]uint64
	off := int64(-1)
	a := h.a
	switch nr {
	case unix.SYS_READ, unix.SYS_WRITE:
		iov = [][2]uint64{{a[1], a[2]}}
	case unix.SYS_PREAD64, unix.SYS_PWRITE64:
		iov = [][2]uint64{{a[1], a[2]}}
		off = int64(a[3])
	default:
		cnt := int(a[2])
		if cnt < 0 || cnt > 1024 {
			return Answer{}, unix.EINVAL
		}
		raw := make([]byte, 16*cnt)
		if err := h.r.Mem.Read(a[1], raw); err != nil {
			return Answer{}, err
		}
		for i := 0; i < cnt; i++ {
			iov = append(iov, [2]uint64{binary.LittleEndian.Uint64(raw[16*i:]), binary.LittleEndian.Uint64(raw[16*i+8:])})
		}
		if nr != unix.SYS_READV && nr != unix.SYS_WRITEV {
			off = int64(a[3])
			if (nr == unix.SYS_PREADV2 || nr == unix.SYS_PWRITEV2) && off == -1 {
				off = -1
			}
		}
	}
	if off < -1 {
		return Answer{}, unix.EINVAL
	}
	file := f.s.file
	if write && f.open.Flags&unix.O_APPEND != 0 {
		if _, err := file.Seek(0, io.SeekEnd); err != nil {
			return Answer{}, err
		}
		off = -1
	}
	total := int64(0)
	for _, v := range iov {
		n := v[1]
		if n > maxIO-uint64(total) {
			n = maxIO - uint64(total)
		}
		if n == 0 {
			continue
		}
		buf := make([]byte, n)
		var got int
		if write {
			if err := h.r.Mem.Read(v[0], buf); err != nil {
				return h.partial(total, err)
			}
			if off >= 0 {
				got, err = file.WriteAt(buf, off+total)
			} else {
				got, err = file.Write(buf)
			}
		} else {
			if off >= 0 {
				got, err = file.ReadAt(buf, off+total)
			} else {
				got, err = file.Read(buf)
			}
			if got > 0 {
				if werr := h.r.Mem.Write(v[0], buf[:got]); werr != nil {
					return h.partial(total, werr)
				}
			}
		}
		total += int64(got)
		if err != nil && err != io.EOF {
			return h.partial(total, err)
		}
		if got < int(n) || total >= maxIO {
			break
		}
	}
	return done(total)
}

func (h *handler) partial(total int64, err error) (Answer, error) {
	if total > 0 {
		return done(total)
	}
	return Answer{}, err
}

func (h *handler) lseek(off int64, whence int) (Answer, error) {
	f, err := h.servedFd()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	if f.s.file == nil {
		return Answer{}, unix.EBADF
	}
	if f.s.dir {
		f.s.marked = false // the stub drained the mark before asking
		switch {
		case whence == io.SeekStart && off >= 0:
			if off == 0 {
				f.s.ents = nil
			}
			f.s.pos = int(off)
			return done(off)
		case whence == io.SeekCurrent && off == 0:
			return done(int64(f.s.pos))
		}
		return Answer{}, unix.EINVAL
	}
	if whence > io.SeekEnd {
		return Answer{}, unix.EINVAL
	}
	n, err := f.s.file.Seek(off, whence)
	if err != nil {
		return Answer{}, unix.EINVAL
	}
	return done(n)
}

func (h *handler) fsync() (Answer, error) {
	f, err := h.servedFd()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	return done(0)
}

func (h *handler) ftruncate(size int64) (Answer, error) {
	f, err := h.servedFd()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	if f.s.file == nil || f.s.dir || f.open.Flags&unix.O_ACCMODE == unix.O_RDONLY {
		if f.s.dir {
			return Answer{}, unix.EINVAL
		}
		return Answer{}, unix.EBADF
	}
	if size < 0 {
		return Answer{}, unix.EINVAL
	}
	return okAnswer.withErr(f.s.file.Truncate(size))
}

// hostListing lists a host directory that holds mount points: its own
// entries, and the mount points it does not already have.
func (s *served) hostListing() error {
	fd, err := unix.Open(s.hostDir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	s.ents = &entries{dots: [2]caps.Dirent{{Name: ".", Type: unix.DT_DIR}, {Name: "..", Type: unix.DT_DIR}}}
	have := map[string]bool{}
	buf := make([]byte, 32<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			return err
		}
		if n <= 0 {
			break
		}
		for b := buf[:n]; len(b) >= 19; {
			reclen := int(binary.LittleEndian.Uint16(b[16:]))
			if reclen < 19 || reclen > len(b) {
				break
			}
			name := b[19:reclen]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			e := caps.Dirent{Name: string(name), Ino: binary.LittleEndian.Uint64(b), Type: b[18]}
			switch e.Name {
			case ".":
				s.ents.dots[0] = e
			case "..":
				s.ents.dots[1] = e
			default:
				s.ents.rest = append(s.ents.rest, e)
			}
			have[string(name)] = true
			b = b[reclen:]
		}
	}
	for i, name := range s.extra {
		if !have[name] {
			s.ents.rest = append(s.ents.rest, caps.Dirent{Name: name, Ino: uint64(0x7a000 + i), Type: unix.DT_DIR})
		}
	}
	return nil
}

// atStatxSyncType is AT_STATX_SYNC_TYPE (linux/fcntl.h), not in x/sys.
const atStatxSyncType = 0x6000
