package mvcc

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// This file is the write-ahead log of a standalone store
// (Options.WriteAheadLog). Each batch of writes that changes the store is
// logged as one record, appended to the current segment and fdatasynced
// before any of its requests is answered; the flusher (flush.go) redoes
// the records in bbolt and commits them, naming in the file (meta key
// "wal") the last record each commit holds, and then removes the segments
// that commit covers.
//
// A record is the batch's effect, not its requests: every bbolt put and
// delete the batch made, in order. Replaying one therefore needs no
// decision at all (no precondition, no lease deadline, no clock): Open
// redoes the records after the one the file names, in one transaction,
// and the file then holds exactly what the original batches wrote, with
// the same revisions, leases and history.
//
// The log is a series of segment files, Path + ".wal." + the sequence
// number of the segment's first record in 16 hex digits; the writer
// starts a new one at each cut (flush.go). In a segment a record is
//
//	length  uint32, little-endian: bytes after the 8-byte header
//	crc     uint32, little-endian: CRC-32C of those bytes
//	seq     uint64, little-endian: 1 more than the record before
//	ops     op*
//
// and an op is kind (1 put, 2 delete), bucket (walBucket), the key's
// length (uvarint) and bytes and, for a put, the value's length (uvarint)
// and bytes.

// metaWAL is the meta key of the sequence number of the last log record
// whose effect the file holds.
var metaWAL = []byte("wal")

// walSuffix starts the names of the log's segments, after the database
// file's.
const walSuffix = ".wal"

// walHeaderSize is the length and CRC before each record's payload.
const walHeaderSize = 8

// maxWALRecord bounds a record's payload; a larger length is damage (a
// batch carries at most 16 MiB of keys and values, plus lease expiries).
const maxWALRecord = 1 << 30

// The op kinds of a log record.
const (
	walPut    byte = 1
	walDelete byte = 2
)

// walBucket names a bucket in a log record.
type walBucket byte

const (
	walRecords walBucket = iota
	walMeta
	walLeases
)

var walBucketNames = [...][]byte{walRecords: recordsBucket, walMeta: metaBucket, walLeases: leasesBucket}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// walPrefix is what the names of the log's segments start with.
func walPrefix(path string) string { return path + walSuffix + "." }

// segmentPath names the segment whose first record is first.
func segmentPath(path string, first uint64) string {
	return fmt.Sprintf("%s%016x", walPrefix(path), first)
}

// walSegment is one file of the log.
type walSegment struct {
	path  string
	first uint64 // sequence number of its first record
	last  uint64 // of its last, once closed
}

// listSegments returns the log's segments in order.
func listSegments(path string) ([]walSegment, error) {
	dir, base := filepath.Split(walPrefix(path))
	if dir == "" {
		dir = "."
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mvcc: list write-ahead log segments: %w", err)
	}
	var out []walSegment
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, base) {
			continue
		}
		first, err := strconv.ParseUint(name[len(base):], 16, 64)
		if err != nil || len(name)-len(base) != 16 {
			continue // not a segment
		}
		out = append(out, walSegment{path: filepath.Join(dir, name), first: first})
	}
	slices.SortFunc(out, func(a, b walSegment) int { return cmp.Compare(a.first, b.first) })
	return out, nil
}

// wal is the open log: the segment being appended to and the closed ones
// whose records the file does not hold yet. The writer goroutine appends
// and rotates; the flusher removes segments it has committed.
type wal struct {
	path string // the database file's

	// seq is the sequence number of the last record appended (or, right
	// after Open, of the last one the database file holds). Writer only.
	seq uint64

	mu sync.Mutex // guards f, cur, size and closed
	// f is the segment being appended to, cur its description.
	f   *os.File
	cur walSegment
	// size is f's length in bytes.
	size int64
	// closed are the earlier segments not yet removed, oldest first.
	closed []walSegment
}

// openWAL starts the log of the database file at path with an empty
// segment whose first record will be held+1.
func openWAL(path string, held uint64) (*wal, error) {
	w := &wal{path: path, seq: held}
	if err := w.newSegment(); err != nil {
		return nil, err
	}
	return w, nil
}

