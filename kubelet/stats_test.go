package kubelet_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

func getSummary(t *testing.T, h *harness) kubelet.Summary {
	t.Helper()
	resp, err := http.Get("http://" + h.k.Addr() + "/stats/summary")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("stats/summary: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var s kubelet.Summary
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStatsSummary(t *testing.T) {
	h := newHarness(t, harnessOpts{fake: fake.Options{Images: map[string]fake.Behavior{
		"busy": {CPUMilliCores: 250, MemoryBytes: 64 << 20},
		"idle": {CPUMilliCores: 10, MemoryBytes: 8 << 20},
	}}})
	h.createPod(simplePod("stats", ctr("busy", "busy"), ctr("idle", "idle")))
	h.waitPod("stats", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })

	first := getSummary(t, h)
	if first.Node.NodeName != testNode || first.Node.Memory == nil || first.Node.CPU == nil {
		t.Fatalf("node stats %+v", first.Node)
	}
	if len(first.Pods) != 1 || len(first.Pods[0].Containers) != 2 {
		t.Fatalf("pods %+v", first.Pods)
	}
	for _, c := range first.Pods[0].Containers {
		if c.CPU.UsageNanoCores != nil {
			t.Errorf("%s: usageNanoCores on the first sample", c.Name)
		}
	}
	h.clock.Step(10 * time.Second)
	second := getSummary(t, h)
	pod := second.Pods[0]
	if pod.PodRef.Name != "stats" || pod.PodRef.Namespace != "default" || pod.PodRef.UID == "" {
		t.Errorf("podRef %+v", pod.PodRef)
	}
	want := map[string]struct{ nanoCores, mem uint64 }{"busy": {250e6, 64 << 20}, "idle": {10e6, 8 << 20}}
	for _, c := range pod.Containers {
		w := want[c.Name]
		if c.CPU.UsageNanoCores == nil || *c.CPU.UsageNanoCores != w.nanoCores {
			t.Errorf("%s usageNanoCores %v, want %d", c.Name, c.CPU.UsageNanoCores, w.nanoCores)
		}
		if *c.Memory.WorkingSetBytes != w.mem {
			t.Errorf("%s workingSetBytes %d, want %d", c.Name, *c.Memory.WorkingSetBytes, w.mem)
		}
	}
	if pod.CPU == nil || pod.CPU.UsageNanoCores == nil || *pod.CPU.UsageNanoCores != 260e6 || *pod.Memory.WorkingSetBytes != 72<<20 {
		t.Errorf("pod totals cpu %+v memory %+v", pod.CPU, pod.Memory)
	}
	// The raw JSON uses the summary API's field names.
	resp, err := http.Get("http://" + h.k.Addr() + "/stats/summary")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	podRaw := raw["pods"].([]any)[0].(map[string]any)
	c0 := podRaw["containers"].([]any)[0].(map[string]any)
	for _, k := range []string{"cpu", "memory", "name", "startTime"} {
		if _, ok := c0[k]; !ok {
			t.Errorf("container JSON lacks %q: %v", k, c0)
		}
	}
	if _, ok := c0["memory"].(map[string]any)["workingSetBytes"]; !ok {
		t.Errorf("no workingSetBytes: %v", c0)
	}
	if _, ok := podRaw["podRef"].(map[string]any)["uid"]; !ok {
		t.Errorf("no podRef.uid: %v", podRaw)
	}

	// Metrics: one running pod, a start latency observed.
	if got := gaugeValue(t, h, "rigging_kubelet_running_pods"); got != 1 {
		t.Errorf("running pods metric %v", got)
	}
	if n := histogramCount(t, h, "rigging_kubelet_pod_start_duration_seconds"); n != 1 {
		t.Errorf("pod start histogram has %d samples, want 1", n)
	}
}

func gaugeValue(t *testing.T, h *harness, name string) float64 {
	t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func histogramCount(t *testing.T, h *harness, name string) uint64 {
	t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}
