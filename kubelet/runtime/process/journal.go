package process

// The runtime's state on disk: one append-only journal file for all
// sandboxes and containers, instead of a directory and a state file per
// object. On a file system such as ext4 every new inode costs (without a
// journal ext4 scans past recently deleted inodes to allocate one), and
// replacing a file atomically (write a temporary file, rename it over the
// old one) makes a new inode per write; appending a line to a file that
// exists makes none.

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sync"
)

// ErrCorruptState is wrapped by the error New returns when the state
// journal (Options.RootDir/state.journal) has a line that is complete but
// damaged: a checksum that does not match, or a record that does not
// decode. A line cut short at the end of the file (a write the runtime
// was killed in) is not corruption: it is dropped.
var ErrCorruptState = errors.New("process: corrupt state journal")

// journalName is the journal's file name in RootDir.
const journalName = "state.journal"

// journalCompactMin is the size (1 MiB) below which the journal is never
// rewritten; above it, it is rewritten when at least three quarters of it
// are superseded records.
const journalCompactMin = 1 << 20

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// journalEntry is one line of the journal: a sandbox's or a container's
// whole record (replacing the one before it), a container's status
// (replacing that part of its record), or the removal of one. Exactly one
// field is set.
type journalEntry struct {
	Sandbox         *sandboxRecord        `json:"sandbox,omitempty"`
	Container       *containerRecord      `json:"container,omitempty"`
	ContainerStatus *containerStatusEntry `json:"containerStatus,omitempty"`
	RemoveSandbox   string                `json:"removeSandbox,omitempty"`
	RemoveContainer string                `json:"removeContainer,omitempty"`
}

// containerStatusEntry is a container's status, for a container the
// journal has a record of.
type containerStatusEntry struct {
	ID string `json:"id"`
	containerStatus
}

// key names the object an entry is about: "s/<id>" or "c/<id>".
func (e *journalEntry) key() (string, error) {
	n := 0
	var key string
	if e.Sandbox != nil {
		n++
		if e.Sandbox.ID == "" || e.Sandbox.Config == nil {
			return "", errors.New("sandbox record without ID or config")
		}
		key = "s/" + e.Sandbox.ID
	}
	if e.Container != nil {
		n++
		if e.Container.ID == "" || e.Container.SandboxID == "" || e.Container.Config == nil {
			return "", errors.New("container record without ID, sandbox ID or config")
		}
		key = "c/" + e.Container.ID
	}
	if e.ContainerStatus != nil {
		n++
		if e.ContainerStatus.ID == "" {
			return "", errors.New("container status without ID")
		}
		key = "c/" + e.ContainerStatus.ID
	}
	if e.RemoveSandbox != "" {
		n++
		key = "s/" + e.RemoveSandbox
	}
	if e.RemoveContainer != "" {
		n++
		key = "c/" + e.RemoveContainer
	}
	if n != 1 {
		return "", fmt.Errorf("entry names %d objects, want 1", n)
	}
	return key, nil
}

// encodeEntry returns e's journal line: "<crc32c of the JSON, 8 hex
// digits> <JSON>\n". The JSON holds no raw newline (control characters
// are escaped), so a line ends exactly at its newline. The JSON is what
// json.Marshal makes of e (see journal_encode.go), written without
// reflection into a pooled scratch buffer; the line returned is a copy of
// exactly its length, as the journal keeps the live ones in memory.
func encodeEntry(e *journalEntry) ([]byte, error) {
	bp := encodeBufs.Get().(*[]byte)
	defer encodeBufs.Put(bp)
	data, ok := appendEntry((*bp)[:0], e)
	if cap(data) <= maxPooledEncodeBuf {
		*bp = data
	}
	if !ok {
		var err error
		if data, err = json.Marshal(e); err != nil {
			return nil, err
		}
	}
	return frameLine(data), nil
}

// maxPooledEncodeBuf bounds the scratch buffers encodeEntry keeps.
const maxPooledEncodeBuf = 64 << 10

var encodeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

const lowerHex = "0123456789abcdef"

