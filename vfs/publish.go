// publish.go keeps the namespace view (package view) true to the mounts,
// so that the stub can answer stat, access, readlink and read-only opens
// by itself.
//
// What is published: a directory's whole listing the first time a call
// looks something up in it (then a name missing from the view does not
// exist), and the entries of the directories above it. What keeps it
// true: every call that changes a name, or the attributes of a file,
// re-describes what it touched before its answer is sent (refresh), and
// the file behind a descriptor is found again by its kernel identity.
// The sizes and times of a mem file change through descriptors the
// supervisor never sees; such a file's entry says "ask" (no ViewStat)
// from the moment a writable descriptor of it is handed out until a stat
// finds no writable open of it left (a read lease can be taken only on a
// file no one has open for writing).

package vfs

import (
	"os"
	"path"
	"strings"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/linuxvfs"
	"github.com/zvfs/zvfs/mtab"
	"github.com/zvfs/zvfs/view"
)

// publisher is the namespace's writer of the view. Its maps are guarded by
// the view's lock (Begin/End).
type publisher struct {
	v       *view.Region
	ns      *Namespace
	kids    map[string]map[string]bool // a directory → its names that have entries
	listed  map[string]bool            // directories whose whole listing is published (complete)
	written map[DataID]bool            // handed out writable: maybe changing under us
	pruneAt int                        // the size of written that prunes it (pruneWritten)
	writers []DataID                   // data known to have a writer during this publication
	root    ctx                        // the namespace as root sees it, to describe names
}

// Publish makes the namespace keep v true to its mounts from now on. A
// namespace that records a report publishes nothing (every call must
// reach it).
func (ns *Namespace) Publish(v *view.Region) {
	if ns.rec != nil {
		return
	}
	ns.pub = &publisher{v: v, ns: ns, kids: map[string]map[string]bool{}, listed: map[string]bool{},
		written: map[DataID]bool{}, pruneAt: writtenMin, root: ctx{ns: ns}}
}

// vpath is the namespace path of rel in m.
func vpath(m *mtab.Mount, rel string) string {
	if rel == "" {
		return m.Target
	}
	return m.Target + "/" + rel
}

func parentRel(rel string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i]
	}
	return ""
}

// describe makes the entry of rel in m, whose parent's entry has flags
// parent (0 for a mount's root).
func (p *publisher) describe(m *mtab.Mount, rel string, fi os.FileInfo, parent uint32, parentMode uint32) view.Entry {
	a := attrOf(m, rel, fi)
	return p.describeAttr(m, rel, a, dataSource(m, rel, a), parent, parentMode)
}

// dataSource is the DataSource of rel in m, described by a: nil for
// anything but a regular file the backend tells how to open.
func dataSource(m *mtab.Mount, rel string, a attr) *caps.DataSource {
	if a.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil
	}
	ds, ok := m.FS.(caps.DataSourcer)
	if !ok {
		return nil
	}
	src, ok := ds.DataSource("/" + rel)
	if !ok {
		return nil
	}
	return &src
}

// describeAttr is describe of what a describes, with src the DataSource of
// rel (dataSource's: nil if it has none).
func (p *publisher) describeAttr(m *mtab.Mount, rel string, a attr, src *caps.DataSource, parent uint32, parentMode uint32) view.Entry {
	e := view.Entry{Mode: a.Mode, Uid: a.Uid, Gid: a.Gid, Dev: a.Dev, Ino: a.Ino, Nlink: a.Nlink, Size: a.Size,
		Blocks: a.Blocks, Atime: a.Atime, Mtime: a.Mtime, Ctime: a.Ctime, DataFd: -1, Flags: abi.ViewStat}
	if rel == "" || (parent&abi.ViewSearch != 0 && parentMode&0111 == 0111) {
		e.Flags |= abi.ViewSearch
	}
	if m.ReadOnly {
		e.Flags |= abi.ViewRdonly
	}
	switch a.Mode & unix.S_IFMT {
	case unix.S_IFCHR, unix.S_IFBLK:
		e.Flags &^= abi.ViewStat // the view holds no device number
	case unix.S_IFLNK:
		if t, err := p.root.readlink(m, rel); err == nil {
			e.Target = t
		}
	case unix.S_IFREG:
		if a.Nlink > 1 {
			// Another name's change would not reach this entry.
			e.Flags &^= abi.ViewStat
		}
		if src == nil {
			break
		}
		id := DataID{src.Dev, src.Ino}
		if p.written[id] {
			if !p.hasWriter(id) && src.Fd >= 0 && !openForWriting(src.Fd) {
				delete(p.written, id)
				// The data may have changed since a was read.
				if fi, err := p.root.lstat(m, rel); err == nil {
					return p.describeAttr(m, rel, attrOf(m, rel, fi), src, parent, parentMode)
				}
			}
			e.Flags &^= abi.ViewStat
		}
		e.DataDev, e.DataIno = src.Dev, src.Ino
		if src.Fd >= 0 {
			e.Flags |= abi.ViewOpenData
			e.DataFd = int32(src.Fd)
		} else {
			e.Flags |= abi.ViewOpenHost
			e.Target = src.Host
		}
	}
	return e
}

