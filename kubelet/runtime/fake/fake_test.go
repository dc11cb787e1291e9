package fake

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/kubelet"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// env is a fake runtime on a fake clock with one sandbox.
type env struct {
	rt    *Runtime
	clock *controller.FakeClock
	sb    string
	logs  string
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clock := controller.NewFakeClock(epoch)
	opts.Clock = clock
	rt := New(opts)
	logs := t.TempDir()
	sb, err := rt.RunPodSandbox(t.Context(), &kubelet.PodSandboxConfig{
		Metadata:     kubelet.PodSandboxMetadata{Name: "p", Namespace: "ns", UID: "uid"},
		LogDirectory: logs,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &env{rt: rt, clock: clock, sb: sb, logs: logs}
}

// run creates and starts a container of image and returns its ID.
func (e *env) run(t *testing.T, name, image string, args ...string) string {
	t.Helper()
	id, err := e.rt.CreateContainer(t.Context(), e.sb, &kubelet.ContainerConfig{
		Metadata: kubelet.ContainerMetadata{Name: name},
		Image:    image,
		Args:     args,
		LogPath:  name + ".log",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.rt.StartContainer(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	return id
}

type exit struct {
	State    kubelet.ContainerState
	ExitCode int32
	Reason   string
	Ran      time.Duration
}

func (e *env) exit(t *testing.T, id string) exit {
	t.Helper()
	st, err := e.rt.ContainerStatus(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	x := exit{State: st.State, ExitCode: st.ExitCode, Reason: st.Reason}
	if !st.FinishedAt.IsZero() {
		x.Ran = st.FinishedAt.Sub(st.StartedAt)
	}
	return x
}

func TestBehaviours(t *testing.T) {
	e := newEnv(t, Options{Images: map[string]Behavior{
		"forever": {},
		"ok":      {Mode: Exit, After: 10 * time.Second},
		"crash":   {Mode: Exit, After: 5 * time.Second, ExitCode: 2},
		"oom":     {Mode: OOMKill, After: 20 * time.Second},
		"now":     {Mode: Exit, ExitCode: 1},
	}})
	ids := map[string]string{}
	for _, image := range []string{"forever", "ok", "crash", "oom", "now"} {
		ids[image] = e.run(t, image, image)
	}
	steps := []struct {
		at   time.Duration
		want map[string]exit
	}{
		{0, map[string]exit{
			"forever": {State: kubelet.ContainerRunning},
			"ok":      {State: kubelet.ContainerRunning},
			"crash":   {State: kubelet.ContainerRunning},
			"oom":     {State: kubelet.ContainerRunning},
			"now":     {State: kubelet.ContainerExited, ExitCode: 1, Reason: kubelet.ReasonError},
		}},
		{7 * time.Second, map[string]exit{
			"forever": {State: kubelet.ContainerRunning},
			"ok":      {State: kubelet.ContainerRunning},
			"crash":   {State: kubelet.ContainerExited, ExitCode: 2, Reason: kubelet.ReasonError, Ran: 5 * time.Second},
			"oom":     {State: kubelet.ContainerRunning},
			"now":     {State: kubelet.ContainerExited, ExitCode: 1, Reason: kubelet.ReasonError},
		}},
		{time.Hour, map[string]exit{
			"forever": {State: kubelet.ContainerRunning},
			"ok":      {State: kubelet.ContainerExited, Reason: kubelet.ReasonCompleted, Ran: 10 * time.Second},
			"crash":   {State: kubelet.ContainerExited, ExitCode: 2, Reason: kubelet.ReasonError, Ran: 5 * time.Second},
			"oom":     {State: kubelet.ContainerExited, ExitCode: 137, Reason: kubelet.ReasonOOMKilled, Ran: 20 * time.Second},
			"now":     {State: kubelet.ContainerExited, ExitCode: 1, Reason: kubelet.ReasonError},
		}},
	}
	for _, s := range steps {
		e.clock.SetTime(epoch.Add(s.at))
		got := map[string]exit{}
		for image, id := range ids {
			got[image] = e.exit(t, id)
		}
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("at %v (-want +got):\n%s", s.at, diff)
		}
	}
	if n := e.clock.Waiters(); n != 0 {
		t.Errorf("%d timers armed; want none", n)
	}
}

func TestBehaviorFuncAndFailStart(t *testing.T) {
	e := newEnv(t, Options{Behavior: func(c *kubelet.ContainerConfig) Behavior {
		if c.Image == "broken" {
			return Behavior{Mode: FailStart, StartError: "no such image"}
		}
		return Behavior{Mode: Exit, ExitCode: 3}
	}})
	id, err := e.rt.CreateContainer(t.Context(), e.sb, &kubelet.ContainerConfig{Metadata: kubelet.ContainerMetadata{Name: "b"}, Image: "broken"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = e.rt.StartContainer(t.Context(), id)
	if err == nil || !strings.Contains(err.Error(), "no such image") {
		t.Errorf("StartContainer = %v; want the start error", err)
	}
	if diff := cmp.Diff(exit{State: kubelet.ContainerExited, ExitCode: 128, Reason: kubelet.ReasonError}, e.exit(t, id)); diff != "" {
		t.Errorf("failed start (-want +got):\n%s", diff)
	}
	other := e.run(t, "o", "other")
	if diff := cmp.Diff(exit{State: kubelet.ContainerExited, ExitCode: 3, Reason: kubelet.ReasonError}, e.exit(t, other)); diff != "" {
		t.Errorf("func behaviour (-want +got):\n%s", diff)
	}
}

func TestInvalidBehaviour(t *testing.T) {
	e := newEnv(t, Options{Images: map[string]Behavior{"bad": {Mode: Mode(42)}, "neg": {Mode: Exit, After: -time.Second}}})
	for _, image := range []string{"bad", "neg"} {
		_, err := e.rt.CreateContainer(t.Context(), e.sb, &kubelet.ContainerConfig{Metadata: kubelet.ContainerMetadata{Name: "c"}, Image: image}, nil)
		if !errors.Is(err, kubelet.ErrInvalid) {
			t.Errorf("CreateContainer(%s) = %v; want ErrInvalid", image, err)
		}
	}
	_, err := e.rt.CreateContainer(t.Context(), e.sb, &kubelet.ContainerConfig{Metadata: kubelet.ContainerMetadata{Name: "c"}, StopSignal: "SIGNOPE"}, nil)
	if !errors.Is(err, kubelet.ErrInvalid) {
		t.Errorf("CreateContainer(bad stop signal) = %v; want ErrInvalid", err)
	}
}

func TestStopSignalExitCode(t *testing.T) {
	e := newEnv(t, Options{})
	for _, tc := range []struct {
		signal string
		want   int32
	}{{"", 143}, {"SIGINT", 130}, {"QUIT", 131}, {"10", 138}} {
		id, err := e.rt.CreateContainer(t.Context(), e.sb, &kubelet.ContainerConfig{Metadata: kubelet.ContainerMetadata{Name: "c"}, StopSignal: tc.signal}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.rt.StartContainer(t.Context(), id); err != nil {
			t.Fatal(err)
		}
		if err := e.rt.StopContainer(t.Context(), id, time.Minute); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(exit{State: kubelet.ContainerExited, ExitCode: tc.want, Reason: kubelet.ReasonError}, e.exit(t, id)); diff != "" {
			t.Errorf("stop signal %q (-want +got):\n%s", tc.signal, diff)
		}
	}
}

// stopAsync runs StopContainer on its own goroutine and waits until it has
// armed its timer.
func stopAsync(t *testing.T, e *env, id string, timeout time.Duration) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	before := e.clock.Waiters()
	go func() { done <- e.rt.StopContainer(context.Background(), id, timeout) }()
	waitFor(t, func() bool { return e.clock.Waiters() > before })
	return done
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(time.Millisecond) // polling a condition, not synchronising by time
	}
}

func TestStopIgnoringSignalWaitsTimeout(t *testing.T) {
	e := newEnv(t, Options{Images: map[string]Behavior{
		"stubborn":    {IgnoreStopSignal: true},
		"stubbornjob": {IgnoreStopSignal: true, Mode: Exit, After: 3 * time.Second},
	}})
	id := e.run(t, "s", "stubborn")
	done := stopAsync(t, e, id, 2*time.Second)
	e.clock.Step(time.Second)
	select {
	case err := <-done:
		t.Fatalf("StopContainer returned %v after 1s of a 2s timeout", err)
	default:
	}
	e.clock.Step(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(exit{State: kubelet.ContainerExited, ExitCode: 137, Reason: kubelet.ReasonError, Ran: 2 * time.Second}, e.exit(t, id)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]Call{{Method: "StopContainer", ID: id, Timeout: 2 * time.Second, Time: epoch}}, e.rt.CallsTo("StopContainer")); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}

	// One that exits on its own before the timeout ends the wait then.
	job := e.run(t, "j", "stubbornjob")
	done = stopAsync(t, e, job, time.Minute)
	e.clock.Step(3 * time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(exit{State: kubelet.ContainerExited, Reason: kubelet.ReasonCompleted, Ran: 3 * time.Second}, e.exit(t, job)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// A test's KillContainer ends the wait at once.
	other := e.run(t, "k", "stubborn")
	done = stopAsync(t, e, other, time.Minute)
	if err := e.rt.KillContainer(other, 0); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(exit{State: kubelet.ContainerExited, Reason: kubelet.ReasonCompleted}, e.exit(t, other)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestStopContextCancelled(t *testing.T) {
	e := newEnv(t, Options{Images: map[string]Behavior{"stubborn": {IgnoreStopSignal: true}}})
	id := e.run(t, "s", "stubborn")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.rt.StopContainer(ctx, id, time.Minute) }()
	waitFor(t, func() bool { return e.clock.Waiters() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("StopContainer = %v; want context.Canceled", err)
	}
	if got := e.exit(t, id).State; got != kubelet.ContainerRunning {
		t.Errorf("state %v after a cancelled stop; want running", got)
	}
}

func TestKillAndOOMHooks(t *testing.T) {
	e := newEnv(t, Options{})
	a, b := e.run(t, "a", "x"), e.run(t, "b", "x")
	e.clock.Step(time.Minute)
	if err := e.rt.KillContainer(a, 9); err != nil {
		t.Fatal(err)
	}
	if err := e.rt.OOMKill(b); err != nil {
		t.Fatal(err)
	}
	got := []exit{e.exit(t, a), e.exit(t, b)}
	want := []exit{
		{State: kubelet.ContainerExited, ExitCode: 9, Reason: kubelet.ReasonError, Ran: time.Minute},
		{State: kubelet.ContainerExited, ExitCode: 137, Reason: kubelet.ReasonOOMKilled, Ran: time.Minute},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := e.rt.KillContainer(a, 1); err == nil {
		t.Error("KillContainer of an exited container succeeded")
	}
	if err := e.rt.OOMKill("nope"); !errors.Is(err, kubelet.ErrNotFound) {
		t.Errorf("OOMKill(unknown) = %v; want ErrNotFound", err)
	}
}

func TestLogs(t *testing.T) {
	e := newEnv(t, Options{Images: map[string]Behavior{
		"echo":  {Mode: Exit, EchoArgs: true},
		"lines": {Stdout: []string{"one\ntwo"}, Stderr: []string{"oops"}},
		"long":  {Stdout: []string{strings.Repeat("x", maxLogLine+5)}},
	}})
	e.run(t, "echo", "echo", "hello", "world")
	e.run(t, "lines", "lines")
	e.run(t, "long", "long")
	ts := epoch.Format(time.RFC3339Nano)
	want := map[string]string{
		"echo.log":  ts + " stdout F hello world\n",
		"lines.log": ts + " stdout F one\n" + ts + " stdout F two\n" + ts + " stderr F oops\n",
		"long.log":  ts + " stdout P " + strings.Repeat("x", maxLogLine) + "\n" + ts + " stdout F xxxxx\n",
	}
	got := map[string]string{}
	for name := range want {
		b, err := os.ReadFile(filepath.Join(e.logs, name))
		if err != nil {
			t.Fatal(err)
		}
		got[name] = string(b)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("logs (-want +got):\n%s", diff)
	}
	st, err := e.rt.ContainerStatus(t.Context(), e.run(t, "again", "echo", "x"))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(e.logs, "again.log"); st.LogPath != want {
		t.Errorf("LogPath = %q; want %q", st.LogPath, want)
	}
}

func TestStats(t *testing.T) {
	e := newEnv(t, Options{Images: map[string]Behavior{
		"busy": {CPUMilliCores: 500, MemoryBytes: 100 << 20, Mode: Exit, After: time.Minute},
	}})
	id := e.run(t, "b", "busy")
	var got []kubelet.ContainerStats
	for range 3 {
		e.clock.Step(40 * time.Second)
		s, err := e.rt.ContainerStats(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, *s)
	}
	want := []kubelet.ContainerStats{
		{ContainerID: id, Timestamp: epoch.Add(40 * time.Second), CPUUsageCoreNanoSeconds: uint64(20 * time.Second), MemoryWorkingSetBytes: 100 << 20, MemoryUsageBytes: 100 << 20},
		{ContainerID: id, Timestamp: epoch.Add(80 * time.Second), CPUUsageCoreNanoSeconds: uint64(30 * time.Second)},
		{ContainerID: id, Timestamp: epoch.Add(120 * time.Second), CPUUsageCoreNanoSeconds: uint64(30 * time.Second)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestExecScriptedAndTimeout(t *testing.T) {
	healthy := true
	e := newEnv(t, Options{Exec: func(_ context.Context, req ExecRequest) ExecResponse {
		switch req.Cmd[0] {
		case "probe":
			if healthy {
				return ExecResponse{Stdout: []byte("ok")}
			}
			return ExecResponse{Stderr: []byte("sick"), ExitCode: 1}
		case "hang":
			return ExecResponse{Duration: time.Hour}
		}
		return ExecResponse{Err: errors.New("no such command")}
	}})
	id := e.run(t, "c", "x")
	res, err := e.rt.ExecSync(t.Context(), id, []string{"probe"}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(kubelet.ExecResult{Stdout: []byte("ok")}, res); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	healthy = false
	res, err = e.rt.ExecSync(t.Context(), id, []string{"probe"}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(kubelet.ExecResult{Stderr: []byte("sick"), ExitCode: 1}, res); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := e.rt.ExecSync(t.Context(), id, []string{"nope"}, 0); err == nil || !strings.Contains(err.Error(), "no such command") {
		t.Errorf("ExecSync(nope) = %v; want the scripted error", err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := e.rt.ExecSync(context.Background(), id, []string{"hang"}, 5*time.Second)
		done <- err
	}()
	waitFor(t, func() bool { return e.clock.Waiters() == 1 })
	e.clock.Step(5 * time.Second)
	if err := <-done; !errors.Is(err, kubelet.ErrExecTimeout) {
		t.Errorf("ExecSync(hang) = %v; want ErrExecTimeout", err)
	}
}

func TestStartDelay(t *testing.T) {
	e := newEnv(t, Options{StartDelay: 3 * time.Second})
	id, err := e.rt.CreateContainer(t.Context(), e.sb, &kubelet.ContainerConfig{Metadata: kubelet.ContainerMetadata{Name: "c"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- e.rt.StartContainer(context.Background(), id) }()
	waitFor(t, func() bool { return e.clock.Waiters() == 1 })
	if err := e.rt.StartContainer(t.Context(), id); err == nil {
		t.Error("a second StartContainer during the start delay succeeded")
	}
	if got := e.exit(t, id).State; got != kubelet.ContainerCreated {
		t.Errorf("state %v during the start delay; want created", got)
	}
	e.clock.Step(3 * time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st, err := e.rt.ContainerStatus(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != kubelet.ContainerRunning || !st.StartedAt.Equal(epoch.Add(3*time.Second)) {
		t.Errorf("after the delay: %v started %v; want running since %v", st.State, st.StartedAt, epoch.Add(3*time.Second))
	}
}

func TestCallsRingAndStatus(t *testing.T) {
	e := newEnv(t, Options{MaxCalls: 3})
	ctx := t.Context()
	for _, id := range []string{"a", "b", "c", "d"} {
		_ = e.rt.RemoveContainer(ctx, id)
	}
	var got []string
	for _, c := range e.rt.Calls() {
		got = append(got, c.Method+" "+c.ID)
	}
	if diff := cmp.Diff([]string{"RemoveContainer b", "RemoveContainer c", "RemoveContainer d"}, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	e.rt.ResetCalls()
	if n := len(e.rt.Calls()); n != 0 {
		t.Errorf("%d calls after ResetCalls", n)
	}
	e.rt.SetStatus(kubelet.RuntimeStatus{Reason: "Broken", Message: "disk full"})
	st, err := e.rt.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(kubelet.RuntimeStatus{Reason: "Broken", Message: "disk full"}, st); diff != "" {
		t.Errorf("status (-want +got):\n%s", diff)
	}

	quiet := New(Options{MaxCalls: -1})
	_, _ = quiet.Version(ctx)
	if n := len(quiet.Calls()); n != 0 {
		t.Errorf("MaxCalls -1 recorded %d calls", n)
	}
}

func TestPodCIDR(t *testing.T) {
	rt := New(Options{PodCIDR: netip.MustParsePrefix("10.1.2.0/30")})
	ctx := t.Context()
	run := func(name string, mode kubelet.NamespaceMode) (string, string, error) {
		id, err := rt.RunPodSandbox(ctx, &kubelet.PodSandboxConfig{
			Metadata: kubelet.PodSandboxMetadata{Name: name, Namespace: "ns"},
			Linux:    kubelet.LinuxPodSandboxConfig{Namespaces: kubelet.NamespaceOptions{Network: mode}},
		})
		if err != nil {
			return "", "", err
		}
		st, err := rt.PodSandboxStatus(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return id, st.IP, nil
	}
	a, ipA, err := run("a", kubelet.NamespaceModePod)
	if err != nil {
		t.Fatal(err)
	}
	_, ipHost, err := run("host", kubelet.NamespaceModeNode)
	if err != nil {
		t.Fatal(err)
	}
	_, ipB, err := run("b", kubelet.NamespaceModePod)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"10.1.2.1", "", "10.1.2.2"}, []string{ipA, ipHost, ipB}); diff != "" {
		t.Errorf("IPs (-want +got):\n%s", diff)
	}
	if _, _, err := run("c", kubelet.NamespaceModePod); err == nil {
		t.Error("a third pod got an address of a /30 (two usable)")
	}
	if err := rt.RemovePodSandbox(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, ip, err := run("d", kubelet.NamespaceModePod); err != nil || ip != "10.1.2.1" {
		t.Errorf("after removing a: IP %q, %v; want 10.1.2.1 reused", ip, err)
	}
}

func TestFailInjects(t *testing.T) {
	boom := errors.New("boom")
	e := newEnv(t, Options{Fail: func(c Call) error {
		if c.Method == "StartContainer" || (c.Method == "ExecSync" && c.Cmd[0] == "bad") {
			return boom
		}
		return nil
	}})
	id, err := e.rt.CreateContainer(t.Context(), e.sb, &kubelet.ContainerConfig{Metadata: kubelet.ContainerMetadata{Name: "c"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.rt.StartContainer(t.Context(), id); !errors.Is(err, boom) {
		t.Errorf("StartContainer = %v; want the injected error", err)
	}
	if got := e.exit(t, id).State; got != kubelet.ContainerCreated {
		t.Errorf("state after a failed start: %v; want created", got)
	}
	if _, err := e.rt.ExecSync(t.Context(), id, []string{"bad"}, 0); !errors.Is(err, boom) {
		t.Errorf("ExecSync(bad) = %v; want the injected error", err)
	}
	if got := len(e.rt.CallsTo("StartContainer")); got != 1 {
		t.Errorf("%d StartContainer calls recorded; want 1", got)
	}
}
