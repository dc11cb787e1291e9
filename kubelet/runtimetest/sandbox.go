package runtimetest

import (
	"context"
	"errors"

	"github.com/rigging-dev/rigging/kubelet"
)

func runtimeTests() []test {
	return []test{
		{"Version", func(h *harness) {
			v, err := h.rt.Version(h.ctx)
			if err != nil {
				h.t.Fatalf("Version: %v", err)
			}
			if v.RuntimeName == "" || v.RuntimeVersion == "" {
				h.t.Errorf("Version = %+v; want a name and a version", v)
			}
		}},
		{"StatusReady", func(h *harness) {
			st, err := h.rt.Status(h.ctx)
			if err != nil {
				h.t.Fatalf("Status: %v", err)
			}
			if !st.Ready {
				h.t.Errorf("Status = %+v; want Ready", st)
			}
		}},
	}
}

func sandboxTests() []test {
	return []test{
		{"CreateAndStatus", func(h *harness) {
			before := h.opts.Now()
			p := h.sandbox("web", map[string]string{"app": "web"})
			st, err := h.rt.PodSandboxStatus(h.ctx, p.id)
			if err != nil {
				h.t.Fatalf("PodSandboxStatus: %v", err)
			}
			want := kubelet.PodSandboxStatus{
				ID:          p.id,
				Metadata:    p.config.Metadata,
				State:       kubelet.SandboxReady,
				Labels:      p.config.Labels,
				Annotations: p.config.Annotations,
			}
			got := *st
			got.CreatedAt, got.IP, got.AdditionalIPs = want.CreatedAt, "", nil
			if d := diff(want, got); d != "" {
				h.t.Errorf("PodSandboxStatus (-want +got):\n%s", d)
			}
			if st.CreatedAt.Before(before.Add(-tolerance)) {
				h.t.Errorf("CreatedAt %v is before the call began (%v)", st.CreatedAt, before)
			}
		}},
		{"UniqueIDs", func(h *harness) {
			seen := map[string]bool{}
			for range 5 {
				p := h.sandbox("same-name", nil)
				if seen[p.id] {
					h.t.Fatalf("sandbox ID %s returned twice", p.id)
				}
				seen[p.id] = true
			}
		}},
		{"List", func(h *harness) {
			a := h.sandbox("a", map[string]string{"app": "x", "tier": "front"})
			b := h.sandbox("b", map[string]string{"app": "x", "tier": "back"})
			c := h.sandbox("c", map[string]string{"app": "y"})
			if err := h.rt.StopPodSandbox(h.ctx, c.id); err != nil {
				h.t.Fatalf("StopPodSandbox: %v", err)
			}
			ready, notReady := kubelet.SandboxReady, kubelet.SandboxNotReady
			for _, tc := range []struct {
				name   string
				filter *kubelet.PodSandboxFilter
				want   []string
			}{
				{"nil", nil, sorted(a.id, b.id, c.id)},
				{"empty", &kubelet.PodSandboxFilter{}, sorted(a.id, b.id, c.id)},
				{"id", &kubelet.PodSandboxFilter{ID: b.id}, []string{b.id}},
				{"unknown id", &kubelet.PodSandboxFilter{ID: "no-such-sandbox"}, nil},
				{"ready", &kubelet.PodSandboxFilter{State: &ready}, sorted(a.id, b.id)},
				{"not ready", &kubelet.PodSandboxFilter{State: &notReady}, []string{c.id}},
				{"label", &kubelet.PodSandboxFilter{LabelSelector: map[string]string{"app": "x"}}, sorted(a.id, b.id)},
				{"two labels", &kubelet.PodSandboxFilter{LabelSelector: map[string]string{"app": "x", "tier": "back"}}, []string{b.id}},
				{"label and state", &kubelet.PodSandboxFilter{LabelSelector: map[string]string{"app": "y"}, State: &ready}, nil},
				{"missing label", &kubelet.PodSandboxFilter{LabelSelector: map[string]string{"nope": "x"}}, nil},
			} {
				list, err := h.rt.ListPodSandbox(h.ctx, tc.filter)
				if err != nil {
					h.t.Fatalf("ListPodSandbox(%s): %v", tc.name, err)
				}
				if d := diff(tc.want, ids(list, func(s *kubelet.PodSandboxStatus) string { return s.ID })); d != "" {
					h.t.Errorf("ListPodSandbox(%s) IDs (-want +got):\n%s", tc.name, d)
				}
			}
		}},
		{"StopAndRemoveAreIdempotent", func(h *harness) {
			p := h.sandbox("p", nil)
			for i := range 2 {
				if err := h.rt.StopPodSandbox(h.ctx, p.id); err != nil {
					h.t.Fatalf("StopPodSandbox #%d: %v", i+1, err)
				}
				st, err := h.rt.PodSandboxStatus(h.ctx, p.id)
				if err != nil {
					h.t.Fatalf("PodSandboxStatus after stop: %v", err)
				}
				if st.State != kubelet.SandboxNotReady {
					h.t.Errorf("state after stop = %v; want %v", st.State, kubelet.SandboxNotReady)
				}
			}
			for i := range 2 {
				if err := h.rt.RemovePodSandbox(h.ctx, p.id); err != nil {
					h.t.Fatalf("RemovePodSandbox #%d: %v", i+1, err)
				}
			}
			_, err := h.rt.PodSandboxStatus(h.ctx, p.id)
			h.wantNotFound("PodSandboxStatus(removed)", err)
			if err := h.rt.StopPodSandbox(h.ctx, p.id); err != nil {
				h.t.Errorf("StopPodSandbox(removed) = %v; want nil", err)
			}
			list, err := h.rt.ListPodSandbox(h.ctx, nil)
			if err != nil {
				h.t.Fatalf("ListPodSandbox: %v", err)
			}
			if len(list) != 0 {
				h.t.Errorf("ListPodSandbox after remove = %d sandboxes; want none", len(list))
			}
		}},
		{"RemoveWithoutStop", func(h *harness) {
			p := h.sandbox("p", nil)
			c := h.run(p, "c", SleepForever{}, nil)
			pid := h.runningPID(c)
			if err := h.rt.RemovePodSandbox(h.ctx, p.id); err != nil {
				h.t.Fatalf("RemovePodSandbox of a running sandbox: %v", err)
			}
			h.wantGone(pid)
			_, err := h.rt.PodSandboxStatus(h.ctx, p.id)
			h.wantNotFound("PodSandboxStatus(removed)", err)
			_, err = h.rt.ContainerStatus(h.ctx, c)
			h.wantNotFound("ContainerStatus(container of removed sandbox)", err)
		}},
		{"UnknownIDs", func(h *harness) {
			_, err := h.rt.PodSandboxStatus(h.ctx, "no-such-sandbox")
			h.wantNotFound("PodSandboxStatus(unknown)", err)
			if err := h.rt.StopPodSandbox(h.ctx, "no-such-sandbox"); err != nil {
				h.t.Errorf("StopPodSandbox(unknown) = %v; want nil", err)
			}
			if err := h.rt.RemovePodSandbox(h.ctx, "no-such-sandbox"); err != nil {
				h.t.Errorf("RemovePodSandbox(unknown) = %v; want nil", err)
			}
		}},
		{"InvalidConfig", func(h *harness) {
			if _, err := h.rt.RunPodSandbox(h.ctx, nil); !errors.Is(err, kubelet.ErrInvalid) {
				h.t.Errorf("RunPodSandbox(nil) = %v; want an error wrapping kubelet.ErrInvalid", err)
			}
			config := h.sandboxConfig("", nil)
			if id, err := h.rt.RunPodSandbox(h.ctx, config); !errors.Is(err, kubelet.ErrInvalid) {
				h.t.Errorf("RunPodSandbox(no name) = %q, %v; want an error wrapping kubelet.ErrInvalid", id, err)
			}
		}},
		{"StopKillsContainers", func(h *harness) {
			p := h.sandbox("p", nil)
			a := h.run(p, "a", SleepForever{}, nil)
			b := h.run(p, "b", IgnoreSIGTERM{}, nil)
			pids := []int{h.runningPID(a), h.runningPID(b)}
			created := h.create(p, "c", SleepForever{}, nil)
			if err := h.block("StopPodSandbox", 0, func(ctx context.Context) error { return h.rt.StopPodSandbox(ctx, p.id) }); err != nil {
				h.t.Fatalf("StopPodSandbox: %v", err)
			}
			for _, id := range []string{a, b} {
				st := h.status(id)
				if st.State != kubelet.ContainerExited {
					h.t.Errorf("container %s is %v after StopPodSandbox; want exited", id, st.State)
				}
			}
			if st := h.status(created); st.State == kubelet.ContainerRunning {
				h.t.Errorf("never-started container %s is running after StopPodSandbox", created)
			}
			for _, pid := range pids {
				h.wantGone(pid)
			}
		}},
		{"RemoveRemovesContainers", func(h *harness) {
			p := h.sandbox("p", nil)
			other := h.sandbox("other", nil)
			a := h.run(p, "a", SleepForever{}, nil)
			b := h.run(p, "b", ExitWith{Code: 0}, nil)
			keep := h.run(other, "keep", SleepForever{}, nil)
			if err := h.rt.StopPodSandbox(h.ctx, p.id); err != nil {
				h.t.Fatalf("StopPodSandbox: %v", err)
			}
			if err := h.rt.RemovePodSandbox(h.ctx, p.id); err != nil {
				h.t.Fatalf("RemovePodSandbox: %v", err)
			}
			for _, id := range []string{a, b} {
				_, err := h.rt.ContainerStatus(h.ctx, id)
				h.wantNotFound("ContainerStatus(container of removed sandbox)", err)
			}
			list, err := h.rt.ListContainers(h.ctx, nil)
			if err != nil {
				h.t.Fatalf("ListContainers: %v", err)
			}
			if d := diff([]string{keep}, ids(list, func(s *kubelet.ContainerStatus) string { return s.ID })); d != "" {
				h.t.Errorf("containers left (-want +got):\n%s", d)
			}
			if st := h.status(keep); st.State != kubelet.ContainerRunning {
				h.t.Errorf("container of another sandbox is %v; want running", st.State)
			}
		}},
	}
}
