package apiserver

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/store"
)

// Services get their cluster IP and node ports from the server, as in
// Kubernetes: a service without spec.clusterIP gets a free address of
// Options.ServiceCIDR, one that names an address reserves it, and every
// port of a NodePort or LoadBalancer service gets (or reserves) a port of
// Options.NodePortRange. Each reservation is a store key written with
// Create, "/registry/serviceips/<ip>" and "/registry/servicenodeports/<port>",
// holding the service's uid, so two services never get the same
// address or port, even through several servers on one store. Reservations
// are released when the service is deleted or stops needing them. The
// cluster is single-stack: the family of ServiceCIDR.

const (
	serviceIPPrefix       = "/registry/serviceips/"
	serviceNodePortPrefix = "/registry/servicenodeports/"
)

// serviceAllocator holds the ranges services are allocated from.
type serviceAllocator struct {
	s          *Server
	cidr       netip.Prefix
	family     corev1.IPFamily
	portBase   int
	portSize   int
	ipRangeMsg string
}

// parseServiceRanges parses Options.ServiceCIDR and NodePortRange.
func parseServiceRanges(cidr, ports string) (netip.Prefix, int, int, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || p.Masked() != p {
		return netip.Prefix{}, 0, 0, fmt.Errorf("apiserver: ServiceCIDR %q is not a network in CIDR notation", cidr)
	}
	if bits := p.Addr().BitLen() - p.Bits(); bits < 2 {
		return netip.Prefix{}, 0, 0, fmt.Errorf("apiserver: ServiceCIDR %q is too small", cidr)
	}
	lo, hi, ok := strings.Cut(ports, "-")
	base, err1 := strconv.Atoi(lo)
	last, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil || base < 1 || last > 65535 || last < base {
		return netip.Prefix{}, 0, 0, fmt.Errorf("apiserver: NodePortRange %q is not a range of ports first-last", ports)
	}
	return p, base, last - base + 1, nil
}

// newServiceAllocator returns the allocator of s's options.
func newServiceAllocator(s *Server) *serviceAllocator {
	p, base, size, _ := parseServiceRanges(s.opts.ServiceCIDR, s.opts.NodePortRange) // checked by withDefaults
	fam := corev1.IPv4Protocol
	if p.Addr().Is6() {
		fam = corev1.IPv6Protocol
	}
	return &serviceAllocator{s: s, cidr: p, family: fam, portBase: base, portSize: size,
		ipRangeMsg: "The range of valid IPs is " + p.String()}
}

// needsClusterIP reports whether a service of this spec has a cluster IP.
func needsClusterIP(spec *corev1.ServiceSpec) bool {
	return spec.Type != corev1.ServiceTypeExternalName
}

// needsNodePorts reports whether the ports of a service of this spec get
// node ports.
func needsNodePorts(spec *corev1.ServiceSpec) bool {
	switch spec.Type {
	case corev1.ServiceTypeNodePort:
		return true
	case corev1.ServiceTypeLoadBalancer:
		return spec.AllocateLoadBalancerNodePorts == nil || *spec.AllocateLoadBalancerNodePorts
	}
	return false
}

// normalizeService makes clusterIP and clusterIPs agree and fills in the
// IP families of a service with a cluster IP, before validation.
func (a *serviceAllocator) normalizeService(svc *corev1.Service) {
	spec := &svc.Spec
	if spec.ClusterIP != "" && len(spec.ClusterIPs) == 0 {
		spec.ClusterIPs = []string{spec.ClusterIP}
	}
	if spec.ClusterIP == "" && len(spec.ClusterIPs) > 0 {
		spec.ClusterIP = spec.ClusterIPs[0]
	}
	if !needsClusterIP(spec) {
		return
	}
	if len(spec.IPFamilies) == 0 {
		spec.IPFamilies = []corev1.IPFamily{a.family}
	}
	if spec.IPFamilyPolicy == nil {
		single := corev1.IPFamilyPolicySingleStack
		spec.IPFamilyPolicy = &single
	}
}

