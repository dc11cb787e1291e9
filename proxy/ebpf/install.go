package ebpf

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// ErrNoCgroup2 is returned when no cgroup v2 hierarchy is mounted and
// Options.CgroupPath is empty.
var ErrNoCgroup2 = errors.New("ebpf: no cgroup v2 hierarchy mounted")

// checkKernel reports the first kernel feature the dataplane needs and the
// running kernel lacks. The error wraps ebpf.ErrNotSupported.
func checkKernel() error {
	if err := features.HaveProgramType(ebpf.CGroupSockAddr); err != nil {
		return fmt.Errorf("ebpf: kernel lacks cgroup sock_addr programs (BPF_PROG_TYPE_CGROUP_SOCK_ADDR, Linux 4.17): %w", err)
	}
	for _, mt := range []struct {
		t    ebpf.MapType
		what string
	}{{ebpf.Hash, "hash maps"}, {ebpf.LRUHash, "LRU hash maps (Linux 4.10)"}} {
		if err := features.HaveMapType(mt.t); err != nil {
			return fmt.Errorf("ebpf: kernel lacks %s: %w", mt.what, err)
		}
	}
	if err := features.HaveMapFlag(features.BPF_F_NO_PREALLOC); err != nil {
		return fmt.Errorf("ebpf: kernel lacks hash maps without preallocation (BPF_F_NO_PREALLOC): %w", err)
	}
	for _, h := range []struct {
		fn   asm.BuiltinFunc
		what string
	}{
		{asm.FnGetSocketCookie, "bpf_get_socket_cookie for sock_addr programs (Linux 5.0)"},
		{asm.FnGetNetnsCookie, "bpf_get_netns_cookie for sock_addr programs (Linux 5.7)"},
		{asm.FnKtimeGetNs, "bpf_ktime_get_ns"},
		{asm.FnGetPrandomU32, "bpf_get_prandom_u32"},
	} {
		if err := features.HaveProgramHelper(ebpf.CGroupSockAddr, h.fn); err != nil {
			return fmt.Errorf("ebpf: kernel lacks helper %s: %w", h.what, err)
		}
	}
	return nil
}

// bpffsRoot is where New mounts a bpf filesystem when PinPath is below it
// and none is mounted.
const bpffsRoot = "/sys/fs/bpf"

// ensurePinDir makes sure dir is a directory on a bpf filesystem, mounting
// bpffs at /sys/fs/bpf when dir is below it and nothing is mounted there.
// It reports whether it created dir.
func ensurePinDir(dir string) (created bool, err error) {
	onBPF, err := onBPFFS(dir)
	if err != nil {
		return false, err
	}
	if !onBPF {
		if dir != bpffsRoot && !strings.HasPrefix(dir, bpffsRoot+"/") {
			return false, fmt.Errorf("ebpf: pin path %s is not on a bpf filesystem (mount one: mount -t bpf bpf <dir>)", dir)
		}
		if err := os.MkdirAll(bpffsRoot, 0o755); err != nil {
			return false, fmt.Errorf("ebpf: create %s: %w", bpffsRoot, err)
		}
		if err := unix.Mount("bpf", bpffsRoot, "bpf", 0, "mode=0700"); err != nil {
			return false, fmt.Errorf("ebpf: mount bpffs at %s for pin path %s: %w", bpffsRoot, dir, err)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		return false, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, fmt.Errorf("ebpf: create pin path %s: %w", dir, err)
	}
	return true, nil
}

// onBPFFS reports whether dir's nearest existing ancestor is on bpffs.
func onBPFFS(dir string) (bool, error) {
	for p := dir; ; p = filepath.Dir(p) {
		var st unix.Statfs_t
		err := unix.Statfs(p, &st)
		if err == nil {
			return st.Type == unix.BPF_FS_MAGIC, nil
		}
		if !errors.Is(err, unix.ENOENT) || p == "/" {
			return false, fmt.Errorf("ebpf: statfs %s: %w", p, err)
		}
	}
}

// Cgroup2Root returns the mount point of the cgroup v2 hierarchy, read from
// /proc/self/mountinfo (for example /sys/fs/cgroup, or /sys/fs/cgroup/unified
// on a hybrid system). It returns ErrNoCgroup2 if there is none.
func Cgroup2Root() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", fmt.Errorf("ebpf: %w", err)
	}
	defer f.Close()
	return cgroup2RootFrom(f)
}

