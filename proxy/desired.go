package proxy

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
)

// Node is what Desired needs to know about the node it computes for.
type Node struct {
	// Name is the node's name, matched against endpoints' nodeName for
	// the Local traffic policies.
	Name string
	// Addresses are the node's addresses: each NodePort service port gets
	// one frontend per address, on its nodePort. Empty means no NodePort
	// frontends.
	Addresses []netip.Addr
}

// Skipped records a service port Desired left out and why, so that the
// caller can log it.
type Skipped struct {
	// Service is "namespace/name" or "namespace/name:port".
	Service string
	// Reason says why, in a few words.
	Reason string
}

// Desired computes a node's desired State from every Service and
// EndpointSlice, as Kubernetes' service proxies do:
//
//   - every address of spec.clusterIPs (IPv4 and IPv6) times every port
//     of TCP or UDP is one frontend; SCTP ports, headless services
//     (clusterIP None), ExternalName services and unparseable addresses
//     are skipped (and reported in the second result);
//   - backends come from the EndpointSlices labelled
//     kubernetes.io/service-name=<name> in the service's namespace, of the
//     frontend's address family, whose port has the service port's name
//     and protocol; an endpoint counts when it is ready; when no endpoint
//     of a frontend is ready, the serving-and-terminating ones are used
//     instead;
//   - internalTrafficPolicy Local keeps only endpoints whose nodeName is
//     node.Name, for ClusterIP frontends; externalTrafficPolicy Local does
//     the same for NodePort frontends;
//   - sessionAffinity ClientIP sets Service.Affinity to
//     sessionAffinityConfig.clientIP.timeoutSeconds, default 10800 s;
//   - a NodePort or LoadBalancer service with a nodePort gets one frontend
//     per node address of each of the service's IP families (those of
//     its cluster IPs), on the nodePort;
//   - services without a selector use their slices as they are.
//
// Backends are sorted by address then port and deduplicated, so that equal
// inputs give equal States. When one Service yields a frontend twice (two
// ports with the same number and protocol), its later port wins; when two
// Services yield the same frontend (which Kubernetes' allocators prevent),
// the Service whose "namespace/name" sorts first gets it, whatever the order
// of services; of two Services with the same namespace and name, the first
// counts. Desired is a pure function: it reads its arguments, never
// modifies them, and may be called from any goroutine. Nil entries are
// ignored. It costs a sort of the services and a pass over every object:
// the Proxy calls it only on its periodic resync, and between resyncs
// recomputes only the Services whose objects changed, with the same rules
// (see Proxy.Sync). The Proxy logs what was skipped; DesiredSkipped
// returns it as well.
func Desired(services []*corev1.Service, slices []*discoveryv1.EndpointSlice, node Node) *State {
	st, _ := DesiredSkipped(services, slices, node)
	return st
}

// DesiredSkipped is Desired that also reports the service ports it left
// out, and why, ordered by service namespace and name, then by port as the
// Service lists them.
func DesiredSkipped(services []*corev1.Service, slices_ []*discoveryv1.EndpointSlice, node Node) (*State, []Skipped) {
	byService := slicesByService(slices_)
	sorted := make([]*corev1.Service, 0, len(services))
	for _, svc := range services {
		if svc != nil {
			sorted = append(sorted, svc)
		}
	}
	slices.SortStableFunc(sorted, compareServices)
	st := &State{Services: make(map[ServiceKey]*Service, len(sorted))}
	var skipped []Skipped
	for i, svc := range sorted {
		if i > 0 && compareServices(sorted[i-1], svc) == 0 {
			continue // the same Service twice: the first counts
		}
		id := serviceID(svc.Namespace, svc.Name)
		fronts, sk := frontendsOf(id, svc, byService[id], node)
		skipped = append(skipped, sk...)
		for _, f := range fronts {
			// Services come in order, so the first to claim a frontend
			// sorts first.
			if _, taken := st.Services[f.key]; !taken {
				st.Services[f.key] = f.svc
			}
		}
	}
	return st, skipped
}