// prepareServiceUpdate keeps the allocations of old that svc does not
// name but still needs (a client that replaces a service need not repeat
// its cluster IP or node ports), and drops those its new type does not
// need when the client left them unchanged, as Kubernetes does.
func (a *serviceAllocator) prepareServiceUpdate(svc, old *corev1.Service) {
	spec, ospec := &svc.Spec, &old.Spec
	if needsClusterIP(spec) && spec.ClusterIP == "" && len(spec.ClusterIPs) == 0 && needsClusterIP(ospec) {
		spec.ClusterIP, spec.ClusterIPs = ospec.ClusterIP, slices.Clone(ospec.ClusterIPs)
		if len(spec.IPFamilies) == 0 {
			spec.IPFamilies = slices.Clone(ospec.IPFamilies)
		}
		if spec.IPFamilyPolicy == nil {
			spec.IPFamilyPolicy = ospec.IPFamilyPolicy
		}
	}
	if !needsClusterIP(spec) && needsClusterIP(ospec) && spec.ClusterIP == ospec.ClusterIP {
		spec.ClusterIP, spec.ClusterIPs, spec.IPFamilies, spec.IPFamilyPolicy = "", nil, nil, nil
	}
	for i := range spec.Ports {
		p := &spec.Ports[i]
		j := slices.IndexFunc(ospec.Ports, func(o corev1.ServicePort) bool { return o.Port == p.Port && o.Protocol == p.Protocol })
		switch {
		case j < 0:
		case needsNodePorts(spec) && p.NodePort == 0:
			p.NodePort = ospec.Ports[j].NodePort
		case !needsNodePorts(spec) && needsNodePorts(ospec) && p.NodePort == ospec.Ports[j].NodePort:
			p.NodePort = 0
		}
	}
	if spec.HealthCheckNodePort == 0 && spec.ExternalTrafficPolicy == ospec.ExternalTrafficPolicy && spec.Type == ospec.Type {
		spec.HealthCheckNodePort = ospec.HealthCheckNodePort
	}
	// Fields of the old type the client left as they were go with it.
	external := func(s *corev1.ServiceSpec) bool {
		return s.Type == corev1.ServiceTypeNodePort || s.Type == corev1.ServiceTypeLoadBalancer
	}
	if external(ospec) && !external(spec) {
		if spec.ExternalTrafficPolicy == ospec.ExternalTrafficPolicy {
			spec.ExternalTrafficPolicy = ""
		}
		if spec.HealthCheckNodePort == ospec.HealthCheckNodePort {
			spec.HealthCheckNodePort = 0
		}
	}
	if ospec.Type == corev1.ServiceTypeLoadBalancer && spec.Type != corev1.ServiceTypeLoadBalancer {
		if p, o := spec.AllocateLoadBalancerNodePorts, ospec.AllocateLoadBalancerNodePorts; p != nil && o != nil && *p == *o {
			spec.AllocateLoadBalancerNodePorts = nil
		}
		if p, o := spec.LoadBalancerClass, ospec.LoadBalancerClass; p != nil && o != nil && *p == *o {
			spec.LoadBalancerClass = nil
		}
	}
	a.normalizeService(svc)
}

// owner is the value of a reservation key: the service's uid, which
// stays the same from its creation (even when a generated name is retried)
// to its deletion.
func owner(svc *corev1.Service) []byte { return []byte(svc.UID) }

