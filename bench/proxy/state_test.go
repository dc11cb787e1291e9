package proxy

import (
	"flag"
	"fmt"
	"net/netip"
	"testing"

	"github.com/rigging-dev/rigging/proxy"
)

var (
	maxServices = flag.Int("proxy.max", 100000, "largest service count to benchmark (-short: 10,000)")
	connects    = flag.Int("proxy.connects", 20000, "connections per address in Connect")
)

// sizes returns the service counts of ns that -proxy.max and -short allow.
func sizes(ns ...int) []int {
	limit := *maxServices
	if testing.Short() {
		limit = min(limit, 10000)
	}
	var out []int
	for _, n := range ns {
		if n <= limit {
			out = append(out, n)
		}
	}
	return out
}

func sizeName(n int) string {
	if n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// serviceKey is the i-th frontend: 10.96.0.0/12 counted up, port 80/TCP
// (distinct for i below 1,048,576).
func serviceKey(i int) proxy.ServiceKey {
	return proxy.ServiceKey{Addr: netip.AddrFrom4([4]byte{10, 96 + byte(i>>16), byte(i >> 8), byte(i)}), Port: 80, Protocol: proxy.TCP}
}

// scaleState returns n TCP services of 10 endpoints each, every endpoint
// distinct (as for pods of distinct deployments), in 10.128.0.0/9.
func scaleState(n int) *proxy.State {
	svcs := make(map[proxy.ServiceKey]*proxy.Service, n)
	for i := range n {
		bs := make([]proxy.Backend, 10)
		for j := range bs {
			id := i*10 + j
			bs[j] = proxy.Backend{Addr: netip.AddrFrom4([4]byte{10, 128 + byte(id>>16), byte(id >> 8), byte(id)}), Port: 8080}
		}
		svcs[serviceKey(i)] = &proxy.Service{Name: fmt.Sprintf("bench/svc%d:http", i), Backends: bs}
	}
	return &proxy.State{Services: svcs}
}

// TestScaleState checks that the benchmark's States have as many distinct
// frontends and endpoints as they claim.
func TestScaleState(t *testing.T) {
	st := scaleState(100000)
	eps := map[proxy.Backend]bool{}
	for _, s := range st.Services {
		for _, b := range s.Backends {
			eps[b] = true
		}
	}
	if got := [2]int{len(st.Services), len(eps)}; got != [2]int{100000, 1000000} {
		t.Fatalf("services, endpoints = %v, want [100000 1000000]", got)
	}
	if err := st.Validate(); err != nil {
		t.Fatal(err)
	}
}
