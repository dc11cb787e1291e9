package process

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rigging-dev/rigging/kubelet"
)

// The controllers the runtime sets limits with.
var limitControllers = []string{"cpu", "memory", "pids"}

// cgroupHost is what the runtime found about the machine's cgroups.
type cgroupHost struct {
	v2Mount string          // cgroup2 mount point
	root    string          // the runtime's cgroup v2 parent (CgroupRoot)
	v2      map[string]bool // limit controllers usable in cgroup v2 under root
	v1      map[string]string
	// v1 maps a limit controller that is only in a cgroup v1 hierarchy to
	// the runtime's parent directory in that hierarchy.
	// v1Own maps the same controllers to the runtime process's own
	// cgroup directory in that hierarchy (where v1's directory was made,
	// and where a thread moved into a container's cgroup goes back).
	v1Own map[string]string

	// dirs are root and the directories of v1, held open so that the
	// cgroups below them are made, removed and opened by short relative
	// paths (see at). close empties it, then closes them.
	dirs atomic.Pointer[[]cgroupDir]
	// made are the directories among them that New created (not
	// adopted): Close removes them when they are empty.
	made []string
	// swapMax and memsw say whether memory.swap.max (cgroup v2) and
	// memory.memsw.limit_in_bytes (cgroup v1) exist: swap accounting is
	// a property of the host, checked once.
	swapMax, memsw bool
}

// cgroup is one cgroup of the runtime: its cgroup v2 directory, plus its
// directories in cgroup v1 hierarchies on hybrid hosts. A pod's V1 names
// its directory in a v1 pids hierarchy even while that does not exist:
// it is made with the first of the pod's containers that has a pids
// limit (see childPids), and removing a missing directory is fine.
type cgroup struct {
	V2 string            `json:"v2"`
	V1 map[string]string `json:"v1,omitempty"`
}

type mountEntry struct {
	root, point, fstype string
	opts                []string
}

func readMountinfo() ([]mountEntry, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	return parseMountinfo(data), nil
}

// parseMountinfo parses /proc/<pid>/mountinfo (proc(5)); malformed lines are
// skipped.
func parseMountinfo(data []byte) []mountEntry {
	var out []mountEntry
	for _, line := range strings.Split(string(data), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		f := strings.Fields(pre)
		g := strings.Fields(post)
		if len(f) < 5 || len(g) < 3 {
			continue
		}
		out = append(out, mountEntry{
			root: unescapeMount(f[3]), point: unescapeMount(f[4]), fstype: g[0],
			opts: strings.Split(g[2], ","),
		})
	}
	return out
}

