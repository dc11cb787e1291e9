package process

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/rigging-dev/rigging/kubelet"
)

// TestJournalConcurrentAppends: appends from many goroutines at once,
// each for objects of its own, all end up in the file, each object with
// its last state.
func TestJournalConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), journalName)
	j, _, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 32, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			sb := &sandboxRecord{ID: fmt.Sprintf("s%d", w), Config: &kubelet.PodSandboxConfig{Hostname: "h"}}
			gone := &sandboxRecord{ID: fmt.Sprintf("gone%d", w), Config: &kubelet.PodSandboxConfig{}}
			c := &containerRecord{ID: fmt.Sprintf("c%d", w), SandboxID: sb.ID, Config: &kubelet.ContainerConfig{Image: "i"}}
			for r := range rounds {
				c.ExitCode = int32(r)
				for _, err := range []error{
					j.putSandbox(sb), j.putSandbox(gone), j.putContainer(c),
					j.putContainerStatus(c.ID, &c.containerStatus), j.removeSandbox(gone.ID),
				} {
					if err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.putSandbox(&sandboxRecord{ID: "late", Config: &kubelet.PodSandboxConfig{}}); !errors.Is(err, os.ErrClosed) {
		t.Errorf("append after Close: %v, want ErrClosed", err)
	}
	_, st, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.sandboxes) != workers || len(st.containers) != workers {
		t.Fatalf("%d sandboxes and %d containers, want %d of each", len(st.sandboxes), len(st.containers), workers)
	}
	for w := range workers {
		c := st.containers[fmt.Sprintf("c%d", w)]
		if c == nil || c.ExitCode != rounds-1 || st.sandboxes[fmt.Sprintf("s%d", w)] == nil {
			t.Errorf("worker %d: container %+v", w, c)
		}
	}
}

// blockedJournal is a journal whose file is the write end of a pipe that
// is full, so that the next write blocks until the test reads from it.
type blockedJournal struct {
	*journal
	file *os.File // the journal's real file, put back by restore
	r    *os.File // the pipe's read end
}

func newBlockedJournal(t *testing.T) *blockedJournal {
	t.Helper()
	j, _, err := openJournal(filepath.Join(t.TempDir(), journalName))
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	sc, err := w.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	if err := sc.Control(func(fd uintptr) { size, err = unix.FcntlInt(fd, unix.F_GETPIPE_SZ, 0) }); err != nil || size <= 0 {
		t.Fatalf("pipe size %d: %v", size, err)
	}
	if _, err := w.Write(make([]byte, size)); err != nil {
		t.Fatal(err)
	}
	bj := &blockedJournal{journal: j, file: j.f, r: r}
	j.f = w
	return bj
}

// queued waits until n appends wait for the writer.
func (bj *blockedJournal) queued(n int) {
	for {
		bj.mu.Lock()
		q := len(bj.queue)
		bj.mu.Unlock()
		if q >= n {
			return
		}
		runtime.Gosched()
	}
}

// TestJournalGroupCommit: appends that arrive while a write is going on
// are written together, in the order they arrived, by the writer; a
// Close among them closes the file after the appends before it, and the
// appends after it fail.
func TestJournalGroupCommit(t *testing.T) {
	bj := newBlockedJournal(t)
	sb := func(id string) *sandboxRecord {
		return &sandboxRecord{ID: id, Config: &kubelet.PodSandboxConfig{Hostname: "h"}}
	}
	results := make(chan string, 8)
	start := func(name string, f func() error) {
		go func() {
			err := f()
			results <- fmt.Sprintf("%s: %v", name, err)
		}()
	}
	start("first", func() error { return bj.putSandbox(sb("first")) }) // the writer, blocked
	// The others queue in this order behind it.
	for i, id := range []string{"a", "b", "c"} {
		start(id, func() error { return bj.putSandbox(sb(id)) })
		bj.queued(i + 1)
	}
	start("close", func() error { return bj.Close() })
	bj.queued(4)
	start("late", func() error { return bj.putSandbox(sb("late")) })
	bj.queued(5)
	// Let the writes through: the first line, then a, b and c together.
	go io.Copy(io.Discard, bj.r)
	got := map[string]string{}
	for range 6 {
		r := <-results
		name, res, _ := strings.Cut(r, ": ")
		got[name] = res
	}
	for _, name := range []string{"first", "a", "b", "c", "close"} {
		if got[name] != "<nil>" {
			t.Errorf("%s: %s", name, got[name])
		}
	}
	if !strings.Contains(got["late"], os.ErrClosed.Error()) {
		t.Errorf("append after a queued Close: %s, want ErrClosed", got["late"])
	}
	// Everything before the Close is recorded, in order.
	for _, id := range []string{"first", "a", "b", "c"} {
		if _, ok := bj.live["s/"+id]; !ok {
			t.Errorf("sandbox %s not recorded", id)
		}
	}
	if _, ok := bj.live["s/late"]; ok {
		t.Error("the append after Close was recorded")
	}
}

