package kubelet

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Summary is the kubelet summary API's answer (GET /stats/summary), in the
// JSON shape of Kubernetes' stats/v1alpha1 Summary (the subset Rigging
// fills: CPU and memory of the node, its pods and their containers).
type Summary struct {
	Node NodeSummary  `json:"node"`
	Pods []PodSummary `json:"pods"`
}

// NodeSummary is the node's usage.
type NodeSummary struct {
	NodeName  string       `json:"nodeName"`
	StartTime metav1.Time  `json:"startTime"`
	CPU       *CPUStats    `json:"cpu,omitempty"`
	Memory    *MemoryStats `json:"memory,omitempty"`
}

// PodSummary is one pod's usage: the sum of its containers'.
type PodSummary struct {
	PodRef     PodReference       `json:"podRef"`
	StartTime  metav1.Time        `json:"startTime"`
	Containers []ContainerSummary `json:"containers"`
	CPU        *CPUStats          `json:"cpu,omitempty"`
	Memory     *MemoryStats       `json:"memory,omitempty"`
}

// PodReference names a pod.
type PodReference struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	UID       string `json:"uid"`
}

// ContainerSummary is one container's usage.
type ContainerSummary struct {
	Name      string       `json:"name"`
	StartTime metav1.Time  `json:"startTime"`
	CPU       *CPUStats    `json:"cpu,omitempty"`
	Memory    *MemoryStats `json:"memory,omitempty"`
}

// CPUStats is CPU usage at Time. UsageNanoCores is the rate over the
// interval since the previous sample of the same container (absent on the
// first sample); UsageCoreNanoSeconds is cumulative.
type CPUStats struct {
	Time                 metav1.Time `json:"time"`
	UsageNanoCores       *uint64     `json:"usageNanoCores,omitempty"`
	UsageCoreNanoSeconds *uint64     `json:"usageCoreNanoSeconds,omitempty"`
}

// MemoryStats is memory usage at Time, in bytes.
type MemoryStats struct {
	Time            metav1.Time `json:"time"`
	AvailableBytes  *uint64     `json:"availableBytes,omitempty"`
	UsageBytes      *uint64     `json:"usageBytes,omitempty"`
	WorkingSetBytes *uint64     `json:"workingSetBytes,omitempty"`
}

// statsCache keeps the previous CPU sample of each container (and of the
// node) to derive usageNanoCores.
type statsCache struct {
	mu      sync.Mutex // guards samples
	samples map[string]cpuSample
	start   time.Time
}

type cpuSample struct {
	at    time.Time
	usage uint64
	rate  *uint64 // the last rate computed
}

func newStatsCache() *statsCache {
	return &statsCache{samples: map[string]cpuSample{}, start: time.Now()}
}

// rate records a sample of key and returns its usage rate in nanocores.
func (s *statsCache) rate(key string, at time.Time, usage uint64) *uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, ok := s.samples[key]
	cur := cpuSample{at: at, usage: usage}
	switch {
	case ok && at.After(prev.at) && usage >= prev.usage:
		r := uint64(float64(usage-prev.usage) / float64(at.Sub(prev.at).Nanoseconds()) * 1e9)
		cur.rate = &r
	case ok && !at.After(prev.at):
		return prev.rate // the same sample again
	}
	s.samples[key] = cur
	return cur.rate
}

// forgetPod drops the samples of a pod's containers.
func (s *statsCache) forgetPod(uid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.samples {
		if strings.HasPrefix(k, uid+"/") {
			delete(s.samples, k)
		}
	}
}

// summary gathers the node's and its pods' usage from the runtime.
func (k *Kubelet) summary(ctx context.Context) (*Summary, error) {
	now := time.Now()
	out := &Summary{Node: NodeSummary{NodeName: k.cfg.NodeName, StartTime: metav1.NewTime(k.stats.start)}, Pods: []PodSummary{}}
	if usage, ok := nodeCPUUsage(); ok {
		out.Node.CPU = &CPUStats{Time: metav1.NewTime(now), UsageCoreNanoSeconds: new(usage),
			UsageNanoCores: k.stats.rate("node", now, usage)}
	}
	if total := memTotal(); total > 0 {
		avail := uint64(memAvailable())
		ws := uint64(total) - avail
		usage := uint64(total - hostStats().memFree)
		out.Node.Memory = &MemoryStats{Time: metav1.NewTime(now), AvailableBytes: &avail, UsageBytes: &usage, WorkingSetBytes: &ws}
	}
	ready := SandboxReady
	sbs, err := k.cfg.Runtime.ListPodSandbox(ctx, &PodSandboxFilter{State: &ready, LabelSelector: map[string]string{LabelNode: k.cfg.NodeName}})
	if err != nil {
		return nil, k.runtimeErr("list_podsandbox", err)
	}
	running := ContainerRunning
	for _, sb := range sbs {
		ps := PodSummary{PodRef: PodReference{Name: sb.Metadata.Name, Namespace: sb.Metadata.Namespace, UID: sb.Metadata.UID},
			StartTime: metav1.NewTime(sb.CreatedAt), Containers: []ContainerSummary{}}
		cs, err := k.cfg.Runtime.ListContainers(ctx, &ContainerFilter{SandboxID: sb.ID, State: &running})
		if err != nil {
			return nil, k.runtimeErr("list_containers", err)
		}
		var podCPU, podMem, podUsage uint64
		var podRate *uint64
		var latest time.Time
		for _, c := range cs {
			st, err := k.cfg.Runtime.ContainerStats(ctx, c.ID)
			if err != nil {
				continue // exited in between
			}
			at := st.Timestamp
			if at.IsZero() {
				at = now
			}
			if at.After(latest) {
				latest = at
			}
			name := c.Labels[LabelContainerName]
			if name == "" {
				name = c.Metadata.Name
			}
			rate := k.stats.rate(sb.Metadata.UID+"/"+c.ID, at, st.CPUUsageCoreNanoSeconds)
			if rate != nil {
				if podRate == nil {
					podRate = new(uint64(0))
				}
				*podRate += *rate
			}
			ws, usage := st.MemoryWorkingSetBytes, st.MemoryUsageBytes
			podCPU += st.CPUUsageCoreNanoSeconds
			podMem += ws
			podUsage += usage
			ps.Containers = append(ps.Containers, ContainerSummary{
				Name: name, StartTime: metav1.NewTime(c.StartedAt),
				CPU:    &CPUStats{Time: metav1.NewTime(at), UsageCoreNanoSeconds: new(st.CPUUsageCoreNanoSeconds), UsageNanoCores: rate},
				Memory: &MemoryStats{Time: metav1.NewTime(at), WorkingSetBytes: &ws, UsageBytes: &usage},
			})
		}
		if len(ps.Containers) > 0 {
			ps.CPU = &CPUStats{Time: metav1.NewTime(latest), UsageCoreNanoSeconds: &podCPU, UsageNanoCores: podRate}
			ps.Memory = &MemoryStats{Time: metav1.NewTime(latest), WorkingSetBytes: &podMem, UsageBytes: &podUsage}
		}
		out.Pods = append(out.Pods, ps)
	}
	return out, nil
}

// nodeCPUUsage returns the node's cumulative CPU time (all CPUs, busy
// time only) in nanoseconds, from /proc/stat.
func nodeCPUUsage() (uint64, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, false
	}
	var busy uint64
	for i, v := range f[1:] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, false
		}
		if i == 3 || i == 4 || i >= 8 { // idle, iowait; guest times are in user already
			continue
		}
		busy += n
	}
	const userHZ = 100
	return busy * (1e9 / userHZ), true
}