func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// detectCgroups finds the cgroup2 mount and the controllers usable for
// limits, creates the runtime's parent cgroups and enables controllers on
// the way down to them.
func detectCgroups(cgroupRoot string) (*cgroupHost, error) {
	mounts, err := readMountinfo()
	if err != nil {
		return nil, fmt.Errorf("process: read mountinfo: %w: %w", err, kubelet.ErrUnsupported)
	}
	selfCg, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("process: read /proc/self/cgroup: %w: %w", err, kubelet.ErrUnsupported)
	}
	h := &cgroupHost{v2: map[string]bool{}, v1: map[string]string{}, v1Own: map[string]string{}}
	v1Mounts := map[string]mountEntry{}
	for _, m := range mounts {
		switch m.fstype {
		case "cgroup2":
			if h.v2Mount == "" {
				h.v2Mount = m.point
			}
		case "cgroup":
			for _, o := range m.opts {
				for _, c := range limitControllers {
					if o == c {
						v1Mounts[c] = m
					}
				}
			}
		}
	}
	if h.v2Mount == "" {
		return nil, fmt.Errorf("process: no cgroup2 file system is mounted (see /proc/self/mountinfo): cgroup v2: %w", kubelet.ErrUnsupported)
	}
	if _, err := os.Stat(filepath.Join(h.v2Mount, "cgroup.procs")); err != nil {
		return nil, fmt.Errorf("process: cgroup2 mount %s: %w: %w", h.v2Mount, err, kubelet.ErrUnsupported)
	}
	if cgroupRoot == "" {
		cgroupRoot = filepath.Join(h.v2Mount, DefaultCgroupName)
	}
	rel, err := filepath.Rel(h.v2Mount, cgroupRoot)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return nil, fmt.Errorf("process: CgroupRoot %s is not below the cgroup2 mount %s: %w", cgroupRoot, h.v2Mount, kubelet.ErrInvalid)
	}
	h.root = cgroupRoot
	avail := readControllers(filepath.Join(h.v2Mount, "cgroup.controllers"))
	var made []string // directories made here, outermost first
	// Enable the limit controllers from the mount down to the root's
	// parent, then create the root and enable them there too.
	dir := h.v2Mount
	usable := map[string]bool{}
	for _, c := range limitControllers {
		usable[c] = avail[c]
	}
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		enableControllers(dir, usable)
		dir = filepath.Join(dir, part)
		if err := os.Mkdir(dir, 0o755); err == nil {
			made = append(made, dir)
		} else if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("process: create cgroup %s: %w", dir, err)
		}
		got := readControllers(filepath.Join(dir, "cgroup.controllers"))
		for c := range usable {
			usable[c] = usable[c] && got[c]
		}
	}
	enableControllers(h.root, usable)
	for c, ok := range usable {
		if ok {
			h.v2[c] = true
		}
	}
	// Controllers missing from cgroup v2 but mounted as cgroup v1: a
	// parallel tree under the runtime's own cgroup in that hierarchy.
	for _, c := range limitControllers {
		if h.v2[c] {
			continue
		}
		m, ok := v1Mounts[c]
		if !ok {
			continue
		}
		own := ownV1Path(selfCg, c)
		if own == "" {
			continue
		}
		if m.root != "/" {
			own = strings.TrimPrefix(own, m.root)
		}
		d := filepath.Join(m.point, own, rel)
		_, statErr := os.Stat(d)
		if err := os.MkdirAll(d, 0o755); err != nil {
			continue
		}
		if statErr != nil {
			made = append(made, d)
		}
		h.v1[c] = d
		h.v1Own[c] = filepath.Join(m.point, own)
	}
	// Only the runtime's own directory of each hierarchy is removed by
	// Close; parents made on the way to it stay.
	for _, d := range made {
		if d == h.root || slices.Contains(slices.Collect(maps.Values(h.v1)), d) {
			h.made = append(h.made, d)
		}
	}
	var dirs []cgroupDir
	for _, d := range append([]string{h.root}, slices.Sorted(maps.Values(h.v1))...) {
		if cd, err := openCgroupDir(d); err == nil {
			dirs = append(dirs, cd)
		}
	}
	h.dirs.Store(&dirs)
	if h.v2["memory"] {
		_, err := os.Stat(filepath.Join(h.root, "memory.swap.max"))
		h.swapMax = err == nil
	} else if d := h.v1["memory"]; d != "" {
		_, err := os.Stat(filepath.Join(d, "memory.memsw.limit_in_bytes"))
		h.memsw = err == nil
	}
	return h, nil
}

// close closes the held root directories and removes those New made,
// when they hold no cgroup (rmdir fails on one that does).
func (h *cgroupHost) close() error {
	if dirs := h.dirs.Swap(nil); dirs != nil {
		for _, d := range *dirs {
			unix.Close(d.fd)
		}
	}
	var errs []error
	for _, d := range h.made {
		if err := unix.Rmdir(d); err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EBUSY) && !errors.Is(err, unix.ENOTEMPTY) {
			errs = append(errs, fmt.Errorf("remove cgroup %s: %w", d, err))
		}
	}
	h.made = nil
	return errors.Join(errs...)
}

// ownV1Path returns this process's cgroup path in the v1 hierarchy that holds
// controller c, from /proc/self/cgroup's content.
func ownV1Path(selfCg []byte, c string) string {
	for _, line := range strings.Split(string(selfCg), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 || f[0] == "0" {
			continue
		}
		for _, x := range strings.Split(f[1], ",") {
			if x == c {
				return f[2]
			}
		}
	}
	return ""
}

func readControllers(path string) map[string]bool {
	data, _ := os.ReadFile(path)
	out := map[string]bool{}
	for _, c := range strings.Fields(string(data)) {
		out[c] = true
	}
	return out
}

func enableControllers(dir string, ctrls map[string]bool) {
	want := false
	for _, ok := range ctrls {
		want = want || ok
	}
	if !want {
		return
	}
	enabled := readControllers(filepath.Join(dir, "cgroup.subtree_control"))
	for c, ok := range ctrls {
		if ok && !enabled[c] {
			// Best effort: a failure shows up as the controller's files
			// missing below, which the caller checks.
			_ = os.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+"+c), 0)
		}
	}
}

