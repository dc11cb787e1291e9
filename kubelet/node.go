package kubelet

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
)

// Pressure thresholds, as Kubernetes' default hard eviction thresholds.
const (
	memoryPressureBytes = 100 << 20 // memory.available < 100Mi
	diskPressurePercent = 10        // nodefs.available < 10%
	pidPressurePercent  = 5         // fewer than 5% of pid_max free
)

// registerNode creates the Node, or updates the one that exists (a kubelet
// restarting), and writes its status. It retries with a short back-off
// until it succeeds or ctx ends.
func (k *Kubelet) registerNode(ctx context.Context) error {
	delay := 100 * time.Millisecond
	for {
		err := k.tryRegisterNode(ctx)
		if err == nil {
			k.log.Info("node registered", "port", k.port)
			return nil
		}
		k.log.Error(err, "register node; retrying", "delay", delay)
		t := k.clock.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("kubelet: register node %s: %w", k.cfg.NodeName, err)
		case <-t.C():
		}
		delay = min(delay*2, 7*time.Second)
	}
}

func (k *Kubelet) nodeLabels() map[string]string {
	l := map[string]string{
		"kubernetes.io/hostname":  k.cfg.NodeName,
		"kubernetes.io/os":        runtime.GOOS,
		"kubernetes.io/arch":      runtime.GOARCH,
		"beta.kubernetes.io/os":   runtime.GOOS,
		"beta.kubernetes.io/arch": runtime.GOARCH,
	}
	for key, v := range k.cfg.Labels {
		l[key] = v
	}
	return l
}

func (k *Kubelet) tryRegisterNode(ctx context.Context) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName, Labels: k.nodeLabels()},
		Spec:       corev1.NodeSpec{Taints: k.cfg.Taints},
	}
	k.fillNodeStatus(ctx, node, true)
	_, err := k.nodes.Create(ctx, node, client.CreateOptions{})
	if err == nil {
		return nil
	}
	if !client.IsAlreadyExists(err) {
		return fmt.Errorf("create node: %w", err)
	}
	// The node exists (a restart): add our labels and refresh its status.
	cur, err := k.nodes.Get(ctx, k.cfg.NodeName, client.GetOptions{})
	if err != nil {
		return fmt.Errorf("get node: %w", err)
	}
	upd := cur.DeepCopy()
	if upd.Labels == nil {
		upd.Labels = map[string]string{}
	}
	changed := false
	for key, v := range k.nodeLabels() {
		if upd.Labels[key] != v {
			upd.Labels[key] = v
			changed = true
		}
	}
	if changed {
		if upd, err = k.nodes.Update(ctx, upd, client.UpdateOptions{}); err != nil {
			return fmt.Errorf("update node labels: %w", err)
		}
	}
	return k.writeNodeStatus(ctx, upd, true)
}

// fillNodeStatus computes the node's status into node, keeping the
// transition times of conditions whose status did not change. force
// refreshes every heartbeat time.
func (k *Kubelet) fillNodeStatus(ctx context.Context, node *corev1.Node, force bool) {
	capacity := k.machineCapacity()
	node.Status.Capacity = capacity
	node.Status.Allocatable = allocatable(capacity, k.cfg.Reserved)
	node.Status.Addresses = append([]corev1.NodeAddress(nil), k.cfg.Addresses...)
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(k.port)
	info := &node.Status.NodeInfo
	*info = hostInfo()
	info.KubeletVersion = k.cfg.KubeletVersion
	info.OperatingSystem = runtime.GOOS
	info.Architecture = runtime.GOARCH
	if v, err := k.cfg.Runtime.Version(ctx); err == nil {
		info.ContainerRuntimeVersion = v.RuntimeName + "://" + v.RuntimeVersion
	}
	now := metav1.NewTime(k.clock.Now())
	for _, want := range k.nodeConditions(ctx) {
		setNodeCondition(&node.Status, want, now)
	}
}

