package process

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// helperEnv names the environment variable that turns a binary importing
// this package into one of the runtime's helpers (see init). The runtime
// re-executes its own binary (/proc/self/exe) with it set.
const helperEnv = "_RIGGING_PROCESS_HELPER"

const (
	helperPause = "pause" // keeps a sandbox's namespaces alive
	helperInit  = "init"  // prepares a container's mounts, then execs it
)

// The helper's file descriptors: its config (read to EOF) and a status
// pipe, closed on a successful exec and carrying an error message otherwise.
const (
	helperConfigFD = 3
	helperStatusFD = 4
)

// pauseConfig is the pause helper's input.
type pauseConfig struct {
	Hostname string            `json:"hostname,omitempty"`
	Sysctls  map[string]string `json:"sysctls,omitempty"`
}

// mountSpec is one bind mount of a container.
type mountSpec struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	Readonly bool   `json:"readonly,omitempty"`
}

// initConfig is the init helper's input: what to exec and how to prepare.
type initConfig struct {
	Argv   []string    `json:"argv"`
	Env    []string    `json:"env"`
	Dir    string      `json:"dir,omitempty"`
	Rootfs string      `json:"rootfs,omitempty"`
	Mounts []mountSpec `json:"mounts,omitempty"`
	// PrivateMounts is set when the helper runs in its own mount namespace
	// (it makes all mounts private before adding its own).
	PrivateMounts bool `json:"privateMounts,omitempty"`
}

func init() {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		return
	}
	switch mode {
	case helperPause:
		runPause()
	case helperInit:
		runInit()
	default:
		fmt.Fprintf(os.Stderr, "rigging process helper: unknown mode %q\n", mode)
		os.Exit(127)
	}
}

// helperFail reports err on the status pipe and exits.
func helperFail(status *os.File, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if status != nil {
		_, _ = status.WriteString(msg)
	} else {
		fmt.Fprintln(os.Stderr, msg)
	}
	os.Exit(127)
}

func readHelperConfig(v any) (*os.File, error) {
	status := os.NewFile(helperStatusFD, "status")
	cfg := os.NewFile(helperConfigFD, "config")
	data, err := io.ReadAll(cfg)
	cfg.Close()
	if err != nil {
		return status, fmt.Errorf("read config: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return status, fmt.Errorf("decode config: %w", err)
	}
	return status, nil
}

// runPause is the sandbox's pause process: it sets the hostname and
// sysctls in its fresh namespaces, reports readiness by closing the status
// pipe, then waits for SIGTERM, reaping orphans (it is PID 1 of the pod's
// PID namespace, when the pod has one).
func runPause() {
	var cfg pauseConfig
	status, err := readHelperConfig(&cfg)
	if err != nil {
		helperFail(status, "pause: %v", err)
	}
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	if cfg.Hostname != "" {
		if err := unix.Sethostname([]byte(cfg.Hostname)); err != nil {
			helperFail(status, "pause: set hostname %q: %v", cfg.Hostname, err)
		}
	}
	for k, v := range cfg.Sysctls {
		p := filepath.Join("/proc/sys", strings.ReplaceAll(k, ".", "/"))
		if err := os.WriteFile(p, []byte(v), 0); err != nil {
			helperFail(status, "pause: set sysctl %s=%s: %v", k, v, err)
		}
	}
	status.Close()
	for s := range sigs {
		if s == syscall.SIGCHLD {
			for {
				var ws unix.WaitStatus
				pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
			continue
		}
		os.Exit(0)
	}
}

// runInit prepares a container's process and execs it. It was started by
// the runtime already in the container's cgroups and in the pod's
// namespaces; it makes the bind mounts in its private mount namespace, chroots into the image's root filesystem,
// and execs the command. The status pipe is close-on-exec, so the runtime
// sees EOF exactly when exec succeeded.
func runInit() {
	var cfg initConfig
	status, err := readHelperConfig(&cfg)
	if err != nil {
		helperFail(status, "init: %v", err)
	}
	unix.CloseOnExec(helperStatusFD)
	if cfg.PrivateMounts {
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			helperFail(status, "make mounts private: %v", err)
		}
	}
	if cfg.Rootfs != "" {
		if err := mountRootfs(cfg.Rootfs); err != nil {
			helperFail(status, "prepare rootfs %s: %v", cfg.Rootfs, err)
		}
	}
	for _, m := range cfg.Mounts {
		if err := bindMount(cfg.Rootfs, m); err != nil {
			helperFail(status, "mount %s on %s: %v", m.Source, m.Target, err)
		}
	}
	if cfg.Rootfs != "" {
		if err := unix.Chroot(cfg.Rootfs); err != nil {
			helperFail(status, "chroot %s: %v", cfg.Rootfs, err)
		}
		if err := os.Chdir("/"); err != nil {
			helperFail(status, "chdir /: %v", err)
		}
	}
	if cfg.Dir != "" {
		if err := os.Chdir(cfg.Dir); err != nil {
			helperFail(status, "working directory: %v", err)
		}
	}
	if len(cfg.Argv) == 0 {
		helperFail(status, "no command")
	}
	path, err := lookPath(cfg.Argv[0], envPath(cfg.Env))
	if err != nil {
		helperFail(status, "%v", err)
	}
	err = unix.Exec(path, cfg.Argv, cfg.Env)
	helperFail(status, "exec %s: %v", path, err)
}

// mountRootfs gives a root filesystem /proc and /dev.
func mountRootfs(rootfs string) error {
	proc := filepath.Join(rootfs, "proc")
	if err := os.MkdirAll(proc, 0o555); err != nil {
		return err
	}
	if err := unix.Mount("proc", proc, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount proc: %w", err)
	}
	dev := filepath.Join(rootfs, "dev")
	if err := os.MkdirAll(dev, 0o755); err != nil {
		return err
	}
	if err := unix.Mount("/dev", dev, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind /dev: %w", err)
	}
	return nil
}

func bindMount(rootfs string, m mountSpec) error {
	target := m.Target
	if rootfs != "" {
		target = filepath.Join(rootfs, m.Target)
		st, err := os.Stat(m.Source)
		if err != nil {
			return err
		}
		if st.IsDir() {
			err = os.MkdirAll(target, 0o755)
		} else if err = os.MkdirAll(filepath.Dir(target), 0o755); err == nil {
			var f *os.File
			if f, err = os.OpenFile(target, os.O_CREATE|os.O_RDONLY, 0o644); err == nil {
				f.Close()
			}
		}
		if err != nil {
			return err
		}
	}
	if err := unix.Mount(m.Source, target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	if m.Readonly {
		if err := unix.Mount("", target, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("remount read-only: %w", err)
		}
	}
	return nil
}

// envPath returns PATH from env ("KEY=value" entries), or defaultPath.
func envPath(env []string) string {
	p := defaultPath
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			p = v
		}
	}
	return p
}

// lookPath finds an executable file named cmd in the colon-separated path
// (cmd itself when it holds a slash).
func lookPath(cmd, path string) (string, error) {
	if strings.Contains(cmd, "/") {
		if err := isExecutable(cmd); err != nil {
			return "", fmt.Errorf("command %q: %w", cmd, err)
		}
		return cmd, nil
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, cmd)
		if isExecutable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("command %q: executable file not found in PATH %q", cmd, path)
}

func isExecutable(p string) error {
	var st unix.Stat_t // on the stack: os.Stat would allocate a FileInfo
	var err error
	for {
		if err = unix.Stat(p, &st); err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return &os.PathError{Op: "stat", Path: p, Err: err}
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR || st.Mode&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", p)
	}
	return nil
}