// compareServices orders Services by namespace, then name: the order of
// their serviceIDs.
func compareServices(a, b *corev1.Service) int {
	if c := cmp.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

// serviceID is the "namespace/name" that identifies a Service in the
// proxy's bookkeeping and in Skipped.
func serviceID(namespace, name string) string { return namespace + "/" + name }

// sliceServiceID returns the serviceID of the Service an EndpointSlice
// belongs to, by its kubernetes.io/service-name label, or "" when it has
// none.
func sliceServiceID(s *discoveryv1.EndpointSlice) string {
	name := s.Labels[discoveryv1.LabelServiceName]
	if name == "" {
		return ""
	}
	return serviceID(s.Namespace, name)
}

// slicesByService groups slices by sliceServiceID, leaving out nil slices
// and those without a service.
func slicesByService(sl []*discoveryv1.EndpointSlice) map[string][]*discoveryv1.EndpointSlice {
	by := make(map[string][]*discoveryv1.EndpointSlice, len(sl))
	for _, s := range sl {
		if s == nil {
			continue
		}
		if id := sliceServiceID(s); id != "" {
			by[id] = append(by[id], s)
		}
	}
	return by
}

// frontend is one frontend a Service yields, with its programming.
type frontend struct {
	key ServiceKey
	svc *Service
}

func compareFrontends(a, b frontend) int { return compareKeys(a.key, b.key) }

// compareKeys orders ServiceKeys by address, port, then protocol.
func compareKeys(a, b ServiceKey) int {
	if c := a.Addr.Compare(b.Addr); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Port, b.Port); c != 0 {
		return c
	}
	return cmp.Compare(a.Protocol, b.Protocol)
}

// frontendsOf computes one Service's frontends from its EndpointSlices
// (in any order), with Desired's rules, and the ports it skipped; id is
// the Service's serviceID. The frontends are sorted by key, each key once
// (a Service's later port wins a key it yields twice). It reads its
// arguments only.
func frontendsOf(id string, svc *corev1.Service, sl []*discoveryv1.EndpointSlice, node Node) ([]frontend, []Skipped) {
	spec := &svc.Spec
	if spec.Type == corev1.ServiceTypeExternalName {
		return nil, []Skipped{{id, "ExternalName service"}}
	}
	if spec.ClusterIP == corev1.ClusterIPNone {
		return nil, []Skipped{{id, "headless service"}}
	}
	var skipped []Skipped
	ips := spec.ClusterIPs
	if len(ips) == 0 && spec.ClusterIP != "" {
		ips = []string{spec.ClusterIP}
	}
	vips := make([]netip.Addr, 0, len(ips))
	for _, s := range ips {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			skipped = append(skipped, Skipped{id, fmt.Sprintf("invalid cluster IP %q", s)})
			continue
		}
		vips = append(vips, a.Unmap())
	}
	var affinity time.Duration
	if spec.SessionAffinity == corev1.ServiceAffinityClientIP {
		secs := corev1.DefaultClientIPServiceAffinitySeconds
		if c := spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil && *c.ClientIP.TimeoutSeconds > 0 {
			secs = *c.ClientIP.TimeoutSeconds
		}
		affinity = time.Duration(secs) * time.Second
	}
	internalLocal := spec.InternalTrafficPolicy != nil && *spec.InternalTrafficPolicy == corev1.ServiceInternalTrafficPolicyLocal
	externalLocal := spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
	nodePorts := spec.Type == corev1.ServiceTypeNodePort || spec.Type == corev1.ServiceTypeLoadBalancer
	var out []frontend
	for _, sp := range spec.Ports {
		portID := id + ":" + sp.Name
		proto, ok := protocolOf(sp.Protocol)
		if !ok {
			skipped = append(skipped, Skipped{portID, fmt.Sprintf("protocol %s not supported", sp.Protocol)})
			continue
		}
		if sp.Port <= 0 || sp.Port > 65535 {
			skipped = append(skipped, Skipped{portID, fmt.Sprintf("invalid port %d", sp.Port)})
			continue
		}
		for _, v6 := range []bool{false, true} {
			hasFamily := false
			for _, vip := range vips {
				if vip.Is6() == v6 {
					hasFamily = true
					break
				}
			}
			if !hasFamily {
				continue
			}
			eps := endpointsFor(sl, sp, v6)
			all := choose(eps, "")
			local := all
			if internalLocal || externalLocal {
				local = choose(eps, node.Name)
			}
			for _, vip := range vips {
				if vip.Is6() != v6 {
					continue
				}
				b := all
				if internalLocal {
					b = local
				}
				out = append(out, frontend{ServiceKey{vip, uint16(sp.Port), proto}, &Service{Name: portID, Backends: b, Affinity: affinity}})
			}
			if nodePorts && sp.NodePort > 0 && sp.NodePort <= 65535 {
				b := all
				if externalLocal {
					b = local
				}
				for _, a := range node.Addresses {
					a = a.Unmap()
					if !a.IsValid() || a.Is6() != v6 {
						continue
					}
					out = append(out, frontend{ServiceKey{a, uint16(sp.NodePort), proto}, &Service{Name: portID, Backends: b, Affinity: affinity}})
				}
			}
		}
	}
	if len(out) > 1 {
		// Sort, keeping the last of each key: Desired's maps always let a
		// Service's later port overwrite an earlier one.
		slices.SortStableFunc(out, compareFrontends)
		w := 0
		for _, f := range out {
			if w > 0 && out[w-1].key == f.key {
				out[w-1] = f
				continue
			}
			out[w] = f
			w++
		}
		clear(out[w:])
		out = out[:w]
	}
	return out, skipped
}

