package mvcc

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/store"
)

var crashIterations = flag.Int("crash.iterations", 20, "kill-and-recover cycles of TestCrashRecovery")

// crashHelperEnv names the file the helper process writes to; it is set
// only in the helper.
const crashHelperEnv = "MVCC_CRASH_HELPER_PATH"

// crashWALEnv, when set in the helper, turns Options.WriteAheadLog on with
// the SyncInterval it names.
const crashWALEnv = "MVCC_CRASH_WAL"

// TestCrashHelper is not a test: it is the process TestCrashRecovery
// starts and kills. It writes as fast as it can from several goroutines,
// single puts and two-key transactions, and prints one line per
// acknowledged write:
//
//	P <revision> <key> <value>
//	T <revision> <key1> <key2> <value>
//
// It exits when its standard input closes (the parent is gone) or after a
// minute, whichever comes first, so it never outlives a failed parent.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv(crashHelperEnv)
	if path == "" {
		t.Skip("helper process for TestCrashRecovery")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	opts := Options{Path: path}
	if v := os.Getenv(crashWALEnv); v != "" {
		// With the write-ahead log, committing into the file every v.
		d, err := time.ParseDuration(v)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bad", crashWALEnv, err)
			os.Exit(2)
		}
		opts.WriteAheadLog, opts.SyncInterval = true, d
	}
	s, err := Open(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	run := os.Getenv("MVCC_CRASH_RUN")
	var mu sync.Mutex // serializes lines on stdout
	emit := func(line string) {
		mu.Lock()
		defer mu.Unlock()
		_, _ = os.Stdout.WriteString(line + "\n")
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				value := fmt.Sprintf("%s-%d-%d", run, g, i)
				if i%2 == 0 {
					key := fmt.Sprintf("p/%s/%d/%d", run, g, i)
					r, err := s.Put(ctx, key, []byte(value), store.PutOptions{})
					if err != nil {
						return
					}
					emit(fmt.Sprintf("P %d %s %s", r.Revision, key, value))
					continue
				}
				k1, k2 := fmt.Sprintf("t/%s/%d/%d/a", run, g, i), fmt.Sprintf("t/%s/%d/%d/b", run, g, i)
				r, err := s.Txn(ctx, store.Txn{Then: []store.Op{
					{Type: store.OpPut, Key: k1, Value: []byte(value)},
					{Type: store.OpPut, Key: k2, Value: []byte(value)},
				}})
				if err != nil {
					return
				}
				emit(fmt.Sprintf("T %d %s %s %s", r.Revision, k1, k2, value))
			}
		}()
	}
	wg.Wait()
	_ = s.Close()
	os.Exit(0)
}

// ack is one write the helper acknowledged.
type ack struct {
	rev   int64
	keys  []string
	value string
}

func parseAck(line string) (ack, error) {
	f := strings.Fields(line)
	if len(f) < 4 || (f[0] == "P" && len(f) != 4) || (f[0] == "T" && len(f) != 5) || (f[0] != "P" && f[0] != "T") {
		return ack{}, fmt.Errorf("bad ack line %q", line)
	}
	rev, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return ack{}, fmt.Errorf("bad ack line %q: %w", line, err)
	}
	return ack{rev: rev, keys: f[2 : len(f)-1], value: f[len(f)-1]}, nil
}

// TestCrashRecovery kills a writing process with SIGKILL at random points,
// many times over, and after each kill reopens the file and checks that
// every acknowledged write is there with its value, that no transaction is
// half applied, that the revisions on disk have no gap, and that the next
// write continues at the next revision.
func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashHelperEnv) != "" {
		t.Skip("in the helper process")
	}
	path := t.TempDir() + "/crash.db"
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("seed %d, %d iterations (-crash.iterations)", seed, *crashIterations)
	total := 0
	for iter := range *crashIterations {
		want := 1 + rng.IntN(150)
		acks := runAndKill(t, path, fmt.Sprint(iter), want)
		total += len(acks)
		checkRecovered(t, Options{Path: path}, iter, acks)
	}
	t.Logf("%d acknowledged writes checked across %d kills", total, *crashIterations)
}