// frameLine returns the journal line holding data: its checksum, a space,
// data and a newline.
func frameLine(data []byte) []byte {
	line := make([]byte, 9+len(data)+1)
	sum := crc32.Checksum(data, crcTable)
	for i := range 8 {
		line[i] = lowerHex[(sum>>(28-4*i))&0xf]
	}
	line[8] = ' '
	copy(line[9:], data)
	line[len(line)-1] = '\n'
	return line
}

// decodeLine checks and decodes one line (without its newline).
func decodeLine(line []byte) (*journalEntry, error) {
	if len(line) < 10 || line[8] != ' ' {
		return nil, errors.New("malformed line")
	}
	var sum [4]byte
	if _, err := hex.Decode(sum[:], line[:8]); err != nil {
		return nil, errors.New("malformed checksum")
	}
	data := line[9:]
	want := uint32(sum[0])<<24 | uint32(sum[1])<<16 | uint32(sum[2])<<8 | uint32(sum[3])
	if got := crc32.Checksum(data, crcTable); got != want {
		return nil, fmt.Errorf("checksum %08x, line says %08x", got, want)
	}
	e := new(journalEntry)
	if err := json.Unmarshal(data, e); err != nil {
		return nil, err
	}
	return e, nil
}

// journalState is what a journal holds: the live records by ID.
type journalState struct {
	sandboxes  map[string]*sandboxRecord
	containers map[string]*containerRecord
}

// liveLines are the lines a rewritten journal keeps of one object: its
// last whole record and, for a container, its last status after it.
type liveLines struct {
	record, status []byte
}

func (l liveLines) size() int64 { return int64(len(l.record) + len(l.status)) }

// replayJournal decodes a journal's content. It returns the live records,
// the lines of each (for a rewrite), and the length of the part that ends
// with a complete line: a line cut short at the end is dropped. A damaged
// complete line is an error wrapping ErrCorruptState. The status of a
// container the journal has no record of (written late, after its
// removal) is ignored.
func replayJournal(data []byte) (st journalState, live map[string]liveLines, good int, err error) {
	st = journalState{sandboxes: map[string]*sandboxRecord{}, containers: map[string]*containerRecord{}}
	live = map[string]liveLines{}
	for n := 1; good < len(data); n++ {
		i := bytes.IndexByte(data[good:], '\n')
		if i < 0 {
			break // cut short: the last write did not finish
		}
		line := data[good : good+i+1]
		e, err := decodeLine(line[:i])
		var key string
		if err == nil {
			key, err = e.key()
		}
		if err != nil {
			return st, nil, 0, fmt.Errorf("line %d (byte %d): %w: %w", n, good, err, ErrCorruptState)
		}
		switch {
		case e.Sandbox != nil:
			st.sandboxes[e.Sandbox.ID] = e.Sandbox
			live[key] = liveLines{record: bytes.Clone(line)}
		case e.Container != nil:
			st.containers[e.Container.ID] = e.Container
			live[key] = liveLines{record: bytes.Clone(line)}
		case e.ContainerStatus != nil:
			if c := st.containers[e.ContainerStatus.ID]; c != nil {
				c.containerStatus = e.ContainerStatus.containerStatus
				live[key] = liveLines{record: live[key].record, status: bytes.Clone(line)}
			}
		case e.RemoveSandbox != "":
			delete(st.sandboxes, e.RemoveSandbox)
			delete(live, key)
		default:
			delete(st.containers, e.RemoveContainer)
			delete(live, key)
		}
		good += i + 1
	}
	return st, live, good, nil
}

// journal appends records to the journal file. Its methods may be called
// from any number of goroutines; the lines of one object are in the order
// of the calls for it, so callers serialise the updates of one object.
//
// Appends are group-committed: the caller that finds no write going on
// becomes the writer, and writes, in one write(2), its own line and the
// lines of every append that arrived meanwhile, in their order, until
// none is waiting; the others wait for their batch. A mutex held across
// each write instead made a convoy when many pods started at once: on a
// busy machine each next holder waited for a CPU while holding the lock
// (up to 150 ms for the last of ~50 waiters).
type journal struct {
	path       string
	compactMin int64 // journalCompactMin; smaller in tests

	mu      sync.Mutex    // guards queue and writing
	queue   []*journalReq // appends (and a Close) waiting for the writer
	spare   []*journalReq // a drained queue, for reuse
	writing bool          // a caller is writing; it owns the fields below

	// Owned by the writing caller (or by a holder of mu while nobody
	// writes).
	f        *os.File
	size     int64                // bytes in f
	live     map[string]liveLines // the lines of each live object
	liveSize int64                // bytes in live
	// broken is set when a failed append may have left part of a line
	// that could not be cut off: the next write rewrites the file.
	broken bool
	buf    []byte          // a batch's lines
	undo   []journalChange // a batch's changes to live, to undo on failure
}

