package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const (
	envClient = "RIGGING_SANDBOX_CLIENT"
	envNetns  = "RIGGING_SANDBOX_NETNS"
	ioTimeout = 5 * time.Second
)

// Result is what a client saw on one attempt.
type Result struct {
	// Backend is the name the server answered with; empty on error.
	Backend string `json:"backend,omitempty"`
	// Peer is the socket's peer as the application sees it: getpeername
	// for connected sockets, the reply's source for unconnected UDP.
	Peer string `json:"peer,omitempty"`
	// Local is the socket's local address (getsockname).
	Local string `json:"local,omitempty"`
	// Err is the errno name (EPERM, ENETUNREACH, ...) or error text.
	Err string `json:"err,omitempty"`
}

// Client runs client processes in Netns and Cgroup: the test binary
// re-executed, its TestMain handing over to ClientMain.
type Client struct {
	Netns  *Netns
	Cgroup *Cgroup
}

// Dial describes a run of attempts.
type Dial struct {
	// Network is "tcp", "udp" (unconnected sendto/recvfrom) or "udpconn"
	// (connected UDP).
	Network string
	// Addr is the destination, usually a service VIP.
	Addr netip.AddrPort
	// More, if set, adds destinations: attempt i goes to the i%(1+len(More))th
	// of Addr, More[0], More[1], ...
	More []netip.AddrPort
	// Count is the number of attempts (default 1), each on a new socket.
	Count int
	// Bind, if set, gives the local addresses: attempt i binds
	// Bind[i%len(Bind)] (port 0) before connecting or sending.
	Bind []netip.Addr
}

func (c Client) command(ctx context.Context, args ...string) (*exec.Cmd, *os.File, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	cg, err := os.Open(c.Cgroup.Path)
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), envClient+"=1", envNetns+"="+c.Netns.Path)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cg.Fd()), Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = ioTimeout
	return cmd, cg, nil
}

// Run makes the attempts d describes from a new client process and
// returns one Result per attempt. It fails t if the process fails.
func (c Client) Run(t testing.TB, d Dial) []Result {
	t.Helper()
	if d.Count == 0 {
		d.Count = 1
	}
	binds := make([]string, len(d.Bind))
	for i, b := range d.Bind {
		binds[i] = b.String()
	}
	addrs := []string{d.Addr.String()}
	for _, a := range d.More {
		addrs = append(addrs, a.String())
	}
	cmd, cg, err := c.command(t.Context(), "dial", "-net", d.Network, "-addr", strings.Join(addrs, ","),
		"-n", strconv.Itoa(d.Count), "-bind", strings.Join(binds, ","))
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("client %v: %v: %s", cmd.Args[1:], err, stderr.String())
	}
	res, err := parseResults(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != d.Count {
		t.Fatalf("client printed %d results, want %d: %s", len(res), d.Count, out)
	}
	return res
}

// Open makes d.Count TCP connections (d.Network must be "tcp"; d.Bind is
// ignored), workers of them connecting at a time, to d.Addr and d.More in
// turn, and keeps them all open until every one has connected. Only then
// does it read each connection's peer (getpeername) and the server's
// answer, so each Result shows the peer a socket reads while all the
// others are open. Results are in attempt order. It fails t if the
// process fails.
func (c Client) Open(t testing.TB, d Dial, workers int) []Result {
	t.Helper()
	if d.Network != "tcp" {
		t.Fatalf("sandbox: Open is for tcp, not %q", d.Network)
	}
	addrs := []string{d.Addr.String()}
	for _, a := range d.More {
		addrs = append(addrs, a.String())
	}
	cmd, cg, err := c.command(t.Context(), "open", "-addr", strings.Join(addrs, ","),
		"-n", strconv.Itoa(max(d.Count, 1)), "-workers", strconv.Itoa(max(workers, 1)))
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("client %v: %v: %s", cmd.Args[1:], err, stderr.String())
	}
	res, err := parseResults(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != max(d.Count, 1) {
		t.Fatalf("client printed %d results, want %d: %s", len(res), d.Count, out)
	}
	return res
}

func parseResults(out []byte) ([]Result, error) {
	var res []Result
	for line := range bytes.Lines(out) {
		var r Result
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("client output %q: %w", line, err)
		}
		res = append(res, r)
	}
	return res, nil
}

// Held is a client process holding one TCP connection open.
type Held struct {
	cmd   *exec.Cmd
	cg    *os.File
	in    io.WriteCloser
	out   *bufio.Reader
	First Result // the connect and first answer
}

// Hold starts a client process that connects to addr over TCP and keeps
// the connection until t ends; Ping exchanges a line over it.
func (c Client) Hold(t testing.TB, addr netip.AddrPort) *Held {
	t.Helper()
	cmd, cg, err := c.command(t.Context(), "hold", "-addr", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	h := &Held{cmd: cmd, cg: cg}
	if h.in, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	h.out = bufio.NewReader(stdout)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.in.Close()
		_ = cmd.Wait()
		cg.Close()
	})
	if h.First, err = h.read(); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *Held) read() (Result, error) {
	line, err := h.out.ReadBytes('\n')
	if err != nil {
		return Result{}, fmt.Errorf("held client: %w", err)
	}
	var r Result
	if err := json.Unmarshal(line, &r); err != nil {
		return Result{}, fmt.Errorf("held client output %q: %w", line, err)
	}
	return r, nil
}