// hasWriter tells whether the call being published is known to leave
// id's data with a writer (a descriptor open for writing it handed out or
// changed through): then describe need not ask the kernel.
func (p *publisher) hasWriter(id DataID) bool {
	for _, w := range p.writers {
		if w == id {
			return true
		}
	}
	return false
}

// openForWriting tells whether anyone has the memfd fd (one of ours) open
// for writing. A read lease can only be had on a file no one has open for
// writing; the supervisor's own memfd does not count (memfd_create takes
// no write access), the reopens it hands out do.
func openForWriting(fd int) bool {
	ro, err := linuxvfs.Reopen(fd, unix.O_RDONLY)
	if err != nil {
		return true
	}
	defer unix.Close(ro)
	if _, err := unix.FcntlInt(uintptr(ro), unix.F_SETLEASE, unix.F_RDLCK); err != nil {
		return true
	}
	unix.FcntlInt(uintptr(ro), unix.F_SETLEASE, unix.F_UNLCK)
	return false
}

// put publishes e as p's entry.
func (p *publisher) put(vp string, e view.Entry) {
	if p.listed[vp] {
		// Re-described (a listing of its parent, a refresh): its own
		// listing is still whole.
		e.Flags |= abi.ViewComplete
	}
	if !p.v.Put(vp, e) {
		p.drop(vp)
		// The view is full: the directory's listing is no longer whole.
		dir := path.Dir(vp)
		p.v.SetFlags(dir, 0, abi.ViewComplete)
		delete(p.listed, dir)
		return
	}
	// Every entry is known to its directory's, so that removing or
	// renaming the directory takes it away too.
	dir := path.Dir(vp)
	if p.kids[dir] == nil {
		p.kids[dir] = map[string]bool{}
	}
	p.kids[dir][path.Base(vp)] = true
}

// drop removes vp's entry and everything published below it.
func (p *publisher) drop(vp string) {
	p.dropKids(vp)
	p.v.Remove(vp)
	if k := p.kids[path.Dir(vp)]; k != nil {
		delete(k, path.Base(vp))
		if len(k) == 0 {
			delete(p.kids, path.Dir(vp))
		}
	}
}

// dropKids removes what is published below the directory vp, which is no
// longer complete.
func (p *publisher) dropKids(vp string) {
	delete(p.listed, vp)
	p.v.SetFlags(vp, 0, abi.ViewComplete)
	for name := range p.kids[vp] {
		p.drop(vp + "/" + name)
	}
	delete(p.kids, vp)
}

// ensure publishes the entries from m's root down to rel and returns
// rel's flags and mode; ok is false if rel does not exist or cannot be
// published.
func (p *publisher) ensure(m *mtab.Mount, rel string) (flags, mode uint32, ok bool) {
	vp := vpath(m, rel)
	if f, ok := p.v.Flags(vp); ok {
		return f, p.v.Mode(vp), true
	}
	var pflags, pmode uint32
	if rel != "" {
		if pflags, pmode, ok = p.ensure(m, parentRel(rel)); !ok {
			return 0, 0, false
		}
	}
	a, src, err := p.lookAt(m, rel)
	if err != nil {
		return 0, 0, false
	}
	e := p.describeAttr(m, rel, a, src, pflags, pmode)
	p.put(vp, e)
	f, ok := p.v.Flags(vp)
	return f, e.Mode, ok
}

// list publishes the whole listing of the directory rel of m. It returns
// false if rel does not exist.
func (p *publisher) list(m *mtab.Mount, rel string) bool {
	vp := vpath(m, rel)
	if p.listed[vp] {
		return true
	}
	flags, mode, ok := p.ensure(m, rel)
	if !ok {
		return false
	}
	if mode&unix.S_IFMT != unix.S_IFDIR {
		return true
	}
	if len(p.ns.tab.In(vp)) > 0 {
		return true // a mount point hides a name: the listing is not the directory's
	}
	infos, err := afero.ReadDir(m.FS, "/"+rel)
	if err != nil {
		return true
	}
	p.listed[vp] = true
	for _, fi := range infos {
		name := fi.Name()
		if name == "" || name == "." || name == ".." {
			continue
		}
		crel := name
		if rel != "" {
			crel = rel + "/" + name
		}
		p.put(vp+"/"+name, p.describe(m, crel, fi, flags, mode))
	}
	if p.listed[vp] { // still: a full view takes it back
		p.v.SetFlags(vp, abi.ViewComplete, 0)
	}
	return true
}

