package main

// End-to-end tests of issue 8 on the process runtime, through the whole
// stack: the API server, the scheduler, the controllers and the real
// node's kubelet with the process runtime and the bridge network, all
// started by the example's own start. Every pod is pinned to the real node
// and runs host commands (/bin/sh, sleep, test) or this test binary itself
// (the memory allocator of the OOM test, see e2eHelperIfAsked).
//
// Two Kubernetes semantics shape the containers' scripts: the kubelet
// expands $(VAR) in commands and turns "$$" into "$", so the scripts never
// write the shell's $$; and each container is the init of its own PID
// namespace, which ignores SIGTERM unless it installs a handler (so a
// bare sleep is stopped by SIGKILL at the end of the grace period).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/client"
)

// The helper modes of the test binary: when started with e2eHelperEnv set
// (by the kubelet, as a container's command), it does that job instead of
// running tests.
const (
	e2eHelperEnv = "RIGGING_E2E_HELPER"
	// e2eHelperAlloc maps $RIGGING_E2E_ALLOC_MIB MiB of anonymous memory,
	// makes every page resident, and exits 0 if it survives.
	e2eHelperAlloc = "alloc"
	e2eAllocMiBEnv = "RIGGING_E2E_ALLOC_MIB"
)

// init runs the helper modes before TestMain, so that the test binary
// started as a container never runs the tests (which would start a
// cluster inside the container). This works whatever TestMain does;
// a TestMain may call e2eHelperIfAsked too, harmlessly (a helper never
// returns, and otherwise it is a no-op).
func init() {
	if e2eHelperIfAsked() {
		os.Exit(0)
	}
}

// e2eHelperIfAsked runs a helper mode and reports true when the program
// was started as one. A helper ends the process itself (exit 0 on
// success, 2 on a usage error) and so returns only false.
func e2eHelperIfAsked() bool {
	mode := os.Getenv(e2eHelperEnv)
	switch mode {
	case "":
		return false
	case e2eHelperAlloc:
		mib, err := strconv.Atoi(os.Getenv(e2eAllocMiBEnv))
		if err != nil || mib <= 0 {
			fmt.Fprintf(os.Stderr, "e2e helper: %s=%q: want a positive number of MiB\n", e2eAllocMiBEnv, os.Getenv(e2eAllocMiBEnv))
			os.Exit(2)
		}
		os.Exit(allocate(mib))
	default:
		fmt.Fprintf(os.Stderr, "e2e helper: unknown mode %s=%q\n", e2eHelperEnv, mode)
		os.Exit(2)
	}
	return true
}

// allocate maps mib MiB outside the Go heap (the race detector would
// inflate a heap allocation) and makes every page resident: with
// madvise(MADV_POPULATE_WRITE) (Linux 5.14, which the process runtime
// needs anyway) so the kernel does the writing, else by writing a byte to
// each page.
func allocate(mib int) int {
	fmt.Printf("allocating %d MiB\n", mib)
	size := mib << 20
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e helper: mmap:", err)
		return 1
	}
	const madvPopulateWrite = 23 // MADV_POPULATE_WRITE
	if err := syscall.Madvise(b, madvPopulateWrite); err != nil {
		page := os.Getpagesize()
		for i := 0; i < size; i += page {
			b[i] = 1
		}
	}
	fmt.Printf("allocated and touched %d MiB, still alive\n", mib)
	return 0
}

// e2eCluster is one cluster shared by the end-to-end subtests.
type e2eCluster struct {
	c    *cluster
	out  *syncBuffer // the cluster's progress
	logs *syncBuffer // every component's log (verbose)
	pods *client.Resource[corev1.Pod]
	node string
	exe  string // this test binary
}

const e2eNamespace = "default"