// nodeConditions measures the node's conditions (without times).
func (k *Kubelet) nodeConditions(ctx context.Context) []corev1.NodeCondition {
	ready := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
		Reason: "KubeletReady", Message: "kubelet is posting ready status"}
	st, err := k.cfg.Runtime.Status(ctx)
	switch {
	case err != nil:
		ready.Status, ready.Reason, ready.Message = corev1.ConditionFalse, "KubeletNotReady", "container runtime status check failed: "+err.Error()
	case !st.Ready:
		ready.Status, ready.Reason = corev1.ConditionFalse, "KubeletNotReady"
		ready.Message = fmt.Sprintf("container runtime not ready: %s: %s", st.Reason, st.Message)
	}
	if ready.Status == corev1.ConditionTrue && k.cfg.NetworkPlugin != nil {
		if err := k.cfg.NetworkPlugin.Status(ctx); err != nil {
			ready.Status, ready.Reason = corev1.ConditionFalse, "KubeletNotReady"
			ready.Message = "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:" + err.Error()
		}
	}
	mem := corev1.NodeCondition{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse,
		Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"}
	if avail := memAvailable(); avail > 0 && avail < memoryPressureBytes {
		mem.Status, mem.Reason, mem.Message = corev1.ConditionTrue, "KubeletHasInsufficientMemory", "kubelet has insufficient memory available"
	}
	disk := corev1.NodeCondition{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse,
		Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"}
	if total, free := fsSpace(k.cfg.RootDir); total > 0 && free*100 < total*diskPressurePercent {
		disk.Status, disk.Reason, disk.Message = corev1.ConditionTrue, "KubeletHasDiskPressure", "kubelet has disk pressure"
	}
	pid := corev1.NodeCondition{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse,
		Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"}
	if hs := hostStats(); hs.pidMax > 0 && (hs.pidMax-hs.pidUsed)*100 < hs.pidMax*pidPressurePercent {
		pid.Status, pid.Reason, pid.Message = corev1.ConditionTrue, "KubeletHasInsufficientPID", "kubelet has insufficient PID available"
	}
	return []corev1.NodeCondition{mem, disk, pid, ready}
}

// setNodeCondition sets want in status, with heartbeat now, keeping the
// transition time when the status did not change. It reports whether
// anything but the heartbeat changed.
func setNodeCondition(status *corev1.NodeStatus, want corev1.NodeCondition, now metav1.Time) bool {
	for i := range status.Conditions {
		c := &status.Conditions[i]
		if c.Type != want.Type {
			continue
		}
		changed := c.Status != want.Status || c.Reason != want.Reason || c.Message != want.Message
		if c.Status != want.Status {
			c.LastTransitionTime = now
		}
		c.Status, c.Reason, c.Message, c.LastHeartbeatTime = want.Status, want.Reason, want.Message, now
		return changed
	}
	want.LastHeartbeatTime, want.LastTransitionTime = now, now
	status.Conditions = append(status.Conditions, want)
	return true
}

// writeNodeStatus writes node's status (fresh from the runtime and the
// machine) through the status subresource. Unless force, it writes only
// when something other than heartbeat times changed.
func (k *Kubelet) writeNodeStatus(ctx context.Context, node *corev1.Node, force bool) error {
	for attempt := 0; ; attempt++ {
		upd := node.DeepCopy()
		before := node.Status.DeepCopy()
		k.fillNodeStatus(ctx, upd, force)
		if !force && nodeStatusEqual(before, &upd.Status) {
			return nil
		}
		_, err := k.nodes.UpdateStatus(ctx, upd, client.UpdateOptions{})
		if err == nil {
			return nil
		}
		if !client.IsConflict(err) || attempt >= 3 {
			return fmt.Errorf("update node status: %w", err)
		}
		if node, err = k.nodes.Get(ctx, k.cfg.NodeName, client.GetOptions{}); err != nil {
			return fmt.Errorf("get node: %w", err)
		}
	}
}

// nodeStatusEqual compares two statuses ignoring heartbeat times.
func nodeStatusEqual(a, b *corev1.NodeStatus) bool {
	a, b = a.DeepCopy(), b.DeepCopy()
	for i := range a.Conditions {
		a.Conditions[i].LastHeartbeatTime = metav1.Time{}
	}
	for i := range b.Conditions {
		b.Conditions[i].LastHeartbeatTime = metav1.Time{}
	}
	return jsonEqual(a, b)
}

// nodeStatusLoop checks node conditions every NodeStatusUpdateFrequency,
// writing them when they changed and at least every
// NodeStatusReportFrequency.
func (k *Kubelet) nodeStatusLoop(ctx context.Context) {
	lastReport := k.clock.Now()
	for {
		t := k.clock.NewTimer(k.cfg.NodeStatusUpdateFrequency)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
		force := k.clock.Now().Sub(lastReport) >= k.cfg.NodeStatusReportFrequency
		node, err := k.nodes.Get(ctx, k.cfg.NodeName, client.GetOptions{})
		if err == nil {
			err = k.writeNodeStatus(ctx, node, force)
		}
		if err != nil {
			if ctx.Err() == nil {
				k.log.Error(err, "node status")
			}
			continue
		}
		if force {
			lastReport = k.clock.Now()
		}
	}
}

// leaseLoop creates the node's Lease in kube-node-lease and renews it
// every LeaseRenewInterval.
func (k *Kubelet) leaseLoop(ctx context.Context) {
	leases, err := client.For[coordinationv1.Lease](k.cfg.Client)
	if err != nil {
		k.log.Error(err, "lease client")
		return
	}
	leases = leases.Namespace(NodeLeaseNamespace)
	for {
		if err := k.renewLease(ctx, leases); err != nil && ctx.Err() == nil {
			k.log.Error(err, "renew node lease")
		}
		t := k.clock.NewTimer(k.cfg.LeaseRenewInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
	}
}

func (k *Kubelet) renewLease(ctx context.Context, leases *client.Resource[coordinationv1.Lease]) error {
	now := metav1.NewMicroTime(k.clock.Now())
	holder := k.cfg.NodeName
	dur := int32(k.cfg.LeaseDuration / time.Second)
	cur, err := leases.Get(ctx, k.cfg.NodeName, client.GetOptions{})
	if client.IsNotFound(err) {
		if err := k.ensureNamespace(ctx, NodeLeaseNamespace); err != nil {
			return err
		}
		lease := &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName, Namespace: NodeLeaseNamespace},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &dur,
				AcquireTime: &now, RenewTime: &now},
		}
		if node, err := k.nodes.Get(ctx, k.cfg.NodeName, client.GetOptions{}); err == nil {
			lease.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}}
		}
		_, err = leases.Create(ctx, lease, client.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create lease: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("get lease: %w", err)
	}
	upd := cur.DeepCopy()
	upd.Spec.HolderIdentity, upd.Spec.LeaseDurationSeconds, upd.Spec.RenewTime = &holder, &dur, &now
	if _, err := leases.Update(ctx, upd, client.UpdateOptions{}); err != nil {
		return fmt.Errorf("update lease: %w", err)
	}
	return nil
}