// rootCgroup is the runtime's parent cgroup.
func (h *cgroupHost) rootCgroup() cgroup {
	cg := cgroup{V2: h.root, V1: map[string]string{}}
	for c, d := range h.v1 {
		cg.V1[c] = d
	}
	return cg
}

// Flags of cgroupHost.child.
const (
	// childParent: the cgroup will hold child cgroups, whose controllers
	// are then enabled in it.
	childParent = 1 << iota
	// childNew: fail with an error wrapping os.ErrExist when the cgroup
	// (its cgroup v2 directory) exists, instead of adopting it.
	childNew
	// childPids: make the cgroup's directory in a cgroup v1 pids
	// hierarchy too (a container with a pids limit), and its parents
	// there when missing. Without it a leaf cgroup has none (its
	// processes stay in the runtime's own v1 pids cgroup), and a parent
	// (childParent) only records where its directory goes.
	childPids
)

// onDemandV1 is the cgroup v1 controller whose directories are only
// made for the containers that set a limit with it (childPids): nothing
// else reads its files, and each directory costs a mkdir, an rmdir and
// two moves of the launching thread per container.
const onDemandV1 = "pids"

// child creates (or adopts, when it exists) the cgroup rel below parent,
// and its directories in parent's cgroup v1 hierarchies.
func (h *cgroupHost) child(parent cgroup, rel string, flags int) (cgroup, error) {
	cg := cgroup{V2: filepath.Join(parent.V2, rel), V1: map[string]string{}}
	// Intermediate directories (a CgroupParent path) hold children too.
	dir := parent.V2
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		dir = filepath.Join(dir, p)
		last := i == len(parts)-1
		err := h.mkdir(dir)
		if i == 0 && errors.Is(err, os.ErrNotExist) && parent.V2 == h.root {
			// The root went (another runtime's Close removed it when
			// it was empty): make it again.
			if err = os.MkdirAll(h.root, 0o755); err == nil {
				enableControllers(h.root, h.v2)
				err = h.mkdir(dir)
			}
		}
		if err != nil && (!errors.Is(err, os.ErrExist) || last && flags&childNew != 0) {
			return cgroup{}, fmt.Errorf("create cgroup %s: %w", dir, err)
		}
		if !last || flags&childParent != 0 {
			enableControllers(dir, h.v2)
		}
	}
	for c, d := range parent.V1 {
		cd := filepath.Join(d, rel)
		if c == onDemandV1 && flags&childPids == 0 {
			if flags&childParent != 0 {
				cg.V1[c] = cd
			}
			continue
		}
		// Mostly the parent exists: one mkdir, not MkdirAll's stats.
		err := h.mkdir(cd)
		if errors.Is(err, os.ErrNotExist) {
			err = os.MkdirAll(cd, 0o755)
		}
		if err != nil && !errors.Is(err, os.ErrExist) {
			return cgroup{}, fmt.Errorf("create cgroup %s: %w", cd, err)
		}
		cg.V1[c] = cd
	}
	return cg, nil
}

// controllerDir returns the directory whose files control c, or "".
func (h *cgroupHost) controllerDir(cg cgroup, c string) string {
	if h.v2[c] {
		return cg.V2
	}
	return cg.V1[c]
}

// cpuWeight converts Kubernetes' CPU shares (2..262144) to cgroup v2's
// cpu.weight (1..10000), as the kubelet and runc do.
func cpuWeight(shares int64) int64 {
	if shares <= 0 {
		return 0
	}
	shares = min(max(shares, 2), 262144)
	return 1 + ((shares-2)*9999)/262142
}

