package runtimetest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtimetest"
)

// newMyRuntime stands for an implementation's constructor.
func newMyRuntime(root string) kubelet.Runtime { return nil }

// A runtime that runs host commands passes ShellWorkloads. The test
// function below would be TestConformance in the implementation's
// _test.go file.
func ExampleRun() {
	testConformance := func(t *testing.T) {
		runtimetest.Run(t, func(t *testing.T) kubelet.Runtime {
			return newMyRuntime(t.TempDir())
		}, runtimetest.Options{Workloads: runtimetest.ShellWorkloads{}})
	}
	_ = testConformance
}

// myWorkloads stands for a simulated runtime's mapping of workloads to
// its own scripted behaviours.
type myWorkloads struct{ runtimetest.ShellWorkloads }

// A runtime on a fake clock lets the suite read and advance the clock.
func ExampleRun_fakeClock() {
	testConformance := func(t *testing.T) {
		var clock *controller.FakeClock
		runtimetest.Run(t, func(t *testing.T) kubelet.Runtime {
			clock = controller.NewFakeClock(time.Unix(0, 0))
			return newMyRuntime(t.TempDir()) // built on clock
		}, runtimetest.Options{
			Workloads: myWorkloads{},
			Now:       func() time.Time { return clock.Now() },
			Advance:   func(d time.Duration) { clock.Step(d) },
		})
	}
	_ = testConformance
}

// ShellWorkloads turns each workload into a /bin/sh script.
func ExampleShellWorkloads() {
	p := runtimetest.ShellWorkloads{}.Container(runtimetest.ExitWith{Code: 3})
	fmt.Println(p.Image, p.Command)
	// Output:
	// sh [/bin/sh -c exit "$1" sh 3]
}
