package runtimetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/kubelet"
)

// Options tell the suite how to drive the runtime under test. Workloads is
// required; the zero value of every other field suits a runtime on the
// real clock.
type Options struct {
	// Workloads maps the suite's abstract workloads to what the runtime
	// runs. Required; runtimes that run host commands pass
	// ShellWorkloads{}.
	Workloads Workloads
	// Now is the runtime's clock, with which the suite checks timestamps
	// and the duration of a StopContainer. Default time.Now.
	Now func() time.Time
	// Advance, when set, moves the runtime's clock forward by d; the suite
	// then calls it, in steps of AdvanceStep, while it waits for anything
	// (a container to exit, a blocking call to return), so that a runtime
	// on a fake clock makes progress. Default nil: the runtime runs on the
	// real clock and the suite waits in real time.
	Advance func(d time.Duration)
	// Timeout bounds every wait for a condition or a blocking call (above
	// the time the call itself must take, such as StopTimeout). Default
	// DefaultTimeout (30 s).
	Timeout time.Duration
	// StopTimeout is the timeout the suite gives StopContainer on an
	// IgnoreSIGTERM container; the call must take at least that long.
	// Default DefaultStopTimeout (2 s).
	StopTimeout time.Duration
	// Parallel is how many pods the concurrency checks run at once.
	// Default DefaultParallel (16).
	Parallel int
}

// Defaults of Options.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultStopTimeout = 2 * time.Second
	DefaultParallel    = 16
	// AdvanceStep is how far the suite moves a fake clock (Options.Advance)
	// per poll while it waits.
	AdvanceStep = 100 * time.Millisecond
)

// pollInterval is how often (in real time) the suite re-checks a
// condition.
const pollInterval = 10 * time.Millisecond

// killGrace bounds how long past its timeout StopContainer may take to
// kill a container that ignores its stop signal and see it exit.
const killGrace = 10 * time.Second

// tolerance absorbs the rounding of timestamps in comparisons of
// durations (a runtime may store microseconds, for example).
const tolerance = 10 * time.Millisecond

func (o Options) withDefaults() (Options, error) {
	if o.Workloads == nil {
		return o, errors.New("runtimetest: Options.Workloads is nil (runtimes that run host commands pass runtimetest.ShellWorkloads{})")
	}
	if o.Timeout < 0 || o.StopTimeout < 0 || o.Parallel < 0 {
		return o, fmt.Errorf("runtimetest: negative Timeout, StopTimeout or Parallel in %+v", o)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.StopTimeout == 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	if o.Parallel == 0 {
		o.Parallel = DefaultParallel
	}
	return o, nil
}

// Run checks that the runtimes newRuntime returns keep the kubelet.Runtime
// contract. Each guarantee is one subtest of t named Group/Case (see the
// package documentation for the groups); they run one after another, each
// with its own runtime.
//
// newRuntime is called once per subtest with that subtest's t. It must
// return a fresh runtime with no sandboxes and register with t.Cleanup
// whatever shuts it down and releases what it holds; it fails t itself
// if it cannot make one. The suite removes every sandbox it makes in a
// cleanup of its own, which runs before newRuntime's.
//
// Run fails t at once if opts has no Workloads or a negative field.
func Run(t *testing.T, newRuntime func(t *testing.T) kubelet.Runtime, opts Options) {
	t.Helper()
	opts, err := opts.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if newRuntime == nil {
		t.Fatal("runtimetest: newRuntime is nil")
	}
	for _, g := range groups() {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					rt := newRuntime(t)
					if rt == nil {
						t.Fatal("runtimetest: newRuntime returned nil")
					}
					tc.run(&harness{t: t, rt: rt, ctx: t.Context(), opts: opts})
				})
			}
		})
	}
}

// group is a named set of subtests.
type group struct {
	name  string
	tests []test
}

// test is one guarantee, checked against a fresh runtime.
type test struct {
	name string
	run  func(h *harness)
}

// groups lists every group in the order they run.
func groups() []group {
	return []group{
		{"Runtime", runtimeTests()},
		{"Sandbox", sandboxTests()},
		{"Container", containerTests()},
		{"Stop", stopTests()},
		{"Config", configTests()},
		{"Logs", logTests()},
		{"Exec", execTests()},
		{"Stats", statsTests()},
		{"List", listTests()},
		{"Concurrency", concurrencyTests()},
	}
}
