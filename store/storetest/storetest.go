package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/store"
)

// Options tune the suite to the store under test. The zero value suits a
// store with the default limits that sends progress notifications more often
// than every 30 s.
type Options struct {
	// Limits are the limits the store enforces; zero fields stand for
	// store.DefaultLimits (3072-byte keys, 1.5 MiB values, 128 ops per
	// transaction branch). The suite writes keys and values of exactly
	// these sizes, which must succeed, and one byte over, which must fail
	// with store.ErrTooLarge.
	Limits store.Limits
	// ProgressTimeout is how long the suite waits for a progress
	// notification on an idle watcher. Default 30 s. Progress intervals are
	// the implementation's: an implementation should make its interval
	// configurable, and newStore should set it well below this (100 ms, say)
	// so that the suite runs quickly.
	ProgressTimeout time.Duration
}

// DefaultProgressTimeout is the ProgressTimeout a zero Options stands for.
const DefaultProgressTimeout = 30 * time.Second

// withDefaults fills in the zero fields and rejects negative ones.
func (o Options) withDefaults() (Options, error) {
	if o.ProgressTimeout < 0 {
		return o, fmt.Errorf("storetest: negative ProgressTimeout %v", o.ProgressTimeout)
	}
	if o.ProgressTimeout == 0 {
		o.ProgressTimeout = DefaultProgressTimeout
	}
	l := o.Limits
	if l.MaxKeySize < 0 || l.MaxValueSize < 0 || l.MaxTxnOps < 0 {
		return o, fmt.Errorf("storetest: negative limit in %+v", l)
	}
	o.Limits = l.WithDefaults()
	return o, nil
}

// Run checks that the stores newStore returns keep the store.Store
// contract, with the default Options. It is RunWithOptions(t, Options{},
// newStore).
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Helper()
	RunWithOptions(t, Options{}, newStore)
}

// RunWithOptions checks that the stores newStore returns keep the
// store.Store contract. Each guarantee is one subtest of t named
// Group/Case (see the package documentation for the groups); they run one
// after another, each with its own store, and the suite calls t.Parallel
// nowhere, so newStore may be slow.
//
// newStore is called once per subtest with that subtest's t. It must return
// a fresh, empty, open store whose current revision is 0, so that its first
// write gets revision 1; it must register with t.Cleanup whatever closes the
// store and removes its files, and fail t itself if it cannot open one. The
// suite closes some stores itself (the Close group), so that cleanup must
// tolerate a second Close and ignore its error; Close itself must not panic
// when called twice. The store must be safe for concurrent use: several
// subtests call one store from many goroutines at once.
//
// A store that implements store.Transactor also runs the Txn group;
// otherwise that group is skipped with a message saying why. Every other
// group is required: there are no flags to skip one.
//
// Time-based checks wait with deadlines: a lease granted for 1 s must have
// deleted its keys within its granted TTL plus 10 s, and an idle watcher
// with ProgressNotify must get a notification within opts.ProgressTimeout,
// and acknowledged writes must reach their watchers within 30 s. Calls that
// must return at once (with a done context, after Close) get 10 s, and
// batches of concurrent writes 2 minutes, so a store that hangs there
// fails its subtest rather than the whole run; a panic in one of those
// calls fails its subtest too. A panic elsewhere ends the run, as in any
// test.
//
// RunWithOptions fails t at once if opts holds a negative field.
func RunWithOptions(t *testing.T, opts Options, newStore func(t *testing.T) store.Store) {
	t.Helper()
	opts, err := opts.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if newStore == nil {
		t.Fatal("storetest: newStore is nil")
	}
	s := &suite{opts: opts, newStore: newStore}
	for _, g := range groups() {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.run(s.open(t))
				})
			}
		})
	}
}

// suite is one run of the conformance suite.
type suite struct {
	opts     Options
	newStore func(t *testing.T) store.Store
}

// group is a named set of subtests.
type group struct {
	name  string
	tests []test
}

// test is one guarantee, checked against a fresh store.
type test struct {
	name string
	run  func(h *harness)
}

// groups lists every group in the order they run.
func groups() []group {
	return []group{
		{"KV", kvTests()},
		{"CAS", casTests()},
		{"List", listTests()},
		{"Watch", watchTests()},
		{"Compact", compactTests()},
		{"Lease", leaseTests()},
		{"Txn", txnTests()},
		{"Input", inputTests()},
		{"Close", closeTests()},
	}
}
