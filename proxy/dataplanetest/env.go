package dataplanetest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/rigging-dev/rigging/proxy"
)

// CgroupRoot is the cgroup v2 hierarchy Env makes its cgroup in.
const CgroupRoot = "/sys/fs/cgroup/unified"

// The addresses of an Env's namespace.
var (
	// BackendPrefix holds the backend addresses: BackendAddr(0..9),
	// 10.200.0.1 to 10.200.0.10, each a /32 on lo.
	BackendPrefix = netip.MustParsePrefix("10.200.0.0/24")
	// VIPPrefix is routed as local addresses to lo inside the namespace
	// only: without a dataplane, a connection to one is refused.
	VIPPrefix = netip.MustParsePrefix("10.201.0.0/16")
)

// BackendAddr returns the i-th backend address (0 <= i < 10).
func BackendAddr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 200, 0, byte(i + 1)})
}

// VIP returns the i-th virtual address of VIPPrefix (0 <= i < 65,000).
func VIP(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 201, byte((i + 1) / 256), byte((i + 1) % 256)})
}

// Env is one test's private world, made by NewEnv and removed at the
// test's end: a network namespace (NetNS) with lo up carrying the ten
// backend addresses and VIPPrefix routed locally, and a cgroup
// (Cgroup) for dataplanes that attach per cgroup. Clients started by Dial
// run inside both.
type Env struct {
	// NetNS is the path of the network namespace (a bind mount in the
	// test's temporary directory).
	NetNS string
	// Cgroup is the path of the test's cgroup under CgroupRoot.
	Cgroup string
}

// Require skips the test when the process is not root, or fails it when
// the environment variable CI is "true".
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("dataplanetest: needs root (CI=true, so this does not skip)")
	}
	t.Skip("dataplanetest: needs root")
}

var envSeq atomic.Int64

// NewEnv makes an Env for t (see Require) and removes it in t.Cleanup.
func NewEnv(t testing.TB) *Env {
	t.Helper()
	Require(t)
	path := filepath.Join(t.TempDir(), "netns")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	mounted := make(chan bool, 1)
	go func() {
		// This thread moves to the new namespace and is never unlocked, so
		// the runtime ends it rather than reuse it.
		runtime.LockOSThread()
		errc <- setupNetNS(path, mounted)
	}()
	err := <-errc
	if <-mounted {
		t.Cleanup(func() {
			if err := unix.Unmount(path, unix.MNT_DETACH); err != nil {
				t.Errorf("dataplanetest: unmount %s: %v", path, err)
			}
		})
	}
	if err != nil {
		t.Fatalf("dataplanetest: network namespace: %v", err)
	}
	cg := filepath.Join(CgroupRoot, fmt.Sprintf("rigging-dataplanetest-%d-%d", os.Getpid(), envSeq.Add(1)))
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Fatalf("dataplanetest: make cgroup: %v", err)
	}
	t.Cleanup(func() {
		if err := os.Remove(cg); err != nil {
			t.Errorf("dataplanetest: remove cgroup: %v", err)
		}
	})
	return &Env{NetNS: path, Cgroup: cg}
}

// setupNetNS runs on a locked thread it leaves in the new namespace.
// It reports on mounted whether it bind-mounted path.
func setupNetNS(path string, mounted chan<- bool) error {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		mounted <- false
		return fmt.Errorf("unshare: %w", err)
	}
	self := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
	if err := unix.Mount(self, path, "", unix.MS_BIND, ""); err != nil {
		mounted <- false
		return fmt.Errorf("bind mount %s: %w", self, err)
	}
	mounted <- true
	h, err := netlink.NewHandleAt(netns.None())
	if err != nil {
		return err
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		return err
	}
	if err := h.LinkSetUp(lo); err != nil {
		return fmt.Errorf("lo up: %w", err)
	}
	for i := range 10 {
		a := BackendAddr(i)
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(32, 32)}}
		if err := h.AddrAdd(lo, addr); err != nil {
			return fmt.Errorf("add %v: %w", a, err)
		}
	}
	vip := &net.IPNet{IP: VIPPrefix.Addr().AsSlice(), Mask: net.CIDRMask(VIPPrefix.Bits(), 32)}
	if err := h.RouteAdd(&netlink.Route{
		LinkIndex: lo.Attrs().Index, Dst: vip, Type: unix.RTN_LOCAL, Table: unix.RT_TABLE_LOCAL, Scope: netlink.SCOPE_HOST,
	}); err != nil {
		return fmt.Errorf("route %v: %w", VIPPrefix, err)
	}
	return nil
}

// Do runs f on an OS thread inside the Env's network namespace and returns
// its error: sockets f opens belong to the namespace (but not to the
// cgroup: use Dial for dataplanes that attach per cgroup). Benchmarks use
// it to connect without starting a process per connection.
func (e *Env) Do(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		ns, err := netns.GetFromPath(e.NetNS)
		if err != nil {
			errc <- err
			return
		}
		defer ns.Close()
		if err := netns.Set(ns); err != nil {
			errc <- fmt.Errorf("setns %s: %w", e.NetNS, err)
			return
		}
		errc <- f()
	}()
	return <-errc
}

