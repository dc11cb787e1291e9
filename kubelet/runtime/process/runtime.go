package process

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/sys/unix"

	"github.com/rigging-dev/rigging/kubelet"
)

// Name and Version are what Runtime.Version reports.
const (
	Name    = "process"
	Version = "0.1.0"
)

// helperTimeout bounds how long a helper may take to report.
const helperTimeout = 30 * time.Second

// launchTimeout is how long a helper may take: helperTimeout, or less when
// ctx ends sooner.
func launchTimeout(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return min(helperTimeout, time.Until(dl))
	}
	return helperTimeout
}

// killTimeout bounds how long the runtime waits for killed processes to
// leave their cgroup.
const killTimeout = 10 * time.Second

var _ kubelet.Runtime = (*Runtime)(nil)

// Runtime runs pods as Linux processes in namespaces and cgroups. Create it
// with New; all its methods may be called from any number of goroutines.
type Runtime struct {
	opts Options
	log  logr.Logger
	cg   *cgroupHost
	j    *journal // the state on disk
	// nsAnchor is the file that namespace files of pauseless sandboxes
	// are hard links of (see nsfiles.go).
	nsAnchor string
	// devNull is /dev/null, open for reading: the standard input of
	// every process the runtime starts.
	devNull *os.File
	// home is what threads that start processes in pods return to.
	home *threadHome

	// cgMu keeps removing empty cgroup parents (write lock) apart from
	// making pod cgroups (read lock: pods are made in parallel), so one
	// sandbox does not remove a parent another fills.
	cgMu sync.RWMutex

	mu         sync.Mutex // guards sandboxes and containers (the maps)
	sandboxes  map[string]*sandbox
	containers map[string]*container
}

// sandbox is a live sandbox.
type sandbox struct {
	opMu sync.Mutex // serialises Stop/Remove and container creation
	// v1Pids says that the pod's cgroup v1 pids directory (made with
	// the first container that has a pids limit, see childPids) may
	// exist: set by CreateContainer, or when an earlier runtime made the
	// sandbox. Otherwise RemovePodSandbox does not try to remove it.
	// Guarded by opMu.
	v1Pids bool

	mu    sync.Mutex // guards rec, pidfd, nsfds, live and removed
	rec   sandboxRecord
	pidfd int // pause process; -1 once it is gone (or there is none)
	// nsfds hold the network namespace at NetNSPath of a sandbox without
	// a pause process (rec.NoPause), for joining; its bound UTS and IPC
	// namespaces are opened by each join (see bindNamespaces). live is
	// set while the namespaces are there: from RunPodSandbox (or from
	// New, when it found them bound) until StopPodSandbox.
	nsfds []nsJoin
	live  bool
	// removed is set once RemovePodSandbox took it out.
	removed bool
}

// New checks that the machine can run pods (root, cgroup v2), creates the
// runtime's state directory and parent cgroup, and recovers the sandboxes
// and containers that an earlier runtime left in Options.RootDir. It
// returns an error wrapping kubelet.ErrUnsupported when the machine lacks
// something it needs, and kubelet.ErrInvalid for bad options.
func New(opts Options) (*Runtime, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	opts.setDefaults()
	if opts.Path == "" {
		opts.Path = os.Getenv("PATH")
		if opts.Path == "" {
			opts.Path = defaultPath
		}
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("process: the process runtime must run as root (euid %d): namespaces and cgroups: %w", os.Geteuid(), kubelet.ErrUnsupported)
	}
	if _, err := os.Stat("/proc/self/ns/pid"); err != nil {
		return nil, fmt.Errorf("process: namespaces: %w: %w", err, kubelet.ErrUnsupported)
	}
	if fd, err := unix.PidfdOpen(os.Getpid(), 0); err != nil {
		return nil, fmt.Errorf("process: pidfd_open (Linux 5.3 or later): %w: %w", err, kubelet.ErrUnsupported)
	} else {
		unix.Close(fd)
	}
	cg, err := detectCgroups(opts.CgroupRoot)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = cg.close()
		}
	}()
	if err := os.MkdirAll(opts.RootDir, 0o700); err != nil {
		return nil, fmt.Errorf("process: create RootDir: %w", err)
	}
	if err := makeNSDir(opts.RootDir); err != nil {
		return nil, fmt.Errorf("process: create namespace directory: %w", err)
	}
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, fmt.Errorf("process: %w", err)
	}
	reserveDescriptors(devNull, descriptorReserve)
	r := &Runtime{
		opts: opts, log: opts.Logger, cg: cg, devNull: devNull, home: newThreadHome(cg.v1Own),
		nsAnchor:  filepath.Join(opts.RootDir, "ns", nsAnchorName),
		sandboxes: map[string]*sandbox{}, containers: map[string]*container{},
	}
	if err := r.recover(); err != nil {
		devNull.Close()
		r.home.close()
		return nil, fmt.Errorf("process: recover state from %s: %w", opts.RootDir, err)
	}
	ok = true
	r.log.V(1).Info("process runtime ready", "rootDir", opts.RootDir, "cgroupRoot", cg.root,
		"cgroupV2Controllers", slices.Sorted(maps.Keys(cg.v2)), "cgroupV1Controllers", slices.Sorted(maps.Keys(cg.v1)))
	return r, nil
}

