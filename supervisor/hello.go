// hello.go answers a process start: from the executable mappings of a
// process, the system-call sites to rewrite in each and the rewritten copy
// to map, which it also keeps in the start table for later processes.

package supervisor

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/trampoline"
	"github.com/zvfs/zvfs/view"
)

// maxSitesPerMessage keeps each answer datagram well under the socket's
// send buffer.
const maxSitesPerMessage = 8192

// answerHello plans the rewriting for one process and encodes the answer.
func (s *Server) answerHello(pid int32, h abi.Hello) [][]byte {
	s.mu.Lock()
	s.pids[pid] = struct{}{}
	s.hellos++
	s.mu.Unlock()
	flags := uint32(0)
	if s.wantReports {
		flags |= abi.SitesWantReports
	}
	maps, err := ParseMaps(h.Maps)
	if err != nil {
		s.protocolError(pid, fmt.Errorf("%w: %v", abi.ErrMessage, err))
		return abi.EncodeSites(nil, flags, maxSitesPerMessage)
	}
	ranges, needNet := s.Plan(pid, maps, h.StubAddr)
	if needNet && s.net != nil {
		flags |= abi.SitesNeedNet
	}
	return abi.EncodeSites(ranges, flags, maxSitesPerMessage)
}

// Plan computes the sites to rewrite in a process from its mappings. Every
// executable mapping it leaves alone is counted under a reason. needNet
// says a mapping holds a site left as it is that may make a file call
// (unknown, or one of the net's): the process must carry the seccomp net.
func (s *Server) Plan(pid int32, maps []Mapping, stubAddr uint64) (out []abi.PatchRange, needNet bool) {
	for _, m := range maps {
		if !m.Exec() {
			continue
		}
		switch {
		case stubAddr >= m.Start && stubAddr < m.End:
			continue
		case m.Path == "":
			s.skip("anonymous executable memory (JIT code)")
			continue
		case m.Path == "[vdso]":
			s.skip("vDSO (its system calls are fallbacks)")
			continue
		case m.Path == "[vsyscall]":
			continue // legacy page, emulated by the kernel
		case strings.HasPrefix(m.Path, "["):
			s.skip("special mapping " + m.Path)
			continue
		case !m.Private():
			s.skip("shared executable mapping")
			continue
		}
		file, fi, ok := s.mappedFile(pid, m)
		if !ok {
			// Replaced since it was mapped, or one only the process can
			// read (a library from a mount, mapped from its memfd, for a
			// supervisor without CAP_CHECKPOINT_RESTORE): its sites, if
			// it has any, stay as they are, and the net catches them.
			needNet = true
			s.skip("file the supervisor cannot read, caught by the net: " + m.Path)
			continue
		}
		a, err := s.cache.LookupStat(file, fi)
		if err != nil {
			s.skip("not analysable: " + err.Error())
			continue
		}
		s.noteFile(m.Path, a)
		r := abi.PatchRange{Start: m.Start, End: m.End, FileOffset: m.Offset, Prot: m.Prot()}
		size := m.End - m.Start
		escapes := false
		for _, site := range a.Sites {
			off := site.Offset
			if off < m.Offset || off-m.Offset+2 > size {
				continue
			}
			switch {
			case site.Patch:
				r.Sites = append(r.Sites, m.Start+off-m.Offset)
			case site.Kind == trampoline.KindSyscall && (site.Call == trampoline.CallUnknown || abi.IsNetCall(site.Call)):
				escapes = true
			}
		}
		copyPath := s.copies.copyFor(file, a)
		if len(r.Sites) > 0 {
			r.Path = copyPath
			out = append(out, r)
		}
		if escapes {
			// Every process that maps it must ask, and hear it.
			needNet = true
			s.skip("file calls at unpatched sites, caught by the net: " + m.Path)
			continue
		}
		s.publishStart(file, fi, a, copyPath)
	}
	return out, needNet
}

// publishStart puts what the hello answers for file into the start
// table (which keeps it once per version of the file), and notes it for
// the next run if it is kept between runs.
func (s *Server) publishStart(file string, fi os.FileInfo, a *trampoline.Analysis, copyPath string) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if s.starts == nil || !ok {
		return
	}
	e := view.Start{Dev: st.Dev, Ino: st.Ino, Size: st.Size, Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano(),
		Offsets: a.PatchOffsets(), Copy: copyPath}
	if !s.starts.PutStart(e) || s.startsFile == "" || !persistable(file) {
		return
	}
	k := [2]uint64{e.Dev, e.Ino}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.saved[k]; ok && old.Path == file && old.Size == e.Size && old.Mtime == e.Mtime && old.Ctime == e.Ctime {
		return // loaded from the last run, as it was
	}
	s.saved[k] = savedStart{Path: file, Start: e}
	s.fresh[k] = true
}

// mappedFile names a file that is the one mapped, with its stat: its path if
// the path still leads to the same inode, else the kernel's map_files link
// (which only a supervisor with CAP_CHECKPOINT_RESTORE may follow), else
// the process's program link, which its own user may follow: a program
// stored in a mount runs from a memfd, whose path opens nothing.
func (s *Server) mappedFile(pid int32, m Mapping) (string, os.FileInfo, bool) {
	dev := unix.Mkdev(m.Major, m.Minor)
	if s.stubIno != 0 && m.Inode == s.stubIno && dev == s.stubDev {
		return "", nil, false
	}
	for _, path := range []string{m.Path, fmt.Sprintf("/proc/%d/map_files/%x-%x", pid, m.Start, m.End), fmt.Sprintf("/proc/%d/exe", pid)} {
		fi, err := os.Stat(path)
		if err != nil {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Ino == m.Inode && st.Dev == dev {
			return path, fi, true
		}
	}
	return "", nil, false
}

func (s *Server) skip(reason string) {
	s.mu.Lock()
	s.skipped[reason]++
	s.mu.Unlock()
}

func (s *Server) noteFile(path string, a *trampoline.Analysis) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.files[path]; ok {
		return
	}
	s.files[path] = FileSites{Sites: len(a.Sites), Patched: a.Patched(), Skipped: a.Skipped()}
}