// visit publishes what a lookup of l would want next time: the listing
// of the directory l is in (or, if that does not exist, of the deepest
// directory above it that does: a name below a missing directory is
// missing too), and l itself, re-described if its entry said to ask.
func (p *publisher) visit(l loc) {
	if l.m == nil || l.m.FS == nil || l.dot != "" {
		return
	}
	if l.rel != "" {
		for d := parentRel(l.rel); !p.list(l.m, d) && d != ""; d = parentRel(d) {
		}
	} else {
		p.ensure(l.m, "")
	}
	if f, ok := p.v.Flags(vpath(l.m, l.rel)); ok && f&abi.ViewStat == 0 {
		p.refreshOne(l.m, l.rel)
	}
}

// listDir publishes the listing of the directory l is in, as a lookup's
// visit does, for l a file just opened for writing: then the file has an
// entry from the start, and the stub can answer calls on the descriptor
// from it (view_fsetattr: tar's futimens, fchown and fchmod of each file it
// creates).
func (p *publisher) listDir(l loc) {
	if l.m == nil || l.m.FS == nil || l.dot != "" || l.rel == "" {
		return
	}
	p.list(l.m, parentRel(l.rel))
}

// forget takes back what is published below rel of m.
func (p *publisher) forget(m *mtab.Mount, rel string) {
	p.dropKids(vpath(m, rel))
}

// refresh re-describes rel of m and its directory after a change.
func (p *publisher) refresh(m *mtab.Mount, rel string) {
	p.refreshOne(m, rel)
	if rel != "" {
		p.refreshOne(m, parentRel(rel))
	}
}

// refreshOne re-describes rel of m, if it is published or its directory's
// listing is.
func (p *publisher) refreshOne(m *mtab.Mount, rel string) {
	vp := vpath(m, rel)
	_, had := p.v.Flags(vp)
	parent := parentRel(rel)
	pvp := vpath(m, parent)
	listed := rel != "" && p.listed[pvp]
	if !had && !listed {
		return
	}
	a, src, err := p.lookAt(m, rel)
	if err != nil {
		p.drop(vp)
		return
	}
	var pflags, pmode uint32
	if rel != "" {
		pflags, _ = p.v.Flags(pvp)
		pmode = p.v.Mode(pvp)
	}
	e := p.describeAttr(m, rel, a, src, pflags, pmode)
	if had && p.v.Mode(vp) != e.Mode {
		// A directory's new mode (or a new type) changes who may search
		// below it.
		p.dropKids(vp)
	}
	p.put(vp, e)
}

// lookAt is what rel of m is described from: its lstat, or, for a
// regular file whose data the call leaves with a writer (p.writers: a
// create or an open for writing, as tar x makes each file), what a lookup
// gives (LstatMeta: no system call in mem, where an lstat makes two).
// Such an entry says "ask", so no one reads its size and times from the
// view, and the stub reads the mode a writer left on its own descriptor.
// A backend that can (caps.SourceStater) finds both the attributes and
// the DataSource with one lookup; another is asked for its DataSource
// after (dataSource). The DataSource is nil if there is none.
func (p *publisher) lookAt(m *mtab.Mount, rel string) (attr, *caps.DataSource, error) {
	ss, ok := p.root.fs(m).(caps.SourceStater)
	if !ok {
		fi, err := p.root.lstat(m, rel)
		if err != nil {
			return attr{}, nil, err
		}
		a := attrOf(m, rel, fi)
		return a, dataSource(m, rel, a), nil
	}
	meta := len(p.writers) > 0
	st, src, has, err := ss.LstatSource("/"+rel, meta)
	if err != nil {
		return attr{}, nil, err
	}
	var srcp *caps.DataSource
	if has {
		srcp = &src
	}
	if meta && st.Mode&unix.S_IFMT == unix.S_IFREG && !(has && p.hasWriter(DataID{src.Dev, src.Ino})) {
		// Not a writer's: its size and times too.
		if st, _, _, err = ss.LstatSource("/"+rel, false); err != nil {
			return attr{}, nil, err
		}
	}
	return attr(st), srcp, nil
}