// setResources writes a container's limits into its cgroup.
func (h *cgroupHost) setResources(cg cgroup, r kubelet.LinuxContainerResources) error {
	type write struct{ ctrl, file, value string }
	var ws []write
	if r.CPUQuota > 0 || r.CPUShares > 0 {
		period := r.CPUPeriod
		if period <= 0 {
			period = 100000
		}
		if h.v2["cpu"] {
			if r.CPUQuota > 0 {
				ws = append(ws, write{"cpu", "cpu.max", fmt.Sprintf("%d %d", r.CPUQuota, period)})
			}
			if r.CPUShares > 0 {
				ws = append(ws, write{"cpu", "cpu.weight", strconv.FormatInt(cpuWeight(r.CPUShares), 10)})
			}
		} else {
			if r.CPUQuota > 0 {
				ws = append(ws, write{"cpu", "cpu.cfs_period_us", strconv.FormatInt(period, 10)},
					write{"cpu", "cpu.cfs_quota_us", strconv.FormatInt(r.CPUQuota, 10)})
			}
			if r.CPUShares > 0 {
				ws = append(ws, write{"cpu", "cpu.shares", strconv.FormatInt(min(max(r.CPUShares, 2), 262144), 10)})
			}
		}
	}
	if r.MemoryLimitInBytes > 0 {
		v := strconv.FormatInt(r.MemoryLimitInBytes, 10)
		if h.v2["memory"] {
			ws = append(ws, write{"memory", "memory.max", v})
			if h.swapMax {
				ws = append(ws, write{"memory", "memory.swap.max", "0"})
			}
		} else {
			ws = append(ws, write{"memory", "memory.limit_in_bytes", v})
			if cg.V1["memory"] != "" && h.memsw {
				ws = append(ws, write{"memory", "memory.memsw.limit_in_bytes", v})
			}
		}
	}
	if r.PidsLimit > 0 {
		ws = append(ws, write{"pids", "pids.max", strconv.FormatInt(r.PidsLimit, 10)})
	}
	for _, w := range ws {
		dir := h.controllerDir(cg, w.ctrl)
		if dir == "" {
			return fmt.Errorf("set %s: the %s cgroup controller is not available on this host: %w", w.file, w.ctrl, kubelet.ErrUnsupported)
		}
		if err := h.writeFile(filepath.Join(dir, w.file), w.value); err != nil {
			return fmt.Errorf("set %s to %q in %s: %w", w.file, w.value, dir, err)
		}
	}
	return nil
}

// readKeyed reads a "key value" per line file (cpu.stat, memory.stat, ...).
func readKeyed(path string) (map[string]uint64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]uint64{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		if v, err := strconv.ParseUint(f[1], 10, 64); err == nil {
			out[f[0]] = v
		}
	}
	return out, nil
}

func readUint(path string) (uint64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(data)), 10, 64)
}

// oomKills returns how many processes of the cgroup the OOM killer killed.
func (h *cgroupHost) oomKills(cg cgroup) uint64 {
	var path string
	switch {
	case h.v2["memory"]:
		path = filepath.Join(cg.V2, "memory.events")
	case cg.V1["memory"] != "":
		path = filepath.Join(cg.V1["memory"], "memory.oom_control")
	default:
		return 0
	}
	fd, err := h.openFile(path, unix.O_RDONLY)
	if err != nil {
		return 0
	}
	defer unix.Close(fd)
	var buf [512]byte
	data, err := readSmall(fd, path, buf[:])
	if err != nil {
		return 0
	}
	n, _ := keyedValue(data, "oom_kill")
	return n
}

// usage reads CPU time (ns), memory usage and working set.
func (h *cgroupHost) usage(cg cgroup) (cpuNs, memUsage, workingSet uint64, err error) {
	cpu, err := readKeyed(filepath.Join(cg.V2, "cpu.stat"))
	if err != nil {
		return 0, 0, 0, fmt.Errorf("read cpu.stat: %w", err)
	}
	cpuNs = cpu["usage_usec"] * 1000
	var stat map[string]uint64
	if h.v2["memory"] {
		if memUsage, err = readUint(filepath.Join(cg.V2, "memory.current")); err != nil {
			return 0, 0, 0, fmt.Errorf("read memory.current: %w", err)
		}
		stat, _ = readKeyed(filepath.Join(cg.V2, "memory.stat"))
		inactive := stat["inactive_file"]
		workingSet = memUsage - min(inactive, memUsage)
	} else if d := cg.V1["memory"]; d != "" {
		if memUsage, err = readUint(filepath.Join(d, "memory.usage_in_bytes")); err != nil {
			return 0, 0, 0, fmt.Errorf("read memory.usage_in_bytes: %w", err)
		}
		stat, _ = readKeyed(filepath.Join(d, "memory.stat"))
		inactive := stat["total_inactive_file"]
		workingSet = memUsage - min(inactive, memUsage)
	}
	return cpuNs, memUsage, workingSet, nil
}

// populated reports whether any process is in the cgroup or below it.
func (h *cgroupHost) populated(cg cgroup) (bool, error) {
	ev, err := h.openEvents(cg)
	if ev == nil || err != nil {
		return false, err
	}
	defer ev.close()
	return ev.populated()
}