// startE2ECluster starts the example's cluster (control plane and the
// real node only) in a temporary data directory and stops it when the
// test ends, printing the components' logs if the test failed.
func startE2ECluster(t *testing.T) *e2eCluster {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("find the test binary: %v", err)
	}
	e := &e2eCluster{out: &syncBuffer{}, logs: &syncBuffer{}, exe: exe}
	o := options{dataDir: t.TempDir(), nodeName: "e2e-node", verbose: true}
	begin := time.Now()
	c, err := start(t.Context(), o, e.out, e.logs)
	if err != nil {
		t.Fatalf("start the cluster: %v\noutput:\n%s\nlogs:\n%s", err, e.out.String(), tail(e.logs.String(), 200))
	}
	t.Logf("cluster started in %v", time.Since(begin).Round(time.Millisecond))
	e.c = c
	t.Cleanup(func() {
		begin := time.Now()
		err := c.stop()
		t.Logf("cluster stopped in %v", time.Since(begin).Round(time.Millisecond))
		if err != nil {
			t.Errorf("stop the cluster: %v", err)
		}
		if t.Failed() {
			t.Logf("cluster output:\n%s", e.out.String())
			t.Logf("last component logs:\n%s", tail(e.logs.String(), 300))
		}
	})
	if c.realNode == "" {
		t.Fatal("the cluster has no real node")
	}
	e.node = c.realNode
	if e.pods, err = client.For[corev1.Pod](c.cp.client); err != nil {
		t.Fatal(err)
	}
	return e
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}

// podSpec is a pod spec pinned to the real node with one container c and
// a short termination grace period.
func (e *e2eCluster) podSpec(c corev1.Container) corev1.PodSpec {
	if c.Image == "" {
		c.Image = "rigging.dev/e2e:1"
	}
	return corev1.PodSpec{
		NodeSelector:                  map[string]string{"kubernetes.io/hostname": e.node},
		TerminationGracePeriodSeconds: new(int64(2)),
		Containers:                    []corev1.Container{c},
	}
}

func (e *e2eCluster) createPod(t *testing.T, name string, spec corev1.PodSpec) *corev1.Pod {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e2eNamespace}, Spec: spec}
	out, err := e.pods.Namespace(e2eNamespace).Create(t.Context(), p, client.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
	return out
}

// waitPod polls pod name until cond holds, and fails the test with the
// pod's last status if it does not by the deadline.
func (e *e2eCluster) waitPod(t *testing.T, name, what string, timeout time.Duration, cond func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last *corev1.Pod
	var lastErr error
	for {
		p, err := e.pods.Namespace(e2eNamespace).Get(ctx, name, client.GetOptions{})
		if err == nil {
			last = p
			if cond(p) {
				return p
			}
		} else {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			t.Fatalf("pod %s: not %s within %v; last get error %v; last status:\n%s", name, what, timeout, lastErr, statusJSON(last))
		case <-tick.C:
		}
	}
}

func statusJSON(p *corev1.Pod) string {
	if p == nil {
		return "(none)"
	}
	b, _ := json.MarshalIndent(p.Status, "", "  ")
	return string(b)
}

