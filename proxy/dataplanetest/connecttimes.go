package dataplanetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ConnectMode says what one timed attempt of ConnectTimes covers.
type ConnectMode int

const (
	// ConnectOnly times the connect(2) system call of a blocking TCP
	// socket, which on loopback returns once the handshake is done.
	ConnectOnly ConnectMode = iota
	// ConnectRead times connect(2) and then reading the server's whole
	// answer (Serve's server writes its address and closes), the client
	// side of one short request.
	ConnectRead
)

// String returns "connect" or "connect+read".
func (m ConnectMode) String() string {
	if m == ConnectRead {
		return "connect+read"
	}
	return "connect"
}

// ConnectTimings is what ConnectTimes measured.
type ConnectTimings struct {
	// Each[i][j] is the j-th attempt to the i-th address, in the order
	// they were made.
	Each [][]time.Duration `json:"each"`
	// Total[i] is the time from the first to the last attempt to the
	// i-th address summed over its attempts (close included), for
	// connections per second.
	Total []time.Duration `json:"total"`
	// Err is the first failure; the child stops at it.
	Err string `json:"err,omitempty"`
}

// ConnectTimes makes n TCP connections to each of addrs from one child
// process inside the Env's namespace and cgroup, interleaved one by one
// (addrs[0], addrs[1], ..., addrs[0], ...) so that every address sees the
// same machine load, after warm attempts (not recorded) to each. Every
// socket is closed abortively (SO_LINGER 0) so no TIME_WAIT builds up.
// The child is the test binary re-executed (see Dial); its start-up is
// not timed. It fails t on any error.
func (e *Env) ConnectTimes(t testing.TB, mode ConnectMode, n, warm int, addrs ...netip.AddrPort) ConnectTimings {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cg, err := os.Open(e.Cgroup)
	if err != nil {
		t.Fatalf("dataplanetest: open cgroup: %v", err)
	}
	defer cg.Close()
	as := make([]string, len(addrs))
	for i, a := range addrs {
		as[i] = a.String()
	}
	cmd := exec.CommandContext(t.Context(), exe)
	cmd.Env = append(os.Environ(),
		envTimer+"=1",
		envNetNS+"="+e.NetNS,
		envAddr+"="+strings.Join(as, ","),
		envCount+"="+strconv.Itoa(n),
		envWarm+"="+strconv.Itoa(warm),
		envMode+"="+strconv.Itoa(int(mode)),
		// No preemption signals: they would interrupt the timed calls.
		"GODEBUG=asyncpreemptoff=1",
	)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cg.Fd())}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dataplanetest: connect timer: %v: %s", err, stderr.String())
	}
	var r ConnectTimings
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("dataplanetest: connect timer output: %v", err)
	}
	if r.Err != "" {
		t.Fatalf("dataplanetest: connect timer: %s", r.Err)
	}
	return r
}

// Environment of a connect-timer child, besides envNetNS, envAddr and
// envCount.
const (
	envTimer = "RIGGING_DATAPLANETEST_CONNECT_TIMER"
	envWarm  = "RIGGING_DATAPLANETEST_WARM"
	envMode  = "RIGGING_DATAPLANETEST_MODE"
)

func init() {
	if os.Getenv(envTimer) != "1" {
		return
	}
	os.Exit(timerMain())
}

// timerMain is the connect-timer child: it enters the namespace on its
// main thread and times connections from it.
func timerMain() int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, err); return 2 }
	if err := enterChildNetNS(); err != nil {
		return fail(err)
	}
	var addrs []netip.AddrPort
	for _, s := range strings.Split(os.Getenv(envAddr), ",") {
		a, err := netip.ParseAddrPort(s)
		if err != nil {
			return fail(err)
		}
		addrs = append(addrs, a)
	}
	n, err1 := strconv.Atoi(os.Getenv(envCount))
	warm, err2 := strconv.Atoi(os.Getenv(envWarm))
	mode, err3 := strconv.Atoi(os.Getenv(envMode))
	if err := errors.Join(err1, err2, err3); err != nil {
		return fail(err)
	}
	r := timeConnects(ConnectMode(mode), n, warm, addrs)
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		return fail(err)
	}
	return 0
}

func timeConnects(mode ConnectMode, n, warm int, addrs []netip.AddrPort) ConnectTimings {
	r := ConnectTimings{Each: make([][]time.Duration, len(addrs)), Total: make([]time.Duration, len(addrs))}
	for i := range addrs {
		r.Each[i] = make([]time.Duration, 0, n)
	}
	buf := make([]byte, 128)
	for round := range warm + n {
		for i, a := range addrs {
			d, total, err := timeOne(mode, a, buf)
			if err != nil {
				r.Err = fmt.Sprintf("attempt %d to %s: %v", round, a, err)
				return r
			}
			if round >= warm {
				r.Each[i] = append(r.Each[i], d)
				r.Total[i] += total
			}
		}
	}
	return r
}

// timeOne makes one connection to a and returns the time mode covers and
// the time including socket creation and close.
func timeOne(mode ConnectMode, a netip.AddrPort, buf []byte) (d, total time.Duration, err error) {
	family, sa := unix.AF_INET, unix.Sockaddr(&unix.SockaddrInet4{Port: int(a.Port()), Addr: a.Addr().As4()})
	if a.Addr().Is6() {
		family, sa = unix.AF_INET6, &unix.SockaddrInet6{Port: int(a.Port()), Addr: a.Addr().As16()}
	}
	t0 := time.Now()
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, 0, fmt.Errorf("socket: %w", err)
	}
	defer func() {
		unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
		unix.Close(fd)
		total = time.Since(t0)
	}()
	tv := unix.NsecToTimeval((2 * time.Second).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return 0, 0, fmt.Errorf("SO_RCVTIMEO: %w", err)
	}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
		return 0, 0, fmt.Errorf("SO_SNDTIMEO: %w", err)
	}
	start := time.Now()
	if err := connect(fd, sa); err != nil {
		return 0, 0, err
	}
	if mode == ConnectRead {
		for {
			m, err := unix.Read(fd, buf)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				return 0, 0, fmt.Errorf("read: %w", err)
			}
			if m == 0 {
				break
			}
		}
	}
	return time.Since(start), 0, nil
}

// connect connects the blocking socket fd to sa. A signal interrupting
// connect(2) leaves the handshake going on: connect then waits for it.
func connect(fd int, sa unix.Sockaddr) error {
	err := unix.Connect(fd, sa)
	if err != unix.EINTR {
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		return nil
	}
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	for {
		_, err := unix.Poll(pfd, 2000)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("connect: poll: %w", err)
		}
		break
	}
	soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return fmt.Errorf("connect: SO_ERROR: %w", err)
	}
	if soerr != 0 {
		return fmt.Errorf("connect: %w", unix.Errno(soerr))
	}
	return nil
}