// handedData is the identity of the data of fd, the regular file's
// descriptor the call hands out: as the backend told the handler, or as
// fstat(2) says; ok is false for any other descriptor.
func (h *handler) handedData(fd int) (DataID, bool) {
	if h.handed != nil {
		return *h.handed, true
	}
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return DataID{}, false
	}
	return DataID{st.Dev, st.Ino}, true
}

// writing marks the data id, about to be handed out for writing, as
// changing: its entries say to ask until no writer is left.
func (p *publisher) writing(id DataID) {
	p.written[id] = true
	if len(p.written) >= p.pruneAt {
		p.pruneWritten()
	}
	for _, vp := range p.v.DataPaths(id.Dev, id.Ino) {
		p.v.SetFlags(vp, 0, abi.ViewStat)
	}
}

// Recheck re-describes the names of the data ids, each handed out as a
// writer (Answer.Writes) to a process that is now done with it (its
// connection has ended): if no writer of a data is left (the lease probe
// of describeAttr), its entries answer stat again, so that a parent's stat
// of what its child just wrote (make's, of each target) takes no round
// trip. A data still written stays marked.
func (ns *Namespace) Recheck(ids []DataID) {
	p := ns.pub
	if p == nil || len(ids) == 0 {
		return
	}
	p.v.Begin()
	defer p.v.End()
	for _, d := range ids {
		if p.written[d] {
			p.refreshData(d)
		}
	}
}

// writtenMin is the number of marks that starts the first pruning.
const writtenMin = 4096

// pruneWritten forgets the marks of data no backend holds any more (a
// file removed, and its descriptors closed everywhere: caps.DataHolder),
// which nothing can write or name again: without it, every file a run
// created for writing and removed left its mark. The next pruning waits
// until the marks have doubled, so that it costs a bounded share of the
// creates.
func (p *publisher) pruneWritten() {
	var holders []caps.DataHolder
	for _, m := range p.ns.tab.Mounts() {
		if h, ok := m.FS.(caps.DataHolder); ok {
			holders = append(holders, h)
		}
	}
	for id := range p.written {
		held := false
		for _, h := range holders {
			if held = h.HoldsData(id.Dev, id.Ino); held {
				break
			}
		}
		if !held {
			delete(p.written, id)
		}
	}
	p.pruneAt = max(writtenMin, 2*len(p.written))
}

// changedData re-describes every published name of the data behind a
// descriptor (whose fstat st is) whose file a call changed (fchmod,
// futimens...). writer says that the descriptor is open for writing: then
// the data still has a writer, and describe need not ask the kernel
// (openForWriting).
func (p *publisher) changedData(st *unix.Stat_t, writer bool) {
	id := DataID{st.Dev, st.Ino}
	if writer {
		p.writers = append(p.writers, id)
	}
	p.refreshData(id)
}

// refreshData re-describes every published name of the data id.
func (p *publisher) refreshData(id DataID) {
	// Refreshing a name may take it out of the data's chain: walk a copy.
	for _, vp := range p.v.DataPaths(id.Dev, id.Ino) {
		if m, rel := p.ns.tab.Lookup(vp); m != nil && m.FS != nil {
			p.refreshOne(m, rel)
		}
	}
}

// publishes tells whether the view describes l: there is a view, and l
// is in a mount.
func (h *handler) publishes(l loc) bool { return h.ns.pub != nil && !l.onHost() }

// change records that the call may change l, to be re-described once it
// is done, with its directory.
func (h *handler) change(l loc) {
	if h.publishes(l) {
		h.changed = append(h.changed, l)
	}
}

// changedRel is the name of l's mount that a change of l changes: the
// directory itself for a path ending in "..".
func (l loc) changedRel() string {
	if l.dot == ".." {
		return parentRel(l.rel)
	}
	return l.rel
}

// changeOwn records that the call may change l's own attributes (its
// permissions, owner, times, size or extended attributes) and nothing of
// its directory's: l alone is re-described once the call is done.
func (h *handler) changeOwn(l loc) {
	if h.publishes(l) {
		h.changedOwn = append(h.changedOwn, l)
	}
}

// visit records that the call looked l up.
func (h *handler) visit(l loc) {
	if h.publishes(l) {
		h.visited = &l
	}
}

// openedFor records that the call opens l to change it (for writing, or
// to truncate it), with the access mode of flags.
func (h *handler) openedFor(l loc, flags int) {
	if h.publishes(l) {
		h.opened = &l
		h.openWrites = flags&unix.O_ACCMODE != unix.O_RDONLY
	}
}

