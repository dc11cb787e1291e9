package bridge_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/rigging-dev/rigging/cni"
	"github.com/rigging-dev/rigging/cni/bridge"
	"github.com/rigging-dev/rigging/cni/netns"
)

// needRoot skips a test that needs root, or fails it in CI, where nothing
// may be skipped silently.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test needs root, and CI must run it")
		}
		t.Skip("needs root")
	}
}

// newNS makes a network namespace for the test and removes it after.
func newNS(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := netns.Create(p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := netns.Delete(p); err != nil {
			t.Error(err)
		}
	})
	return p
}

// listenIn listens on addr from inside the namespace at ns; the socket
// stays in that namespace whatever thread uses it later.
func listenIn(t *testing.T, ns, addr string) net.Listener {
	t.Helper()
	var ln net.Listener
	if err := netns.Do(ns, func() error {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, c.LocalAddr().String())
			c.Close()
		}
	}()
	return ln
}

// dialFrom connects to addr from inside ns and returns what the server
// wrote (its local address).
func dialFrom(t *testing.T, ns, addr string) string {
	t.Helper()
	var got []byte
	err := netns.Do(ns, func() error {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		got, err = io.ReadAll(c)
		return err
	})
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, ns, err)
	}
	return string(got)
}

func TestBridgeWiresPods(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	dir := t.TempDir()
	host := newNS(t, dir, "host")
	pod1 := newNS(t, dir, "pod1")
	pod2 := newNS(t, dir, "pod2")
	p, err := bridge.New(bridge.Options{
		BridgeName: "rigtest0",
		Subnet:     netip.MustParsePrefix("10.99.0.0/24"),
		DataDir:    filepath.Join(dir, "ipam"),
		HostNetNS:  host,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Teardown(ctx); err != nil {
			t.Error(err)
		}
	})
	if err := p.Status(ctx); err != nil {
		t.Fatalf("Status: %v", err)
	}
	att1 := cni.Attachment{ContainerID: "c1", NetNS: pod1, IfName: cni.DefaultIfName, Pod: cni.PodArgs{Namespace: "default", Name: "a"}}
	att2 := cni.Attachment{ContainerID: "c2", NetNS: pod2, IfName: cni.DefaultIfName}
	r1, err := p.Add(ctx, att1)
	if err != nil {
		t.Fatalf("Add 1: %v", err)
	}
	r2, err := p.Add(ctx, att2)
	if err != nil {
		t.Fatalf("Add 2: %v", err)
	}
	ip1, ip2 := r1.PrimaryIPs()[0].String(), r2.PrimaryIPs()[0].String()
	if ip1 != "10.99.0.2" || ip2 != "10.99.0.3" {
		t.Fatalf("addresses %s and %s, want 10.99.0.2 and 10.99.0.3 (the first after the gateway)", ip1, ip2)
	}
	if _, err := p.Add(ctx, att1); err == nil {
		t.Fatal("second Add of the same attachment succeeded")
	}

	// Pod to pod, node to pod.
	ln := listenIn(t, pod1, ip1+":0")
	if got := dialFrom(t, pod2, ln.Addr().String()); got != ln.Addr().String() {
		t.Fatalf("pod2 -> pod1 reached %q, want %q", got, ln.Addr())
	}
	if got := dialFrom(t, host, ln.Addr().String()); got != ln.Addr().String() {
		t.Fatalf("host -> pod1 reached %q", got)
	}
	// The default route leads to the gateway: pod to node.
	hl := listenIn(t, host, p.Gateway().String()+":0")
	if got := dialFrom(t, pod1, hl.Addr().String()); got != hl.Addr().String() {
		t.Fatalf("pod1 -> gateway reached %q", got)
	}

	if err := p.Check(ctx, att1, r1); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if err := p.Del(ctx, att1); err != nil {
		t.Fatalf("Del: %v", err)
	}
	var ce *cni.Error
	if err := p.Check(ctx, att1, r1); !errors.As(err, &ce) {
		t.Fatalf("Check after Del = %v, want a *cni.Error", err)
	}
	if err := p.Del(ctx, att1); err != nil {
		t.Fatalf("second Del: %v", err)
	}
	// The address is not reused at once (round robin), and a restart of the
	// plugin keeps the allocation of c2.
	p2, err := bridge.New(bridge.Options{BridgeName: "rigtest0", Subnet: netip.MustParsePrefix("10.99.0.0/24"), DataDir: filepath.Join(dir, "ipam"), HostNetNS: host})
	if err != nil {
		t.Fatal(err)
	}
	pod3 := newNS(t, dir, "pod3")
	r3, err := p2.Add(ctx, cni.Attachment{ContainerID: "c3", NetNS: pod3, IfName: "eth0"})
	if err != nil {
		t.Fatal(err)
	}
	if got := r3.PrimaryIPs()[0].String(); got != "10.99.0.4" {
		t.Fatalf("third address %s, want 10.99.0.4", got)
	}
	// GC keeps c3 and frees c2.
	if err := p2.GC(ctx, []cni.AttachmentKey{{ContainerID: "c3", IfName: "eth0"}}); err != nil {
		t.Fatal(err)
	}
	if err := p2.Check(ctx, att2, r2); err == nil {
		t.Fatal("c2 survived GC")
	}
	if err := p2.Check(ctx, cni.Attachment{ContainerID: "c3", NetNS: pod3, IfName: "eth0"}, r3); err != nil {
		t.Fatalf("c3 lost by GC: %v", err)
	}
	// Teardown leaves no bridge behind.
	if err := p2.Teardown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := netns.Do(host, func() error {
		if _, err := netlink.LinkByName("rigtest0"); err == nil {
			return errors.New("bridge still exists after Teardown")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestValidation(t *testing.T) {
	for _, o := range []bridge.Options{
		{BridgeName: "this-name-is-far-too-long"},
		{Subnet: netip.MustParsePrefix("10.0.0.0/31")},
		{MTU: 10},
	} {
		if _, err := bridge.New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
	p, err := bridge.New(bridge.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, att := range []cni.Attachment{{}, {ContainerID: "x"}, {ContainerID: "x", IfName: "eth0"}} {
		var ce *cni.Error
		if _, err := p.Add(context.Background(), att); !errors.As(err, &ce) || ce.Code != cni.ErrInvalidEnvironmentVariables {
			t.Errorf("Add(%+v) = %v, want code %d", att, err, cni.ErrInvalidEnvironmentVariables)
		}
	}
}
