package proxy

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/dataplanetest"
	"github.com/rigging-dev/rigging/proxy/ebpf"
	"github.com/rigging-dev/rigging/proxy/nftables"
)

// dataplaneKind names one dataplane under benchmark; the name is the last
// element of every sub-benchmark.
type dataplaneKind struct {
	name  string
	start func(b *testing.B, env *dataplanetest.Env) proxy.Dataplane
}

var kinds = []dataplaneKind{{"ebpf", startEBPF}, {"nftables", startNFTables}}

// startEBPF attaches an eBPF dataplane to env's cgroup, pinned in a
// private bpffs, with maps sized for 100,000 services of 10 endpoints,
// and uninstalls it (links, pins, maps) when b ends.
func startEBPF(b *testing.B, env *dataplanetest.Env) proxy.Dataplane {
	b.Helper()
	d, err := ebpf.New(b.Context(), ebpf.Options{
		PinPath:     filepath.Join(dataplanetest.BPFFS(b), "rigging"),
		CgroupPath:  env.Cgroup,
		MaxServices: 1 << 17,
		MaxBackends: 1 << 21,
		MaxSlots:    1 << 21,
	})
	if err != nil {
		b.Fatalf("ebpf.New: %v", err)
	}
	b.Cleanup(func() {
		if err := d.Uninstall(context.Background()); err != nil && !errors.Is(err, ebpf.ErrClosed) {
			b.Errorf("ebpf Uninstall: %v", err)
		}
	})
	return d
}

// startNFTables programs env's namespace with an nftables dataplane and
// deletes its table when b ends.
func startNFTables(b *testing.B, env *dataplanetest.Env) proxy.Dataplane {
	b.Helper()
	d, err := nftables.New(nftables.Options{NetNS: env.NetNS})
	if err != nil {
		b.Fatalf("nftables.New: %v", err)
	}
	b.Cleanup(func() {
		if err := d.Uninstall(context.Background()); err != nil {
			b.Errorf("nftables Uninstall: %v", err)
		}
		d.Close()
	})
	return d
}

func mustApply(b *testing.B, d proxy.Dataplane, st *proxy.State) {
	b.Helper()
	if err := d.Apply(b.Context(), st); err != nil {
		b.Fatalf("Apply: %v", err)
	}
}

// BenchmarkApplyFromEmpty times one Apply of n services x 10 endpoints
// into a dataplane holding none (emptied, untimed, before each).
func BenchmarkApplyFromEmpty(b *testing.B) {
	for _, n := range sizes(1000, 10000, 100000) {
		st := scaleState(n)
		empty := &proxy.State{}
		for _, k := range kinds {
			b.Run(sizeName(n)+"/"+k.name, func(b *testing.B) {
				d := k.start(b, dataplanetest.NewEnv(b))
				for b.Loop() {
					b.StopTimer()
					mustApply(b, d, empty)
					b.StartTimer()
					mustApply(b, d, st)
				}
			})
		}
	}
}

// BenchmarkOneEndpointChange times replacing one endpoint of one service
// among n programmed ones, back and forth. For eBPF it goes through
// proxy.ServiceApplier.ApplyService (what the proxy calls) and, as
// "ebpf-Apply", through a whole-State Apply (which compares every
// service); nftables has only Apply, which commits the difference.
func BenchmarkOneEndpointChange(b *testing.B) {
	for _, n := range sizes(10000, 100000) {
		st := scaleState(n)
		key := serviceKey(n / 2)
		orig := st.Services[key]
		alt := &proxy.Service{Name: orig.Name, Backends: append(append([]proxy.Backend(nil), orig.Backends[:9]...),
			proxy.Backend{Addr: dataplanetest.BackendAddr(0), Port: 8080})}
		flip := func() *proxy.Service {
			if st.Services[key] == orig {
				st.Services[key] = alt
			} else {
				st.Services[key] = orig
			}
			return st.Services[key]
		}
		b.Run(sizeName(n)+"/ebpf", func(b *testing.B) {
			d := startEBPF(b, dataplanetest.NewEnv(b))
			mustApply(b, d, st)
			sa := d.(proxy.ServiceApplier)
			for b.Loop() {
				if err := sa.ApplyService(b.Context(), key, flip()); err != nil {
					b.Fatalf("ApplyService: %v", err)
				}
			}
			st.Services[key] = orig
		})
		b.Run(sizeName(n)+"/ebpf-Apply", func(b *testing.B) {
			d := startEBPF(b, dataplanetest.NewEnv(b))
			mustApply(b, d, st)
			for b.Loop() {
				flip()
				mustApply(b, d, st)
			}
			st.Services[key] = orig
		})
		b.Run(sizeName(n)+"/nftables", func(b *testing.B) {
			d := startNFTables(b, dataplanetest.NewEnv(b))
			mustApply(b, d, st)
			for b.Loop() {
				flip()
				mustApply(b, d, st)
			}
			st.Services[key] = orig
		})
	}
}