// recover opens the state journal and loads the sandboxes and containers
// it holds (after moving into it the state files of an earlier runtime
// version). Processes are matched by PID and start time, so a reused PID
// is not mistaken for ours.
func (r *Runtime) recover() error {
	j, st, err := openJournal(filepath.Join(r.opts.RootDir, journalName))
	if err != nil {
		return err
	}
	r.j = j
	if err := r.migrateLegacy(&st); err != nil {
		j.Close()
		return err
	}
	for _, rec := range st.sandboxes {
		s := &sandbox{rec: *rec, pidfd: -1, v1Pids: true}
		switch {
		case rec.Stopped:
		case rec.NoPause:
			// Ready again if its namespaces are still bound (they are
			// not after a reboot).
			s.nsfds, s.live = r.openSandboxNamespaces(rec)
		default:
			s.pidfd = openPidfd(rec.PausePID, rec.PauseStart)
		}
		r.sandboxes[rec.ID] = s
	}
	for _, rec := range st.containers {
		c := &container{sandboxID: rec.SandboxID, rec: *rec, pidfd: -1, done: make(chan struct{})}
		if rec.State == kubelet.ContainerRunning {
			c.pidfd = openPidfd(rec.PID, rec.PIDStart)
			c.recovered = true
		} else if rec.State == kubelet.ContainerExited {
			close(c.done)
		}
		r.containers[rec.ID] = c
	}
	for _, c := range r.containers {
		r.refresh(c)
	}
	return nil
}

// migrateLegacy moves the state files of an earlier runtime version
// (RootDir/sandboxes/<id>/state.json, RootDir/containers/<id>/state.json)
// into the journal and st, then removes them. A record the journal already
// holds is newer (a migration that was cut short): the file just goes.
// The namespace files of such a sandbox stay where they are
// (LegacyLayout).
func (r *Runtime) migrateLegacy(st *journalState) error {
	sbs, err := loadLegacyRecords[sandboxRecord](filepath.Join(r.opts.RootDir, "sandboxes"))
	if err != nil {
		return err
	}
	for _, rec := range sbs {
		if _, err := (&journalEntry{Sandbox: rec}).key(); err != nil {
			return fmt.Errorf("%s: %w: %w", filepath.Join(r.sandboxDir(rec.ID), legacyStateName), err, ErrCorruptState)
		}
		if _, ok := st.sandboxes[rec.ID]; !ok {
			rec.LegacyLayout = true
			if err := r.j.putSandbox(rec); err != nil {
				return err
			}
			st.sandboxes[rec.ID] = rec
		}
		if err := os.Remove(filepath.Join(r.sandboxDir(rec.ID), legacyStateName)); err != nil {
			return fmt.Errorf("migrate legacy state: %w", err)
		}
		_ = os.Remove(r.sandboxDir(rec.ID)) // unless namespace files are in it
	}
	ctrs, err := loadLegacyRecords[containerRecord](filepath.Join(r.opts.RootDir, "containers"))
	if err != nil {
		return err
	}
	for _, rec := range ctrs {
		if _, err := (&journalEntry{Container: rec}).key(); err != nil {
			return fmt.Errorf("%s: %w: %w", filepath.Join(r.containerDir(rec.ID), legacyStateName), err, ErrCorruptState)
		}
		if _, ok := st.containers[rec.ID]; !ok {
			if err := r.j.putContainer(rec); err != nil {
				return err
			}
			st.containers[rec.ID] = rec
		}
		if err := os.Remove(filepath.Join(r.containerDir(rec.ID), legacyStateName)); err != nil {
			return fmt.Errorf("migrate legacy state: %w", err)
		}
		_ = os.Remove(r.containerDir(rec.ID)) // unless its log is in it
	}
	return nil
}