// ensureNamespace creates namespace ns if it does not exist.
func (k *Kubelet) ensureNamespace(ctx context.Context, ns string) error {
	nss, err := client.For[corev1.Namespace](k.cfg.Client)
	if err != nil {
		return err
	}
	_, err = nss.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, client.CreateOptions{})
	if err != nil && !client.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	return nil
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func osImage() string {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return runtime.GOOS
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return runtime.GOOS
}

// meminfo returns a /proc/meminfo field in bytes, or 0.
func meminfo(field string) int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			fs := strings.Fields(v)
			if len(fs) == 0 {
				return 0
			}
			n, err := strconv.ParseInt(fs[0], 10, 64)
			if err != nil {
				return 0
			}
			return n * 1024
		}
	}
	return 0
}

func memTotal() int64     { return hostStats().memTotal }
func memAvailable() int64 { return hostStats().memAvailable }

// hostSample is the machine's figures the node status needs. Many kubelets
// in one process (simulated nodes) share one sample, refreshed at most
// every hostSampleTTL of wall-clock time, so that they do not each scan
// /proc.
type hostSample struct {
	at                     time.Time
	memTotal, memAvailable int64
	memFree                int64
	pidMax, pidUsed        int64
}

const hostSampleTTL = 2 * time.Second

var (
	hostMu     sync.Mutex // guards hostCached
	hostCached hostSample
)

func hostStats() hostSample {
	hostMu.Lock()
	defer hostMu.Unlock()
	if !hostCached.at.IsZero() && time.Since(hostCached.at) < hostSampleTTL {
		return hostCached
	}
	s := hostSample{at: time.Now(), memTotal: meminfo("MemTotal"), memAvailable: meminfo("MemAvailable"), memFree: meminfo("MemFree")}
	s.pidMax, s.pidUsed = pidUsage()
	hostCached = s
	return s
}

// hostInfo is the machine's fixed identity, read once.
var hostInfo = sync.OnceValue(func() corev1.NodeSystemInfo {
	id := readTrim("/etc/machine-id")
	return corev1.NodeSystemInfo{
		KernelVersion: readTrim("/proc/sys/kernel/osrelease"),
		BootID:        readTrim("/proc/sys/kernel/random/boot_id"),
		MachineID:     id,
		SystemUUID:    id,
		OSImage:       osImage(),
	}
})

// fsSpace returns the total and available bytes of the filesystem at path.
func fsSpace(path string) (total, free int64) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, 0
	}
	return int64(st.Blocks) * int64(st.Bsize), int64(st.Bavail) * int64(st.Bsize)
}

func fsSize(path string) int64 { t, _ := fsSpace(path); return t }

// pidUsage returns pid_max and the number of processes.
func pidUsage() (max, used int64) {
	max, err := strconv.ParseInt(readTrim("/proc/sys/kernel/pid_max"), 10, 64)
	if err != nil {
		return 0, 0
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, 0
	}
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err == nil {
			used++
		}
	}
	return max, used
}