// cgroup2RootFrom parses mountinfo (proc(5)): the mount point is field 5
// and the filesystem type follows the " - " separator.
func cgroup2RootFrom(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		fields, after := strings.Fields(pre), strings.Fields(post)
		if len(fields) < 5 || len(after) < 1 || after[0] != "cgroup2" {
			continue
		}
		return unescapeMountinfo(fields[4]), nil
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("ebpf: read mountinfo: %w", err)
	}
	return "", ErrNoCgroup2
}

// unescapeMountinfo undoes the octal escapes (\040 for a space, ...) of
// mountinfo paths.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) && isOctal(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return s[0] <= '3'
}

// cgroupID returns the id of the cgroup v2 directory path (its inode
// number), after checking that it is one.
func cgroupID(path string) (uint64, error) {
	var sfs unix.Statfs_t
	if err := unix.Statfs(path, &sfs); err != nil {
		return 0, fmt.Errorf("ebpf: cgroup %s: %w", path, err)
	}
	if sfs.Type != unix.CGROUP2_SUPER_MAGIC {
		return 0, fmt.Errorf("ebpf: %s is not a cgroup v2 directory", path)
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, fmt.Errorf("ebpf: cgroup %s: %w", path, err)
	}
	return st.Ino, nil
}

// hook is one program and where it attaches.
type hook struct {
	name   string // pin name of the link
	attach ebpf.AttachType
	prog   *ebpf.Program
}

func (o *lbObjects) hooks() []hook {
	return []hook{
		{"link_connect4", ebpf.AttachCGroupInet4Connect, o.RigConnect4},
		{"link_connect6", ebpf.AttachCGroupInet6Connect, o.RigConnect6},
		{"link_sendmsg4", ebpf.AttachCGroupUDP4Sendmsg, o.RigSendmsg4},
		{"link_sendmsg6", ebpf.AttachCGroupUDP6Sendmsg, o.RigSendmsg6},
		{"link_recvmsg4", ebpf.AttachCGroupUDP4Recvmsg, o.RigRecvmsg4},
		{"link_recvmsg6", ebpf.AttachCGroupUDP6Recvmsg, o.RigRecvmsg6},
		{"link_getpeername4", ebpf.AttachCgroupInet4GetPeername, o.RigGetpeername4},
		{"link_getpeername6", ebpf.AttachCgroupInet6GetPeername, o.RigGetpeername6},
	}
}

// attachOrAdopt returns the link for h: the one pinned under pinDir, made
// to run h.prog (an atomic replacement, link.Update), when it is attached to
// the cgroup cgID; else a new link attached to cgroupPath and pinned.
func attachOrAdopt(h hook, pinDir, cgroupPath string, cgID uint64) (l link.Link, adopted bool, err error) {
	pin := filepath.Join(pinDir, h.name)
	if _, statErr := os.Stat(pin); statErr == nil {
		old, err := link.LoadPinnedLink(pin, nil)
		if err != nil {
			return nil, false, fmt.Errorf("ebpf: load pinned link %s: %w", pin, err)
		}
		info, err := old.Info()
		if err == nil && info.Cgroup() != nil && info.Cgroup().CgroupId == cgID {
			if err := old.Update(h.prog); err != nil {
				old.Close()
				return nil, false, fmt.Errorf("ebpf: replace program of pinned link %s: %w", pin, err)
			}
			return old, true, nil
		}
		// Pinned for another cgroup (CgroupPath changed): move it.
		if err := old.Unpin(); err != nil {
			old.Close()
			return nil, false, fmt.Errorf("ebpf: unpin stale link %s: %w", pin, err)
		}
		old.Close()
	}
	l, err = link.AttachCgroup(link.CgroupOptions{Path: cgroupPath, Attach: h.attach, Program: h.prog})
	if err != nil {
		return nil, false, fmt.Errorf("ebpf: attach %s to cgroup %s (needs Linux 5.8 for getpeername hooks): %w", h.attach, cgroupPath, err)
	}
	if err := l.Pin(pin); err != nil {
		l.Close()
		if errors.Is(err, link.ErrNotSupported) {
			return nil, false, fmt.Errorf("ebpf: kernel lacks BPF links for cgroups (Linux 5.7), needed to pin %s: %w", pin, err)
		}
		return nil, false, fmt.Errorf("ebpf: pin link %s: %w", pin, err)
	}
	return l, false, nil
}