// journalReq is one append waiting to be written, or a Close (close set).
type journalReq struct {
	key   string
	line  []byte
	entry *journalEntry
	close bool
	err   error
	done  chan struct{} // closed once written, when another caller writes it
}

// journalChange is one change of live: key's lines before it.
type journalChange struct {
	key      string
	old, new liveLines
}

// openJournal opens (creating it when missing) the journal at path and
// returns the records it holds. A line cut short at its end is cut off.
func openJournal(path string) (*journal, journalState, error) {
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, journalState{}, err
	}
	st, live, good, err := replayJournal(data)
	if err != nil {
		return nil, st, fmt.Errorf("%s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, st, err
	}
	if good < len(data) {
		if err := f.Truncate(int64(good)); err != nil {
			f.Close()
			return nil, st, fmt.Errorf("cut off the unfinished last line of %s: %w", path, err)
		}
	}
	j := &journal{path: path, compactMin: journalCompactMin, f: f, size: int64(good), live: live}
	for _, l := range live {
		j.liveSize += l.size()
	}
	return j, st, nil
}

// putSandbox records rec, replacing its earlier record.
func (j *journal) putSandbox(rec *sandboxRecord) error {
	return j.append(&journalEntry{Sandbox: rec})
}

// putContainer records rec, replacing its earlier record.
func (j *journal) putContainer(rec *containerRecord) error {
	return j.append(&journalEntry{Container: rec})
}

// putContainerStatus records the status of container id, replacing the
// status in its record.
func (j *journal) putContainerStatus(id string, st *containerStatus) error {
	return j.append(&journalEntry{ContainerStatus: &containerStatusEntry{ID: id, containerStatus: *st}})
}

// removeSandbox records that sandbox id is gone.
func (j *journal) removeSandbox(id string) error {
	return j.append(&journalEntry{RemoveSandbox: id})
}

// removeContainer records that container id is gone.
func (j *journal) removeContainer(id string) error {
	return j.append(&journalEntry{RemoveContainer: id})
}

// append writes e's line (in one write with the lines of the appends
// that arrived meanwhile: a runtime killed during it leaves a line cut
// short, which the next openJournal drops), and rewrites the file when
// superseded lines fill most of it. The line is in the page cache when
// append returns: it survives the runtime's process, not necessarily a
// power loss (after which no pod is left to recover).
func (j *journal) append(e *journalEntry) error {
	key, err := e.key()
	if err != nil {
		return err
	}
	line, err := encodeEntry(e)
	if err != nil {
		return fmt.Errorf("encode state of %s: %w", key, err)
	}
	return j.submit(&journalReq{key: key, line: line, entry: e})
}

// submit has r written: by this caller, which then writes every batch
// that arrives until none is waiting, when nobody else is writing;
// otherwise by the caller that is.
func (j *journal) submit(r *journalReq) error {
	j.mu.Lock()
	if j.writing {
		r.done = make(chan struct{})
		j.queue = append(j.queue, r)
		j.mu.Unlock()
		<-r.done
		return r.err
	}
	j.writing = true
	j.queue = append(j.queue, r)
	for len(j.queue) > 0 {
		batch := j.queue
		j.queue, j.spare = j.spare[:0], nil
		j.mu.Unlock()
		j.writeBatch(batch)
		for i, q := range batch {
			if q.done != nil {
				close(q.done)
			}
			batch[i] = nil
		}
		j.mu.Lock()
		j.spare = batch[:0]
	}
	j.writing = false
	j.mu.Unlock()
	return r.err
}

