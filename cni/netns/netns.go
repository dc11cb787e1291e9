// Package netns creates, enters and removes named Linux network namespaces
// the way `ip netns` does: a new namespace is kept alive by bind-mounting
// its /proc/<pid>/task/<tid>/ns/net file onto a path (conventionally
// /var/run/netns/<name>), so that it outlives the thread that made it and
// any process can join it by opening the path.
//
// A container runtime (or the kubelet) creates a pod's namespace with
// Create, hands the path to a cni.NetworkPlugin, runs the pod's processes
// in it, and removes it with Delete. Do runs a function on a thread that
// is inside a namespace, for plugins that configure interfaces from inside.
//
// Everything here needs CAP_SYS_ADMIN (root).
package netns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// Create makes a new network namespace and bind-mounts it on path
// (creating path's directory and the file). The namespace has only a
// loopback interface, down. It fails if path exists.
func Create(path string) (err error) {
	if path == "" {
		return errors.New("netns: create: empty path")
	}
	if err := ensureSharedDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("netns: create %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("netns: create %s: %w", path, err)
	}
	_ = f.Close()
	defer func() {
		if err != nil {
			_ = os.Remove(path)
		}
	}()

	errc := make(chan error, 1)
	// The namespace is made on a locked thread that returns to the
	// caller's namespace afterwards; if it cannot, it stays locked and Go
	// discards it with its goroutine, so no goroutine ever runs in the new
	// namespace by accident.
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open(fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid()))
		if err != nil {
			errc <- fmt.Errorf("open current namespace: %w", err)
			return
		}
		defer orig.Close()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("unshare: %w", err)
			return
		}
		src := fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid())
		if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
			errc <- fmt.Errorf("bind mount %s: %w", src, err)
			return
		}
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- nil // the namespace is made; this thread is discarded
			return
		}
		runtime.UnlockOSThread()
		errc <- nil
	}()
	if err := <-errc; err != nil {
		return fmt.Errorf("netns: create %s: %w", path, err)
	}
	return nil
}

// ensureSharedDir makes dir exist. (`ip netns` also makes its directory a
// shared mount point; nothing here needs mounts to propagate, so it is not
// done.)
func ensureSharedDir(dir string) error {
	return os.MkdirAll(dir, 0o755)
}

// Delete unmounts and removes the namespace file at path. The namespace
// itself ends when no process and no other mount holds it. Deleting a path
// that does not exist succeeds.
func Delete(path string) error {
	if path == "" {
		return errors.New("netns: delete: empty path")
	}
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("netns: unmount %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("netns: remove %s: %w", path, err)
	}
	return nil
}

// Do runs fn on an OS thread that has joined the network namespace at path,
// and waits for it. The thread is discarded afterwards, never returned to
// Go's pool in the wrong namespace. fn must not start goroutines that
// expect to be in the namespace (they run on other threads).
func Do(path string, fn func() error) error {
	ns, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("netns: open %s: %w", path, err)
	}
	defer ns.Close()
	errc := make(chan error, 1)
	go func() {
		// Locked and never unlocked: the thread exits with this goroutine.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			errc <- fmt.Errorf("netns: unshare fs: %w", err)
			return
		}
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("netns: enter %s: %w", path, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// Inode returns the inode number identifying the namespace at path (the
// number `ls -i /proc/<pid>/ns/net` shows), to compare namespaces.
func Inode(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, fmt.Errorf("netns: stat %s: %w", path, err)
	}
	return st.Ino, nil
}
