package process

import (
	"os"
	"path/filepath"
	"slices"
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

// TestPidsCgroupOnDemand checks the cgroup v1 pids layout of a hybrid
// host: only a container with a pids limit gets a directory there (and
// its pod and CgroupParent one, made with it); one without stays in the
// runtime's own v1 pids cgroup. Either way removing the pod, by this
// runtime or by one started again on the same state, leaves no directory.
// On a host with pids in cgroup v2 it checks that the limit is set.
func TestPidsCgroupOnDemand(t *testing.T) {
	for _, tc := range []struct {
		name      string
		limit     int64
		restarted bool // remove the pod from a runtime started again
	}{
		{"no limit", 0, false},
		{"limit", 100, false},
		{"no limit, restarted", 0, true},
		{"limit, restarted", 100, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newTestRuntime(t, Options{})
			ctx := t.Context()
			sbCfg := sandboxConfig(t, "pids")
			sbCfg.Linux.CgroupParent = "burstable"
			sbCfg.Linux.Namespaces.PID = kubelet.NamespaceModeContainer
			sb := runSandbox(t, r, sbCfg)
			cfg := shContainer("c", "exec sleep 1000")
			cfg.Resources.PidsLimit = tc.limit
			id := startContainer(t, r, sb, sbCfg, cfg)
			s, _ := r.getSandbox(sb)
			c, _ := r.getContainer(id)
			podCg, ctrCg := s.rec.Cgroup, c.rec.Cgroup
			st, err := r.ContainerStatus(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			pidsRoot := r.cg.v1["pids"]
			if pidsRoot == "" {
				if !r.cg.v2["pids"] {
					t.Fatal("no pids controller in cgroup v2 or v1")
				}
				if tc.limit > 0 {
					data, err := os.ReadFile(filepath.Join(ctrCg.V2, "pids.max"))
					if err != nil || strings.TrimSpace(string(data)) != "100" {
						t.Errorf("pids.max = %q, %v; want 100", data, err)
					}
				}
			} else {
				podDir := filepath.Join(pidsRoot, "burstable", filepath.Base(podCg.V2))
				ctrDir := filepath.Join(podDir, filepath.Base(ctrCg.V2))
				// Recorded where it goes, made only with a limited container.
				if podCg.V1["pids"] != podDir {
					t.Errorf("the pod's recorded v1 pids directory is %q, want %q", podCg.V1["pids"], podDir)
				}
				exists := func(d string) bool { _, err := os.Stat(d); return err == nil }
				wantDir := tc.limit > 0
				if got := exists(podDir); got != wantDir {
					t.Errorf("pod's v1 pids directory %s exists: %v, want %v", podDir, got, wantDir)
				}
				if got := exists(ctrDir); got != wantDir {
					t.Errorf("container's v1 pids directory %s exists: %v, want %v", ctrDir, got, wantDir)
				}
				if got, want := ctrCg.V1["pids"], map[bool]string{true: ctrDir}[wantDir]; got != want {
					t.Errorf("container's recorded v1 pids directory is %q, want %q", got, want)
				}
				// The other v1 controllers are made for every container.
				for ctrl, d := range r.cg.v1 {
					if ctrl != "pids" && !exists(filepath.Join(d, "burstable", filepath.Base(podCg.V2), filepath.Base(ctrCg.V2))) {
						t.Errorf("container has no v1 %s directory", ctrl)
					}
				}
				// Where the process is: its own directory, or the runtime's.
				ownLine := func(pid string) string {
					data, err := os.ReadFile("/proc/" + pid + "/cgroup")
					if err != nil {
						t.Fatal(err)
					}
					for _, l := range strings.Split(string(data), "\n") {
						if f := strings.SplitN(l, ":", 3); len(f) == 3 && slices.Contains(strings.Split(f[1], ","), "pids") {
							return f[2]
						}
					}
					t.Fatalf("no pids line in /proc/%s/cgroup", pid)
					return ""
				}
				got := ownLine(itoa(st.PID))
				want := ownLine("self")
				if wantDir {
					want = "/" + relToPidsMount(t, ctrDir)
					data, _ := os.ReadFile(filepath.Join(ctrDir, "pids.max"))
					if strings.TrimSpace(string(data)) != "100" {
						t.Errorf("pids.max = %q, want 100", data)
					}
				}
				if got != want {
					t.Errorf("the container's v1 pids cgroup is %s, want %s", got, want)
				}
			}
			rm := r
			if tc.restarted {
				rm = newTestRuntime(t, Options{RootDir: r.opts.RootDir, CgroupRoot: r.cg.root})
			}
			if err := rm.RemovePodSandbox(ctx, sb); err != nil {
				t.Fatal(err)
			}
			var left []string
			for _, d := range append(append([]string{podCg.V2, ctrCg.V2}, mapValues(podCg.V1)...), mapValues(ctrCg.V1)...) {
				if _, err := os.Stat(d); err == nil {
					left = append(left, d)
				}
			}
			for _, root := range append([]string{r.cg.root}, mapValues(r.cg.v1)...) {
				if _, err := os.Stat(filepath.Join(root, "burstable")); err == nil {
					left = append(left, filepath.Join(root, "burstable"))
				}
			}
			if len(left) > 0 {
				t.Errorf("cgroups left after RemovePodSandbox: %v", left)
			}
		})
	}
}

// relToPidsMount returns dir relative to the mount point of the cgroup v1
// pids hierarchy.
func relToPidsMount(t *testing.T, dir string) string {
	t.Helper()
	mounts, err := readMountinfo()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mounts {
		if m.fstype == "cgroup" && slices.Contains(m.opts, "pids") {
			rel, err := filepath.Rel(m.point, dir)
			if err != nil {
				t.Fatal(err)
			}
			return rel
		}
	}
	t.Fatal("no cgroup v1 pids mount")
	return ""
}