// reservations returns the keys of the addresses and ports svc holds.
func reservations(svc *corev1.Service) []string {
	var keys []string
	if needsClusterIP(&svc.Spec) {
		for _, ip := range svc.Spec.ClusterIPs {
			if addr, err := netip.ParseAddr(ip); err == nil {
				keys = append(keys, serviceIPPrefix+addr.String())
			}
		}
	}
	if needsNodePorts(&svc.Spec) {
		for _, p := range svc.Spec.Ports {
			if p.NodePort != 0 {
				keys = append(keys, serviceNodePortPrefix+strconv.Itoa(int(p.NodePort)))
			}
		}
	}
	if svc.Spec.HealthCheckNodePort != 0 {
		keys = append(keys, serviceNodePortPrefix+strconv.Itoa(int(svc.Spec.HealthCheckNodePort)))
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// errRangeFull is returned when no address or port is free.
var errRangeFull = errors.New("range is full")

// allocate gives svc the cluster IP and node ports it lacks and reserves
// the ones it names that old (nil on create) did not hold. It returns
// commit, to call once svc is stored (it releases what old held and svc no
// longer does), and rollback, to call otherwise. On a dry run nothing is
// reserved: free values are only looked up.
func (a *serviceAllocator) allocate(ctx context.Context, svc, old *corev1.Service, dryRun bool) (commit, rollback func(), err error) {
	var reserved []string
	rollback = func() { a.release(context.WithoutCancel(ctx), svc, reserved) }
	held := map[string]bool{}
	if old != nil {
		for _, k := range reservations(old) {
			held[k] = true
		}
	}
	reserve := func(key string) (bool, error) {
		if held[key] {
			return true, nil
		}
		if dryRun {
			_, err := a.s.store.Get(ctx, key, store.ReadOptions{})
			if errors.Is(err, store.ErrNotFound) {
				return true, nil
			}
			return false, ignoreNotFound(err)
		}
		_, err := a.s.store.Create(ctx, key, owner(svc), store.PutOptions{})
		if errors.Is(err, store.ErrExists) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		reserved = append(reserved, key)
		return true, nil
	}
	fail := func(err error) (func(), func(), error) {
		rollback()
		return nil, nil, err
	}
	spec := &svc.Spec
	specPath := field.NewPath("spec")
	if needsClusterIP(spec) {
		if len(spec.IPFamilies) > 0 && spec.IPFamilies[0] != a.family {
			return fail(errInvalidService(svc, field.Invalid(specPath.Child("ipFamilies").Index(0), spec.IPFamilies[0],
				"not configured on this cluster")))
		}
		if p := spec.IPFamilyPolicy; p != nil && *p == corev1.IPFamilyPolicyRequireDualStack {
			return fail(errInvalidService(svc, field.Invalid(specPath.Child("ipFamilyPolicy"), *p,
				"this cluster is not configured for dual-stack services")))
		}
		switch {
		case spec.ClusterIP == corev1.ClusterIPNone:
		case spec.ClusterIP == "":
			ip, err := a.allocateIP(reserve)
			if err != nil {
				return fail(err)
			}
			spec.ClusterIP, spec.ClusterIPs = ip, []string{ip}
		default:
			addr, err := netip.ParseAddr(spec.ClusterIP)
			if err != nil || !a.cidr.Contains(addr) {
				return fail(errInvalidService(svc, field.Invalid(specPath.Child("clusterIPs"), spec.ClusterIPs, fmt.Sprintf(
					"failed to allocate IP %s: the provided IP (%s) is not in the valid range. %s", spec.ClusterIP, spec.ClusterIP, a.ipRangeMsg))))
			}
			ok, err := reserve(serviceIPPrefix + addr.String())
			if err != nil {
				return fail(err)
			}
			if !ok {
				return fail(errInvalidService(svc, field.Invalid(specPath.Child("clusterIPs"), spec.ClusterIPs, fmt.Sprintf(
					"failed to allocate IP %s: provided IP is already allocated", spec.ClusterIP))))
			}
		}
	}
	if needsNodePorts(spec) {
		// Ports the client named first, then free ones for the others.
		assigned := map[int32]bool{}
		for i := range spec.Ports {
			p := &spec.Ports[i]
			path := specPath.Child("ports").Index(i).Child("nodePort")
			switch {
			case p.NodePort == 0:
				continue
			case assigned[p.NodePort]:
				// The same port for another protocol of this service.
			case int(p.NodePort) < a.portBase || int(p.NodePort) >= a.portBase+a.portSize:
				return fail(errInvalidService(svc, field.Invalid(path, p.NodePort, fmt.Sprintf(
					"provided port is not in the valid range. The range of valid ports is %d-%d", a.portBase, a.portBase+a.portSize-1))))
			default:
				ok, err := reserve(serviceNodePortPrefix + strconv.Itoa(int(p.NodePort)))
				if err != nil {
					return fail(err)
				}
				if !ok {
					return fail(errInvalidService(svc, field.Invalid(path, p.NodePort, "provided port is already allocated")))
				}
			}
			assigned[p.NodePort] = true
		}
		for i := range spec.Ports {
			if p := &spec.Ports[i]; p.NodePort == 0 {
				n, err := a.allocatePort(reserve, assigned)
				if err != nil {
					return fail(err)
				}
				p.NodePort = n
				assigned[n] = true
			}
		}
	}
	commit = func() {
		if old == nil {
			return
		}
		keep := map[string]bool{}
		for _, k := range reservations(svc) {
			keep[k] = true
		}
		var drop []string
		for k := range held {
			if !keep[k] {
				drop = append(drop, k)
			}
		}
		a.release(context.WithoutCancel(ctx), old, drop)
	}
	return commit, rollback, nil
}

// ignoreNotFound returns nil for ErrNotFound.
func ignoreNotFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// errInvalidService is a 422 about a service.
func errInvalidService(svc *corev1.Service, e *field.Error) error {
	return errInvalid("Service", "", "Service", svc.Name, field.ErrorList{e})
}

// randomIndex returns a random number in [0, n).
func randomIndex(n int64) int64 {
	v, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		return 0
	}
	return v.Int64()
}

// allocateIP reserves a free address of the CIDR, from a random start.
// The network address, the first address (Kubernetes keeps it for the
// "kubernetes" service) and, for IPv4, the broadcast address are never
// given out.
func (a *serviceAllocator) allocateIP(reserve func(string) (bool, error)) (string, error) {
	hostBits := a.cidr.Addr().BitLen() - a.cidr.Bits()
	size := int64(1) << min(hostBits, 62)
	first, last := int64(2), size-1
	if a.cidr.Addr().Is4() {
		last = size - 2
	}
	if last < first {
		return "", errInternal(fmt.Errorf("failed to allocate a serviceIP: %w", errRangeFull))
	}
	n := last - first + 1
	start := randomIndex(n)
	base := a.cidr.Addr().As16()
	for i := int64(0); i < n; i++ {
		off := first + (start+i)%n
		b := base
		lo := binary.BigEndian.Uint64(b[8:]) + uint64(off)
		binary.BigEndian.PutUint64(b[8:], lo)
		addr := netip.AddrFrom16(b)
		if a.cidr.Addr().Is4() {
			addr = addr.Unmap()
		}
		ok, err := reserve(serviceIPPrefix + addr.String())
		if err != nil {
			return "", err
		}
		if ok {
			return addr.String(), nil
		}
	}
	return "", errInternal(fmt.Errorf("failed to allocate a serviceIP: %w", errRangeFull))
}

// allocatePort reserves a free node port, from a random start, skipping
// ports this service already took.
func (a *serviceAllocator) allocatePort(reserve func(string) (bool, error), taken map[int32]bool) (int32, error) {
	start := randomIndex(int64(a.portSize))
	for i := 0; i < a.portSize; i++ {
		p := int32(a.portBase + int((start+int64(i))%int64(a.portSize)))
		if taken[p] {
			continue
		}
		ok, err := reserve(serviceNodePortPrefix + strconv.Itoa(int(p)))
		if err != nil {
			return 0, err
		}
		if ok {
			return p, nil
		}
	}
	return 0, errInternal(fmt.Errorf("failed to allocate a nodePort: %w", errRangeFull))
}

// release deletes the reservation keys of svc among keys; a key held by
// another service is left alone.
func (a *serviceAllocator) release(ctx context.Context, svc *corev1.Service, keys []string) {
	for _, k := range keys {
		resp, err := a.s.store.Get(ctx, k, store.ReadOptions{})
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				a.s.log.Error(err, "release service reservation", "key", k)
			}
			continue
		}
		if string(resp.KV.Value) != string(owner(svc)) {
			continue
		}
		if _, err := a.s.store.Delete(ctx, k, store.DeleteOptions{ExpectedModRevision: resp.KV.ModRevision}); err != nil && !errors.Is(err, store.ErrNotFound) {
			a.s.log.Error(err, "release service reservation", "key", k)
		}
	}
}

