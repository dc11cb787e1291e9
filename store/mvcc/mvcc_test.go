package mvcc

import (
	"testing"
	"time"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/storetest"
)

// openTest opens a store on a fresh temporary directory, closed when the
// test ends.
func openTest(t testing.TB, opts Options) *Store {
	t.Helper()
	if opts.Path == "" && opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	s, err := Open(t.Context(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestConformance runs the store.Store conformance suite, each case on a
// fresh store in its own temporary directory, with progress notifications
// every 100 ms so that the suite's progress checks are quick.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openTest(t, Options{ProgressInterval: 100 * time.Millisecond})
	})
}
