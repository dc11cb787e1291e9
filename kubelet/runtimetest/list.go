package runtimetest

import (
	"github.com/rigging-dev/rigging/kubelet"
)

func listTests() []test {
	return []test{
		{"Filters", func(h *harness) {
			a := h.sandbox("a", nil)
			b := h.sandbox("b", nil)
			a1 := h.run(a, "a1", SleepForever{}, map[string]string{"app": "x", "tier": "front"})
			a2 := h.run(a, "a2", ExitWith{Code: 0}, map[string]string{"app": "y"})
			a3 := h.create(a, "a3", SleepForever{}, map[string]string{"app": "x", "tier": "back"})
			b1 := h.run(b, "b1", SleepForever{}, map[string]string{"app": "x", "tier": "front"})
			h.waitState(a2, kubelet.ContainerExited)
			created, running, exited := kubelet.ContainerCreated, kubelet.ContainerRunning, kubelet.ContainerExited
			for _, tc := range []struct {
				name   string
				filter *kubelet.ContainerFilter
				want   []string
			}{
				{"nil", nil, sorted(a1, a2, a3, b1)},
				{"empty", &kubelet.ContainerFilter{}, sorted(a1, a2, a3, b1)},
				{"id", &kubelet.ContainerFilter{ID: a2}, []string{a2}},
				{"unknown id", &kubelet.ContainerFilter{ID: "no-such-container"}, nil},
				{"sandbox", &kubelet.ContainerFilter{SandboxID: a.id}, sorted(a1, a2, a3)},
				{"other sandbox", &kubelet.ContainerFilter{SandboxID: b.id}, []string{b1}},
				{"unknown sandbox", &kubelet.ContainerFilter{SandboxID: "no-such-sandbox"}, nil},
				{"created", &kubelet.ContainerFilter{State: &created}, []string{a3}},
				{"running", &kubelet.ContainerFilter{State: &running}, sorted(a1, b1)},
				{"exited", &kubelet.ContainerFilter{State: &exited}, []string{a2}},
				{"label", &kubelet.ContainerFilter{LabelSelector: map[string]string{"app": "x"}}, sorted(a1, a3, b1)},
				{"two labels", &kubelet.ContainerFilter{LabelSelector: map[string]string{"app": "x", "tier": "front"}}, sorted(a1, b1)},
				{"sandbox and label", &kubelet.ContainerFilter{SandboxID: a.id, LabelSelector: map[string]string{"tier": "front"}}, []string{a1}},
				{"sandbox, state and label", &kubelet.ContainerFilter{SandboxID: a.id, State: &running, LabelSelector: map[string]string{"app": "y"}}, nil},
				{"id and other sandbox", &kubelet.ContainerFilter{ID: a1, SandboxID: b.id}, nil},
			} {
				list, err := h.rt.ListContainers(h.ctx, tc.filter)
				if err != nil {
					h.t.Fatalf("ListContainers(%s): %v", tc.name, err)
				}
				if d := diff(tc.want, ids(list, func(s *kubelet.ContainerStatus) string { return s.ID })); d != "" {
					h.t.Errorf("ListContainers(%s) IDs (-want +got):\n%s", tc.name, d)
				}
				for _, st := range list {
					if tc.filter != nil && tc.filter.State != nil && st.State != *tc.filter.State {
						h.t.Errorf("ListContainers(%s) returned %s in state %v", tc.name, st.ID, st.State)
					}
				}
			}
		}},
	}
}