// container returns the status of the pod's container name.
func container(p *corev1.Pod, name string) *corev1.ContainerStatus {
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == name {
			return &p.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// running reports whether container name runs, at restart count n.
func running(name string, n int32) func(*corev1.Pod) bool {
	return func(p *corev1.Pod) bool {
		cs := container(p, name)
		return cs != nil && cs.State.Running != nil && cs.RestartCount == n
	}
}

// waitFile waits until path holds content other than skip, and returns it.
func waitFile(t *testing.T, path, skip string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b, err := os.ReadFile(path)
		if s := strings.TrimSpace(string(b)); err == nil && s != "" && s != skip {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no new content within %v (last error %v, content %q)", path, timeout, err, b)
		}
		select {
		case <-t.Context().Done():
			t.Fatal(t.Context().Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestE2E runs issue 8's end-to-end scenarios on one cluster, in
// parallel: each pod is its own, pinned to the real node.
func TestE2E(t *testing.T) {
	needRoot(t)
	e := startE2ECluster(t)
	t.Run("DeploymentReady", func(t *testing.T) { t.Parallel(); e.testDeploymentReady(t) })
	t.Run("KilledContainerRestarts", func(t *testing.T) { t.Parallel(); e.testKilledContainerRestarts(t) })
	t.Run("LivenessFailureRestarts", func(t *testing.T) { t.Parallel(); e.testLivenessFailureRestarts(t) })
	t.Run("GracefulDeletion", func(t *testing.T) { t.Parallel(); e.testGracefulDeletion(t) })
	t.Run("GracePeriodThenKill", func(t *testing.T) { t.Parallel(); e.testGracePeriodThenKill(t) })
	t.Run("OOMKilled", func(t *testing.T) { t.Parallel(); e.testOOMKilled(t) })
}

// A 3-replica Deployment of sleep pods with an exec readiness probe (run
// in the container's namespaces) becomes Ready: every pod Ready on the
// real node with a pod IP, and the Deployment's status says so.
func (e *e2eCluster) testDeploymentReady(t *testing.T) {
	const name, replicas = "e2e-ready", 3
	labels := map[string]string{"app": name}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e2eNamespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(replicas)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: e.podSpec(corev1.Container{
					Name:    "sleep",
					Command: []string{"sleep", "3600"},
					ReadinessProbe: &corev1.Probe{
						ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"test", "-e", "/proc"}}},
						PeriodSeconds: 1,
					},
				}),
			},
		},
	}
	deps, err := client.For[appsv1.Deployment](e.c.cp.client)
	if err != nil {
		t.Fatal(err)
	}
	begin := time.Now()
	if _, err := deps.Namespace(e2eNamespace).Create(t.Context(), dep, client.CreateOptions{}); err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		list, err := e.pods.Namespace(e2eNamespace).List(ctx, client.ListOptions{LabelSelector: "app=" + name})
		var ready []string
		var states []string
		if err == nil {
			for i := range list.Items {
				p := &list.Items[i]
				states = append(states, fmt.Sprintf("%s: node %q phase %s ready %v ip %q", p.Name, p.Spec.NodeName, p.Status.Phase, podReady(p), p.Status.PodIP))
				if p.DeletionTimestamp == nil && podReady(p) {
					if p.Spec.NodeName != e.node {
						t.Fatalf("pod %s ran on %q, not the real node %q", p.Name, p.Spec.NodeName, e.node)
					}
					cs := container(p, "sleep")
					if cs == nil || cs.State.Running == nil || !cs.Ready || p.Status.PodIP == "" || p.Status.Phase != corev1.PodRunning {
						t.Fatalf("pod %s is Ready but its status is inconsistent:\n%s", p.Name, statusJSON(p))
					}
					ready = append(ready, p.Name)
				}
			}
		}
		var d *appsv1.Deployment
		if err == nil {
			d, err = deps.Namespace(e2eNamespace).Get(ctx, name, client.GetOptions{})
		}
		if err == nil && len(ready) == replicas && d.Status.ReadyReplicas == replicas && d.Status.AvailableReplicas == replicas {
			t.Logf("%d pods Ready and the Deployment available %v after creating it: %s", replicas, time.Since(begin).Round(time.Millisecond), strings.Join(ready, ", "))
			return
		}
		select {
		case <-ctx.Done():
			var ds appsv1.DeploymentStatus
			if d != nil {
				ds = d.Status
			}
			t.Fatalf("deployment %s not ready in time (last error %v): deployment status %+v; pods:\n%s", name, err, ds, strings.Join(states, "\n"))
		case <-tick.C:
		}
	}
}

// readPID waits for the container to write a new host PID to pidFile
// (other than old), checks that it is the container's sleep, in the
// container's cgroup, and returns it.
func readPID(t *testing.T, pidFile, old string, containerID string) int {
	t.Helper()
	s := waitFile(t, pidFile, old, time.Minute)
	pid, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%s holds %q, not a PID", pidFile, s)
	}
	// The shell writes its PID, then execs sleep: wait for the exec.
	deadline := time.Now().Add(30 * time.Second)
	for {
		cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			t.Fatalf("container process %d: %v", pid, err)
		}
		if strings.HasPrefix(string(cmd), "sleep\x00") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("container process %d runs %q, not sleep", pid, cmd)
		}
		time.Sleep(10 * time.Millisecond) // polling the process's exec, not synchronising goroutines
	}
	cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	id := containerID[strings.Index(containerID, "://")+3:]
	if !strings.Contains(string(cg), "ctr-"+id) {
		t.Fatalf("process %d is not in the cgroup of container %s:\n%s", pid, containerID, cg)
	}
	return pid
}

