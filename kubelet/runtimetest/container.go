package runtimetest

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/rigging-dev/rigging/kubelet"
)

func containerTests() []test {
	return []test{
		{"Lifecycle", func(h *harness) {
			p := h.sandbox("p", nil)
			id := h.create(p, "main", SleepForever{}, map[string]string{"role": "main"})
			st := h.status(id)
			if st.State != kubelet.ContainerCreated || !st.StartedAt.IsZero() || !st.FinishedAt.IsZero() {
				h.t.Errorf("after create: state %v, started %v, finished %v; want created with zero times", st.State, st.StartedAt, st.FinishedAt)
			}
			before := h.opts.Now()
			h.start(id)
			st = h.status(id)
			if st.State != kubelet.ContainerRunning {
				h.t.Fatalf("after start: state %v; want running", st.State)
			}
			if st.StartedAt.Before(before.Add(-tolerance)) || !st.FinishedAt.IsZero() {
				h.t.Errorf("after start at %v: started %v, finished %v; want started since then, not finished", before, st.StartedAt, st.FinishedAt)
			}
			pid := h.runningPID(id)
			h.stop(id, h.opts.Timeout)
			h.wantExit(h.status(id), 143)
			h.wantGone(pid)
		}},
		{"Status", func(h *harness) {
			p := h.sandbox("p", nil)
			labels := map[string]string{"role": "main"}
			id := h.create(p, "main", SleepForever{}, labels)
			config, err := h.containerConfig(p, "main", SleepForever{}, labels)
			if err != nil {
				h.t.Fatal(err)
			}
			st := h.status(id)
			want := kubelet.ContainerStatus{
				ID:          id,
				SandboxID:   p.id,
				Metadata:    config.Metadata,
				State:       kubelet.ContainerCreated,
				Image:       config.Image,
				LogPath:     filepath.Join(p.config.LogDirectory, config.LogPath),
				Labels:      config.Labels,
				Annotations: config.Annotations,
			}
			got := *st
			got.CreatedAt, got.PID = time.Time{}, 0
			if d := diff(want, got); d != "" {
				h.t.Errorf("ContainerStatus (-want +got):\n%s", d)
			}
			if st.CreatedAt.IsZero() {
				h.t.Error("CreatedAt is zero")
			}
		}},
		{"ExitCodes", func(h *harness) {
			p := h.sandbox("p", nil)
			codes := []int32{0, 1, 42}
			ids := make([]string, len(codes))
			for i, code := range codes {
				ids[i] = h.run(p, fmt.Sprintf("exit%d", code), ExitWith{Code: code}, nil)
			}
			for i, code := range codes {
				h.wantExit(h.waitState(ids[i], kubelet.ContainerExited), code)
			}
		}},
		{"ExitAfter", func(h *harness) {
			p := h.sandbox("p", nil)
			const after = 2 * time.Second
			id := h.run(p, "job", ExitAfter{After: after, Code: 3}, nil)
			st := h.status(id)
			if st.State != kubelet.ContainerRunning && st.State != kubelet.ContainerExited {
				h.t.Errorf("after start: %v; want running (or exited, on a slow machine)", st.State)
			}
			st = h.waitState(id, kubelet.ContainerExited)
			h.wantExit(st, 3)
			if ran := st.FinishedAt.Sub(st.StartedAt); ran < after-tolerance {
				h.t.Errorf("ran %v (from %v to %v); want at least %v", ran, st.StartedAt, st.FinishedAt, after)
			}
		}},
		{"StartTwice", func(h *harness) {
			p := h.sandbox("p", nil)
			id := h.run(p, "c", SleepForever{}, nil)
			if err := h.rt.StartContainer(h.ctx, id); err == nil {
				h.t.Error("StartContainer of a running container succeeded; want an error")
			}
			if st := h.status(id); st.State != kubelet.ContainerRunning {
				h.t.Errorf("state after a second start: %v; want running", st.State)
			}
		}},
		{"Remove", func(h *harness) {
			p := h.sandbox("p", nil)
			running := h.run(p, "running", SleepForever{}, nil)
			pid := h.runningPID(running)
			exited := h.run(p, "exited", ExitWith{Code: 0}, nil)
			created := h.create(p, "created", SleepForever{}, nil)
			h.waitState(exited, kubelet.ContainerExited)
			for _, id := range []string{running, exited, created} {
				for i := range 2 {
					if err := h.rt.RemoveContainer(h.ctx, id); err != nil {
						h.t.Fatalf("RemoveContainer(%s) #%d: %v", id, i+1, err)
					}
				}
				_, err := h.rt.ContainerStatus(h.ctx, id)
				h.wantNotFound("ContainerStatus(removed)", err)
				if err := h.rt.StopContainer(h.ctx, id, time.Second); err != nil {
					h.t.Errorf("StopContainer(removed) = %v; want nil", err)
				}
			}
			list, err := h.rt.ListContainers(h.ctx, &kubelet.ContainerFilter{SandboxID: p.id})
			if err != nil {
				h.t.Fatalf("ListContainers: %v", err)
			}
			if len(list) != 0 {
				h.t.Errorf("ListContainers after removing all: %d containers", len(list))
			}
			h.wantGone(pid)
		}},
		{"UnknownIDs", func(h *harness) {
			p := h.sandbox("p", nil)
			const id = "no-such-container"
			h.wantNotFound("ContainerStatus(unknown)", func() error { _, err := h.rt.ContainerStatus(h.ctx, id); return err }())
			h.wantNotFound("StartContainer(unknown)", h.rt.StartContainer(h.ctx, id))
			h.wantNotFound("ExecSync(unknown)", func() error {
				_, err := h.rt.ExecSync(h.ctx, id, h.opts.Workloads.Exec(ExecEcho{}), time.Second)
				return err
			}())
			h.wantNotFound("ContainerStats(unknown)", func() error { _, err := h.rt.ContainerStats(h.ctx, id); return err }())
			if err := h.rt.StopContainer(h.ctx, id, time.Second); err != nil {
				h.t.Errorf("StopContainer(unknown) = %v; want nil", err)
			}
			if err := h.rt.RemoveContainer(h.ctx, id); err != nil {
				h.t.Errorf("RemoveContainer(unknown) = %v; want nil", err)
			}
			config, err := h.containerConfig(p, "c", SleepForever{}, nil)
			if err != nil {
				h.t.Fatal(err)
			}
			_, err = h.rt.CreateContainer(h.ctx, "no-such-sandbox", config, p.config)
			h.wantNotFound("CreateContainer(unknown sandbox)", err)
			// A sandbox ID is not a container ID.
			h.wantNotFound("ContainerStatus(a sandbox ID)", func() error { _, err := h.rt.ContainerStatus(h.ctx, p.id); return err }())
		}},
		{"InvalidConfig", func(h *harness) {
			p := h.sandbox("p", nil)
			if _, err := h.rt.CreateContainer(h.ctx, p.id, nil, p.config); !errors.Is(err, kubelet.ErrInvalid) {
				h.t.Errorf("CreateContainer(nil) = %v; want an error wrapping kubelet.ErrInvalid", err)
			}
			config, err := h.containerConfig(p, "c", SleepForever{}, nil)
			if err != nil {
				h.t.Fatal(err)
			}
			config.Metadata.Name = ""
			if _, err := h.rt.CreateContainer(h.ctx, p.id, config, p.config); !errors.Is(err, kubelet.ErrInvalid) {
				h.t.Errorf("CreateContainer(no name) = %v; want an error wrapping kubelet.ErrInvalid", err)
			}
		}},
	}
}

