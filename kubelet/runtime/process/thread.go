package process

// Borrowed OS threads. A process is started in a pod's namespaces and
// cgroup v1 directories from a thread that was moved there first (see
// launch). Such a thread used to be thrown away afterwards; creating and
// ending one per container start was a good part of a start's CPU time.
// Now the thread is moved back into the runtime process's own namespaces
// and cgroups and returned to Go for reuse, and only thrown away when
// that is not possible.

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// homeNamespaces are the namespace types a borrowed thread can be moved
// back from: setns(2) into them is allowed on one thread of a
// multi-threaded process and undone by another setns. (CLONE_NEWPID on a
// thread only changes the namespace its children are born in.) A mount
// namespace cannot be joined by a thread that shares its file system
// information with others (it would need unshare(CLONE_FS), which Go
// cannot undo), nor a user namespace by a multi-threaded process at all;
// the runtime never moves a thread into either.
var homeNamespaces = [...]struct {
	name string
	flag int
}{
	{"net", unix.CLONE_NEWNET},
	{"uts", unix.CLONE_NEWUTS},
	{"ipc", unix.CLONE_NEWIPC},
	{"pid", unix.CLONE_NEWPID},
}

// restorableNS are the CLONE_NEW* flags of homeNamespaces.
const restorableNS = unix.CLONE_NEWNET | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWPID

// threadChange says what a function run on a borrowed thread changed
// there (or may have changed, when it failed half-way).
type threadChange struct {
	// ns are the CLONE_NEW* flags of the namespaces the thread joined
	// (setns) or left (unshare).
	ns int
	// v1 are the cgroup v1 controllers in whose hierarchies the thread
	// was moved to another cgroup.
	v1 []string
	// lost is set when the thread was changed in a way that cannot be
	// undone: it must be thrown away.
	lost bool
}

// threadHome holds what a borrowed thread is moved back into: the
// runtime process's own namespaces and, on a hybrid host, its own cgroup
// in each cgroup v1 hierarchy the runtime uses. New opens it; Close
// closes it.
type threadHome struct {
	// mu guards ns and v1: restore reads them (read lock) while close
	// closes them (write lock), so a descriptor number is never used
	// after it was closed and maybe reused.
	mu sync.RWMutex
	// ns holds, by index of homeNamespaces, a descriptor of the
	// process's own namespace of that type (/proc/self/ns/<name> when
	// New ran), or -1.
	ns [len(homeNamespaces)]int
	// v1 maps a cgroup v1 controller to the "tasks" file of the
	// process's own cgroup in its hierarchy, open for writing.
	v1 map[string]int
}

// newThreadHome opens the process's namespaces and, for each v1
// controller in v1Own (controller to the process's own cgroup directory
// in its hierarchy), that cgroup's tasks file. What cannot be opened is
// left out: a thread moved away from it is then thrown away.
func newThreadHome(v1Own map[string]string) *threadHome {
	h := &threadHome{v1: map[string]int{}}
	for i, n := range homeNamespaces {
		fd, err := unix.Open("/proc/self/ns/"+n.name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			fd = -1
		}
		h.ns[i] = fd
	}
	for c, dir := range v1Own {
		fd, err := unix.Open(filepath.Join(dir, "tasks"), unix.O_WRONLY|unix.O_CLOEXEC, 0)
		if err == nil {
			h.v1[c] = fd
		}
	}
	return h
}

// close closes the descriptors. A thread whose move back fails because
// of it is thrown away.
func (h *threadHome) close() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, fd := range h.ns {
		if fd >= 0 {
			unix.Close(fd)
		}
		h.ns[i] = -1
	}
	for c, fd := range h.v1 {
		unix.Close(fd)
		delete(h.v1, c)
	}
}

// restoreHook, when set (by tests), runs before a borrowed thread is
// moved back, on that thread, with its ID; an error makes the move back
// fail.
var restoreHook atomic.Pointer[func(tid int) error]

// discardedThreads counts the borrowed threads thrown away (for tests).
var discardedThreads atomic.Uint64

