package raftstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/rigging-dev/rigging/store"
)

// kvInput is one client operation of the linearizability test.
type kvInput struct {
	op    string // "get", "put" or "cas"
	key   string
	value string // put, cas: the new value
	from  string // cas: the expected value ("" for absent)
}

// kvOutput is its outcome; unknown marks a write whose outcome the client
// did not learn (error or timeout).
type kvOutput struct {
	value   string // get: the value read
	ok      bool   // cas: whether it swapped
	unknown bool
}

// kvModel is a register per key: absent and empty both read as "".
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		by := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(kvInput).key
			if _, ok := by[k]; !ok {
				keys = append(keys, k)
			}
			by[k] = append(by[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, by[k])
		}
		return out
	},
	Init: func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		st, in, out := state.(string), input.(kvInput), output.(kvOutput)
		switch in.op {
		case "get":
			return out.value == st, st
		case "put":
			return true, in.value
		case "cas":
			if out.unknown {
				if st == in.from {
					return true, in.value
				}
				return true, st
			}
			if out.ok {
				return st == in.from, in.value
			}
			return st != in.from, st
		}
		return false, st
	},
	DescribeOperation: func(input, output interface{}) string {
		in, out := input.(kvInput), output.(kvOutput)
		return fmt.Sprintf("%s(%s, %q, %q) -> %+v", in.op, in.key, in.from, in.value, out)
	},
}

// TestLinearizability runs concurrent clients doing get, put and
// compare-and-swap on random replicas while a fault injector kills and
// restarts the leader, partitions a replica (its connections cut at the
// transport) and restarts replicas from their directories, then checks
// the history with porcupine. RAFTSTORE_SOAK=<duration> runs it longer.
func TestLinearizability(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	if v := os.Getenv("RAFTSTORE_SOAK"); v != "" {
		// The soak: rounds of two minutes on a fresh cluster until the
		// duration is reached, each history checked in full (a check that
		// cannot decide fails the round).
		total, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("RAFTSTORE_SOAK=%q: %v", v, err)
		}
		const round = 2 * time.Minute
		begin := time.Now()
		for i := 1; time.Since(begin) < total; i++ {
			d := min(round, total-time.Since(begin))
			if d < 10*time.Second {
				d = 10 * time.Second
			}
			t.Run(fmt.Sprintf("round%d", i), func(t *testing.T) { checkLinearizable(t, d, 0, d, 10*time.Minute) })
		}
		return
	}
	// The bounded CI run: at least 10 s and until 3,000 operations are
	// recorded (at most 60 s), with a fault every second or two.
	checkLinearizable(t, 10*time.Second, 3000, 60*time.Second, 2*time.Minute)
}