// Serve starts a server of proto on every addr:port inside the namespace
// until the test ends. A TCP server writes its own address ("ip:port")
// and closes the connection; a UDP server answers each datagram with its
// own address.
func (e *Env) Serve(t testing.TB, proto proxy.Protocol, port uint16, addrs ...netip.Addr) {
	t.Helper()
	for _, a := range addrs {
		wg := new(sync.WaitGroup)
		ap := netip.AddrPortFrom(a, port)
		var ln net.Listener
		var pc net.PacketConn
		err := e.Do(func() (err error) {
			switch proto {
			case proxy.TCP:
				ln, err = net.Listen("tcp", ap.String())
			case proxy.UDP:
				pc, err = net.ListenPacket("udp", ap.String())
			default:
				err = fmt.Errorf("protocol %v", proto)
			}
			return err
		})
		if err != nil {
			t.Fatalf("dataplanetest: serve %s/%v: %v", ap, proto, err)
		}
		me := []byte(ap.String())
		if ln != nil {
			t.Cleanup(func() { ln.Close(); wg.Wait() })
			wg.Go(func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					c.Write(me)
					c.Close()
				}
			})
		} else {
			t.Cleanup(func() { pc.Close(); wg.Wait() })
			wg.Go(func() {
				buf := make([]byte, 64)
				for {
					_, from, err := pc.ReadFrom(buf)
					if err != nil {
						return
					}
					pc.WriteTo(me, from)
				}
			})
		}
	}
}

// Result is what one client connection got.
type Result struct {
	// Got is what the server sent: its own "ip:port".
	Got string `json:"got,omitempty"`
	// Remote is the connected socket's peer address (getpeername).
	Remote string `json:"remote,omitempty"`
	// Err is the error that ended the attempt, "" when it worked.
	Err string `json:"err,omitempty"`
}

// Dial makes n connections (TCP) or exchanges (UDP: one datagram each,
// from a new socket) to addr, one after another, from a child process
// running inside the Env's namespace and cgroup, and returns what each
// got. Each attempt waits at most 2 s. The child is the test binary
// itself, re-executed with an environment variable this package's init
// recognises, so it needs no TestMain.
func (e *Env) Dial(t testing.TB, proto proxy.Protocol, addr netip.AddrPort, n int) []Result {
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
	cmd := exec.CommandContext(t.Context(), exe)
	cmd.Env = append(os.Environ(),
		envClient+"=1",
		envNetNS+"="+e.NetNS,
		envProto+"="+strconv.Itoa(int(proto)),
		envAddr+"="+addr.String(),
		envCount+"="+strconv.Itoa(n),
	)
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cg.Fd())}
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("dataplanetest: client: %v: %s", err, stderr)
	}
	var res []Result
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("dataplanetest: client output %q: %v", sc.Text(), err)
		}
		res = append(res, r)
	}
	if len(res) != n {
		t.Fatalf("dataplanetest: client reported %d results, want %d", len(res), n)
	}
	return res
}

// Environment of a client child.
const (
	envClient = "RIGGING_DATAPLANETEST_CLIENT"
	envNetNS  = "RIGGING_DATAPLANETEST_NETNS"
	envProto  = "RIGGING_DATAPLANETEST_PROTO"
	envAddr   = "RIGGING_DATAPLANETEST_ADDR"
	envCount  = "RIGGING_DATAPLANETEST_COUNT"
)

func init() {
	if os.Getenv(envClient) != "1" {
		return
	}
	os.Exit(clientMain())
}

// enterChildNetNS locks a child process's main thread (it runs from
// init, before other goroutines) and moves it into the namespace named
// by envNetNS.
func enterChildNetNS() error {
	runtime.LockOSThread()
	ns, err := netns.GetFromPath(os.Getenv(envNetNS))
	if err != nil {
		return err
	}
	return netns.Set(ns)
}

// clientMain is the child process: it enters the namespace on its main
// thread (locked during init) and dials from it.
func clientMain() int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, err); return 2 }
	if err := enterChildNetNS(); err != nil {
		return fail(err)
	}
	proto, _ := strconv.Atoi(os.Getenv(envProto))
	n, err := strconv.Atoi(os.Getenv(envCount))
	if err != nil {
		return fail(err)
	}
	addr := os.Getenv(envAddr)
	w := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(w)
	for range n {
		enc.Encode(dialOnce(proxy.Protocol(proto), addr))
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	return 0
}

func dialOnce(proto proxy.Protocol, addr string) Result {
	network := "tcp"
	if proto == proxy.UDP {
		network = "udp"
	}
	c, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		return Result{Err: err.Error()}
	}
	defer c.Close()
	r := Result{Remote: c.RemoteAddr().String()}
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if proto == proxy.UDP {
		if _, err := c.Write([]byte("hello")); err != nil {
			r.Err = err.Error()
			return r
		}
	}
	buf := make([]byte, 64)
	m, err := c.Read(buf)
	if err != nil {
		r.Err = err.Error()
		return r
	}
	r.Got = string(buf[:m])
	return r
}