// Killing a container's process with SIGKILL gets it restarted at once
// (restartCount 1, lastState terminated with exit code 137); killing it
// again puts it in CrashLoopBackOff (10 s) before the next restart.
func (e *e2eCluster) testKilledContainerRestarts(t *testing.T) {
	const name = "e2e-kill"
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "pid")
	// /proc is the host's (a host-filesystem container), so /proc/self/stat
	// read by the shell itself (a builtin with a redirection) gives its
	// PID on the host, though the container has a PID namespace of its own.
	script := fmt.Sprintf(`read pid rest < /proc/self/stat; echo $pid > %[1]s.tmp; mv %[1]s.tmp %[1]s; exec sleep 3600`, pidFile)
	// The PID file's directory is a hostPath volume, mounted where it is
	// on the host (a host-filesystem container needs the mount point).
	spec := e.podSpec(corev1.Container{
		Name:         "main",
		Command:      []string{"/bin/sh", "-c", script},
		VolumeMounts: []corev1.VolumeMount{{Name: "dir", MountPath: dir}},
	})
	spec.Volumes = []corev1.Volume{{Name: "dir", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: dir}}}}
	e.createPod(t, name, spec)
	p := e.waitPod(t, name, "running", 2*time.Minute, running("main", 0))
	pid1 := readPID(t, pidFile, "", container(p, "main").ContainerID)

	killedAt := time.Now()
	if err := syscall.Kill(pid1, syscall.SIGKILL); err != nil {
		t.Fatalf("kill container process %d: %v", pid1, err)
	}
	p = e.waitPod(t, name, "restarted once", time.Minute, running("main", 1))
	t.Logf("first SIGKILL: running again with restartCount 1 after %v", time.Since(killedAt).Round(time.Millisecond))
	last := container(p, "main").LastTerminationState.Terminated
	if last == nil || last.ExitCode != 137 || last.Signal != 9 {
		t.Fatalf("lastState after SIGKILL: want terminated with exit code 137 (signal 9); status:\n%s", statusJSON(p))
	}
	pid2 := readPID(t, pidFile, strconv.Itoa(pid1), container(p, "main").ContainerID)

	killedAt = time.Now()
	if err := syscall.Kill(pid2, syscall.SIGKILL); err != nil {
		t.Fatalf("kill container process %d: %v", pid2, err)
	}
	p = e.waitPod(t, name, "in CrashLoopBackOff", time.Minute, func(p *corev1.Pod) bool {
		cs := container(p, "main")
		return cs != nil && cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff"
	})
	cs := container(p, "main")
	t.Logf("second SIGKILL: waiting %q (%s) after %v", cs.State.Waiting.Reason, cs.State.Waiting.Message, time.Since(killedAt).Round(time.Millisecond))
	if cs.RestartCount != 1 {
		t.Errorf("restartCount in back-off = %d, want 1", cs.RestartCount)
	}
	if last := cs.LastTerminationState.Terminated; last == nil || last.ExitCode != 137 {
		t.Errorf("lastState in back-off: want terminated with exit code 137; status:\n%s", statusJSON(p))
	}
	if p.Status.Phase != corev1.PodRunning {
		t.Errorf("phase in back-off = %s, want Running", p.Status.Phase)
	}
	if podReady(p) {
		t.Errorf("pod Ready while its only container waits in back-off")
	}

	// The back-off ends 10 s after the exit: then it restarts.
	p = e.waitPod(t, name, "restarted after the back-off", time.Minute, running("main", 2))
	cs = container(p, "main")
	waited := time.Since(killedAt)
	t.Logf("second SIGKILL: running again with restartCount 2 after %v", waited.Round(time.Millisecond))
	if last := cs.LastTerminationState.Terminated; last == nil || last.ExitCode != 137 {
		t.Errorf("lastState after the second restart: want terminated with exit code 137; status:\n%s", statusJSON(p))
	} else if gap := cs.State.Running.StartedAt.Sub(last.FinishedAt.Time); gap < 9*time.Second {
		// Times in the API have whole seconds: allow for the rounding.
		t.Errorf("restarted %v after the exit, before the 10 s back-off ended", gap)
	}
}

