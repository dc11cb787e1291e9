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
type journal struct {
	path       string
	compactMin int64 // journalCompactMin; smaller in tests

	mu       sync.Mutex // guards f, size, live, liveSize, broken
	f        *os.File
	size     int64                // bytes in f
	live     map[string]liveLines // the lines of each live object
	liveSize int64                // bytes in live
	// broken is set when a failed append may have left part of a line
	// that could not be cut off: the next write rewrites the file.
	broken bool
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

// append writes e's line (one write: a runtime killed during it leaves a
// line cut short, which the next openJournal drops), and rewrites the file
// when superseded lines fill most of it. The line is in the page cache
// when append returns: it survives the runtime's process, not necessarily
// a power loss (after which no pod is left to recover).
func (j *journal) append(e *journalEntry) error {
	key, err := e.key()
	if err != nil {
		return err
	}
	line, err := encodeEntry(e)
	if err != nil {
		return fmt.Errorf("encode state of %s: %w", key, err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return fmt.Errorf("persist state of %s: %w", key, os.ErrClosed)
	}
	old, had := j.live[key]
	var next liveLines // the object's lines after e; none for a removal
	switch {
	case e.Sandbox != nil || e.Container != nil:
		next = liveLines{record: line}
	case e.ContainerStatus != nil:
		if !had {
			// No record to apply it to: written late, after the removal.
			return nil
		}
		next = liveLines{record: old.record, status: line}
	}
	// set makes l the object's lines in memory.
	set := func(l liveLines) {
		if l.record == nil {
			delete(j.live, key)
		} else {
			j.live[key] = l
		}
	}
	if j.broken {
		set(next)
		if err := j.rewriteLocked(); err != nil {
			set(old)
			return fmt.Errorf("persist state of %s: %w", key, err)
		}
		j.liveSize += next.size() - old.size()
		return nil
	}
	n, err := j.f.Write(line)
	if err != nil {
		// Cut off whatever was written of the line, so that the next
		// line does not follow half a line; failing that, the next
		// append rewrites the file (from memory, where e is not).
		if terr := j.f.Truncate(j.size); terr != nil {
			j.broken = true
		}
		return fmt.Errorf("persist state of %s in %s (%d of %d bytes written): %w", key, j.path, n, len(line), err)
	}
	set(next)
	j.liveSize += next.size() - old.size()
	j.size += int64(n)
	if j.size > j.compactMin && j.size > 4*j.liveSize {
		// e is recorded either way: a failed rewrite leaves the file
		// valid, only larger, and the next append tries again.
		_ = j.rewriteLocked()
	}
	return nil
}

// rewriteLocked replaces the file by one holding only the live lines: a
// new file, synced, renamed over the old one. j.mu is held.
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

// Close closes the file; later writes fail.
func (j *journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}
