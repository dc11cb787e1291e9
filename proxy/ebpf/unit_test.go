package ebpf

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rigging-dev/rigging/proxy"
)

// Tests in this file need no privileges.

func TestMaglevTableBalanced(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 10, 100} {
		names := make([]string, n)
		for i := range names {
			names[i] = fmt.Sprintf("10.0.%d.%d:8080", i/256, i%256)
		}
		table, err := maglevTable(names, DefaultMaglevTableSize)
		if err != nil {
			t.Fatal(err)
		}
		if len(table) != DefaultMaglevTableSize {
			t.Fatalf("n=%d: table size %d", n, len(table))
		}
		owned := make([]int, n)
		for _, b := range table {
			owned[b]++
		}
		lo, hi := DefaultMaglevTableSize/n, (DefaultMaglevTableSize+n-1)/n
		for i, c := range owned {
			if c < lo || c > hi {
				t.Errorf("n=%d: backend %d owns %d entries, want %d..%d", n, i, c, lo, hi)
			}
		}
		again, _ := maglevTable(names, DefaultMaglevTableSize)
		if diff := cmp.Diff(table, again); diff != "" {
			t.Errorf("n=%d: table not deterministic (-first +second):\n%s", n, diff)
		}
	}
}

// Removing one of 10 backends moves few entries between the other 9 (the
// paper reports a few percent; we bound it at 10%).
func TestMaglevTableMinimalDisruption(t *testing.T) {
	names := make([]string, 10)
	for i := range names {
		names[i] = fmt.Sprintf("10.0.0.%d:8080", i+1)
	}
	before, err := maglevTable(names, DefaultMaglevTableSize)
	if err != nil {
		t.Fatal(err)
	}
	after, err := maglevTable(names[1:], DefaultMaglevTableSize)
	if err != nil {
		t.Fatal(err)
	}
	moved, others := 0, 0
	for i := range before {
		if before[i] == 0 {
			continue
		}
		others++
		if names[before[i]] != names[1:][after[i]] {
			moved++
		}
	}
	if moved*10 > others {
		t.Errorf("%d of %d entries of the remaining backends moved; want under 10%%", moved, others)
	}
}

func TestMaglevTableTooManyBackends(t *testing.T) {
	if _, err := maglevTable([]string{"a", "b", "c", "d"}, 3); err == nil {
		t.Error("4 backends in a table of 3: no error")
	}
}