// wireServices installs the allocator on the services resource.
func (s *Server) wireServices() {
	r := s.lookup("", "services")
	if r == nil {
		return
	}
	a := newServiceAllocator(s)
	prepCreate, prepUpdate := r.st.prepareForCreate, r.st.prepareForUpdate
	r.st.prepareForCreate = func(obj metav1.Object) {
		if prepCreate != nil {
			prepCreate(obj)
		} else {
			r.resetStatus(obj)
		}
		a.normalizeService(obj.(*corev1.Service))
	}
	r.st.prepareForUpdate = func(obj, old metav1.Object) {
		if prepUpdate != nil {
			prepUpdate(obj, old)
		} else {
			r.copyStatus(obj, old)
		}
		a.prepareServiceUpdate(obj.(*corev1.Service), old.(*corev1.Service))
	}
	r.beginWrite = func(ctx context.Context, obj, old metav1.Object, dryRun bool) (func(), func(), error) {
		var o *corev1.Service
		if old != nil {
			o = old.(*corev1.Service)
		}
		return a.allocate(ctx, obj.(*corev1.Service), o, dryRun)
	}
	r.releaseAll = func(ctx context.Context, obj metav1.Object) {
		svc := obj.(*corev1.Service)
		a.release(ctx, svc, reservations(svc))
	}
}
