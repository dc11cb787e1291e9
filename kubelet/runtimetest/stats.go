package runtimetest

import (
	"github.com/rigging-dev/rigging/kubelet"
)

func statsTests() []test {
	return []test{
		{"Running", func(h *harness) {
			p := h.sandbox("p", nil)
			id := h.run(p, "c", SleepForever{}, nil)
			first, err := h.rt.ContainerStats(h.ctx, id)
			if err != nil {
				h.t.Fatalf("ContainerStats: %v", err)
			}
			if first == nil || first.ContainerID != id || first.Timestamp.IsZero() {
				h.t.Fatalf("ContainerStats = %+v; want ContainerID %s and a Timestamp", first, id)
			}
			if first.MemoryWorkingSetBytes > first.MemoryUsageBytes {
				h.t.Errorf("working set %d exceeds usage %d", first.MemoryWorkingSetBytes, first.MemoryUsageBytes)
			}
			// A later sample is not older and its CPU counter does not go back.
			var second *kubelet.ContainerStats
			h.eventually("a later stats sample", func() string {
				second, err = h.rt.ContainerStats(h.ctx, id)
				if err != nil {
					h.t.Fatalf("ContainerStats: %v", err)
				}
				if !second.Timestamp.After(first.Timestamp) {
					return "timestamp has not moved"
				}
				return ""
			})
			if second.CPUUsageCoreNanoSeconds < first.CPUUsageCoreNanoSeconds {
				h.t.Errorf("CPU counter went back from %d to %d", first.CPUUsageCoreNanoSeconds, second.CPUUsageCoreNanoSeconds)
			}
		}},
	}
}