// A failing exec liveness probe gets the container restarted. Each
// attempt of the container makes the file its probes test, so the test's
// removing it fails exactly one attempt: the next one is healthy, stays up
// (restartCount exactly 1) and makes the pod Ready again.
//
// The first liveness probe runs as soon as the kubelet sees an attempt
// running, which can be before the attempt's shell has made the file: on
// a loaded machine it was, and the probe restarted a healthy attempt. A
// startup probe on the same file holds the liveness probe back until the
// attempt has made it (as Kubernetes does), so only the test's removal
// fails the liveness probe.
func (e *e2eCluster) testLivenessFailureRestarts(t *testing.T) {
	const name = "e2e-liveness"
	dir := t.TempDir()
	healthy := filepath.Join(dir, "healthy")
	probe := func(failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"test", "-e", healthy}}},
			PeriodSeconds:    1,
			FailureThreshold: failures,
		}
	}
	e.createPod(t, name, e.podSpec(corev1.Container{
		Name:           "main",
		Command:        []string{"/bin/sh", "-c", fmt.Sprintf("date +%%s.%%N > %s; exec sleep 3600", healthy)},
		StartupProbe:   probe(120), // as long as the waits below
		LivenessProbe:  probe(1),
		ReadinessProbe: probe(1), // Ready proves the probe ran and passed
	}))
	p := e.waitPod(t, name, "ready", 2*time.Minute, func(p *corev1.Pod) bool { return podReady(p) && running("main", 0)(p) })
	firstID := container(p, "main").ContainerID
	first := waitFile(t, healthy, "", time.Minute)

	removed := time.Now()
	if err := os.Remove(healthy); err != nil {
		t.Fatal(err)
	}
	p = e.waitPod(t, name, "restarted by its liveness probe", time.Minute, func(p *corev1.Pod) bool {
		cs := container(p, "main")
		return cs != nil && cs.RestartCount >= 1
	})
	t.Logf("liveness failure: restartCount %d after %v", container(p, "main").RestartCount, time.Since(removed).Round(time.Millisecond))
	waitFile(t, healthy, first, time.Minute) // the new attempt made it again
	p = e.waitPod(t, name, "ready again after the restart", time.Minute, func(p *corev1.Pod) bool {
		return podReady(p) && running("main", 1)(p)
	})
	cs := container(p, "main")
	if cs.ContainerID == firstID {
		t.Errorf("container ID unchanged (%s) after a liveness restart", firstID)
	}
	// The killed attempt: stopped with SIGTERM (143) or, past the grace
	// period, SIGKILL (137).
	last := cs.LastTerminationState.Terminated
	if last == nil || (last.ExitCode != 143 && last.ExitCode != 137) || last.ContainerID != firstID {
		t.Errorf("lastState: want attempt %s terminated by a signal (exit code 143 or 137); status:\n%s", firstID, statusJSON(p))
	}
}

// A pod deleted with a 2 s grace period gets SIGTERM (its trap writes a
// marker) and its object is gone within the period, plus a margin for
// this loaded machine.
func (e *e2eCluster) testGracefulDeletion(t *testing.T) {
	const name = "e2e-grace"
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")
	armed := filepath.Join(dir, "armed")
	script := fmt.Sprintf(`trap 'echo SIGTERM > %s; exit 0' TERM; echo armed > %s; sleep 3600 & wait`, marker, armed)
	spec := e.podSpec(corev1.Container{Name: "main", Command: []string{"/bin/sh", "-c", script}})
	spec.TerminationGracePeriodSeconds = new(int64(30)) // the deletion's 2 s must win
	e.createPod(t, name, spec)
	e.waitPod(t, name, "running", 2*time.Minute, running("main", 0))
	waitFile(t, armed, "", time.Minute) // the trap is set

	const grace = 2 * time.Second
	gone := e.deleteAndWait(t, name, grace)
	t.Logf("deleted with a %v grace period: gone after %v", grace, gone.Round(time.Millisecond))
	if limit := grace + 3*time.Second; gone > limit {
		t.Errorf("pod gone after %v, want within %v", gone, limit)
	}
	b, err := os.ReadFile(marker)
	if err != nil || strings.TrimSpace(string(b)) != "SIGTERM" {
		t.Errorf("the container's TERM trap did not run: marker %q, %v", b, err)
	}
}