// writeBatch writes the lines of batch, in order, with one write, and
// sets each request's error. The changes to live are made as each line
// is taken (so that a container's status follows its record in the same
// batch) and undone, in reverse, when the write fails: then every
// append of the batch fails, as each would have alone. A Close request
// ends the batch's writes: the lines before it are written first, the
// appends after it fail.
func (j *journal) writeBatch(batch []*journalReq) {
	for len(batch) > 0 {
		n := len(batch)
		for i, r := range batch {
			if r.close {
				n = i
				break
			}
		}
		j.writeLines(batch[:n])
		if n == len(batch) {
			return
		}
		if j.f != nil {
			batch[n].err = j.f.Close()
			j.f = nil
		}
		batch = batch[n+1:]
	}
}

// writeLines writes the lines of appends (no Close among them).
func (j *journal) writeLines(reqs []*journalReq) {
	if len(reqs) == 0 {
		return
	}
	if j.f == nil {
		for _, r := range reqs {
			r.err = fmt.Errorf("persist state of %s: %w", r.key, os.ErrClosed)
		}
		return
	}
	j.buf, j.undo = j.buf[:0], j.undo[:0]
	var written []*journalReq // the requests whose line is in buf
	for _, r := range reqs {
		old, had := j.live[r.key]
		var next liveLines // the object's lines after r; none for a removal
		switch e := r.entry; {
		case e.Sandbox != nil || e.Container != nil:
			next = liveLines{record: r.line}
		case e.ContainerStatus != nil:
			if !had {
				// No record to apply it to: written late, after the removal.
				continue
			}
			next = liveLines{record: old.record, status: r.line}
		}
		j.setLive(r.key, next)
		j.undo = append(j.undo, journalChange{key: r.key, old: old, new: next})
		j.buf = append(j.buf, r.line...)
		written = append(written, r)
	}
	if len(written) == 0 {
		return
	}
	undo := func() {
		for i := len(j.undo) - 1; i >= 0; i-- {
			j.setLive(j.undo[i].key, j.undo[i].old)
		}
	}
	if j.broken {
		if err := j.rewriteLocked(); err != nil {
			undo()
			for _, r := range written {
				r.err = fmt.Errorf("persist state of %s: %w", r.key, err)
			}
			return
		}
	} else {
		n, err := j.f.Write(j.buf)
		if err != nil {
			// Cut off whatever was written of the lines, so that the
			// next line does not follow half a line; failing that, the
			// next append rewrites the file (from memory, where these
			// lines are not).
			if terr := j.f.Truncate(j.size); terr != nil {
				j.broken = true
			}
			undo()
			for _, r := range written {
				r.err = fmt.Errorf("persist state of %s in %s (%d of %d bytes written): %w", r.key, j.path, n, len(j.buf), err)
			}
			return
		}
		j.size += int64(n)
	}
	for _, c := range j.undo {
		j.liveSize += c.new.size() - c.old.size()
	}
	if cap(j.buf) > maxPooledEncodeBuf {
		j.buf = nil
	}
	if j.size > j.compactMin && j.size > 4*j.liveSize {
		// The lines are recorded either way: a failed rewrite leaves
		// the file valid, only larger, and the next append tries again.
		_ = j.rewriteLocked()
	}
}

// setLive makes l the lines of key in memory.
func (j *journal) setLive(key string, l liveLines) {
	if l.record == nil {
		delete(j.live, key)
	} else {
		j.live[key] = l
	}
}

// rewriteLocked replaces the file by one holding only the live lines: a
// new file, synced, renamed over the old one. The caller is the writer.
func (j *journal) rewriteLocked() error {
	tmp := j.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("rewrite %s: %w", j.path, err)
	}
	buf := make([]byte, 0, j.liveSize)
	for _, l := range j.live {
		buf = append(buf, l.record...)
		buf = append(buf, l.status...)
	}
	_, err = f.Write(buf)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = os.Rename(tmp, j.path)
	}
	if err != nil {
		f.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("rewrite %s: %w", j.path, err)
	}
	if d, err := os.Open(filepath.Dir(j.path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	j.f.Close()
	j.f, j.size, j.broken = f, int64(len(buf)), false
	return nil
}

// Close closes the file, after the appends that came before it; later
// writes fail.
func (j *journal) Close() error {
	return j.submit(&journalReq{close: true})
}
