package mvcc

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/rigging-dev/rigging/store"
)

// The bbolt buckets.
var (
	// recordsBucket maps a 16-byte revision key to an encoded
	// mvccpb.Record.
	recordsBucket = []byte("records")
	// metaBucket holds the keys below.
	metaBucket = []byte("meta")
	// leasesBucket maps an 8-byte lease ID to an encoded mvccpb.Lease.
	leasesBucket = []byte("leases")
)

// The keys of the meta bucket, each an 8-byte big-endian integer.
var (
	// metaFormat is the file format version, formatVersion.
	metaFormat = []byte("format")
	// metaRevision is the store revision: the main revision of the last
	// committed write. It is written in the same transaction as the write,
	// so the file always names the revision it holds.
	metaRevision = []byte("revision")
	// metaCompact is the compaction revision, written before the records
	// it makes obsolete are removed; Open finishes an interrupted removal.
	metaCompact = []byte("compact")
	// metaLeaseSeq is the last lease ID granted; IDs are never reused.
	metaLeaseSeq = []byte("lease-seq")
)

// formatVersion is the file format this package writes and reads.
const formatVersion = 1

// recordsFillPercent packs the records bucket's pages tightly: its keys
// only ever grow, so pages are never split by inserts in the middle.
const recordsFillPercent = 0.9

// openBolt opens (creating if needed, with pages of pageSize bytes, 0
// for the system's) the database file at path, retrying while another
// process holds its lock until ctx is done.
func openBolt(ctx context.Context, path string, mmapSize, pageSize int) (*bolt.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("mvcc: create directory of %s: %w", path, err)
	}
	for {
		db, err := bolt.Open(path, 0o600, &bolt.Options{
			Timeout:         100 * time.Millisecond,
			NoFreelistSync:  true,
			FreelistType:    bolt.FreelistMapType,
			InitialMmapSize: mmapSize,
			PageSize:        pageSize,
		})
		if err == nil {
			return db, nil
		}
		if !errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("mvcc: open %s: %w", path, err)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("mvcc: open %s: file is locked by another process: %w", path, ctx.Err())
		}
	}
}

// initBuckets creates the buckets of a new file and checks the format of an
// existing one.
func initBuckets(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		if meta == nil {
			if tx.Bucket(recordsBucket) != nil {
				return fmt.Errorf("mvcc: %s: records without a meta bucket: not a store file or damaged", db.Path())
			}
			var err error
			if meta, err = tx.CreateBucket(metaBucket); err != nil {
				return err
			}
			if err := meta.Put(metaFormat, uint64Bytes(formatVersion)); err != nil {
				return err
			}
		}
		if f, err := readMetaInt(meta, metaFormat); err != nil {
			return err
		} else if f != formatVersion {
			return fmt.Errorf("mvcc: %s: file format %d, this build reads %d", db.Path(), f, formatVersion)
		}
		for _, name := range [][]byte{recordsBucket, leasesBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
}

// readMetaInt reads one integer of the meta bucket; a missing key is 0.
func readMetaInt(meta *bolt.Bucket, key []byte) (int64, error) {
	v := meta.Get(key)
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("mvcc: meta key %q holds %d bytes, want 8", key, len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// recovered is what Open reads back from the file.
type recovered struct {
	idx        *index
	rev        int64
	compactRev int64
	leaseSeq   int64
	// leaseTTL maps every persisted lease to its TTL in seconds.
	leaseTTL map[store.LeaseID]int64
	// keyLease maps every live key attached to a lease to that lease.
	keyLease map[string]store.LeaseID
}

// recoverState reads the meta bucket, rebuilds the index from every record
// and loads the leases.
func recoverState(db *bolt.DB) (*recovered, error) {
	rc := &recovered{idx: newIndex(), leaseTTL: make(map[store.LeaseID]int64), keyLease: make(map[string]store.LeaseID)}
	err := db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(metaBucket)
		var err error
		if rc.rev, err = readMetaInt(meta, metaRevision); err != nil {
			return err
		}
		if rc.compactRev, err = readMetaInt(meta, metaCompact); err != nil {
			return err
		}
		if rc.leaseSeq, err = readMetaInt(meta, metaLeaseSeq); err != nil {
			return err
		}
		// Records come in revision order, so appending to each key's
		// history keeps it sorted.
		latest := make(map[string]store.LeaseID)
		err = tx.Bucket(recordsBucket).ForEach(func(k, v []byte) error {
			r, err := parseRevKey(k)
			if err != nil {
				return err
			}
			if r.main > rc.rev {
				return fmt.Errorf("mvcc: record at revision %d beyond the file's revision %d", r.main, rc.rev)
			}
			h, err := parseRecordHeader(v)
			if err != nil {
				return fmt.Errorf("record at revision %d.%d: %w", r.main, r.sub, err)
			}
			key := string(h.key)
			rc.idx.add(key, indexEntry{rev: r, tombstone: h.tombstone})
			if h.tombstone || h.lease == store.NoLease {
				delete(latest, key)
			} else {
				latest[key] = h.lease
			}
			return nil
		})
		if err != nil {
			return err
		}
		rc.keyLease = latest
		return tx.Bucket(leasesBucket).ForEach(func(k, v []byte) error {
			l, err := unmarshalLease(v)
			if err != nil {
				return err
			}
			rc.leaseTTL[store.LeaseID(l.Id)] = l.TtlSeconds
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("mvcc: recover %s: %w", db.Path(), err)
	}
	return rc, nil
}

// deleteRecords removes the records of the given revisions in transactions
// of at most batch deletions each (used by Open to finish an interrupted
// compaction).
func deleteRecords(db *bolt.DB, revs []revision, batch int) error {
	for len(revs) > 0 {
		n := min(batch, len(revs))
		err := db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(recordsBucket)
			var k [revKeySize]byte
			for _, r := range revs[:n] {
				if err := b.Delete(r.appendKey(k[:0])); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("mvcc: remove compacted records: %w", err)
		}
		revs = revs[n:]
	}
	return nil
}