// fdChanges are the calls that may change the file behind their first
// descriptor (their own, or /proc/self/fd/N's).
var fdChanges = map[uint64]bool{
	unix.SYS_FCHMOD: true, unix.SYS_FCHOWN: true, unix.SYS_FTRUNCATE: true, unix.SYS_FALLOCATE: true,
	unix.SYS_UTIMENSAT: true, unix.SYS_FUTIMESAT: true, unix.SYS_FCHMODAT: true, unix.SYS_FCHMODAT2: true,
	unix.SYS_FCHOWNAT: true, unix.SYS_CHMOD: true, unix.SYS_CHOWN: true, unix.SYS_LCHOWN: true,
	unix.SYS_LINKAT: true, unix.SYS_WRITE: true, unix.SYS_PWRITE64: true, unix.SYS_WRITEV: true,
	unix.SYS_PWRITEV: true, unix.SYS_PWRITEV2: true, unix.SYS_FSETXATTR: true, unix.SYS_FREMOVEXATTR: true,
}

// refreshDataPath re-describes the name a backend follows the call's
// descriptor by (caps.DataPather), st being its fstat: an overlay file
// copied up by an earlier call is published as its copy, which the
// descriptor's own identity (the lower file's) does not find.
func (h *handler) refreshDataPath(st *unix.Stat_t) {
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return
	}
	for _, m := range h.ns.tab.Mounts() {
		if d, ok := m.FS.(caps.DataPather); ok {
			if rel, ok := d.DataPath(st.Dev, st.Ino); ok {
				h.ns.pub.refresh(m, rel)
			}
		}
	}
}

// publish brings the view up to date with what the call did, before its
// answer is sent: whatever it may have changed (whether or not it
// succeeded: a create that failed late may have created), the data it
// hands out for writing, and the directory of what it looked up. It is
// one change of the view (one Begin and End); the publisher's other
// methods run inside it.
func (h *handler) publish(ans Answer, err error) {
	p := h.ns.pub
	p.v.Begin()
	defer p.v.End()
	defer func() { p.writers = p.writers[:0] }()
	// The data handed out for writing first: its names are re-described
	// below knowing it has a writer (no probe for one).
	writes := false
	if err == nil && ans.Action == abi.ReplyFd && ans.Fd >= 0 && ans.Reply.Fd&abi.FdServed == 0 && h.handsWriter(ans.Fd) {
		if id, ok := h.handedData(ans.Fd); ok {
			p.writing(id)
			p.writers = append(p.writers, id)
			writes = true
			h.writes = id
		}
	}
	switch h.r.Call.Nr {
	case unix.SYS_RENAME, unix.SYS_RENAMEAT, unix.SYS_RENAMEAT2:
		// A directory renamed over another (or exchanged with it) brings
		// its own names: what was published below either name is not
		// theirs any more.
		for _, l := range h.changed {
			p.forget(l.m, l.rel)
		}
	}
	for _, l := range h.changed {
		p.refresh(l.m, l.changedRel())
	}
	for _, l := range h.changedOwn {
		p.refreshOne(l.m, l.changedRel())
	}
	// A call through /proc/self/fd/N of a descriptor (CallSelf1) may change
	// its file too: an open, truncate or xattr change of an overlay's
	// lower file that way copies it up, which moves its names to the copy.
	if (fdChanges[uint64(h.r.Call.Nr)] || h.r.Call.Flags&abi.CallSelf1 != 0) && len(h.r.Fds) > 0 && err != errPass {
		if o := h.lookupServed(h.r.Fds[0]); o != nil {
			if s, ok := o.Object.(*served); ok && s.m != nil && s.m.FS != nil {
				p.refresh(s.m, s.rel)
			}
		} else {
			fl := h.fd1Flags()
			if st, err := h.fd1Stat(); err == nil {
				p.changedData(st, fl >= 0 && fl&unix.O_ACCMODE != unix.O_RDONLY) // O_PATH has no access mode
				h.refreshDataPath(st)
			}
		}
	}
	if writes && h.opened != nil {
		p.listDir(*h.opened)
	}
	if h.visited != nil {
		p.visit(*h.visited)
	}
}

// handsWriter tells whether fd, the descriptor the call hands out, is open
// for writing: as the call's open asked, or as the kernel says.
func (h *handler) handsWriter(fd int) bool {
	if h.opened != nil {
		return h.openWrites
	}
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	return err == nil && fl&unix.O_ACCMODE != unix.O_RDONLY
}