// Close closes the runtime's state journal and the cgroup directories it
// holds open, and removes the cgroup root directories that New created
// (CgroupRoot and its cgroup v1 counterparts; not ones that existed
// before) when no cgroup is left in them. Sandboxes and containers are
// not stopped: they live until RemovePodSandbox, and a runtime made again
// on the same RootDir finds them. The Runtime must not be used during or
// after Close; a container that exits afterwards is not recorded.
func (r *Runtime) Close() error {
	r.cgMu.Lock()
	defer r.cgMu.Unlock()
	r.home.close()
	return errors.Join(r.j.Close(), r.cg.close(), r.devNull.Close())
}

// Version reports Name and Version.
func (r *Runtime) Version(ctx context.Context) (kubelet.RuntimeVersion, error) {
	return kubelet.RuntimeVersion{RuntimeName: Name, RuntimeVersion: Version}, nil
}

// Status reports the runtime ready when its cgroup root is still there.
func (r *Runtime) Status(ctx context.Context) (kubelet.RuntimeStatus, error) {
	if _, err := os.Stat(filepath.Join(r.cg.root, "cgroup.procs")); err != nil {
		return kubelet.RuntimeStatus{Reason: "CgroupMissing", Message: err.Error()}, nil
	}
	return kubelet.RuntimeStatus{Ready: true}, nil
}

