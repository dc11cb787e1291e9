package fake_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
	"github.com/rigging-dev/rigging/kubelet/runtimetest"
)

// workloads maps the suite's workloads to fake behaviours: the image names
// the workload and the Args carry its values, which behavior and exec
// decode.
type workloads struct{}

func (workloads) Container(w runtimetest.Workload) runtimetest.Program {
	switch w := w.(type) {
	case runtimetest.SleepForever:
		return runtimetest.Program{Image: "sleep-forever"}
	case runtimetest.ExitWith:
		return runtimetest.Program{Image: "exit", Args: []string{"0s", fmt.Sprint(w.Code)}}
	case runtimetest.ExitAfter:
		return runtimetest.Program{Image: "exit", Args: []string{w.After.String(), fmt.Sprint(w.Code)}}
	case runtimetest.Echo:
		args := append([]string{fmt.Sprint(len(w.Stdout))}, w.Stdout...)
		return runtimetest.Program{Image: "echo", Args: append(args, w.Stderr...)}
	case runtimetest.IgnoreSIGTERM:
		return runtimetest.Program{Image: "ignore-sigterm"}
	case runtimetest.StopOnSIGUSR1:
		return runtimetest.Program{Image: "stop-on-sigusr1"}
	case runtimetest.PrintEnv:
		return runtimetest.Program{Image: "print-env", Args: w.Names}
	case runtimetest.PrintWorkingDir:
		return runtimetest.Program{Image: "pwd"}
	}
	return runtimetest.Program{Image: fmt.Sprintf("unknown-workload-%T", w)}
}

func (workloads) Exec(c runtimetest.ExecCommand) []string {
	switch c := c.(type) {
	case runtimetest.ExecEcho:
		return []string{"echo", c.Stdout, c.Stderr, fmt.Sprint(c.Code)}
	case runtimetest.ExecSleep:
		return []string{"sleep", c.Duration.String()}
	}
	return []string{fmt.Sprintf("unknown-exec-%T", c)}
}

// behavior decodes what workloads encoded.
func behavior(c *kubelet.ContainerConfig) fake.Behavior {
	switch c.Image {
	case "sleep-forever":
		return fake.Behavior{Stdout: []string{runtimetest.ReadyLine}}
	case "ignore-sigterm":
		return fake.Behavior{IgnoreStopSignal: true, Stdout: []string{runtimetest.ReadyLine}}
	case "exit":
		if len(c.Args) == 2 {
			after, err1 := time.ParseDuration(c.Args[0])
			code, err2 := strconv.ParseInt(c.Args[1], 10, 32)
			if err1 == nil && err2 == nil {
				return fake.Behavior{Mode: fake.Exit, After: after, ExitCode: int32(code)}
			}
		}
	case "stop-on-sigusr1":
		// The fake ends a container on its stop signal, whichever it is:
		// ignoring all but SIGUSR1 is ignoring the stop signal unless that
		// is SIGUSR1.
		return fake.Behavior{IgnoreStopSignal: c.StopSignal != "SIGUSR1", Stdout: []string{runtimetest.ReadyLine}}
	case "print-env":
		env := map[string]string{}
		for _, kv := range c.Envs {
			env[kv.Key] = kv.Value
		}
		var lines []string
		for _, name := range c.Args {
			lines = append(lines, env[name])
		}
		return fake.Behavior{Mode: fake.Exit, Stdout: lines}
	case "pwd":
		dir := c.WorkingDir
		if dir == "" {
			dir = "/"
		}
		return fake.Behavior{Mode: fake.Exit, Stdout: []string{dir}}
	case "echo":
		if len(c.Args) > 0 {
			n, err := strconv.Atoi(c.Args[0])
			if err == nil && n >= 0 && n < len(c.Args) {
				return fake.Behavior{Mode: fake.Exit, Stdout: c.Args[1 : 1+n], Stderr: c.Args[1+n:]}
			}
		}
	}
	return fake.Behavior{Mode: fake.FailStart, StartError: fmt.Sprintf("cannot decode image %q args %q", c.Image, c.Args)}
}

func execCmd(_ context.Context, req fake.ExecRequest) fake.ExecResponse {
	switch {
	case len(req.Cmd) == 4 && req.Cmd[0] == "echo":
		code, err := strconv.ParseInt(req.Cmd[3], 10, 32)
		if err == nil {
			return fake.ExecResponse{Stdout: []byte(req.Cmd[1]), Stderr: []byte(req.Cmd[2]), ExitCode: int32(code)}
		}
	case len(req.Cmd) == 2 && req.Cmd[0] == "sleep":
		d, err := time.ParseDuration(req.Cmd[1])
		if err == nil {
			return fake.ExecResponse{Duration: d}
		}
	}
	return fake.ExecResponse{Err: fmt.Errorf("cannot decode command %q", req.Cmd)}
}

// The fake on a fake clock, which the suite advances.
func TestConformanceFakeClock(t *testing.T) {
	var clock *controller.FakeClock
	runtimetest.Run(t, func(t *testing.T) kubelet.Runtime {
		clock = controller.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		return fake.New(fake.Options{Clock: clock, Behavior: behavior, Exec: execCmd})
	}, runtimetest.Options{
		Workloads: workloads{},
		Now:       func() time.Time { return clock.Now() },
		Advance:   func(d time.Duration) { clock.Step(d) },
	})
}

// The fake on the real clock, as a kubelet under test would run it.
func TestConformanceRealClock(t *testing.T) {
	runtimetest.Run(t, func(t *testing.T) kubelet.Runtime {
		return fake.New(fake.Options{Behavior: behavior, Exec: execCmd})
	}, runtimetest.Options{
		Workloads:   workloads{},
		StopTimeout: 200 * time.Millisecond,
		Parallel:    64,
	})
}
