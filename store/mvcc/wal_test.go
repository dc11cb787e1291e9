package mvcc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/storetest"
)

// crashImage copies a store's file and write-ahead log as a crash now
// would leave them: the file as of its last commit (bbolt writes pages only
// when it commits) and the log as appended (every append is fdatasynced
// before its writes are answered). No write may be in flight.
func crashImage(t *testing.T, s *Store, dst string) {
	t.Helper()
	copyFile(t, s.Path(), dst)
	segs, err := listSegments(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, seg := range segs {
		copyFile(t, seg.path, segmentPath(dst, seg.first))
	}
}

// leaseSnap is a lease as compared between a store and its recovery.
type leaseSnap struct {
	ID   store.LeaseID
	TTL  time.Duration
	Keys []string
}

// storeSnap is everything compared between a store and its recovery.
type storeSnap struct {
	Rev, Compact int64
	LeaseSeq     int64
	KVs          []store.KeyValue
	Events       []store.Event
	Leases       []leaseSnap
}

// snapOf reads s's state: its keys, its whole history still on disk (as
// watch catch-up reads it), its leases. No write may be in flight.
func snapOf(t *testing.T, s *Store) storeSnap {
	t.Helper()
	ctx := t.Context()
	l, err := s.List(ctx, "", store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	snap := storeSnap{Rev: s.Revision(), Compact: s.CompactRevision(), LeaseSeq: s.leaseSeq, KVs: l.KVs}
	from := max(snap.Compact, 1)
	if snap.Rev >= from {
		evs, next, err := s.readEvents("", from, snap.Rev, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		if next != snap.Rev+1 {
			t.Fatalf("readEvents stopped at %d of %d", next, snap.Rev)
		}
		snap.Events = evs
	}
	s.lessor.mu.Lock()
	for id, le := range s.lessor.leases {
		ls := leaseSnap{ID: id, TTL: le.ttl}
		for k := range le.keys {
			ls.Keys = append(ls.Keys, k)
		}
		slices.Sort(ls.Keys)
		snap.Leases = append(snap.Leases, ls)
	}
	s.lessor.mu.Unlock()
	slices.SortFunc(snap.Leases, func(a, b leaseSnap) int { return int(a.ID - b.ID) })
	return snap
}

// walSize returns the bytes in the log's segments.
func walSize(t *testing.T, path string) int64 {
	t.Helper()
	segs, err := listSegments(path)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(0)
	for _, seg := range segs {
		st, err := os.Stat(seg.path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile by the flusher
		}
		if err != nil {
			t.Fatal(err)
		}
		n += st.Size()
	}
	return n
}

// TestWALRecovery writes every kind of change with the bbolt commit
// deferred (part committed, part only logged): puts, guarded updates and
// deletes, a failed create, a transaction, leases granted, attached,
// revoked and expired by the local lessor, a compaction. A crash image
// then recovers to exactly the same state (revisions, values, history with
// previous values, leases and their keys, the lease sequence), with the log
// emptied, and the next write takes the same revision on both.
func TestWALRecovery(t *testing.T) {
	for _, reopenWithLog := range []bool{true, false} {
		t.Run(fmt.Sprintf("reopenWithLog=%v", reopenWithLog), func(t *testing.T) {
			dir := t.TempDir()
			clock := NewFakeClock(time.Unix(1e9, 0))
			s := openTest(t, Options{Path: filepath.Join(dir, "db"), WriteAheadLog: true, SyncInterval: time.Hour, Clock: clock})
			ctx := t.Context()
			must := func(_ any, err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			for i := range 10 {
				must(s.Put(ctx, fmt.Sprintf("a/%d", i), []byte(fmt.Sprint(i)), store.PutOptions{}))
			}
			if err := s.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if n := walSize(t, s.Path()); n != 0 {
				t.Fatalf("log holds %d bytes after Sync", n)
			}
			commits := s.commits.Load()
			w, err := s.Update(ctx, "a/1", []byte("one"), store.UpdateOptions{ExpectedModRevision: 2})
			must(w, err)
			must(s.Delete(ctx, "a/2", store.DeleteOptions{ExpectedModRevision: 3}))
			if _, err := s.Create(ctx, "a/3", []byte("x"), store.PutOptions{}); !errors.Is(err, store.ErrExists) {
				t.Fatalf("Create of an existing key: %v", err)
			}
			must(s.Txn(ctx, store.Txn{
				If:   []store.Compare{{Key: "a/1", Target: store.CompareModRevision, Result: store.Equal, Revision: w.Revision}},
				Then: []store.Op{{Type: store.OpPut, Key: "t/1", Value: []byte("x")}, {Type: store.OpDelete, Key: "a/4"}, {Type: store.OpPut, Key: "a/5", Value: []byte("five")}},
			}))
			l1, err := s.Grant(ctx, 10*time.Second)
			must(l1, err)
			l2, err := s.Grant(ctx, 5*time.Second)
			must(l2, err)
			l3, err := s.Grant(ctx, time.Hour)
			must(l3, err)
			must(s.Put(ctx, "l/1", []byte("x"), store.PutOptions{Lease: l1.ID}))
			must(s.Put(ctx, "l/1b", []byte("x"), store.PutOptions{Lease: l1.ID}))
			must(s.Put(ctx, "l/2", []byte("x"), store.PutOptions{Lease: l2.ID}))
			must(s.Put(ctx, "l/3", []byte("x"), store.PutOptions{Lease: l3.ID}))
			must(s.Put(ctx, "a/6", []byte("x"), store.PutOptions{Lease: l2.ID}))
			must(s.Put(ctx, "a/6", []byte("y"), store.PutOptions{Lease: l3.ID}))
			if err := s.Revoke(ctx, l1.ID); err != nil {
				t.Fatal(err)
			}
			if err := s.Compact(ctx, 8); err != nil {
				t.Fatal(err)
			}
			// The local lessor expires l2: its key goes in a write of
			// its own, decided by this process's clock.
			clock.Advance(6 * time.Second)
			waitFor(t, "lease expiry", func() bool { return !s.lessor.exists(l2.ID) })
			if _, err := s.Get(ctx, "l/2", store.ReadOptions{}); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Get l/2 after its lease expired: %v", err)
			}
			if got := s.commits.Load(); got != commits {
				t.Fatalf("%d bbolt commits during deferred writes, want none", got-commits)
			}
			want := snapOf(t, s)

			img := filepath.Join(dir, "image")
			crashImage(t, s, img)
			r := openTest(t, Options{Path: img, WriteAheadLog: reopenWithLog, Clock: clock})
			if diff := cmp.Diff(want, snapOf(t, r)); diff != "" {
				t.Fatalf("recovered state differs (-want +got):\n%s", diff)
			}
			if reopenWithLog {
				if n := walSize(t, img); n != 0 {
					t.Fatalf("log holds %d bytes after recovery", n)
				}
			} else if segs, err := listSegments(img); err != nil || len(segs) != 0 {
				t.Fatalf("log still there after recovery without WriteAheadLog: %v, %v", segs, err)
			}
			for _, st := range []*Store{s, r} {
				w, err := st.Put(ctx, "next", []byte("x"), store.PutOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if w.Revision != want.Rev+1 {
					t.Fatalf("next write at %d, want %d", w.Revision, want.Rev+1)
				}
				l, err := st.Grant(ctx, time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if l.ID != store.LeaseID(want.LeaseSeq+1) {
					t.Fatalf("next lease %d, want %d", l.ID, want.LeaseSeq+1)
				}
			}
		})
	}
}

// walFixture makes a crash image whose file holds nothing and whose log
// holds one record per key written, and returns the log's bytes and each
// record's offset.
func walFixture(t *testing.T, keys int) (dbImage []byte, log []byte, offsets []int) {
	t.Helper()
	dir := t.TempDir()
	s := openTest(t, Options{Path: filepath.Join(dir, "db"), WriteAheadLog: true, SyncInterval: time.Hour, Clock: NewFakeClock(time.Unix(1e9, 0))})
	for i := range keys {
		if _, err := s.Put(t.Context(), fmt.Sprintf("k/%d", i), []byte("value"), store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	img := filepath.Join(dir, "image")
	crashImage(t, s, img)
	dbImage, err := os.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	if log, err = os.ReadFile(segmentPath(img, 1)); err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(log); off += walHeaderSize + int(binary.LittleEndian.Uint32(log[off:])) {
		offsets = append(offsets, off)
	}
	if len(offsets) != keys {
		t.Fatalf("log of %d records, want %d", len(offsets), keys)
	}
	return dbImage, log, offsets
}

// TestWALTornAndDamaged checks that a last record cut short or garbled by
// a crash is dropped (it was never acknowledged), and that damage anywhere
// else fails Open with a clear error rather than losing writes silently.
func TestWALTornAndDamaged(t *testing.T) {
	dbImage, log, off := walFixture(t, 3)
	flip := func(b []byte, i int) []byte { b[i] ^= 0xff; return b }
	cases := []struct {
		name    string
		log     func() []byte
		keys    int    // keys recovered
		wantErr string // else
	}{
		{name: "intact", log: func() []byte { return log }, keys: 3},
		{name: "last cut short", log: func() []byte { return log[:len(log)-5] }, keys: 2},
		{name: "last header cut short", log: func() []byte { return log[:off[2]+3] }, keys: 2},
		{name: "zeros after", log: func() []byte { return append(slices.Clone(log), make([]byte, 4096)...) }, keys: 3},
		{name: "last garbled", log: func() []byte { return flip(slices.Clone(log), len(log)-1) }, keys: 2},
		{name: "last garbled, zeros after", log: func() []byte { return append(flip(slices.Clone(log), len(log)-1), make([]byte, 100)...) }, keys: 2},
		{name: "last zeroed", log: func() []byte { b := slices.Clone(log); clear(b[off[2]:]); return b }, keys: 2},
		{name: "empty", log: func() []byte { return nil }, keys: 0},
		{name: "middle garbled", log: func() []byte { return flip(slices.Clone(log), off[1]+walHeaderSize+10) }, wantErr: "checksum mismatch"},
		{name: "middle length garbled", log: func() []byte { return flip(slices.Clone(log), off[1]+3) }, wantErr: "bad length"},
		{name: "middle record missing", log: func() []byte { return append(slices.Clone(log[:off[1]]), log[off[2]:]...) }, wantErr: "records are missing"},
		// A record whose length runs past the end is a torn append.
		{name: "partial record after", log: func() []byte { return append(slices.Clone(log), 1, 2, 3, 4, 5, 6, 7, 8, 9) }, keys: 3},
		{name: "short length after", log: func() []byte { return append(slices.Clone(log), 1, 0, 0, 0, 5, 6, 7, 8, 9) }, wantErr: "bad length"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "db")
			if err := os.WriteFile(path, dbImage, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(segmentPath(path, 1), c.log(), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(t.Context(), Options{Path: path, WriteAheadLog: true})
			if c.wantErr != "" {
				if err == nil {
					s.Close()
					t.Fatalf("Open succeeded, want an error containing %q", c.wantErr)
				}
				if !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), walPrefix(path)) {
					t.Fatalf("Open: %v; want an error naming the log and %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := s.Revision(); got != int64(c.keys) {
				t.Fatalf("recovered revision %d, want %d", got, c.keys)
			}
			for i := range 3 {
				_, err := s.Get(t.Context(), fmt.Sprintf("k/%d", i), store.ReadOptions{})
				if (i < c.keys) != (err == nil) {
					t.Fatalf("Get k/%d: %v; want %d keys", i, err, c.keys)
				}
			}
		})
	}
}

// TestWALSegments checks replay across segments: records in order across
// them, and a segment torn other than at the very end, a missing segment
// or one misnamed fail Open.
func TestWALSegments(t *testing.T) {
	dbImage, log, off := walFixture(t, 3)
	cases := []struct {
		name    string
		segs    map[uint64][]byte
		wantErr string
	}{
		{"split", map[uint64][]byte{1: log[:off[2]], 3: log[off[2]:]}, ""},
		{"split, empty last", map[uint64][]byte{1: log, 4: nil}, ""},
		{"torn before the last", map[uint64][]byte{1: log[:off[2]-3], 3: log[off[2]:]}, "torn record before the last segment"},
		{"segment missing", map[uint64][]byte{1: log[:off[1]], 3: log[off[2]:]}, "records are missing"},
		{"misnamed", map[uint64][]byte{1: log[:off[2]], 4: log[off[2]:]}, "named for 4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "db")
			if err := os.WriteFile(path, dbImage, 0o600); err != nil {
				t.Fatal(err)
			}
			for first, data := range c.segs {
				if err := os.WriteFile(segmentPath(path, first), data, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Open(t.Context(), Options{Path: path, WriteAheadLog: true})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					if err == nil {
						s.Close()
					}
					t.Fatalf("Open: %v; want an error containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := s.Revision(); got != 3 {
				t.Fatalf("recovered revision %d, want 3", got)
			}
		})
	}
}

// TestWALReplayedTwice checks that a log left full after the commit that
// covers it (a crash between the commit and emptying the log) is skipped.
func TestWALReplayedTwice(t *testing.T) {
	dbImage, log, _ := walFixture(t, 3)
	path := filepath.Join(t.TempDir(), "db")
	if err := os.WriteFile(path, dbImage, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(segmentPath(path, 1), log, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(segmentPath(path, 1), log, 0o600); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, Options{Path: path, WriteAheadLog: true})
	if got := s.Revision(); got != 3 {
		t.Fatalf("revision %d after the log was offered twice, want 3", got)
	}
	w, err := s.Put(t.Context(), "k/3", []byte("x"), store.PutOptions{})
	if err != nil || w.Revision != 4 {
		t.Fatalf("Put = %+v, %v; want revision 4", w, err)
	}
}

// TestWALCommitAndClose checks that the timer commits logged writes into
// the file and empties the log, and that Close does the same.
func TestWALCommitAndClose(t *testing.T) {
	clock := NewFakeClock(time.Unix(1e9, 0))
	path := filepath.Join(t.TempDir(), "db")
	s, err := Open(t.Context(), Options{Path: path, WriteAheadLog: true, SyncInterval: time.Second, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if s.opts.SyncInterval != time.Second {
		t.Fatalf("SyncInterval %v", s.opts.SyncInterval)
	}
	ctx := t.Context()
	put := func(key string) {
		t.Helper()
		if _, err := s.Put(ctx, key, []byte("v"), store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put("a")
	if walSize(t, path) == 0 {
		t.Fatal("write answered before it was logged")
	}
	commits := s.commits.Load()
	clock.Advance(time.Second)
	waitFor(t, "the timer's commit and the log emptied", func() bool { return s.commits.Load() > commits && walSize(t, path) == 0 })
	put("b")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if n := walSize(t, path); n != 0 {
		t.Fatalf("log holds %d bytes after Close", n)
	}
	// The file alone holds both.
	r := openTest(t, Options{Path: path})
	for _, k := range []string{"a", "b"} {
		if _, err := r.Get(ctx, k, store.ReadOptions{}); err != nil {
			t.Fatalf("Get %s from the file alone: %v", k, err)
		}
	}
}

// TestWALSnapshotDefragCompact checks Snapshot, Restore, Defrag and Compact
// on a store with the log, with a crash image after them.
func TestWALSnapshotDefragCompact(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	s := openTest(t, Options{Path: filepath.Join(dir, "db"), WriteAheadLog: true, SyncInterval: time.Hour, Clock: NewFakeClock(time.Unix(1e9, 0))})
	for i := range 50 {
		if _, err := s.Put(ctx, fmt.Sprintf("k/%d", i%10), []byte(fmt.Sprint(i)), store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := s.Snapshot(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if n := walSize(t, s.Path()); n != 0 {
		t.Fatalf("log holds %d bytes after Snapshot", n)
	}
	restored := filepath.Join(dir, "restored")
	if err := os.WriteFile(segmentPath(restored, 7), []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Restore(bytes.NewReader(buf.Bytes()), restored); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Restore over another store's log: %v, want ErrExist", err)
	}
	if err := os.Remove(segmentPath(restored, 7)); err != nil {
		t.Fatal(err)
	}
	if err := Restore(bytes.NewReader(buf.Bytes()), restored); err != nil {
		t.Fatal(err)
	}
	want := snapOf(t, s)
	r := openTest(t, Options{Path: restored, WriteAheadLog: true})
	if diff := cmp.Diff(want, snapOf(t, r)); diff != "" {
		t.Fatalf("restored state differs (-want +got):\n%s", diff)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	for i := range 20 {
		if _, err := s.Put(ctx, fmt.Sprintf("k/%d", i%10), []byte(fmt.Sprint(i)), store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Compact(ctx, 60); err != nil {
		t.Fatal(err)
	}
	if err := s.Defrag(ctx); err != nil {
		t.Fatal(err)
	}
	if n := walSize(t, s.Path()); n != 0 {
		t.Fatalf("log holds %d bytes after Defrag", n)
	}
	for i := range 5 {
		if _, err := s.Delete(ctx, fmt.Sprintf("k/%d", i), store.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	want = snapOf(t, s)
	img := filepath.Join(dir, "image")
	crashImage(t, s, img)
	r = openTest(t, Options{Path: img, WriteAheadLog: true})
	if diff := cmp.Diff(want, snapOf(t, r)); diff != "" {
		t.Fatalf("recovered state differs (-want +got):\n%s", diff)
	}
}

func TestWALOptions(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		ok   bool
	}{
		{"log", Options{WriteAheadLog: true}, true},
		{"log with interval", Options{WriteAheadLog: true, SyncInterval: time.Second}, true},
		{"log and replicated", Options{WriteAheadLog: true, Replicated: true}, false},
		{"log and negative interval", Options{WriteAheadLog: true, SyncInterval: -1}, false},
		{"interval alone", Options{SyncInterval: time.Second}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := c.opts.withDefaults()
			if (err == nil) != c.ok {
				t.Fatalf("withDefaults(%+v) error %v, want ok %v", c.opts, err, c.ok)
			}
			if err == nil && c.opts.SyncInterval == 0 && o.SyncInterval != DefaultWALSyncInterval {
				t.Fatalf("default SyncInterval with the log %v, want %v", o.SyncInterval, DefaultWALSyncInterval)
			}
		})
	}
}

// TestWALConformance runs the store.Store conformance suite with the log.
func TestWALConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openTest(t, Options{ProgressInterval: 100 * time.Millisecond, WriteAheadLog: true})
	})
}

// TestCrashRecoveryWAL is TestCrashRecovery with the write-ahead log on,
// committing into the file at a random interval per run (1 ms to 100 ms),
// so that kills land in appends, in commits and in emptying the log; each
// recovery reopens with the log on.
func TestCrashRecoveryWAL(t *testing.T) {
	if os.Getenv(crashHelperEnv) != "" {
		t.Skip("in the helper process")
	}
	path := t.TempDir() + "/crash.db"
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d, %d iterations (-crash.iterations)", seed, *crashIterations)
	total, replays := 0, 0
	for iter := range *crashIterations {
		want := 1 + rng.IntN(150)
		interval := []string{"1ms", "10ms", "100ms"}[rng.IntN(3)]
		acks := runAndKill(t, path, fmt.Sprint(iter), want, crashWALEnv+"="+interval)
		total += len(acks)
		if walSize(t, path) > 0 {
			replays++
		}
		checkRecovered(t, Options{Path: path, WriteAheadLog: true}, iter, acks)
	}
	t.Logf("%d acknowledged writes checked across %d kills, %d of them with a log to replay", total, *crashIterations, replays)
	if replays == 0 && *crashIterations >= 10 {
		t.Fatal("no kill left a log to replay: the test exercised no recovery from the log")
	}
}

// FuzzParseWAL checks that no log, however damaged, panics the parser or
// yields records beyond the input.
func FuzzParseWAL(f *testing.F) {
	rec := walBegin(nil)
	rec = walAppendOp(rec, walPut, walRecords, []byte("key"), []byte("value"))
	binary.LittleEndian.PutUint32(rec, uint32(len(rec)-walHeaderSize))
	f.Add(rec)
	f.Add([]byte{})
	f.Add(make([]byte, 20))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, _, err := parseWAL(data)
		if err != nil {
			return
		}
		n := 0
		for _, r := range recs {
			n += walHeaderSize + 8 + len(r.ops)
		}
		if n > len(data) {
			t.Fatalf("%d bytes of records from %d bytes", n, len(data))
		}
	})
}

// TestWALAppendFailure checks that a write whose log append fails is
// refused, that the store then refuses every write (the writes before it
// were acknowledged from the log alone), and that reopening recovers every
// acknowledged write.
func TestWALAppendFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	ctx := t.Context()
	s, err := Open(ctx, Options{Path: path, WriteAheadLog: true, SyncInterval: time.Hour, Clock: NewFakeClock(time.Unix(1e9, 0))})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := s.Put(ctx, fmt.Sprintf("k/%d", i), []byte("v"), store.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The disk goes away under the log.
	s.wal.mu.Lock()
	_ = s.wal.f.Close()
	s.wal.mu.Unlock()
	if _, err := s.Put(ctx, "lost", []byte("v"), store.PutOptions{}); err == nil {
		t.Fatal("Put succeeded with its log append failing")
	}
	if _, err := s.Put(ctx, "after", []byte("v"), store.PutOptions{}); err == nil {
		t.Fatal("Put succeeded on a failed store")
	}
	if g, err := s.Get(ctx, "k/4", store.ReadOptions{}); err != nil || g.KV.ModRevision != 5 {
		t.Fatalf("read on the failed store: %+v, %v", g, err)
	}
	_ = s.Close()
	r := openTest(t, Options{Path: path, WriteAheadLog: true})
	if got := r.Revision(); got != 5 {
		t.Fatalf("recovered revision %d, want 5", got)
	}
	for i := range 5 {
		if _, err := r.Get(ctx, fmt.Sprintf("k/%d", i), store.ReadOptions{}); err != nil {
			t.Fatalf("acknowledged write k/%d lost: %v", i, err)
		}
	}
	if _, err := r.Get(ctx, "lost", store.ReadOptions{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get of the refused write: %v", err)
	}
}
