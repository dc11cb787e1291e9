package process

// Sandboxes without a pause process: their UTS and IPC namespaces are kept
// alive by bind mounts of /proc/thread-self/ns/{uts,ipc} on files in
// RootDir/ns, as `ip netns` keeps network namespaces. Each file is a hard
// link of one empty file, RootDir/ns/.anchor: a mount sits on a name (a
// dentry), not on an inode, so links serve as well as files, and making
// one allocates no inode (costly on ext4 when many pods start at once).

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// The namespace files of a sandbox without a pause process.
var boundNamespaces = []struct {
	name string
	flag int
}{{"uts", unix.CLONE_NEWUTS}, {"ipc", unix.CLONE_NEWIPC}}

// nsAnchorName is the file in RootDir/ns that namespace files link to.
const nsAnchorName = ".anchor"

// nsFile returns the file that namespace name ("uts" or "ipc") of the
// pauseless sandbox rec is bound on: RootDir/ns/<id>.<name>, or
// RootDir/sandboxes/<id>/ns/<name> for a sandbox of the legacy layout.
func (r *Runtime) nsFile(rec *sandboxRecord, name string) string {
	if rec.LegacyLayout {
		return filepath.Join(r.sandboxDir(rec.ID), "ns", name)
	}
	return filepath.Join(r.opts.RootDir, "ns", rec.ID+"."+name)
}

// nsFiles returns every namespace file the sandbox may have.
func (r *Runtime) nsFiles(rec *sandboxRecord) []string {
	out := make([]string, 0, len(boundNamespaces))
	for _, n := range boundNamespaces {
		out = append(out, r.nsFile(rec, n.name))
	}
	return out
}

// makeNSDir creates RootDir/ns and its anchor file when missing.
func makeNSDir(rootDir string) error {
	dir := filepath.Join(rootDir, "ns")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, nsAnchorName), os.O_RDONLY|os.O_CREATE, 0o444)
	if err != nil {
		return err
	}
	return f.Close()
}

// makeMountTarget makes the empty file path to bind a namespace on: a
// hard link of anchor, or, when that fails (the anchor is gone, or has
// the most links the file system allows), a new file. It fails when path
// exists.
func makeMountTarget(path, anchor string) error {
	err := os.Link(anchor, path)
	if err == nil || errors.Is(err, os.ErrExist) {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if errors.Is(err, os.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(path), 0o700); err == nil {
			f, err = os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
		}
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// bindNamespaces makes the new namespaces of a sandbox without a pause
// process (flags: CLONE_NEWUTS and/or CLONE_NEWIPC) and binds each on
// file(name) (made with makeMountTarget from anchor). They are not kept
// open: a container start opens the files (openBound), so that a running
// pod holds no descriptor for them (every descriptor the runtime holds is
// copied at each fork and closed again at each exec). It does it on a
// borrowed thread (returned to home
// afterwards, see threadHome.run) that first joins the network namespace
// netFD (when >= 0), so that the hostname and the sysctls (kernel.* in
// the IPC or UTS namespace, net.* in the network namespace) are set where
// the containers will see them, as the pause process does. On failure
// nothing is left mounted.
func bindNamespaces(home *threadHome, file func(name string) string, anchor string, flags int, netFD int, hostname string, sysctls map[string]string) error {
	var paths []string
	for _, n := range boundNamespaces {
		if flags&n.flag == 0 {
			continue
		}
		p := file(n.name)
		if err := makeMountTarget(p, anchor); err != nil {
			_ = unbindNamespaces(paths...)
			return err
		}
		paths = append(paths, p)
	}
	var err error
	home.run(func() (ch threadChange) {
		err = makeNamespaces(&ch, file, flags, netFD, hostname, sysctls)
		return ch
	})
	if err != nil {
		_ = unbindNamespaces(paths...)
		return err
	}
	return nil
}

// makeNamespaces is the part of bindNamespaces that runs on the borrowed
// thread; it records in ch how it changed the thread.
func makeNamespaces(ch *threadChange, file func(name string) string, flags int, netFD int, hostname string, sysctls map[string]string) error {
	if netFD >= 0 {
		ch.ns |= unix.CLONE_NEWNET
		if err := unix.Setns(netFD, unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("join network namespace: %w", err)
		}
	}
	if flags != 0 {
		ch.ns |= flags
		if err := unix.Unshare(flags); err != nil {
			return fmt.Errorf("unshare (flags %#x): %w", flags, err)
		}
	}
	if hostname != "" {
		if err := unix.Sethostname([]byte(hostname)); err != nil {
			return fmt.Errorf("set hostname %q: %w", hostname, err)
		}
	}
	for k, v := range sysctls {
		p := filepath.Join("/proc/sys", strings.ReplaceAll(k, ".", "/"))
		if err := os.WriteFile(p, []byte(v), 0); err != nil {
			return fmt.Errorf("set sysctl %s=%s: %w", k, v, err)
		}
	}
	for _, n := range boundNamespaces {
		if flags&n.flag == 0 {
			continue
		}
		src := "/proc/thread-self/ns/" + n.name
		if err := unix.Mount(src, file(n.name), "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind %s namespace: %w", n.name, err)
		}
	}
	return nil
}

// openBound opens the namespaces bound on file(name) (flags as for
// bindNamespaces) for joining, appending them to joins. Unlike
// openNamespaces it does not check that each file is still a namespace:
// the caller knows the sandbox's files are bound (setns on the empty
// file under one would fail).
func openBound(file func(name string) string, flags int, joins []nsJoin) ([]nsJoin, error) {
	for _, n := range boundNamespaces {
		if flags&n.flag == 0 {
			continue
		}
		path := file(n.name)
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return joins, fmt.Errorf("open namespace %s: %w", path, err)
		}
		joins = append(joins, nsJoin{fd: fd, flags: n.flag})
	}
	return joins, nil
}

// openNamespaces opens the namespaces bound on file(name) (flags as for
// bindNamespaces) for joining; each file must still be a namespace (a
// bind mount of nsfs), not the empty file under it.
func openNamespaces(file func(name string) string, flags int) ([]nsJoin, error) {
	var out []nsJoin
	for _, n := range boundNamespaces {
		if flags&n.flag == 0 {
			continue
		}
		fd, err := openNamespace(file(n.name))
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

// unbindNamespaces unmounts and removes the namespace files paths;
// missing ones are fine.
func unbindNamespaces(paths ...string) error {
	var errs []error
	for _, p := range paths {
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