// newSegment creates the segment for record seq+1 on, making its directory
// entry durable. Called with mu held (or before the log is shared).
func (w *wal) newSegment() error {
	seg := walSegment{path: segmentPath(w.path, w.seq+1), first: w.seq + 1}
	f, err := os.OpenFile(seg.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("mvcc: create write-ahead log segment: %w", err)
	}
	if err := syncDir(filepath.Dir(seg.path)); err != nil {
		_ = f.Close()
		_ = os.Remove(seg.path)
		return err
	}
	w.f, w.cur, w.size = f, seg, 0
	return nil
}

// append writes rec (a record built by walBegin and walAppendOp) with the
// next sequence number and fdatasyncs it. On error the log's tail is
// unknown: the store must stop writing (a partial record is dropped as
// torn by the next Open).
func (w *wal) append(rec []byte) error {
	seq := w.seq + 1
	binary.LittleEndian.PutUint64(rec[walHeaderSize:], seq)
	payload := rec[walHeaderSize:]
	binary.LittleEndian.PutUint32(rec[0:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(rec[4:], crc32.Checksum(payload, castagnoli))
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.WriteAt(rec, w.size); err != nil {
		return fmt.Errorf("mvcc: append record %d to write-ahead log %s: %w", seq, w.cur.path, err)
	}
	if err := unix.Fdatasync(int(w.f.Fd())); err != nil {
		return fmt.Errorf("mvcc: sync write-ahead log %s: %w", w.cur.path, err)
	}
	w.size += int64(len(rec))
	w.seq = seq
	return nil
}

// rotate closes the current segment, if it holds any record, and starts
// the next, so that the closed ones can be removed once the file holds
// their records. Writer only.
func (w *wal) rotate() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.size == 0 {
		return nil
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("mvcc: close write-ahead log segment %s: %w", w.cur.path, err)
	}
	w.cur.last = w.seq
	w.closed = append(w.closed, w.cur)
	return w.newSegment()
}

// removeThrough removes the closed segments whose records all have
// sequence numbers up to seq: the file holds them. A removal that does not
// reach the disk before a crash is harmless: Open skips records the file
// holds.
func (w *wal) removeThrough(seq uint64) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.closed) > 0 && w.closed[0].last <= seq {
		if err := os.Remove(w.closed[0].path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("mvcc: remove write-ahead log segment: %w", err)
		}
		w.closed = w.closed[1:]
	}
	return nil
}

// close closes the current segment, removing it when it holds no record
// (after Close's final commit, the log is then gone).
func (w *wal) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("mvcc: close write-ahead log segment %s: %w", w.cur.path, err)
	}
	if w.size == 0 && len(w.closed) == 0 {
		if err := os.Remove(w.cur.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("mvcc: remove empty write-ahead log segment: %w", err)
		}
	}
	return nil
}

// walBegin starts a record in buf (reused): room for the header and
// sequence number, filled in by append.
func walBegin(buf []byte) []byte {
	return append(buf[:0], make([]byte, walHeaderSize+8)...)
}

// walAppendOp adds one put (value non-nil) or delete to a record.
func walAppendOp(buf []byte, kind byte, bucket walBucket, key, value []byte) []byte {
	buf = append(buf, kind, byte(bucket))
	buf = binary.AppendUvarint(buf, uint64(len(key)))
	buf = append(buf, key...)
	if kind == walPut {
		buf = binary.AppendUvarint(buf, uint64(len(value)))
		buf = append(buf, value...)
	}
	return buf
}

// walEntry is one record read back: its sequence number and ops.
type walEntry struct {
	seq uint64
	ops []byte
}

