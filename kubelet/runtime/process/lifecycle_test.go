package process

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/kubelet"
)

func TestExitCodesAndLogs(t *testing.T) {
	r := newTestRuntime(t, Options{})
	ctx := t.Context()
	sbCfg := sandboxConfig(t, "web")
	sb := runSandbox(t, r, sbCfg)

	tests := []struct {
		name, script string
		wantCode     int32
		wantReason   string
		wantLog      []logEntry
	}{
		{"ok", `echo hello; echo oops >&2; echo world`, 0, kubelet.ReasonCompleted,
			[]logEntry{{"stdout", "F", "hello"}, {"stderr", "F", "oops"}, {"stdout", "F", "world"}}},
		{"fail", `echo bye; exit 3`, 3, kubelet.ReasonError, []logEntry{{"stdout", "F", "bye"}}},
		{"signal", `kill -USR1 $$`, 128 + 10, kubelet.ReasonError, nil},
		{"nonewline", `printf 'no newline'`, 0, kubelet.ReasonCompleted, []logEntry{{"stdout", "F", "no newline"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := startContainer(t, r, sb, sbCfg, shContainer(tc.name, tc.script))
			st := waitExited(t, r, id)
			if st.ExitCode != tc.wantCode || st.Reason != tc.wantReason {
				t.Errorf("exit = %d %q, want %d %q", st.ExitCode, st.Reason, tc.wantCode, tc.wantReason)
			}
			if st.StartedAt.IsZero() || st.FinishedAt.Before(st.StartedAt) {
				t.Errorf("StartedAt %v, FinishedAt %v", st.StartedAt, st.FinishedAt)
			}
			// The two streams are separate pipes: order is kept within each.
			got := readLog(t, st.LogPath)
			if diff := cmp.Diff(byStream(tc.wantLog), byStream(got)); diff != "" {
				t.Errorf("log (-want +got):\n%s", diff)
			}
			if err := r.RemoveContainer(ctx, id); err != nil {
				t.Fatal(err)
			}
			if _, err := r.ContainerStatus(ctx, id); !errors.Is(err, kubelet.ErrNotFound) {
				t.Errorf("status after remove: %v, want ErrNotFound", err)
			}
		})
	}
}

func TestStopContainer(t *testing.T) {
	r := newTestRuntime(t, Options{})
	ctx := t.Context()
	sbCfg := sandboxConfig(t, "stop")
	sb := runSandbox(t, r, sbCfg)

	tests := []struct {
		name, script string
		stopSignal   string
		timeout      time.Duration
		wantCode     int32
	}{
		// sh is not PID 1 here (the pause process is), so SIGTERM ends it.
		{"graceful", `echo ready; while :; do sleep 1; done`, "", 10 * time.Second, 143},
		{"stop-signal", `trap '' TERM; echo ready; while :; do sleep 1; done`, "SIGUSR1", 10 * time.Second, 128 + 10},
		{"ignores-sigterm", `trap '' TERM; echo ready; while :; do sleep 1; done`, "", 300 * time.Millisecond, 137},
		{"zero-timeout", `trap '' TERM; echo ready; while :; do sleep 1; done`, "", 0, 137},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := shContainer(tc.name, tc.script)
			cfg.StopSignal = tc.stopSignal
			id := startContainer(t, r, sb, sbCfg, cfg)
			st, _ := r.ContainerStatus(ctx, id)
			waitFor(t, "ready in log", 10*time.Second, func() bool {
				return len(readLog(t, st.LogPath)) > 0
			})
			start := time.Now()
			if err := r.StopContainer(ctx, id, tc.timeout); err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			st, _ = r.ContainerStatus(ctx, id)
			if st.State != kubelet.ContainerExited || st.ExitCode != tc.wantCode {
				t.Errorf("after stop: %v code %d, want exited %d", st.State, st.ExitCode, tc.wantCode)
			}
			if tc.wantCode == 137 && took < tc.timeout {
				t.Errorf("stop took %v, less than the timeout %v", took, tc.timeout)
			}
			if err := r.StopContainer(ctx, id, time.Second); err != nil {
				t.Errorf("second stop: %v", err)
			}
		})
	}
	if err := r.StopContainer(ctx, "nonexistent", 0); err != nil {
		t.Errorf("stop unknown: %v", err)
	}
	if err := r.RemoveContainer(ctx, "nonexistent"); err != nil {
		t.Errorf("remove unknown: %v", err)
	}
}
