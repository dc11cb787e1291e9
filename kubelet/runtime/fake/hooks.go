package fake

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/rigging-dev/rigging/kubelet"
)

// KillContainer makes a running (or created) container exit now with
// exitCode, as if its process had ended on its own: reason Completed for
// 0, Error otherwise. It wakes a StopContainer waiting on the container.
// It fails with kubelet.ErrNotFound for an unknown container and with a
// plain error for one that has already exited.
func (r *Runtime) KillContainer(containerID string, exitCode int32) error {
	return r.end(containerID, exitCode, reasonFor(exitCode))
}

// OOMKill makes a running (or created) container exit now as the kernel's
// OOM killer would end it: exit code 137, reason OOMKilled. It fails as
// KillContainer does.
func (r *Runtime) OOMKill(containerID string) error {
	return r.end(containerID, 137, kubelet.ReasonOOMKilled)
}

func (r *Runtime) end(containerID string, code int32, reason string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[containerID]
	if !ok {
		return fmt.Errorf("end container %q: %w", containerID, kubelet.ErrNotFound)
	}
	if !c.exit(r.now(), code, reason, "") {
		return fmt.Errorf("end container %q: already exited", containerID)
	}
	return nil
}

// SetStatus sets what Status reports from now on.
func (r *Runtime) SetStatus(s kubelet.RuntimeStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = s
}

// begin starts a call: it records c, then returns ctx's error or the error
// Options.Fail injects, if any.
func (r *Runtime) begin(ctx context.Context, c Call) error {
	c.Time = r.now()
	r.record(c)
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.opts.Fail != nil {
		if err := r.opts.Fail(c); err != nil {
			if c.ID == "" {
				return fmt.Errorf("%s: %w", c.Method, err)
			}
			return fmt.Errorf("%s %q: %w", c.Method, c.ID, err)
		}
	}
	return nil
}

// record appends c to the ring of calls.
func (r *Runtime) record(c Call) {
	max := r.opts.MaxCalls
	if max == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) < max {
		r.calls = append(r.calls, c)
		return
	}
	r.calls[r.callsNext] = c
	r.callsNext = (r.callsNext + 1) % max
}

// Calls returns the most recent calls (up to Options.MaxCalls), oldest
// first. The caller owns the slice.
func (r *Runtime) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Call, 0, len(r.calls))
	out = append(out, r.calls[r.callsNext:]...)
	return append(out, r.calls[:r.callsNext]...)
}

// CallsTo returns the recorded calls of one method, oldest first.
func (r *Runtime) CallsTo(method string) []Call {
	return slices.DeleteFunc(r.Calls(), func(c Call) bool { return c.Method != method })
}

// ResetCalls forgets the recorded calls.
func (r *Runtime) ResetCalls() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls, r.callsNext = nil, 0
}

// signals are the Linux (x86 and arm) numbers of the signals a container
// may name as its StopSignal.
var signals = map[string]int32{
	"HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7,
	"FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13,
	"ALRM": 14, "TERM": 15, "STKFLT": 16, "CHLD": 17, "CONT": 18, "STOP": 19,
	"TSTP": 20, "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25,
	"VTALRM": 26, "PROF": 27, "WINCH": 28, "IO": 29, "PWR": 30, "SYS": 31,
}

// signalNumber parses "SIGTERM", "TERM" or "15".
func signalNumber(name string) (int32, bool) {
	n, ok := signals[strings.TrimPrefix(strings.ToUpper(name), "SIG")]
	if ok {
		return n, true
	}
	var num int32
	if _, err := fmt.Sscanf(name, "%d", &num); err == nil && num > 0 && num < 65 && fmt.Sprint(num) == name {
		return num, true
	}
	return 0, false
}
