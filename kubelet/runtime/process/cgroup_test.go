package process

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/kubelet"
)

func TestCPUWeight(t *testing.T) {
	for shares, want := range map[int64]int64{0: 0, 1: 1, 2: 1, 1024: 39, 262144: 10000, 1 << 30: 10000} {
		if got := cpuWeight(shares); got != want {
			t.Errorf("cpuWeight(%d) = %d, want %d", shares, got, want)
		}
	}
}

func TestParseMountinfo(t *testing.T) {
	in := "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n" +
		"35 31 0:32 /x /sys/fs/cgroup/mem\\040ory rw,relatime - cgroup cgroup rw,memory\n" +
		"garbage\n"
	want := []mountEntry{
		{root: "/", point: "/sys/fs/cgroup/unified", fstype: "cgroup2", opts: []string{"rw"}},
		{root: "/x", point: "/sys/fs/cgroup/mem ory", fstype: "cgroup", opts: []string{"rw", "memory"}},
	}
	if diff := cmp.Diff(want, parseMountinfo([]byte(in)), cmp.AllowUnexported(mountEntry{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func FuzzParseMountinfo(f *testing.F) {
	f.Add([]byte("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"))
	f.Add([]byte("1 2 3 \\0 \\777 - a b\n - \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, m := range parseMountinfo(data) {
			if m.fstype == "" {
				t.Errorf("entry without fstype: %+v", m)
			}
		}
	})
}

func TestResourcesWritten(t *testing.T) {
	r := newTestRuntime(t, Options{})
	sbCfg := sandboxConfig(t, "res")
	sb := runSandbox(t, r, sbCfg)
	cfg := shContainer("limited", "exec sleep 1000")
	cfg.Resources = kubelet.LinuxContainerResources{
		CPUPeriod: 100000, CPUQuota: 50000, CPUShares: 1024,
		MemoryLimitInBytes: 64 << 20, PidsLimit: 100,
	}
	id := startContainer(t, r, sb, sbCfg, cfg)
	c, _ := r.getContainer(id)
	cg := c.rec.Cgroup
	read := func(ctrl, file string) string {
		dir := r.cg.controllerDir(cg, ctrl)
		if dir == "" {
			if os.Getenv("CI") == "true" {
				t.Fatalf("controller %s unavailable", ctrl)
			}
			t.Skipf("controller %s unavailable on this host", ctrl)
		}
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(data))
	}
	got := map[string]string{}
	want := map[string]string{}
	if r.cg.v2["cpu"] {
		got["cpu.max"], want["cpu.max"] = read("cpu", "cpu.max"), "50000 100000"
		got["cpu.weight"], want["cpu.weight"] = read("cpu", "cpu.weight"), "39"
	} else {
		got["cpu.cfs_quota_us"], want["cpu.cfs_quota_us"] = read("cpu", "cpu.cfs_quota_us"), "50000"
		got["cpu.cfs_period_us"], want["cpu.cfs_period_us"] = read("cpu", "cpu.cfs_period_us"), "100000"
		got["cpu.shares"], want["cpu.shares"] = read("cpu", "cpu.shares"), "1024"
	}
	if r.cg.v2["memory"] {
		got["memory.max"], want["memory.max"] = read("memory", "memory.max"), "67108864"
	} else {
		got["memory.limit_in_bytes"], want["memory.limit_in_bytes"] = read("memory", "memory.limit_in_bytes"), "67108864"
	}
	got["pids.max"], want["pids.max"] = read("pids", "pids.max"), "100"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cgroup files (-want +got):\n%s", diff)
	}
	// The container's process is in every one of those cgroups.
	st, _ := r.ContainerStatus(t.Context(), id)
	pidCg, _ := os.ReadFile("/proc/" + itoa(st.PID) + "/cgroup")
	for _, ctrl := range []string{"cpu", "memory", "pids"} {
		dir := r.cg.controllerDir(cg, ctrl)
		procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
		if !containsLine(string(procs), itoa(st.PID)) {
			t.Errorf("pid %d not in %s/cgroup.procs (%q); /proc/pid/cgroup:\n%s", st.PID, dir, procs, pidCg)
		}
	}
	stats, err := r.ContainerStats(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if stats.CPUUsageCoreNanoSeconds == 0 || stats.MemoryUsageBytes == 0 || stats.MemoryWorkingSetBytes > stats.MemoryUsageBytes {
		t.Errorf("stats = %+v, want CPU time and memory in use", stats)
	}
}

func TestOOMKilled(t *testing.T) {
	r := newTestRuntime(t, Options{})
	sbCfg := sandboxConfig(t, "oom")
	sb := runSandbox(t, r, sbCfg)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cfg := &kubelet.ContainerConfig{
		Metadata:  kubelet.ContainerMetadata{Name: "hog"},
		Image:     "hog",
		Command:   []string{self},
		Envs:      []kubelet.KeyValue{{Key: allocEnv, Value: "200"}},
		LogPath:   "hog.log",
		Resources: kubelet.LinuxContainerResources{MemoryLimitInBytes: 50 << 20},
	}
	id := startContainer(t, r, sb, sbCfg, cfg)
	st := waitExited(t, r, id)
	if st.Reason != kubelet.ReasonOOMKilled || st.ExitCode != 137 {
		t.Errorf("exit %d %q (%s), want 137 OOMKilled; log: %v", st.ExitCode, st.Reason, st.Message, readLog(t, st.LogPath))
	}
	// The same program under a 300 MiB limit completes.
	cfg.Metadata.Name, cfg.Resources.MemoryLimitInBytes = "fits", 300<<20
	id = startContainer(t, r, sb, sbCfg, cfg)
	st = waitExited(t, r, id)
	if st.Reason != kubelet.ReasonCompleted || st.ExitCode != 0 {
		t.Errorf("exit %d %q, want 0 Completed", st.ExitCode, st.Reason)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func containsLine(s, line string) bool {
	for _, l := range strings.Split(s, "\n") {
		if l == line {
			return true
		}
	}
	return false
}