func TestOptionsDefaults(t *testing.T) {
	got, err := Options{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	want := Options{PinPath: DefaultPinPath, MaxServices: DefaultMaxServices, MaxBackends: DefaultMaxBackends,
		MaxSlots: DefaultMaxSlots, AffinityEntries: DefaultAffinityEntries, RevNATEntries: DefaultRevNATEntries,
		MaglevTableSize: DefaultMaglevTableSize}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Options{}, "Logger")); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestOptionsInvalid(t *testing.T) {
	for _, o := range []Options{
		{PinPath: "relative/dir"},
		{PinPath: "/"},
		{CgroupPath: "sys/fs/cgroup"},
		{MaglevTableSize: 1000},
		{MaglevTableSize: 2},
		{MaglevTableSize: 65537},
	} {
		if _, err := o.withDefaults(); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

const mountinfoHybrid = `22 27 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 22 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
27 26 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
28 26 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
`

func TestCgroup2RootFrom(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		err            error
	}{
		{"hybrid", mountinfoHybrid, "/sys/fs/cgroup/unified", nil},
		{"unified", "30 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n", "/sys/fs/cgroup", nil},
		{"optional fields", "30 1 0:26 / /cg rw shared:1 master:2 - cgroup2 none rw\n", "/cg", nil},
		{"escaped", `30 1 0:26 / /my\040cgroup rw - cgroup2 cgroup2 rw` + "\n", "/my cgroup", nil},
		{"none", "26 22 0:23 / /sys/fs/cgroup ro - tmpfs tmpfs ro\n", "", ErrNoCgroup2},
		{"garbage", "no separator here\n - \n", "", ErrNoCgroup2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cgroup2RootFrom(strings.NewReader(tc.in))
			if !errors.Is(err, tc.err) || got != tc.want {
				t.Errorf("got %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func FuzzCgroup2RootFrom(f *testing.F) {
	f.Add(mountinfoHybrid)
	f.Add(`1 2 3 4 /a\101\ - cgroup2`)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := cgroup2RootFrom(strings.NewReader(in))
		if err == nil && got == "" && !strings.Contains(in, "cgroup2") {
			t.Errorf("found an empty root in input without cgroup2")
		}
	})
}

func TestCanonicalBackends(t *testing.T) {
	b := func(s string) proxy.Backend {
		ap := netip.MustParseAddrPort(s)
		return proxy.Backend{Addr: ap.Addr(), Port: ap.Port()}
	}
	in := []proxy.Backend{b("10.0.0.2:80"), b("[::ffff:10.0.0.1]:80"), b("10.0.0.2:80"), b("10.0.0.1:79")}
	want := []proxy.Backend{b("10.0.0.1:79"), b("10.0.0.1:80"), b("10.0.0.2:80")}
	got := canonicalBackends(in)
	if diff := cmp.Diff(want, got, cmp.Comparer(func(x, y netip.Addr) bool { return x == y })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if isCanonical(in) || !isCanonical(got) {
		t.Errorf("isCanonical(in)=%v, isCanonical(out)=%v", isCanonical(in), isCanonical(got))
	}
	p := &programmed{backends: got}
	if !p.matches(&proxy.Service{Backends: in}, DefaultMaglevTableSize) {
		t.Error("a service with the same backends in another order and form does not match")
	}
	if p.matches(&proxy.Service{Backends: in, Affinity: time.Second}, DefaultMaglevTableSize) {
		t.Error("a service with other affinity matches")
	}
}

func TestIDAlloc(t *testing.T) {
	a := newIDAlloc()
	a.mark(7)
	a.next = 1<<32 - 2
	var got []uint32
	for range 4 {
		id, err := a.alloc()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	// Wraps past 2^32-1, skips 0, and a freed id is not handed out again
	// before the counter comes round.
	if diff := cmp.Diff([]uint32{1<<32 - 2, 1<<32 - 1, 1, 2}, got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	a.free(1)
	if id, _ := a.alloc(); id != 3 {
		t.Errorf("after freeing 1, got %d, want 3", id)
	}
}

func TestKeyEncoding(t *testing.T) {
	for _, s := range []string{"10.96.0.10:80", "[fd00::1]:53"} {
		ap := netip.MustParseAddrPort(s)
		k := proxy.ServiceKey{Addr: ap.Addr(), Port: ap.Port(), Protocol: proxy.UDP}
		if got := serviceKeyOf(svcKeyOf(k)); got != k {
			t.Errorf("round trip of %v gave %v", k, got)
		}
		enc := svcKeyOf(k)
		if hostPort(enc.Port) != ap.Port() {
			t.Errorf("port %d encoded as %#x", ap.Port(), enc.Port)
		}
	}
}

func TestPinPathMustBeOnBPFFS(t *testing.T) {
	dir := t.TempDir() // tmpfs or disk, never bpffs
	_, err := ensurePinDir(dir + "/rigging")
	if err == nil || !strings.Contains(err.Error(), "not on a bpf filesystem") {
		t.Errorf("pin path on %s: %v; want a not-on-bpffs error", dir, err)
	}
}

func TestCgroupPathMustBeCgroup2(t *testing.T) {
	dir := t.TempDir()
	if _, err := cgroupID(dir); err == nil || !strings.Contains(err.Error(), "not a cgroup v2 directory") {
		t.Errorf("cgroup path %s: %v; want a not-cgroup2 error", dir, err)
	}
	if _, err := cgroupID(dir + "/missing"); err == nil {
		t.Error("missing cgroup path: no error")
	}
}