// Ping sends a line over the held connection and returns the answer.
func (h *Held) Ping() (Result, error) {
	if _, err := io.WriteString(h.in, "ping\n"); err != nil {
		return Result{}, err
	}
	return h.read()
}

// ClientMain turns this process into a client when a Client started it,
// and exits; otherwise it returns at once. Call it first in TestMain.
func ClientMain() {
	if os.Getenv(envClient) != "1" {
		return
	}
	runtime.LockOSThread() // sockets are made on this thread, in the netns
	if err := enterNetns(os.Getenv(envNetns)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := clientMain(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(0)
}

func enterNetns(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("setns %s: %w", path, err)
	}
	return nil
}

func clientMain(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("client: no mode")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	network := fs.String("net", "tcp", "tcp, udp or udpconn")
	addrS := fs.String("addr", "", "destination")
	n := fs.Int("n", 1, "attempts")
	bindS := fs.String("bind", "", "comma-separated local addresses")
	workers := fs.Int("workers", 1, "connections made at a time (open)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var addrs []netip.AddrPort
	for _, a := range strings.Split(*addrS, ",") {
		ap, err := netip.ParseAddrPort(a)
		if err != nil {
			return err
		}
		addrs = append(addrs, ap)
	}
	addr := addrs[0]
	var binds []netip.Addr
	for _, b := range strings.Split(*bindS, ",") {
		if b == "" {
			continue
		}
		a, err := netip.ParseAddr(b)
		if err != nil {
			return err
		}
		binds = append(binds, a)
	}
	enc := json.NewEncoder(stdout)
	switch args[0] {
	case "dial":
		for i := range *n {
			var bind netip.Addr
			if len(binds) > 0 {
				bind = binds[i%len(binds)]
			}
			if err := enc.Encode(attempt(*network, addrs[i%len(addrs)], bind)); err != nil {
				return err
			}
		}
		return nil
	case "hold":
		return hold(addr, stdin, enc)
	case "open":
		return openAll(addrs, *n, *workers, enc)
	case "bench":
		return bench(addrs, *n, enc)
	}
	return fmt.Errorf("client: unknown mode %q", args[0])
}

func errName(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if name := unix.ErrnoName(errno); name != "" {
			return name
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return err.Error()
}

func localAddr(bind netip.Addr) netip.AddrPort {
	if !bind.IsValid() {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(bind, 0)
}

func peerOf(c syscall.Conn) string {
	rc, err := c.SyscallConn()
	if err != nil {
		return ""
	}
	var peer string
	_ = rc.Control(func(fd uintptr) {
		sa, err := unix.Getpeername(int(fd))
		if err != nil {
			peer = "error:" + errName(err)
			return
		}
		peer = sockaddrString(sa)
	})
	return peer
}

func sockaddrString(sa unix.Sockaddr) string {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port)).String()
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port)).String()
	}
	return fmt.Sprint(sa)
}

func attempt(network string, addr netip.AddrPort, bind netip.Addr) Result {
	switch network {
	case "tcp":
		d := net.Dialer{Timeout: ioTimeout}
		if bind.IsValid() {
			d.LocalAddr = net.TCPAddrFromAddrPort(localAddr(bind))
		}
		c, err := d.Dial("tcp", addr.String())
		if err != nil {
			return Result{Err: errName(err)}
		}
		defer c.Close()
		r := Result{Peer: peerOf(c.(*net.TCPConn)), Local: c.LocalAddr().String()}
		_ = c.SetDeadline(time.Now().Add(ioTimeout))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return Result{Err: errName(err), Peer: r.Peer}
		}
		r.Backend = strings.TrimSuffix(line, "\n")
		return r
	case "udpconn":
		var laddr *net.UDPAddr
		if bind.IsValid() {
			laddr = net.UDPAddrFromAddrPort(localAddr(bind))
		}
		c, err := net.DialUDP("udp", laddr, net.UDPAddrFromAddrPort(addr))
		if err != nil {
			return Result{Err: errName(err)}
		}
		defer c.Close()
		r := Result{Peer: peerOf(c), Local: c.LocalAddr().String()}
		_ = c.SetDeadline(time.Now().Add(ioTimeout))
		if _, err := c.Write([]byte("ping")); err != nil {
			return Result{Err: errName(err)}
		}
		buf := make([]byte, 2048)
		k, err := c.Read(buf)
		if err != nil {
			return Result{Err: errName(err), Peer: r.Peer}
		}
		r.Backend = string(buf[:k])
		return r
	case "udp":
		var laddr *net.UDPAddr
		if bind.IsValid() {
			laddr = net.UDPAddrFromAddrPort(localAddr(bind))
		}
		c, err := net.ListenUDP("udp", laddr)
		if err != nil {
			return Result{Err: errName(err)}
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(ioTimeout))
		if _, err := c.WriteToUDPAddrPort([]byte("ping"), addr); err != nil {
			return Result{Err: errName(err)}
		}
		buf := make([]byte, 2048)
		k, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return Result{Err: errName(err)}
		}
		return Result{Backend: string(buf[:k]), Peer: netip.AddrPortFrom(from.Addr().Unmap(), from.Port()).String(), Local: c.LocalAddr().String()}
	}
	return Result{Err: "unknown network " + network}
}