func protocolOf(p corev1.Protocol) (Protocol, bool) {
	switch p {
	case "", corev1.ProtocolTCP:
		return TCP, true
	case corev1.ProtocolUDP:
		return UDP, true
	}
	return 0, false
}

// endpoint is one candidate backend of a service port.
type endpoint struct {
	b           Backend
	ready       bool
	serving     bool
	terminating bool
	node        string
}

// endpointsFor collects the endpoints of one service port and address
// family from the service's slices.
func endpointsFor(sl []*discoveryv1.EndpointSlice, sp corev1.ServicePort, v6 bool) []endpoint {
	want := discoveryv1.AddressTypeIPv4
	if v6 {
		want = discoveryv1.AddressTypeIPv6
	}
	proto := sp.Protocol
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	var out []endpoint
	for _, s := range sl {
		if s.AddressType != want {
			continue
		}
		var port int32
		for _, p := range s.Ports {
			name := ""
			if p.Name != nil {
				name = *p.Name
			}
			pp := corev1.ProtocolTCP
			if p.Protocol != nil {
				pp = *p.Protocol
			}
			if name == sp.Name && pp == proto && p.Port != nil {
				port = *p.Port
				break
			}
		}
		if port <= 0 || port > 65535 {
			continue
		}
		for _, ep := range s.Endpoints {
			if len(ep.Addresses) == 0 {
				continue
			}
			a, err := netip.ParseAddr(ep.Addresses[0])
			if err != nil || a.Zone() != "" {
				continue
			}
			a = a.Unmap()
			if a.Is6() != v6 {
				continue
			}
			c := ep.Conditions
			e := endpoint{
				b: Backend{a, uint16(port)},
				// Kubernetes: a nil ready means ready.
				ready:       c.Ready == nil || *c.Ready,
				terminating: c.Terminating != nil && *c.Terminating,
			}
			// A nil serving means the same as ready.
			e.serving = e.ready
			if c.Serving != nil {
				e.serving = *c.Serving
			}
			if ep.NodeName != nil {
				e.node = *ep.NodeName
			}
			out = append(out, e)
		}
	}
	return out
}

// choose returns the ready endpoints (of node, when node is not empty), or
// when there are none the serving and terminating ones, sorted and
// deduplicated.
func choose(eps []endpoint, node string) []Backend {
	pick := func(ok func(endpoint) bool) []Backend {
		var out []Backend
		for _, e := range eps {
			if (node == "" || e.node == node) && ok(e) {
				out = append(out, e.b)
			}
		}
		slices.SortFunc(out, compareBackends)
		return slices.Compact(out)
	}
	if b := pick(func(e endpoint) bool { return e.ready }); len(b) > 0 {
		return b
	}
	return pick(func(e endpoint) bool { return e.serving && e.terminating })
}

func compareBackends(a, b Backend) int {
	if c := a.Addr.Compare(b.Addr); c != 0 {
		return c
	}
	return cmp.Compare(a.Port, b.Port)
}
