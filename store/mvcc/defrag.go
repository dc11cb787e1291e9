package mvcc

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// defragTxSize bounds each transaction of the copy Defrag makes.
const defragTxSize = 64 << 20

// defaultLockWait bounds waits for a file lock this process should get at
// once (the copies Defrag and Restore make).
const defaultLockWait = time.Second

// Defrag rewrites the file without the free pages that compaction and
// deletions left behind, reclaiming disk space, as etcd's defragment: it
// copies every bucket into a new file, fsyncs it and renames it over the
// old one. Writes wait while it runs (it runs in the writer); reads go on
// during the copy and pause only while the files are swapped. It returns
// ctx's error if ctx ends before it starts. A failure after the old file is
// closed puts the store in the failed state (writes refused until reopened).
func (s *Store) Defrag(ctx context.Context) error {
	res := s.submit(ctx, &request{kind: reqDefrag})
	if res.err != nil {
		return fmt.Errorf("defrag %s: %w", s.opts.Path, res.err)
	}
	return nil
}

// defrag runs in the writer goroutine, so no write transaction is open.
func (s *Store) defrag(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	src := s.db
	s.mu.RUnlock()
	path := s.opts.Path
	tmp := path + ".defrag"
	if err := os.Remove(tmp); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("mvcc: remove stale %s: %w", tmp, err)
	}
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{
		Timeout:        defaultLockWait,
		NoSync:         true, // one fsync at the end instead of one per transaction
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
		PageSize:       src.Info().PageSize, // the file keeps its page size
	})
	if err != nil {
		return fmt.Errorf("mvcc: create %s: %w", tmp, err)
	}
	err = bolt.Compact(dst, src, defragTxSize)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("mvcc: copy into %s: %w", tmp, err)
	}

	// Swap: no reader may begin on the old file from here on; closing it
	// waits for those still reading.
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := src.Close(); err != nil {
		s.log.Error(err, "close before defrag swap")
	}
	renameErr := os.Rename(tmp, path)
	if renameErr == nil {
		renameErr = syncDir(filepath.Dir(path))
	}
	db, err := openBolt(context.Background(), path, s.opts.InitialMmapSize, 0)
	if err != nil {
		err = fmt.Errorf("mvcc: reopen %s after defrag: %w", path, err)
		s.fail(err)
		// Keep a handle so reads fail cleanly rather than crash.
		s.db = src
		return err
	}
	s.db = db
	if renameErr != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("mvcc: defrag %s: %w", path, renameErr)
	}
	return nil
}
