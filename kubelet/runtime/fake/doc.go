// Package fake is a kubelet.Runtime that simulates pod sandboxes and
// containers in memory, for tests of the kubelet and for scale tests that
// run thousands of nodes in one process.
//
// Start with [New] and [Options]. A container's life is scripted by a
// [Behavior], chosen by image name (Options.Images) or by a function of
// its config (Options.Behavior): run forever (the default), exit with a
// code after a while, fail to start, or be OOM-killed after a while; ignore
// its stop signal or not; write log lines (or echo its arguments) in the
// CRI log format to LogDirectory/LogPath when it starts; report a memory
// figure and a CPU counter that grows with its running time. ExecSync
// answers from Options.Exec, so probes can be scripted.
//
// Time comes from a controller.Clock (Options.Clock). With a
// *controller.FakeClock a test decides when containers exit: their state is
// computed from the clock when observed, so a container costs no goroutine
// and no timer whatever its behaviour; only calls that wait (a StartDelay,
// StopContainer on a container that ignores its stop signal, an exec with a
// Duration) arm a timer, which a test fires by stepping the clock (after
// waiting for FakeClock.Waiters to count it).
//
// Tests simulate crashes with [Runtime.KillContainer] and
// [Runtime.OOMKill], make the runtime unready with [Runtime.SetStatus],
// inject errors into any method with Options.Fail, give pods addresses
// with Options.PodCIDR, and assert on the calls the runtime received with
// [Runtime.Calls] and [Runtime.CallsTo] (for example, that StopContainer
// was called with a 2 s timeout).
//
// Cost: BenchmarkThousandNodes hosts 1,000 runtimes of 30 pods each in one
// process; each pod (sandbox and container) holds some 1.7 KB of heap and
// no goroutine or timer.
//
// The package passes the conformance suite of kubelet/runtimetest.
package fake