// restore moves the calling thread back from what ch says was changed.
// It fails when anything cannot be moved back.
func (h *threadHome) restore(ch threadChange) error {
	if hook := restoreHook.Load(); hook != nil {
		if err := (*hook)(unix.Gettid()); err != nil {
			return err
		}
	}
	if ch.lost {
		return errors.New("the thread was changed irreversibly")
	}
	if ch.ns&^restorableNS != 0 {
		return fmt.Errorf("namespaces %#x cannot be left again", ch.ns&^restorableNS)
	}
	if h == nil {
		if ch.ns != 0 || len(ch.v1) > 0 {
			return errors.New("nothing to return to")
		}
		return nil
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for i, n := range homeNamespaces {
		if ch.ns&n.flag == 0 {
			continue
		}
		if h.ns[i] < 0 {
			return fmt.Errorf("the runtime's %s namespace is not held", n.name)
		}
		if err := unix.Setns(h.ns[i], n.flag); err != nil {
			return fmt.Errorf("return to the runtime's %s namespace: %w", n.name, err)
		}
	}
	for _, c := range ch.v1 {
		fd, ok := h.v1[c]
		if !ok {
			return fmt.Errorf("the runtime's %s cgroup is not held", c)
		}
		// "0": the writing thread, without the global threadgroup lock
		// (see launch).
		if err := writeAll(fd, c+" tasks", "0"); err != nil {
			return fmt.Errorf("return to the runtime's %s cgroup: %w", c, err)
		}
	}
	return nil
}

// processID is the runtime process's ID, which is also its main thread's.
var processID = os.Getpid()

// run runs f on an OS thread locked for it, one that is not the
// process's main thread, and waits for it. f may move the thread into
// other namespaces and cgroup v1 directories and says which in its
// result; afterwards the thread is moved back (see restore) and unlocked,
// so Go reuses it. When that fails, or h is nil and f changed anything,
// the thread is thrown away instead: the goroutine exits still locked,
// which makes Go end the thread, so no other goroutine ever runs in the
// borrowed namespaces. The main thread is avoided because Go cannot end
// it and would only park it, keeping the namespaces it joined alive (and
// /proc/<pid>/ns of the process pointing at them) for the life of the
// process. Any goroutine may call run.
func (h *threadHome) run(f func() threadChange) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		if unix.Gettid() == processID {
			// Holding the main thread, run f elsewhere: the nested
			// goroutine cannot be scheduled on this locked thread.
			h.run(f)
			runtime.UnlockOSThread()
			return
		}
		ch := f()
		if ch.ns == 0 && len(ch.v1) == 0 && !ch.lost {
			runtime.UnlockOSThread()
			return
		}
		if err := h.restore(ch); err != nil {
			discardedThreads.Add(1)
			return // still locked: Go ends the thread
		}
		runtime.UnlockOSThread()
	}()
	<-done
}

// waitCmd waits for cmd's process to exit, then calls cmd.Wait. It sleeps
// on Go's poller (a pidfd is readable once its process has exited), not
// in waitid(2) as cmd.Wait alone would: a goroutine blocked in a system
// call holds an OS thread, so a runtime with a hundred running containers
// would hold a hundred idle threads, made while the pods start. pidfd is
// the process's pidfd, non-blocking and registered with the poller
// (os.NewFile does both for a PIDFD_NONBLOCK one), owned by the caller;
// when nil, waitCmd opens one for the time it waits. Without a pollable
// pidfd it falls back to cmd.Wait alone.
func waitCmd(cmd *exec.Cmd, pidfd *os.File) error {
	if pidfd == nil {
		// The process is our unreaped child until cmd.Wait: its PID
		// cannot name another process.
		if fd, err := unix.PidfdOpen(cmd.Process.Pid, unix.PIDFD_NONBLOCK); err == nil {
			pidfd = os.NewFile(uintptr(fd), "pidfd")
			defer pidfd.Close()
		}
	}
	if pidfd != nil {
		awaitExit(pidfd) // then cmd.Wait need not block
	}
	return cmd.Wait()
}

// awaitExit returns once the process behind pidfd (non-blocking and
// registered with Go's poller) has exited, sleeping on the poller, or at
// once when the pidfd cannot be polled: the caller's blocking wait then
// does the waiting.
func awaitExit(pidfd *os.File) {
	rc, err := pidfd.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Read(func(fd uintptr) bool {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			n, err := unix.Poll(fds, 0)
			if err != unix.EINTR {
				// Done when it exited, or when poll fails.
				return err != nil || n > 0
			}
		}
	})
}

// waitReleased waits for the exit of the process pid, a child of ours
// whose os.Process was released, on Go's poller through pidfd (as
// waitCmd does; it is the caller's), then reaps it with wait4(2) and
// returns its wait status. Unreaped, the child's PID cannot name another
// process, so wait4 by PID is safe.
func waitReleased(pid int, pidfd *os.File) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	if pid <= 0 {
		// wait4 would reap any child (or one of a process group).
		return ws, fmt.Errorf("wait for process %d: not a process ID", pid)
	}
	awaitExit(pidfd) // then wait4 need not block
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err != unix.EINTR {
			if err != nil {
				return ws, fmt.Errorf("wait for process %d: %w", pid, err)
			}
			return ws, nil
		}
	}
}
