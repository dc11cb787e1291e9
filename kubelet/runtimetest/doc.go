// Package runtimetest is the conformance suite for implementations of
// [kubelet.Runtime], as net/http/httptest and testing/fstest serve the
// standard library: an implementation calls [Run] from one of its own
// tests, and the suite checks, one subtest per guarantee, that the runtime
// keeps the contract written in the doc comments of package kubelet.
//
// Start with [Run] and [Options]. A runtime that runs host commands (or
// images that hold a POSIX shell) passes [ShellWorkloads]:
//
//	func TestConformance(t *testing.T) {
//		runtimetest.Run(t, func(t *testing.T) kubelet.Runtime {
//			rt, err := myruntime.New(myruntime.Options{RootDir: t.TempDir()})
//			if err != nil {
//				t.Fatal(err)
//			}
//			t.Cleanup(func() { rt.Close() })
//			return rt
//		}, runtimetest.Options{Workloads: runtimetest.ShellWorkloads{}})
//	}
//
// # Workloads
//
// The suite does not know how the runtime under test runs programs, so it
// names abstract programs, [Workload]s, and asks Options.Workloads for the
// image, command and arguments of each:
//
//   - [SleepForever]: runs until stopped; writes [ReadyLine] to stdout once
//     it handles SIGTERM, then exits 143 on SIGTERM (within a second).
//   - [ExitWith]: exits at once with a code.
//   - [ExitAfter]: runs for a while (whole seconds), then exits with a code.
//   - [Echo]: writes given lines to stdout, then others to stderr, exits 0.
//   - [IgnoreSIGTERM]: ignores SIGTERM (writing [ReadyLine] once it does),
//     so only SIGKILL (137) ends it.
//   - [StopOnSIGUSR1]: ignores SIGTERM, exits 138 on SIGUSR1 (its
//     StopSignal).
//   - [PrintEnv]: writes the values of named environment variables.
//   - [PrintWorkingDir]: writes its working directory.
//
// and, for ExecSync in a running SleepForever container, [ExecCommand]s:
// [ExecEcho] (given stdout, stderr and exit code) and [ExecSleep] (outlives
// its timeout). [ShellWorkloads] maps each to a /bin/sh -c script (its doc
// lists them); a simulated runtime such as kubelet/runtime/fake maps each
// to a scripted behaviour instead (see that package's conformance test).
//
// # Time
//
// A runtime on the real clock needs nothing more: the suite waits in real
// time, polling conditions every 10 ms until Options.Timeout (30 s), never
// sleeping a fixed time. A runtime on a fake clock sets Options.Now and
// Options.Advance; the suite then moves the clock by [AdvanceStep] (100 ms)
// each time it polls, so containers exit and blocking calls (a
// StopContainer waiting out its timeout, a timed-out ExecSync) return.
//
// # Groups
//
// The subtests are named Group/Case, so go test -run selects them, for
// example -run 'Conformance/Stop/'. The groups are:
//
//   - Runtime: Version names the runtime; Status is Ready.
//   - Sandbox: create and status (metadata, labels, annotations, state,
//     creation time), unique IDs, ListPodSandbox filters (ID, state,
//     labels), idempotent stop and remove, kubelet.ErrNotFound for unknown
//     IDs, kubelet.ErrInvalid for a nil config or one without a name,
//     StopPodSandbox killing containers (even one ignoring SIGTERM), and
//     RemovePodSandbox removing them.
//   - Container: Created, Running and Exited with start and finish times;
//     the status reports the config (image, metadata, labels, annotations,
//     absolute log path); exit codes with reasons Completed (0) and Error;
//     a container running for a while; starting twice fails; idempotent
//     removal of created, running and exited containers;
//     kubelet.ErrNotFound for unknown IDs (a sandbox ID is not a container
//     ID) and kubelet.ErrInvalid for bad configs.
//   - Stop: SIGTERM ends a container with 143; a container ignoring it is
//     killed (137) after the timeout and StopContainer takes at least that
//     long and at most 10 s more (Options.StopTimeout, 2 s, measured with
//     Options.Now); a zero timeout kills at once; a container's StopSignal
//     replaces SIGTERM; stopping an exited container changes nothing.
//   - Config: a container gets its Envs and its WorkingDir.
//   - Logs: stdout and stderr lines in the CRI log format at
//     LogDirectory/LogPath ("<RFC 3339 time> <stream> <F|P> <text>",
//     partial entries joined), one file per container.
//   - Exec: stdout, stderr and exit code of ExecSync; a command outliving
//     its timeout fails with kubelet.ErrExecTimeout and leaves the
//     container running.
//   - Stats: ContainerStats of a running container (ID, time, working set
//     not above usage, a CPU counter that does not go back).
//   - List: ListContainers filters by ID, sandbox, state and labels, alone
//     and combined.
//   - Concurrency: Options.Parallel (16) pods live their whole lives at
//     once, and many goroutines query and stop one container at once; run
//     the suite with -race.
//
// Where a running container reports a host PID (ContainerStatus.PID), the
// suite checks that the process is gone, and reaped, once the container has
// been stopped or its sandbox stopped or removed.
//
// Like a kubelet, the suite makes each container's log directory
// (LogDirectory/<name>) before it creates the container, and removes every
// sandbox it made when a subtest ends. Every comparison reports a go-cmp
// diff (-want +got).
package runtimetest