// A pod whose container ignores SIGTERM, deleted with a 2 s grace period,
// is killed when the period ends: gone no sooner than the period after
// the deletion (less a little, as the kubelet starts counting when it sees
// the deletion), and within the period plus a margin.
func (e *e2eCluster) testGracePeriodThenKill(t *testing.T) {
	const name = "e2e-grace-kill"
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")
	armed := filepath.Join(dir, "armed")
	// The trap records the signal and carries on: only SIGKILL ends it.
	script := fmt.Sprintf(`trap 'echo SIGTERM > %s' TERM; echo armed > %s; while :; do sleep 3600 & wait; done`, marker, armed)
	spec := e.podSpec(corev1.Container{Name: "main", Command: []string{"/bin/sh", "-c", script}})
	spec.TerminationGracePeriodSeconds = new(int64(30))
	e.createPod(t, name, spec)
	e.waitPod(t, name, "running", 2*time.Minute, running("main", 0))
	waitFile(t, armed, "", time.Minute) // the trap is set
	const grace = 2 * time.Second
	gone := e.deleteAndWait(t, name, grace)
	t.Logf("TERM ignored, deleted with a %v grace period: gone after %v", grace, gone.Round(time.Millisecond))
	if gone < grace-500*time.Millisecond {
		t.Errorf("pod gone after %v, before its %v grace period ended", gone, grace)
	}
	if limit := grace + 3*time.Second; gone > limit {
		t.Errorf("pod gone after %v, want within %v", gone, limit)
	}
	if b, err := os.ReadFile(marker); err != nil || strings.TrimSpace(string(b)) != "SIGTERM" {
		t.Errorf("the container did not get SIGTERM first: marker %q, %v", b, err)
	}
}

// deleteAndWait deletes pod name with the grace period and returns how
// long its object took to disappear.
func (e *e2eCluster) deleteAndWait(t *testing.T, name string, grace time.Duration) time.Duration {
	t.Helper()
	begin := time.Now()
	err := e.pods.Namespace(e2eNamespace).Delete(t.Context(), name, metav1.DeleteOptions{GracePeriodSeconds: new(int64(grace / time.Second))})
	if err != nil {
		t.Fatalf("delete pod %s: %v", name, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for {
		_, err := e.pods.Namespace(e2eNamespace).Get(ctx, name, client.GetOptions{})
		if client.IsNotFound(err) {
			return time.Since(begin)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("pod %s still there a minute after its deletion (last get: %v)", name, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// A container limited to 50 MiB that makes 200 MiB resident is OOM-killed:
// terminated with reason OOMKilled and exit code 137, and with
// restartPolicy Never the pod fails.
func (e *e2eCluster) testOOMKilled(t *testing.T) {
	const name = "e2e-oom"
	spec := e.podSpec(corev1.Container{
		Name:    "alloc",
		Command: []string{e.exe},
		Env: []corev1.EnvVar{
			{Name: e2eHelperEnv, Value: e2eHelperAlloc},
			{Name: e2eAllocMiBEnv, Value: "200"},
		},
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("50Mi")}},
	})
	spec.RestartPolicy = corev1.RestartPolicyNever
	e.createPod(t, name, spec)
	p := e.waitPod(t, name, "finished", 2*time.Minute, func(p *corev1.Pod) bool {
		cs := container(p, "alloc")
		return cs != nil && cs.State.Terminated != nil && (p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded)
	})
	term := container(p, "alloc").State.Terminated
	t.Logf("container terminated: reason %s, exit code %d; pod phase %s", term.Reason, term.ExitCode, p.Status.Phase)
	if term.Reason != "OOMKilled" || term.ExitCode != 137 {
		t.Errorf("terminated with reason %q exit code %d, want OOMKilled 137; status:\n%s", term.Reason, term.ExitCode, statusJSON(p))
	}
	if p.Status.Phase != corev1.PodFailed {
		t.Errorf("phase %s, want Failed", p.Status.Phase)
	}
	if n := container(p, "alloc").RestartCount; n != 0 {
		t.Errorf("restartCount %d with restartPolicy Never", n)
	}
	// The log shows the helper ran and was killed while allocating.
	r, err := client.PodLogs(t.Context(), e.c.cp.client, e2eNamespace, name, client.PodLogOptions{})
	if err != nil {
		t.Fatalf("pod logs: %v", err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("read pod logs: %v", err)
	}
	if !strings.Contains(string(b), "allocating 200 MiB") || strings.Contains(string(b), "still alive") {
		t.Errorf("log of the allocator: want it to start allocating and not finish; got %q", b)
	}
}
