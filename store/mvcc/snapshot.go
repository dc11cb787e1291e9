package mvcc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Snapshot writes a consistent copy of the whole store, as of the current
// revision (with Options.SyncInterval, as of the last commit after it
// first commits every write applied so far), to w: a bbolt file that Restore turns back into a store serving
// the same revision, keys, history, compaction revision and leases. Writes
// go on while it streams (it reads one bbolt transaction). It returns
// ctx's error if ctx ends first. A very slow w holds that transaction
// open, which delays Defrag and, only if the file outgrows its memory map
// (InitialMmapSize), writers.
func (s *Store) Snapshot(ctx context.Context, w io.Writer) error {
	if err := s.callErr(ctx); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	// With deferred sync, the file lacks what is not yet committed.
	if err := s.Sync(ctx); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	tx, at, err := s.view(0, func(*index, int64) bool { return true })
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer rollback(tx)
	if _, err := tx.WriteTo(ctxWriter{ctx: ctx, w: w}); err != nil {
		return fmt.Errorf("snapshot at revision %d: %w", at, err)
	}
	return nil
}

// ctxWriter fails writes once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// Restore writes a store file at path from a snapshot made by
// Store.Snapshot, for Open to serve. It refuses to overwrite an existing
// path, checks the copy (bbolt's consistency check and this package's
// format) before giving it its name, and makes it durable (file and
// directory fsync'd) before returning.
func Restore(snapshot io.Reader, path string) error {
	if path == "" {
		return errors.New("mvcc: restore: empty path")
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("mvcc: restore to %s: %w", path, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("mvcc: restore to %s: %w", path, err)
	}
	// Open would replay a log left there by another store into this one.
	if segs, err := listSegments(path); err != nil {
		return fmt.Errorf("mvcc: restore to %s: %w", path, err)
	} else if len(segs) > 0 {
		return fmt.Errorf("mvcc: restore to %s: the write-ahead log of another store is at %s: %w", path, segs[0].path, fs.ErrExist)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("mvcc: restore to %s: %w", path, err)
	}
	tmp := path + ".restore"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("mvcc: restore to %s: %w", path, err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.Remove(tmp)
		}
	}()
	_, err = io.Copy(f, snapshot)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("mvcc: restore to %s: write: %w", path, err)
	}
	if err := checkFile(tmp); err != nil {
		return fmt.Errorf("mvcc: restore to %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("mvcc: restore to %s: %w", path, err)
	}
	ok = true
	return syncDir(dir)
}

// checkFile opens a store file read-only and checks bbolt's invariants and
// this package's buckets and format.
func checkFile(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: defaultLockWait})
	if err != nil {
		return fmt.Errorf("not a bbolt file: %w", err)
	}
	defer func() { _ = db.Close() }()
	return db.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return fmt.Errorf("damaged: %w", err)
		}
		meta := tx.Bucket(metaBucket)
		if meta == nil || tx.Bucket(recordsBucket) == nil || tx.Bucket(leasesBucket) == nil {
			return errors.New("not a store file: buckets missing")
		}
		f, err := readMetaInt(meta, metaFormat)
		if err != nil {
			return err
		}
		if f != formatVersion {
			return fmt.Errorf("file format %d, this build reads %d", f, formatVersion)
		}
		return nil
	})
}

// syncDir fsyncs a directory, making a rename in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("mvcc: sync directory %s: %w", dir, err)
	}
	defer func() { _ = d.Close() }()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("mvcc: sync directory %s: %w", dir, err)
	}
	return nil
}
