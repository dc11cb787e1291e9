package process

import (
	"os"

	"golang.org/x/sys/unix"
)

// descriptorReserve is how many descriptors New makes room for in the
// process's descriptor table (see reserveDescriptors): about eight per
// running container (its process's pidfd, output pipes, log file, cgroup
// events), for several hundred containers, and the rest of the process.
const descriptorReserve = 4096

// reserveDescriptors grows the process's descriptor table to hold n
// descriptors, capped at the soft RLIMIT_NOFILE, by duplicating f to
// descriptor n-1 and closing the copy at once. The kernel grows the
// table as the highest descriptor rises, by doubling it, and in a
// multi-threaded process each growth waits for an RCU grace period
// (~10 ms here) while every thread of the process that opens a
// descriptor meanwhile waits too: starting 100 pods at once crossed 128,
// 256, 512 and 1,024 descriptors, stalling the runtime ~10 ms each time.
// The table never shrinks, and a fork copies it only up to the highest
// open descriptor, so the room costs forks nothing. Failing is harmless:
// the table then grows as before.
func reserveDescriptors(f *os.File, n int) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < uint64(n) {
		n = int(lim.Cur)
	}
	if n <= 1 {
		return
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		if dup, err := unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, n-1); err == nil {
			unix.Close(dup)
		}
	})
}