func hold(addr netip.AddrPort, stdin io.Reader, enc *json.Encoder) error {
	c, err := net.DialTimeout("tcp", addr.String(), ioTimeout)
	if err != nil {
		return enc.Encode(Result{Err: errName(err)})
	}
	defer c.Close()
	r := bufio.NewReader(c)
	answer := func() Result {
		// The peer is read anew each time: it must stay the VIP.
		peer := peerOf(c.(*net.TCPConn))
		_ = c.SetDeadline(time.Now().Add(ioTimeout))
		line, err := r.ReadString('\n')
		if err != nil {
			return Result{Err: errName(err), Peer: peer}
		}
		return Result{Backend: strings.TrimSuffix(line, "\n"), Peer: peer, Local: c.LocalAddr().String()}
	}
	if err := enc.Encode(answer()); err != nil {
		return err
	}
	in := bufio.NewScanner(stdin)
	for in.Scan() {
		_ = c.SetDeadline(time.Now().Add(ioTimeout))
		if _, err := io.WriteString(c, "ping\n"); err != nil {
			if err := enc.Encode(Result{Err: errName(err)}); err != nil {
				return err
			}
			continue
		}
		if err := enc.Encode(answer()); err != nil {
			return err
		}
	}
	return in.Err()
}

// openAll is Client.Open's client side.
func openAll(addrs []netip.AddrPort, n, workers int, enc *json.Encoder) error {
	conns := make([]*net.TCPConn, n)
	errs := make([]error, n)
	next := make(chan int)
	done := make(chan struct{})
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			// The network namespace belongs to the thread: enter it on
			// this one, which then ends with the goroutine.
			runtime.LockOSThread()
			nsErr := enterNetns(os.Getenv(envNetns))
			d := net.Dialer{Timeout: ioTimeout}
			for i := range next {
				if nsErr != nil {
					errs[i] = nsErr
					continue
				}
				c, err := d.Dial("tcp", addrs[i%len(addrs)].String())
				if err == nil {
					conns[i] = c.(*net.TCPConn)
				}
				errs[i] = err
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	for range workers {
		<-done
	}
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	for i, c := range conns {
		if errs[i] != nil {
			if err := enc.Encode(Result{Err: errName(errs[i])}); err != nil {
				return err
			}
			continue
		}
		res := Result{Peer: peerOf(c), Local: c.LocalAddr().String()}
		_ = c.SetDeadline(time.Now().Add(ioTimeout))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			res.Err = errName(err)
		} else {
			res.Backend = strings.TrimSuffix(line, "\n")
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	return nil
}

// BenchResult is the timing of runs of TCP connects.
type BenchResult struct {
	// N connects to each address took Elapsed[i] in all for the i-th
	// address; each is one connect(2) to completion and an abortive close
	// (SO_LINGER 0, so no TIME_WAIT piles up).
	N       int             `json:"n"`
	Elapsed []time.Duration `json:"elapsed"`
	Err     string          `json:"err,omitempty"`
}

// Bench times n TCP connects to each of addrs from one client process,
// taking the addresses in turn (connect to addrs[0], then addrs[1], ...,
// n rounds) so that all see the same machine load, and returns the
// client's own measurement (process start-up excluded).
func (c Client) Bench(t testing.TB, n int, addrs ...netip.AddrPort) BenchResult {
	t.Helper()
	as := make([]string, len(addrs))
	for i, a := range addrs {
		as[i] = a.String()
	}
	cmd, cg, err := c.command(t.Context(), "bench", "-addr", strings.Join(as, ","), "-n", strconv.Itoa(n))
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bench client: %v: %s", err, stderr.String())
	}
	var r BenchResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("bench client output %q: %v", out, err)
	}
	if r.Err != "" {
		t.Fatalf("bench client: %s", r.Err)
	}
	return r
}

func bench(addrs []netip.AddrPort, n int, enc *json.Encoder) error {
	sas := make([]*net.TCPAddr, len(addrs))
	for i, a := range addrs {
		sas[i] = net.TCPAddrFromAddrPort(a)
	}
	res := BenchResult{N: n, Elapsed: make([]time.Duration, len(addrs))}
	for range n {
		for i, sa := range sas {
			start := time.Now()
			c, err := net.DialTCP("tcp", nil, sa)
			if err != nil {
				res.Err = fmt.Sprintf("%v: %s", sa, errName(err))
				return enc.Encode(res)
			}
			_ = c.SetLinger(0)
			c.Close()
			res.Elapsed[i] += time.Since(start)
		}
	}
	return enc.Encode(res)
}