func stopTests() []test {
	return []test{
		{"Graceful", func(h *harness) {
			p := h.sandbox("p", nil)
			id := h.run(p, "c", SleepForever{}, nil)
			h.stop(id, h.opts.Timeout)
			h.wantExit(h.status(id), 143)
			// Stopping an exited container changes nothing.
			before := h.status(id)
			h.stop(id, h.opts.Timeout)
			if d := diff(before, h.status(id)); d != "" {
				h.t.Errorf("status changed by a second stop (-want +got):\n%s", d)
			}
		}},
		{"TimeoutKills", func(h *harness) {
			p := h.sandbox("p", nil)
			id := h.run(p, "c", IgnoreSIGTERM{}, nil)
			pid := h.runningPID(id)
			timeout := h.opts.StopTimeout
			start := h.opts.Now()
			h.stop(id, timeout)
			took := h.opts.Now().Sub(start)
			h.wantExit(h.status(id), 137)
			h.wantGone(pid)
			if took < timeout-tolerance {
				h.t.Errorf("StopContainer(%v) of a container ignoring SIGTERM returned after %v; want at least the timeout", timeout, took)
			}
			if took > timeout+killGrace {
				h.t.Errorf("StopContainer(%v) of a container ignoring SIGTERM returned after %v; want it killed within %v of the timeout", timeout, took, killGrace)
			}
		}},
		{"StopSignal", func(h *harness) {
			p := h.sandbox("p", nil)
			id := h.runWith(p, "c", StopOnSIGUSR1{}, nil, func(c *kubelet.ContainerConfig) { c.StopSignal = "SIGUSR1" })
			h.stop(id, h.opts.Timeout)
			h.wantExit(h.status(id), 138)
		}},
		{"ZeroTimeoutKills", func(h *harness) {
			p := h.sandbox("p", nil)
			id := h.run(p, "c", IgnoreSIGTERM{}, nil)
			h.stop(id, 0)
			h.wantExit(h.status(id), 137)
		}},
		{"ExitedOnItsOwn", func(h *harness) {
			p := h.sandbox("p", nil)
			id := h.run(p, "c", ExitWith{Code: 7}, nil)
			h.waitState(id, kubelet.ContainerExited)
			h.stop(id, time.Second)
			h.wantExit(h.status(id), 7)
		}},
	}
}