// cgroupEvents is a cgroup's cgroup.events file, open: reading it says
// whether the cgroup is populated, and poll(2) says when that changed.
type cgroupEvents struct {
	fd   int
	path string
}

// openEvents opens cg's cgroup.events; nil (and no error) when the
// cgroup is gone.
func (h *cgroupHost) openEvents(cg cgroup) (*cgroupEvents, error) {
	path := filepath.Join(cg.V2, "cgroup.events")
	fd, err := h.openFile(path, unix.O_RDONLY)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &cgroupEvents{fd: fd, path: path}, nil
}

func (e *cgroupEvents) close() { unix.Close(e.fd) }

// populated reads the file. Reading also arms poll(2): it reports
// POLLPRI once the file changed after the last read.
func (e *cgroupEvents) populated() (bool, error) {
	var buf [128]byte
	data, err := readSmall(e.fd, e.path, buf[:])
	if errors.Is(err, unix.ENODEV) || errors.Is(err, unix.ENOENT) {
		return false, nil // removed while open
	}
	if err != nil {
		return false, err
	}
	n, _ := keyedValue(data, "populated")
	return n == 1, nil
}

// kill sends SIGKILL to every process in the cgroup and below
// (cgroup.kill) and waits up to timeout until none is left.
func (h *cgroupHost) kill(cg cgroup, timeout time.Duration) error {
	ev, err := h.openEvents(cg)
	if ev == nil || err != nil {
		return err
	}
	defer ev.close()
	if p, err := ev.populated(); err != nil || !p {
		return err
	}
	if err := h.writeFile(filepath.Join(cg.V2, "cgroup.kill"), "1"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("write %s/cgroup.kill: %w", cg.V2, err)
	}
	return ev.waitEmpty(cg, timeout)
}

// waitEmpty waits until the cgroup has no process, up to timeout: it
// sleeps in poll(2) until cgroup.events changes (the kernel notifies
// at most every 10 ms per file), looking again at least every 20 ms in
// case a change was missed.
func (e *cgroupEvents) waitEmpty(cg cgroup, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		p, err := e.populated()
		if err != nil || !p {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return fmt.Errorf("cgroup %s still has processes after %v", cg.V2, timeout)
		}
		wait := min(left, 20*time.Millisecond)
		fds := []unix.PollFd{{Fd: int32(e.fd), Events: unix.POLLPRI}}
		if _, err := unix.Poll(fds, int(wait.Milliseconds())+1); err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("wait for cgroup %s to empty: %w", cg.V2, err)
		}
	}
}

// remove deletes the cgroup (it must hold no process) and its
// directories in cgroup v1 hierarchies. Missing directories are fine.
// Only directories below the runtime's own are removed.
func (h *cgroupHost) remove(cg cgroup) error {
	var errs []error
	dirs := []string{cg.V2}
	for _, d := range cg.V1 {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if err := h.rmdirRetry(d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// rmdirRetry removes a cgroup directory and its child cgroups, retrying
// briefly on EBUSY (a dying process can hold a cgroup for a moment).
func (h *cgroupHost) rmdirRetry(dir string) error {
	// Mostly there are no child cgroups: try the rmdir before listing.
	err := h.rmdir(dir)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	if !errors.Is(err, unix.ENOTEMPTY) && !errors.Is(err, unix.EEXIST) && !errors.Is(err, unix.EBUSY) {
		return fmt.Errorf("remove cgroup %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := h.rmdirRetry(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	delay := 100 * time.Microsecond
	for {
		err := os.Remove(dir)
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("remove cgroup %s: %w", dir, err)
		}
		time.Sleep(delay)
		delay = min(2*delay, 20*time.Millisecond)
	}
}

// removeEmptyParents removes the cgroup parent rel (a CgroupParent path
// below the root) and its ancestors below the root, as far as they are
// empty; a parent still holding pods stays.
func (h *cgroupHost) removeEmptyParents(rel string) {
	root := h.rootCgroup()
	for rel != "." && rel != "/" && rel != "" {
		if os.Remove(filepath.Join(root.V2, rel)) != nil {
			return
		}
		for _, d := range root.V1 {
			_ = os.Remove(filepath.Join(d, rel))
		}
		rel = filepath.Dir(rel)
	}
}