var (
	uidRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)
	hostnameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})?$`)
)

func validateSandboxConfig(c *kubelet.PodSandboxConfig) error {
	if c == nil {
		return fmt.Errorf("sandbox config is nil: %w", kubelet.ErrInvalid)
	}
	if c.Metadata.Name == "" {
		return fmt.Errorf("sandbox config: metadata.name is empty: %w", kubelet.ErrInvalid)
	}
	if !uidRE.MatchString(c.Metadata.UID) {
		return fmt.Errorf("sandbox config: metadata.uid %q must be 1 to 128 letters, digits, '-', '_' or '.': %w", c.Metadata.UID, kubelet.ErrInvalid)
	}
	if c.Hostname != "" && !hostnameRE.MatchString(c.Hostname) {
		return fmt.Errorf("sandbox config: hostname %q is not a valid host name of at most 64 characters: %w", c.Hostname, kubelet.ErrInvalid)
	}
	if c.LogDirectory != "" && !filepath.IsAbs(c.LogDirectory) {
		return fmt.Errorf("sandbox config: logDirectory %q is not absolute: %w", c.LogDirectory, kubelet.ErrInvalid)
	}
	if p := c.Linux.CgroupParent; p != "" {
		if filepath.IsAbs(p) || filepath.Clean(p) != p || p == ".." || len(p) > 2 && p[:3] == "../" {
			return fmt.Errorf("sandbox config: cgroupParent %q must be a clean relative path inside the runtime's cgroup root: %w", p, kubelet.ErrInvalid)
		}
	}
	ns := c.Linux.Namespaces
	if ns.Network < kubelet.NamespaceModePod || ns.Network > kubelet.NamespaceModeNode {
		return fmt.Errorf("sandbox config: network namespace mode %d is not Pod or Node: %w", ns.Network, kubelet.ErrInvalid)
	}
	if ns.IPC < kubelet.NamespaceModePod || ns.IPC > kubelet.NamespaceModeNode {
		return fmt.Errorf("sandbox config: IPC namespace mode %d is not Pod or Node: %w", ns.IPC, kubelet.ErrInvalid)
	}
	if ns.PID < kubelet.NamespaceModePod || ns.PID > kubelet.NamespaceModeContainer {
		return fmt.Errorf("sandbox config: PID namespace mode %d is unknown: %w", ns.PID, kubelet.ErrInvalid)
	}
	if ns.Network == kubelet.NamespaceModePod && ns.NetNSPath != "" {
		if !filepath.IsAbs(ns.NetNSPath) {
			return fmt.Errorf("sandbox config: netNSPath %q is not absolute: %w", ns.NetNSPath, kubelet.ErrInvalid)
		}
	}
	for k := range c.Linux.Sysctls {
		if k == "" || filepath.Clean("/"+k) != "/"+k || filepath.Base(k) == ".." {
			return fmt.Errorf("sandbox config: sysctl name %q is malformed: %w", k, kubelet.ErrInvalid)
		}
	}
	return nil
}

// RunPodSandbox creates the pod's cgroup (CgroupRoot[/CgroupParent]/pod<uid>)
// and the pod's namespaces: fresh UTS (hostname set) and IPC namespaces,
// the network namespace at NetNSPath (or the host's), and, for PID mode
// Pod, a fresh PID namespace whose init is the pod's pause process. With
// PID mode Container or Node no process is needed: the UTS and IPC
// namespaces are bound on files in the sandbox's state directory instead
// (see the package documentation).
func (r *Runtime) RunPodSandbox(ctx context.Context, config *kubelet.PodSandboxConfig) (string, error) {
	if err := validateSandboxConfig(config); err != nil {
		return "", err
	}
	cfg := cloneSandboxConfig(config)
	id := newID()
	ns := cfg.Linux.Namespaces
	rec := sandboxRecord{ID: id, Config: cfg, CreatedAt: time.Now(), NoPause: ns.PID != kubelet.NamespaceModePod}
	ok := false
	var nsfds []nsJoin // a pauseless sandbox's namespaces, kept on success
	defer func() {
		if !ok {
			closeJoins(nsfds)
			if rec.Cgroup.V2 != "" {
				_ = r.cg.kill(rec.Cgroup, killTimeout)
				_ = r.cg.remove(rec.Cgroup)
			}
			if rec.NoPause {
				_ = unbindNamespaces(r.nsFiles(&rec)...)
			}
		}
	}()
	if cfg.LogDirectory != "" {
		if err := os.MkdirAll(cfg.LogDirectory, 0o755); err != nil {
			return "", fmt.Errorf("run sandbox %s/%s: create log directory: %w", cfg.Metadata.Namespace, cfg.Metadata.Name, err)
		}
	}
	name := "pod" + cfg.Metadata.UID
	if cfg.Metadata.Attempt > 0 {
		name = fmt.Sprintf("pod%s-%d", cfg.Metadata.UID, cfg.Metadata.Attempt)
	}
	if cfg.Linux.CgroupParent != "" {
		name = filepath.Join(cfg.Linux.CgroupParent, name)
	}
	var err error
	r.cgMu.RLock()
	// A cgroup of that name left by someone else is not adopted: the
	// sandbox's ID tells it apart.
	rec.Cgroup, err = r.cg.child(r.cg.rootCgroup(), name, childNew|childParent)
	if errors.Is(err, os.ErrExist) {
		rec.Cgroup, err = r.cg.child(r.cg.rootCgroup(), name+"-"+id[:8], childParent)
	}
	r.cgMu.RUnlock()
	if err != nil {
		return "", fmt.Errorf("run sandbox %s/%s: %w", cfg.Metadata.Namespace, cfg.Metadata.Name, err)
	}
	var flags uintptr
	pc := pauseConfig{Sysctls: cfg.Linux.Sysctls}
	if ns.Network == kubelet.NamespaceModePod {
		flags |= unix.CLONE_NEWUTS
		pc.Hostname = cfg.Hostname
		if pc.Hostname == "" {
			pc.Hostname = cfg.Metadata.Name
			if !hostnameRE.MatchString(pc.Hostname) {
				pc.Hostname = ""
			}
		}
	}
	if ns.IPC == kubelet.NamespaceModePod {
		flags |= unix.CLONE_NEWIPC
	}
	if ns.PID == kubelet.NamespaceModePod {
		flags |= unix.CLONE_NEWPID
	}
	netFD := -1
	if ns.Network == kubelet.NamespaceModePod && ns.NetNSPath != "" {
		fd, err := unix.Open(ns.NetNSPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return "", fmt.Errorf("run sandbox %s/%s: open network namespace: %w: %w", cfg.Metadata.Namespace, cfg.Metadata.Name, err, kubelet.ErrInvalid)
		}
		netFD = fd
		rec.IPs = netnsIPs(r.home, fd)
	}
	pidfd := -1
	if rec.NoPause {
		if netFD >= 0 {
			// Held by the sandbox, for its containers to join.
			nsfds = append(nsfds, nsJoin{fd: netFD, flags: unix.CLONE_NEWNET})
		}
		file := func(name string) string { return r.nsFile(&rec, name) }
		if err := bindNamespaces(r.home, file, r.nsAnchor, int(flags), netFD, pc.Hostname, pc.Sysctls); err != nil {
			return "", fmt.Errorf("run sandbox %s/%s: make namespaces: %w", cfg.Metadata.Namespace, cfg.Metadata.Name, err)
		}
	} else {
		if pidfd, err = r.startPause(ctx, &rec, pc, flags, netFD); err != nil {
			return "", fmt.Errorf("run sandbox %s/%s: %w", cfg.Metadata.Namespace, cfg.Metadata.Name, err)
		}
	}
	if err := r.j.putSandbox(&rec); err != nil {
		if pidfd >= 0 {
			_ = unix.PidfdSendSignal(pidfd, unix.SIGKILL, nil, 0)
			unix.Close(pidfd)
		}
		return "", fmt.Errorf("run sandbox %s/%s: %w", cfg.Metadata.Namespace, cfg.Metadata.Name, err)
	}
	ok = true
	r.mu.Lock()
	r.sandboxes[id] = &sandbox{rec: rec, pidfd: pidfd, nsfds: nsfds, live: rec.NoPause}
	r.mu.Unlock()
	r.log.V(1).Info("sandbox running", "sandbox", id, "pod", cfg.Metadata.Namespace+"/"+cfg.Metadata.Name, "pausePid", rec.PausePID)
	return id, nil
}

// startPause starts the sandbox's pause process in its leaf cgroup
// "sandbox", in new namespaces (flags) and the network namespace netFD
// (when >= 0), records it in rec and returns its pidfd. It closes netFD.
func (r *Runtime) startPause(ctx context.Context, rec *sandboxRecord, pc pauseConfig, flags uintptr, netFD int) (int, error) {
	var join []nsJoin
	if netFD >= 0 {
		defer unix.Close(netFD)
		join = append(join, nsJoin{fd: netFD, flags: unix.CLONE_NEWNET})
	}
	var err error
	// Only in cgroup v2: the pause process has no limits, and it does not
	// join the pod's cgroup v1 directories.
	if rec.PauseCg, err = r.cg.child(cgroup{V2: rec.Cgroup.V2}, "sandbox", 0); err != nil {
		return -1, err
	}
	cmd, err := launch(launchSpec{
		mode: helperPause, config: pc, join: join, cloneflags: flags,
		cgroupDir: rec.PauseCg.V2, cg: r.cg, home: r.home, stdin: r.devNull, setsid: true,
	}, launchTimeout(ctx))
	if err != nil {
		return -1, fmt.Errorf("start pause process: %w", err)
	}
	go func() { _ = waitCmd(cmd, nil) }() // reap; state is read through the pidfd
	rec.PausePID = cmd.Process.Pid
	rec.PauseStart, _ = procStart(rec.PausePID)
	pidfd, err := unix.PidfdOpen(rec.PausePID, 0)
	if err != nil {
		_ = cmd.Process.Kill()
		return -1, fmt.Errorf("pidfd of pause process: %w", err)
	}
	return pidfd, nil
}

// sandboxNSFlags returns the namespaces a pauseless sandbox binds.
func sandboxNSFlags(ns kubelet.NamespaceOptions) int {
	var flags int
	if ns.Network == kubelet.NamespaceModePod {
		flags |= unix.CLONE_NEWUTS
	}
	if ns.IPC == kubelet.NamespaceModePod {
		flags |= unix.CLONE_NEWIPC
	}
	return flags
}

// openSandboxNamespaces checks that the namespaces of a pauseless
// sandbox that an earlier runtime made are still there, and opens the one
// at NetNSPath to hold it (the bound ones are opened by each join). It
// reports false (holding nothing) when one is gone.
func (r *Runtime) openSandboxNamespaces(rec *sandboxRecord) ([]nsJoin, bool) {
	ns := rec.Config.Linux.Namespaces
	var out []nsJoin
	if ns.Network == kubelet.NamespaceModePod && ns.NetNSPath != "" {
		fd, err := openNamespace(ns.NetNSPath)
		if err != nil {
			return nil, false
		}
		out = append(out, nsJoin{fd: fd, flags: unix.CLONE_NEWNET})
	}
	bound, err := openNamespaces(func(name string) string { return r.nsFile(rec, name) }, sandboxNSFlags(ns))
	if err != nil {
		closeJoins(out)
		return nil, false
	}
	closeJoins(bound)
	return out, true
}

// netnsIPs lists the global unicast addresses in the network namespace
// fd, looked up from a thread borrowed from home.
func netnsIPs(home *threadHome, fd int) []string {
	var ips []string
	home.run(func() threadChange {
		moved := threadChange{ns: unix.CLONE_NEWNET}
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			return moved
		}
		addrs, _ := net.InterfaceAddrs()
		var v4, v6 []string
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok || !ipn.IP.IsGlobalUnicast() {
				continue
			}
			if ipn.IP.To4() != nil {
				v4 = append(v4, ipn.IP.String())
			} else {
				v6 = append(v6, ipn.IP.String())
			}
		}
		ips = append(v4, v6...)
		return moved
	})
	return ips
}

func (r *Runtime) getSandbox(id string) (*sandbox, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sandboxes[id]
	if !ok {
		return nil, fmt.Errorf("sandbox %q: %w", id, kubelet.ErrNotFound)
	}
	return s, nil
}

// ready reports whether the sandbox's pause process lives.
func (s *sandbox) ready() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readyLocked()
}

// readyLocked is ready with s.mu held.
func (s *sandbox) readyLocked() bool {
	if s.rec.Stopped {
		return false
	}
	if s.rec.NoPause {
		return s.live
	}
	return s.pidfd >= 0 && !pidfdExited(s.pidfd)
}

// sandboxContainers returns the containers of sandbox id.
func (r *Runtime) sandboxContainers(id string) []*container {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*container
	for _, c := range r.containers {
		if c.rec.SandboxID == id {
			out = append(out, c)
		}
	}
	return out
}

// StopPodSandbox kills every container of the sandbox at once, then its
// pause process. It succeeds for an unknown ID.
func (r *Runtime) StopPodSandbox(ctx context.Context, sandboxID string) error {
	s, err := r.getSandbox(sandboxID)
	if errors.Is(err, kubelet.ErrNotFound) {
		return nil
	}
	s.opMu.Lock()
	defer s.opMu.Unlock()
	return r.stopSandbox(ctx, s)
}

func (r *Runtime) stopSandbox(ctx context.Context, s *sandbox) error {
	var errs []error
	for _, c := range r.sandboxContainers(s.rec.ID) {
		c.opMu.Lock()
		err := r.stopContainer(ctx, c, 0)
		c.opMu.Unlock()
		if err != nil {
			errs = append(errs, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pidfd >= 0 {
		_ = unix.PidfdSendSignal(s.pidfd, unix.SIGKILL, nil, 0)
		if err := waitPidfd(ctx, s.pidfd); err != nil {
			errs = append(errs, fmt.Errorf("stop sandbox %s: pause process: %w", s.rec.ID, err))
		}
		unix.Close(s.pidfd)
		s.pidfd = -1
	}
	if s.rec.NoPause {
		closeJoins(s.nsfds)
		s.nsfds, s.live = nil, false
		if err := unbindNamespaces(r.nsFiles(&s.rec)...); err != nil {
			errs = append(errs, fmt.Errorf("stop sandbox %s: %w", s.rec.ID, err))
		}
	}
	// Anything left in the pod's cgroup (exec'd strays) goes too.
	if err := r.cg.kill(s.rec.Cgroup, killTimeout); err != nil {
		errs = append(errs, fmt.Errorf("stop sandbox %s: %w", s.rec.ID, err))
	}
	if !s.rec.Stopped && !s.removed {
		s.rec.Stopped = true
		if err := r.j.putSandbox(&s.rec); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// waitPidfd waits until the process behind fd has exited.
func waitPidfd(ctx context.Context, fd int) error {
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 50)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return err
		}
		if n > 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// RemovePodSandbox stops the sandbox, removes its containers, its cgroups
// and its state. It succeeds for an unknown ID.
func (r *Runtime) RemovePodSandbox(ctx context.Context, sandboxID string) error {
	s, err := r.getSandbox(sandboxID)
	if errors.Is(err, kubelet.ErrNotFound) {
		return nil
	}
	s.opMu.Lock()
	defer s.opMu.Unlock()
	if err := r.stopSandbox(ctx, s); err != nil {
		return fmt.Errorf("remove sandbox %s: %w", sandboxID, err)
	}
	for _, c := range r.sandboxContainers(sandboxID) {
		if err := r.RemoveContainer(ctx, c.rec.ID); err != nil {
			return fmt.Errorf("remove sandbox %s: %w", sandboxID, err)
		}
	}
	cg := s.rec.Cgroup
	if !s.v1Pids && cg.V1[onDemandV1] != "" {
		cg.V1 = maps.Clone(cg.V1)
		delete(cg.V1, onDemandV1)
	}
	if err := r.cg.remove(cg); err != nil {
		return fmt.Errorf("remove sandbox %s: %w", sandboxID, err)
	}
	if p := s.rec.Config.Linux.CgroupParent; p != "" {
		r.cgMu.Lock()
		r.cg.removeEmptyParents(p)
		r.cgMu.Unlock()
	}
	// stopSandbox unbound the namespace files of a sandbox without a
	// pause process.
	if err := r.j.removeSandbox(sandboxID); err != nil {
		return fmt.Errorf("remove sandbox %s: %w", sandboxID, err)
	}
	if s.rec.LegacyLayout {
		if err := os.RemoveAll(r.sandboxDir(sandboxID)); err != nil {
			return fmt.Errorf("remove sandbox %s: %w", sandboxID, err)
		}
	}
	s.mu.Lock()
	s.removed = true
	s.mu.Unlock()
	r.mu.Lock()
	delete(r.sandboxes, sandboxID)
	r.mu.Unlock()
	r.log.V(1).Info("sandbox removed", "sandbox", sandboxID)
	return nil
}

// matches reports whether the sandbox has the ID id (if not empty) and
// the labels sel.
func (s *sandbox) matches(id string, sel map[string]string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return (id == "" || id == s.rec.ID) && labelsMatch(s.rec.Config.Labels, sel)
}

func (s *sandbox) status() *kubelet.PodSandboxStatus {
	ready := s.ready()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &kubelet.PodSandboxStatus{
		ID: s.rec.ID, Metadata: s.rec.Config.Metadata, State: kubelet.SandboxNotReady,
		CreatedAt: s.rec.CreatedAt, Labels: maps.Clone(s.rec.Config.Labels),
		Annotations: maps.Clone(s.rec.Config.Annotations),
	}
	if ready {
		st.State = kubelet.SandboxReady
	}
	if len(s.rec.IPs) > 0 {
		st.IP = s.rec.IPs[0]
		st.AdditionalIPs = slices.Clone(s.rec.IPs[1:])
	}
	return st
}

// PodSandboxStatus reports one sandbox: Ready while its pause process runs
// (without one: until it is stopped).
func (r *Runtime) PodSandboxStatus(ctx context.Context, sandboxID string) (*kubelet.PodSandboxStatus, error) {
	s, err := r.getSandbox(sandboxID)
	if err != nil {
		return nil, err
	}
	return s.status(), nil
}

// ListPodSandbox lists the sandboxes that match filter (nil: all), oldest
// first.
func (r *Runtime) ListPodSandbox(ctx context.Context, filter *kubelet.PodSandboxFilter) ([]*kubelet.PodSandboxStatus, error) {
	r.mu.Lock()
	all := slices.Collect(maps.Values(r.sandboxes))
	r.mu.Unlock()
	var out []*kubelet.PodSandboxStatus
	for _, s := range all {
		// Match ID and labels before status, which checks the pause
		// process and copies the labels: a kubelet starting many pods at
		// once lists with a pod's UID, and most sandboxes are not it.
		if filter != nil && !s.matches(filter.ID, filter.LabelSelector) {
			continue
		}
		st := s.status()
		if filter != nil && filter.State != nil && *filter.State != st.State {
			continue
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b *kubelet.PodSandboxStatus) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return compareStrings(a.ID, b.ID)
	})
	return out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func labelsMatch(labels, sel map[string]string) bool {
	for k, v := range sel {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func cloneSandboxConfig(c *kubelet.PodSandboxConfig) *kubelet.PodSandboxConfig {
	out := *c
	out.Labels = maps.Clone(c.Labels)
	out.Annotations = maps.Clone(c.Annotations)
	out.Linux.Sysctls = maps.Clone(c.Linux.Sysctls)
	return &out
}