// request returns the journal request append would make of e.
func request(t *testing.T, e *journalEntry) *journalReq {
	t.Helper()
	key, err := e.key()
	if err != nil {
		t.Fatal(err)
	}
	line, err := encodeEntry(e)
	if err != nil {
		t.Fatal(err)
	}
	return &journalReq{key: key, line: line, entry: e}
}

// TestJournalBatch: a batch is written as each of its appends would be in
// turn (a container's status follows its record in the same batch; a
// status without a record is dropped), and when its write fails every
// append of it fails and none is recorded.
func TestJournalBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), journalName)
	j, _, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	sb := &sandboxRecord{ID: "s", Config: &kubelet.PodSandboxConfig{}}
	c := &containerRecord{ID: "c", SandboxID: "s", Config: &kubelet.ContainerConfig{Image: "i"}}
	c.ExitCode = 7
	batch := []*journalReq{
		request(t, &journalEntry{Sandbox: sb}),
		request(t, &journalEntry{ContainerStatus: &containerStatusEntry{ID: "c"}}), // before its record: dropped
		request(t, &journalEntry{Container: c}),
		request(t, &journalEntry{ContainerStatus: &containerStatusEntry{ID: "c", containerStatus: c.containerStatus}}),
	}
	j.writeBatch(batch)
	for i, r := range batch {
		if r.err != nil {
			t.Errorf("request %d: %v", i, r.err)
		}
	}
	if l := j.live["c/c"]; l.status == nil {
		t.Error("the status after the container's record in the same batch was not kept")
	}

	// A failed batch: nothing of it is recorded.
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0) // every write fails with ENOSPC
	if err != nil {
		t.Fatal(err)
	}
	good := j.f
	j.f = full
	c2 := &containerRecord{ID: "c2", SandboxID: "s", Config: &kubelet.ContainerConfig{Image: "i"}}
	failed := []*journalReq{
		request(t, &journalEntry{Container: c2}),
		request(t, &journalEntry{ContainerStatus: &containerStatusEntry{ID: "c2"}}),
		request(t, &journalEntry{RemoveContainer: "c"}),
	}
	before := maps.Clone(j.live)
	sizeBefore := j.liveSize
	j.writeBatch(failed)
	for i, r := range failed {
		if !errors.Is(r.err, syscall.ENOSPC) {
			t.Errorf("request %d of a failed write: %v, want ENOSPC", i, r.err)
		}
	}
	if diff := cmp.Diff(before, j.live, cmp.AllowUnexported(liveLines{})); diff != "" || j.liveSize != sizeBefore {
		t.Errorf("records changed by a failed batch (-before +after):\n%s\nlive size %d, was %d", diff, j.liveSize, sizeBefore)
	}
	if !j.broken {
		t.Fatal("a write that could not be cut off did not mark the journal for a rewrite")
	}
	good.Close()
	j.f = nil
	// The next append rewrites the file from memory.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	j.f = f
	if err := j.putContainerStatus("c", &c.containerStatus); err != nil || j.broken {
		t.Fatalf("append after the failure: %v, broken %v", err, j.broken)
	}
	j.Close()
	_, st, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"c"}, slices.Sorted(maps.Keys(st.containers))); diff != "" {
		t.Errorf("containers in the file (-want +got):\n%s", diff)
	}
	if got := st.containers["c"]; got == nil || got.ExitCode != 7 {
		t.Errorf("container c in the file: %+v", got)
	}
}