// runAndKill starts the helper, waits for n acknowledgements, kills it,
// and returns every acknowledgement it printed.
func runAndKill(t *testing.T, path, run string, n int, env ...string) []ack {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashHelperEnv+"="+path, "MVCC_CRASH_RUN="+run)
	cmd.Env = append(cmd.Env, env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	// Read whole lines: a line cut short by the kill has no newline and
	// was never a complete acknowledgement.
	var acks []ack
	rd := bufio.NewReader(stdout)
	readAck := func() (bool, error) {
		line, err := rd.ReadString('\n')
		if err != nil {
			return false, nil // EOF, possibly after a partial line
		}
		a, err := parseAck(strings.TrimSuffix(line, "\n"))
		if err != nil {
			return false, err
		}
		acks = append(acks, a)
		return true, nil
	}
	for len(acks) < n {
		ok, err := readAck()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Fatalf("run %s: helper stopped after %d of %d acks; stderr:\n%s", run, len(acks), n, stderr.String())
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// The lines printed before the kill are acknowledged writes too.
	for {
		ok, err := readAck()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
	}
	_ = cmd.Wait()
	killed = true
	return acks
}

// checkRecovered opens the file after a kill and checks it.
func checkRecovered(t *testing.T, opts Options, iter int, acks []ack) {
	t.Helper()
	ctx := t.Context()
	s, err := Open(ctx, opts)
	if err != nil {
		t.Fatalf("iteration %d: reopen after kill: %v", iter, err)
	}
	defer s.Close()
	for _, a := range acks {
		for _, k := range a.keys {
			g, err := s.Get(ctx, k, store.ReadOptions{Revision: a.rev})
			if err != nil {
				t.Fatalf("iteration %d: acknowledged write of %q at revision %d lost: %v", iter, k, a.rev, err)
			}
			if string(g.KV.Value) != a.value || g.KV.ModRevision != a.rev {
				t.Fatalf("iteration %d: %q at %d = %q (mod %d), acknowledged %q", iter, k, a.rev, g.KV.Value, g.KV.ModRevision, a.value)
			}
		}
	}
	// Both keys of every transaction, or neither.
	l, err := s.List(ctx, "t/", store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	halves := map[string][]store.KeyValue{}
	for _, kv := range l.KVs {
		id := kv.Key[:len(kv.Key)-2]
		halves[id] = append(halves[id], kv)
	}
	for id, kvs := range halves {
		if len(kvs) != 2 || kvs[0].ModRevision != kvs[1].ModRevision || string(kvs[0].Value) != string(kvs[1].Value) {
			t.Fatalf("iteration %d: transaction %s half applied: %+v", iter, id, kvs)
		}
	}
	// The revisions on disk are 1..Revision, every one of them.
	last := s.Revision()
	s.mu.RLock()
	tx, err := s.db.Begin(false)
	s.mu.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
	expect := int64(1)
	err = tx.Bucket(recordsBucket).ForEach(func(k, _ []byte) error {
		r, err := parseRevKey(k)
		if err != nil {
			return err
		}
		switch r.main {
		case expect:
			expect++
		case expect - 1:
		default:
			return fmt.Errorf("record at revision %d after %d", r.main, expect-1)
		}
		return nil
	})
	_ = tx.Rollback()
	if err != nil {
		t.Fatalf("iteration %d: %v", iter, err)
	}
	if expect-1 != last {
		t.Fatalf("iteration %d: records end at revision %d, the store is at %d", iter, expect-1, last)
	}
	for _, a := range acks {
		if a.rev > last {
			t.Fatalf("iteration %d: acknowledged revision %d beyond the recovered %d", iter, a.rev, last)
		}
	}
	w, err := s.Put(ctx, fmt.Sprintf("after/%d", iter), []byte("v"), store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w.Revision != last+1 {
		t.Fatalf("iteration %d: first write after recovery at %d, want %d", iter, w.Revision, last+1)
	}
	if err := s.Close(); err != nil && !errors.Is(err, store.ErrClosed) {
		t.Fatal(err)
	}
}
