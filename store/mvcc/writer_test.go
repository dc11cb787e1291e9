package mvcc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/store"
)

// TestWriterSkipsCallerThatLeft queues three writes behind a held batch,
// lets the caller of the middle one stop waiting before the batch is
// answered, and checks that the writes after it are still answered, in
// order, and that the writer goes on to the next batch. Any way of
// answering a batch (for instance handing the responses on from caller to
// caller) must not wait for a caller that left.
func TestWriterSkipsCallerThatLeft(t *testing.T) {
	s := openTest(t, Options{})
	ctx := t.Context()
	s.mu.Lock() // the writer blocks on its first batch
	locked := true
	defer func() {
		if locked {
			s.mu.Unlock()
		}
	}()
	blocker := &request{kind: reqPut, mode: modePut, key: "blocker", value: []byte("v")}
	if err := s.send(ctx, blocker); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the writer to take the blocker", func() bool { return len(s.reqs) == 0 })
	gone, cancel := context.WithCancel(ctx)
	reqs := make([]*request, 3)
	for i := range reqs {
		reqs[i] = &request{kind: reqPut, mode: modePut, key: fmt.Sprintf("k%d", i), value: []byte("v")}
		c := ctx
		if i == 1 {
			c = gone
		}
		if err := s.send(c, reqs[i]); err != nil {
			t.Fatal(err)
		}
	}
	// The callers of k0 and k2 wait in their own goroutines; k1's gives
	// up before anything is answered.
	res := make([]response, 3)
	var wg sync.WaitGroup
	for _, i := range []int{0, 2} {
		wg.Go(func() { res[i] = s.wait(ctx, reqs[i]) })
	}
	cancel()
	if r := s.wait(gone, reqs[1]); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("wait with a cancelled context: %+v, want context.Canceled", r)
	}
	s.mu.Unlock()
	locked = false
	if r := s.wait(ctx, blocker); r.err != nil {
		t.Fatal(r.err)
	}
	wg.Wait()
	for _, i := range []int{0, 2} {
		if res[i].err != nil {
			t.Fatalf("k%d: %v", i, res[i].err)
		}
	}
	if res[0].write.Revision >= res[2].write.Revision {
		t.Errorf("k0 at revision %d, k2 at %d: want k0 first", res[0].write.Revision, res[2].write.Revision)
	}
	// The write whose caller left before its batch was applied was not
	// made, and the writer takes the next batch.
	if _, err := s.Get(ctx, "k1", store.ReadOptions{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(k1): %v, want ErrNotFound", err)
	}
	mustPut(t, s, "after", "v", store.NoLease)
}

// TestWriterOutOfOrderWaits has one caller queue writes and wait for them
// in reverse order while other callers write concurrently: answering a
// batch must never wait for a caller that is not waiting yet.
func TestWriterOutOfOrderWaits(t *testing.T) {
	s := openTest(t, Options{})
	ctx := t.Context()
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, 8*n)
	for g := range 8 {
		wg.Go(func() {
			for i := range n {
				if _, err := s.Put(ctx, fmt.Sprintf("other-%d-%d", g, i), []byte("v"), store.PutOptions{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	reqs := make([]*request, n)
	for i := range reqs {
		reqs[i] = &request{kind: reqPut, mode: modePut, key: fmt.Sprintf("mine-%d", i), value: []byte("v")}
		if err := s.send(ctx, reqs[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i := n - 1; i >= 0; i-- {
		if r := s.wait(ctx, reqs[i]); r.err != nil {
			t.Fatalf("mine-%d: %v", i, r.err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestRecordBufferReuse writes many batches, each of which encodes its
// records into the buffer the batch before used (or, while a deferred
// transaction stays open, after that batch's records), then reopens the
// store without its record cache and reads every revision back from the
// file: no record may have been overwritten before its transaction
// committed. It covers a store committing every batch, one with the
// write-ahead log, and a replicated one with deferred commits.
func TestRecordBufferReuse(t *testing.T) {
	value := func(w, i int) []byte {
		return bytes.Repeat([]byte(fmt.Sprintf("w%d-i%d;", w, i)), 1+(w*7+i)%40)
	}
	const writers, rounds = 8, 25
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"commit", Options{}},
		{"wal", Options{WriteAheadLog: true}},
		{"deferred", Options{Replicated: true, SyncInterval: time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Path = filepath.Join(t.TempDir(), "db")
			s, err := Open(t.Context(), opts)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int64][]byte{} // value by mod revision
			var mu sync.Mutex
			if opts.Replicated {
				index := uint64(0)
				for i := range rounds {
					var cmds []Command
					for w := range writers {
						index++
						cmds = append(cmds, Command{Index: index, Kind: CommandPut, Key: fmt.Sprintf("k%d", w), Value: value(w, i)})
					}
					for j, r := range s.ApplyReplicated(cmds) {
						if r.Err != nil {
							t.Fatal(r.Err)
						}
						want[r.Write.KV.ModRevision] = cmds[j].Value
					}
				}
			} else {
				var wg sync.WaitGroup
				for w := range writers {
					wg.Go(func() {
						for i := range rounds {
							v := value(w, i)
							buf := bytes.Clone(v)
							r, err := s.Put(t.Context(), fmt.Sprintf("k%d", w), buf, store.PutOptions{})
							if err != nil {
								t.Error(err)
								return
							}
							clear(buf) // the store copied it
							mu.Lock()
							want[r.KV.ModRevision] = v
							mu.Unlock()
						}
					})
				}
				wg.Wait()
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			opts.CacheBytes = -1
			s, err = Open(t.Context(), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := len(want); got != writers*rounds {
				t.Fatalf("%d writes, want %d", got, writers*rounds)
			}
			for rev, v := range want {
				evs, _, err := s.readEvents("", rev, rev, 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) != 1 || !bytes.Equal(evs[0].KV.Value, v) || evs[0].KV.ModRevision != rev {
					t.Fatalf("revision %d read back as %+v, want value %q", rev, evs, v)
				}
			}
		})
	}
}