// checkLinearizable runs the workload and faults for dur (and on until
// minOps operations are recorded, at most maxDur), then checks the history
// with porcupine, allowing it checkTimeout.
func checkLinearizable(t *testing.T, dur time.Duration, minOps int, maxDur, checkTimeout time.Duration) {
	c := newCluster(t, 3)
	// Many keys keep porcupine's per-key partitions small, so the check
	// stays fast; many clients keep operations on each key concurrent.
	const clients, keys = 32, 16
	start := time.Now()
	now := func() int64 { return int64(time.Since(start)) }

	var (
		mu      sync.Mutex
		history []porcupine.Operation
		seq     atomic.Int64
		counts  [4]atomic.Int64 // ok reads, ok writes, unknown writes, failed reads
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// halt stops the clients; it also runs if the test fails early, before
	// the replicas close (cleanups run last in, first out).
	var stopOnce sync.Once
	halt := func() {
		stopOnce.Do(func() { close(stop) })
		wg.Wait()
	}
	t.Cleanup(halt)
	for cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(cl), 7))
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := c.node(rng.IntN(len(c.nodes)))
				if s == nil {
					continue
				}
				in := kvInput{key: fmt.Sprintf("k%d", rng.IntN(keys))}
				switch r := rng.IntN(10); {
				case r < 5:
					in.op = "get"
				case r < 8:
					in.op, in.value = "put", fmt.Sprintf("v%d", seq.Add(1))
				default:
					in.op, in.value = "cas", fmt.Sprintf("v%d", seq.Add(1))
					// Expect a value recently seen or written: often right.
					in.from = fmt.Sprintf("v%d", max(0, seq.Load()-int64(rng.IntN(4))))
				}
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				call := now()
				out, err := runOp(ctx, s, in)
				ret := now()
				cancel()
				if err != nil {
					if in.op == "get" {
						counts[3].Add(1)
						continue // a failed read has no effect
					}
					out, ret = kvOutput{unknown: true}, math.MaxInt64
					counts[2].Add(1)
				} else if in.op == "get" {
					counts[0].Add(1)
				} else {
					counts[1].Add(1)
				}
				mu.Lock()
				history = append(history, porcupine.Operation{ClientId: cl, Input: in, Call: call, Output: out, Return: ret})
				mu.Unlock()
			}
		}()
	}

	faults := 0
	recorded := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(history)
	}
	deadline, hardDeadline := time.Now().Add(dur), time.Now().Add(maxDur)
	for step := 0; time.Now().Before(deadline) || (recorded() < minOps && time.Now().Before(hardDeadline)); step++ {
		pause(500 * time.Millisecond)
		switch step % 3 {
		case 0: // kill the leader, restart it from its directory
			l := c.waitLeader()
			i := indexOf(c, l)
			c.stop(i)
			c.waitLeader()
			c.start(i, false)
		case 1: // partition a replica, then heal it
			i := rand.IntN(len(c.nodes))
			c.node(i).mux.setPartitioned(true)
			pause(time.Second)
			c.node(i).mux.setPartitioned(false)
		case 2: // restart a follower from its directory
			i := c.follower()
			c.stop(i)
			c.start(i, false)
		}
		faults++
	}
	halt()
	t.Logf("%d operations (%d reads, %d writes acknowledged, %d writes of unknown outcome, %d failed reads), %d faults",
		len(history), counts[0].Load(), counts[1].Load(), counts[2].Load(), counts[3].Load(), faults)
	if counts[0].Load() == 0 || counts[1].Load() == 0 {
		t.Fatalf("no successful reads or writes: the cluster never served")
	}
	if len(history) < minOps || faults < 3 {
		t.Errorf("recorded %d operations under %d faults in %v, want at least %d under 3", len(history), faults, maxDur, minOps)
	}
	res, info := porcupine.CheckOperationsVerbose(kvModel, history, checkTimeout)
	switch res {
	case porcupine.Illegal:
		f, err := os.CreateTemp("", "raftstore-linearizability-*.html")
		if err == nil {
			_ = porcupine.Visualize(kvModel, info, f)
			_ = f.Close()
			t.Errorf("history is not linearizable; visualization in %s", f.Name())
		} else {
			t.Errorf("history is not linearizable")
		}
	case porcupine.Unknown:
		t.Errorf("the linearizability check of %d operations did not finish in %v: inconclusive", len(history), checkTimeout)
	}
}

// pause lets the workload run between faults. It paces the fault
// injector; no test outcome depends on its length.
func pause(d time.Duration) { <-time.After(d) }

func indexOf(c *cluster, s *Store) int {
	for i := range c.nodes {
		if c.node(i) == s {
			return i
		}
	}
	return -1
}

// runOp performs one operation on s.
func runOp(ctx context.Context, s *Store, in kvInput) (kvOutput, error) {
	switch in.op {
	case "get":
		r, err := s.Get(ctx, in.key, store.ReadOptions{})
		if errors.Is(err, store.ErrNotFound) {
			return kvOutput{}, nil
		}
		if err != nil {
			return kvOutput{}, err
		}
		return kvOutput{value: string(r.KV.Value)}, nil
	case "put":
		_, err := s.Put(ctx, in.key, []byte(in.value), store.PutOptions{})
		return kvOutput{}, err
	case "cas":
		r, err := s.Txn(ctx, store.Txn{
			If:   []store.Compare{{Key: in.key, Target: store.CompareValue, Result: store.Equal, Value: []byte(in.from)}},
			Then: []store.Op{{Type: store.OpPut, Key: in.key, Value: []byte(in.value)}},
		})
		if err != nil {
			return kvOutput{}, err
		}
		return kvOutput{ok: r.Succeeded}, nil
	}
	return kvOutput{}, fmt.Errorf("unknown op %q", in.op)
}
