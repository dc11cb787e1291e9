package nftables_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/dataplanetest"
	"github.com/rigging-dev/rigging/proxy/nftables"
)

func benchDataplane(b *testing.B, env *dataplanetest.Env) *nftables.Dataplane {
	b.Helper()
	dp, err := nftables.New(nftables.Options{NetNS: env.NetNS})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := dp.Uninstall(context.Background()); err != nil {
			b.Error(err)
		}
		dp.Close()
	})
	return dp
}

// BenchmarkApplyFromEmpty times programming n services of 10 endpoints
// into an empty table (one transaction).
func BenchmarkApplyFromEmpty(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			env := dataplanetest.NewEnv(b)
			dp := benchDataplane(b, env)
			st := dataplanetest.ScaleState(n)
			empty := &proxy.State{}
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				if err := dp.Apply(ctx, empty); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := dp.Apply(ctx, st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEndpointChange times one Apply that changes one endpoint of
// one service among n.
func BenchmarkEndpointChange(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			env := dataplanetest.NewEnv(b)
			dp := benchDataplane(b, env)
			st := dataplanetest.ScaleState(n)
			ctx := context.Background()
			if err := dp.Apply(ctx, st); err != nil {
				b.Fatal(err)
			}
			k := proxy.ServiceKey{Addr: dataplanetest.VIP(n / 2), Port: 80, Protocol: proxy.TCP}
			orig := st.Services[k]
			alt := &proxy.Service{Name: orig.Name, Backends: append([]proxy.Backend{}, orig.Backends[:9]...)}
			i := 0
			for b.Loop() {
				if i%2 == 0 {
					st.Services[k] = alt
				} else {
					st.Services[k] = orig
				}
				i++
				if err := dp.Apply(ctx, st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkConnect times a TCP connect (and the server's answer) through
// a virtual address against one straight to a backend.
func BenchmarkConnect(b *testing.B) {
	env := dataplanetest.NewEnv(b)
	dp := benchDataplane(b, env)
	bs := []proxy.Backend{}
	for i := range 10 {
		bs = append(bs, proxy.Backend{Addr: dataplanetest.BackendAddr(i), Port: dataplanetest.TCPPort})
	}
	var addrs []netip.Addr
	for _, x := range bs {
		addrs = append(addrs, x.Addr)
	}
	env.Serve(b, proxy.TCP, dataplanetest.TCPPort, addrs...)
	vip := netip.AddrPortFrom(dataplanetest.VIP(0), 80)
	if err := dp.Apply(context.Background(), &proxy.State{Services: map[proxy.ServiceKey]*proxy.Service{
		{Addr: vip.Addr(), Port: vip.Port(), Protocol: proxy.TCP}: {Name: "bench/web:http", Backends: bs},
	}}); err != nil {
		b.Fatal(err)
	}
	direct := make([]string, len(bs))
	for i, x := range bs {
		direct[i] = x.String()
	}
	// "direct" goes round the backends, so that both cases spread over
	// the same ten servers.
	for _, c := range []struct {
		name string
		to   []string
	}{{"direct", direct}, {"vip", []string{vip.String()}}} {
		b.Run(c.name, func(b *testing.B) {
			err := env.Do(func() error {
				buf := make([]byte, 64)
				i := 0
				for b.Loop() {
					i++
					conn, err := net.Dial("tcp", c.to[i%len(c.to)])
					if err != nil {
						return err
					}
					if _, err := conn.Read(buf); err != nil {
						conn.Close()
						return err
					}
					conn.Close()
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
