package process

// Sandboxes without a pause process: their UTS and IPC namespaces are kept
// alive by bind mounts of /proc/thread-self/ns/{uts,ipc} on files in the
// sandbox's state directory, as `ip netns` keeps network namespaces.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// The namespace files of a sandbox without a pause process, in
// RootDir/sandboxes/<id>/ns/.
var boundNamespaces = []struct {
	name string
	flag int
}{{"uts", unix.CLONE_NEWUTS}, {"ipc", unix.CLONE_NEWIPC}}

func (r *Runtime) nsDir(id string) string { return filepath.Join(r.sandboxDir(id), "ns") }

// bindNamespaces makes the new namespaces of a sandbox without a pause
// process (flags: CLONE_NEWUTS and/or CLONE_NEWIPC) and binds each on
// dir/<name>. It does it on a throw-away thread that first joins the
// network namespace netFD (when >= 0), so that the hostname and the
// sysctls (kernel.* in the IPC or UTS namespace, net.* in the network
// namespace) are set where the containers will see them, as the pause
// process does. On failure nothing is left mounted.
func bindNamespaces(dir string, flags int, netFD int, hostname string, sysctls map[string]string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, n := range boundNamespaces {
		if flags&n.flag == 0 {
			continue
		}
		f, err := os.OpenFile(filepath.Join(dir, n.name), os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
		if err != nil {
			return err
		}
		f.Close()
	}
	errc := make(chan error, 1)
	onDisposableThread(func() bool {
		if netFD >= 0 {
			if err := unix.Setns(netFD, unix.CLONE_NEWNET); err != nil {
				errc <- fmt.Errorf("join network namespace: %w", err)
				return true
			}
		}
		if flags != 0 {
			if err := unix.Unshare(flags); err != nil {
				errc <- fmt.Errorf("unshare (flags %#x): %w", flags, err)
				return true
			}
		}
		if hostname != "" {
			if err := unix.Sethostname([]byte(hostname)); err != nil {
				errc <- fmt.Errorf("set hostname %q: %w", hostname, err)
				return true
			}
		}
		for k, v := range sysctls {
			p := filepath.Join("/proc/sys", strings.ReplaceAll(k, ".", "/"))
			if err := os.WriteFile(p, []byte(v), 0); err != nil {
				errc <- fmt.Errorf("set sysctl %s=%s: %w", k, v, err)
				return true
			}
		}
		for _, n := range boundNamespaces {
			if flags&n.flag == 0 {
				continue
			}
			src := fmt.Sprintf("/proc/self/task/%d/ns/%s", unix.Gettid(), n.name)
			if err := unix.Mount(src, filepath.Join(dir, n.name), "", unix.MS_BIND, ""); err != nil {
				errc <- fmt.Errorf("bind %s namespace: %w", n.name, err)
				return true
			}
		}
		errc <- nil
		// The thread is in the pod's namespaces now: throw it away.
		return netFD >= 0 || flags != 0
	})
	if err := <-errc; err != nil {
		_ = unbindNamespaces(dir)
		return err
	}
	return nil
}

// openNamespaces opens the namespaces bound under dir (flags as for
// bindNamespaces) for joining; each file must still be a namespace (a
// bind mount of nsfs), not the empty file under it.
func openNamespaces(dir string, flags int) ([]nsJoin, error) {
	var out []nsJoin
	for _, n := range boundNamespaces {
		if flags&n.flag == 0 {
			continue
		}
		fd, err := openNamespace(filepath.Join(dir, n.name))
		if err != nil {
			closeJoins(out)
			return nil, err
		}
		out = append(out, nsJoin{fd: fd, flags: n.flag})
	}
	return out, nil
}

// openNamespace opens a namespace file and checks that it is one.
func openNamespace(path string) (int, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open namespace %s: %w", path, err)
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil || st.Type != unix.NSFS_MAGIC {
		unix.Close(fd)
		return -1, fmt.Errorf("open namespace %s: not a namespace file", path)
	}
	return fd, nil
}

func closeJoins(js []nsJoin) {
	for _, j := range js {
		unix.Close(j.fd)
	}
}

// unbindNamespaces unmounts and removes the namespace files under dir;
// missing ones are fine.
func unbindNamespaces(dir string) error {
	var errs []error
	for _, n := range boundNamespaces {
		p := filepath.Join(dir, n.name)
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
