package nftables_test

import (
	"context"
	"net/netip"
	"os"
	"strings"
	"testing"

	nft "github.com/google/nftables"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/dataplanetest"
	"github.com/rigging-dev/rigging/proxy/nftables"
)

func TestNewRejectsBadOptions(t *testing.T) {
	if _, err := nftables.New(nftables.Options{Table: strings.Repeat("x", 300)}); err == nil {
		t.Error("New with a 300-byte table name succeeded")
	}
	if _, err := nftables.New(nftables.Options{NetNS: t.TempDir() + "/missing"}); err == nil {
		t.Error("New with a missing namespace succeeded")
	}
}

func TestApplyRejectsInvalidState(t *testing.T) {
	env := dataplanetest.NewEnv(t)
	dp := newDataplane(t, env)
	bad := &proxy.State{Services: map[proxy.ServiceKey]*proxy.Service{
		{Addr: netip.MustParseAddr("10.201.0.1"), Port: 0, Protocol: proxy.TCP}: {Name: "x"},
	}}
	if err := dp.Apply(t.Context(), bad); err == nil {
		t.Error("Apply of a port-0 service succeeded")
	}
}

// TestDriftIsRepaired deletes the table behind the dataplane's back; the
// next Apply of the same State must put it back.
func TestDriftIsRepaired(t *testing.T) {
	env := dataplanetest.NewEnv(t)
	dp := newDataplane(t, env)
	bs := []proxy.Backend{{Addr: dataplanetest.BackendAddr(0), Port: dataplanetest.TCPPort}}
	env.Serve(t, proxy.TCP, dataplanetest.TCPPort, bs[0].Addr)
	vip := netip.AddrPortFrom(dataplanetest.VIP(9), 80)
	st := &proxy.State{Services: map[proxy.ServiceKey]*proxy.Service{
		{Addr: vip.Addr(), Port: vip.Port(), Protocol: proxy.TCP}: {Name: "default/web:http", Backends: bs},
	}}
	if err := dp.Apply(t.Context(), st); err != nil {
		t.Fatal(err)
	}
	ns, err := os.Open(env.NetNS)
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	c, err := nft.New(nft.WithNetNSFd(int(ns.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	c.DelTable(&nft.Table{Name: nftables.DefaultTable, Family: nft.TableFamilyINet})
	if err := c.Flush(); err != nil {
		t.Fatalf("delete the table behind the dataplane's back: %v", err)
	}
	if r := env.Dial(t, proxy.TCP, vip, 1)[0]; r.Err == "" {
		t.Fatalf("with the table deleted, the VIP still answered %q", r.Got)
	}
	if err := dp.Apply(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	if r := env.Dial(t, proxy.TCP, vip, 1)[0]; r.Err != "" || r.Got != bs[0].String() {
		t.Fatalf("after resync, VIP gave %+v, want an answer from %s", r, bs[0])
	}
}