// parseWAL splits a log into records. A last record cut short or failing
// its checksum, followed by nothing but zeros, is a write the crash tore:
// it was never acknowledged, and parseWAL drops it (torn reports so). Any
// other damage is an error naming its offset.
func parseWAL(data []byte) (recs []walEntry, torn bool, err error) {
	off := 0
	for off < len(data) {
		rest := data[off:]
		if len(rest) < walHeaderSize {
			return recs, true, nil
		}
		n := int(binary.LittleEndian.Uint32(rest))
		sum := binary.LittleEndian.Uint32(rest[4:])
		switch {
		case n < 8 || n > maxWALRecord:
			if allZero(rest) {
				return recs, true, nil
			}
			return nil, false, fmt.Errorf("record at offset %d: bad length %d", off, n)
		case walHeaderSize+n > len(rest):
			return recs, true, nil
		}
		payload := rest[walHeaderSize : walHeaderSize+n]
		if crc32.Checksum(payload, castagnoli) != sum {
			if allZero(rest[walHeaderSize+n:]) {
				return recs, true, nil
			}
			return nil, false, fmt.Errorf("record at offset %d: checksum mismatch with %d bytes of log after it", off, len(rest)-walHeaderSize-n)
		}
		recs = append(recs, walEntry{seq: binary.LittleEndian.Uint64(payload), ops: payload[8:]})
		off += walHeaderSize + n
	}
	return recs, false, nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// applyWALOps redoes one record's ops in tx.
func applyWALOps(tx *bolt.Tx, ops []byte) error {
	for len(ops) > 0 {
		if len(ops) < 2 {
			return errors.New("truncated op")
		}
		kind, bi := ops[0], walBucket(ops[1])
		ops = ops[2:]
		if int(bi) >= len(walBucketNames) {
			return fmt.Errorf("unknown bucket %d", bi)
		}
		b := tx.Bucket(walBucketNames[bi])
		key, rest, err := walBytes(ops)
		if err != nil {
			return fmt.Errorf("key: %w", err)
		}
		ops = rest
		switch kind {
		case walPut:
			value, rest, err := walBytes(ops)
			if err != nil {
				return fmt.Errorf("value of %x: %w", key, err)
			}
			ops = rest
			if bi == walRecords {
				b.FillPercent = recordsFillPercent
			}
			if err := b.Put(key, value); err != nil {
				return err
			}
		case walDelete:
			if err := b.Delete(key); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown op kind %d", kind)
		}
	}
	return nil
}

// walBytes reads one length-prefixed byte string.
func walBytes(b []byte) (v, rest []byte, err error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return nil, nil, errors.New("truncated")
	}
	return b[k : k+int(n)], b[k+int(n):], nil
}

// replayWAL brings the database file up to the log of path, whatever
// Options.WriteAheadLog says (a store last run with the log on must not
// lose what it holds): the records after the one the file names are
// redone in one transaction that also names the last of them. Then it
// removes the segments. It returns the sequence number the file holds.
func replayWAL(db *bolt.DB, path string) (uint64, error) {
	var held uint64
	err := db.View(func(tx *bolt.Tx) error {
		v, err := readMetaInt(tx.Bucket(metaBucket), metaWAL)
		held = uint64(v)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mvcc: %s: %w", db.Path(), err)
	}
	segs, err := listSegments(path)
	if err != nil || len(segs) == 0 {
		return held, err
	}
	next := held + 1
	var todo []walEntry
	for i, seg := range segs {
		data, err := os.ReadFile(seg.path)
		if err != nil {
			return 0, fmt.Errorf("mvcc: read write-ahead log: %w", err)
		}
		recs, torn, err := parseWAL(data)
		if err == nil && torn && i < len(segs)-1 {
			err = errors.New("torn record before the last segment")
		}
		if err == nil && len(recs) > 0 && recs[0].seq != seg.first {
			err = fmt.Errorf("first record %d in the segment named for %d", recs[0].seq, seg.first)
		}
		if err != nil {
			return 0, fmt.Errorf("mvcc: write-ahead log %s is damaged: %w", seg.path, err)
		}
		for _, r := range recs {
			switch {
			case r.seq < next && len(todo) == 0:
				// Already in the file: the segment was not removed
				// after the commit that covered it.
			case r.seq == next:
				todo = append(todo, r)
				next++
			default:
				return 0, fmt.Errorf("mvcc: write-ahead log %s: record %d where %d was expected (the file holds up to %d): records are missing", seg.path, r.seq, next, held)
			}
		}
	}
	if len(todo) > 0 {
		last := todo[len(todo)-1].seq
		err = db.Update(func(tx *bolt.Tx) error {
			for _, r := range todo {
				if err := applyWALOps(tx, r.ops); err != nil {
					return fmt.Errorf("record %d: %w", r.seq, err)
				}
			}
			return tx.Bucket(metaBucket).Put(metaWAL, uint64Bytes(last))
		})
		if err != nil {
			return 0, fmt.Errorf("mvcc: replay write-ahead log of %s: %w", db.Path(), err)
		}
		held = last
	}
	// The file now holds every record: the segments may go.
	for _, seg := range segs {
		if err := os.Remove(seg.path); err != nil {
			return 0, fmt.Errorf("mvcc: remove replayed write-ahead log segment: %w", err)
		}
	}
	return held, nil
}
