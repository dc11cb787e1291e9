package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Dataplane programs a node's service load balancing: every packet or
// connection to a service's virtual address and port reaches one of the
// service's backends.
//
// The proxy computes the whole desired State from Services and
// EndpointSlices and hands it to Apply; the dataplane makes the kernel match
// it, changing only what differs from what it programmed last (incremental),
// and leaves nothing stale behind. Apply with the same State twice is a
// no-op; Apply with an empty State removes every service. Apply also
// repairs drift: state changed behind the dataplane's back is put right.
//
// Contract, checked by the behaviour tests every dataplane here runs:
//   - Apply and Close may be called from one goroutine at a time (the proxy
//     serialises them); Apply must not be called after Close.
//   - A connection to a service while Apply changes it reaches either an old
//     backend or a new one, never nothing (updates are atomic per service).
//   - Apply validates and programs service by service: it returns an error
//     that says which services failed and why, and the services it could
//     program stay programmed.
//   - Close releases what the dataplane holds in this process but leaves the
//     programmed state in the kernel, so a restarted proxy adopts it and
//     traffic keeps flowing; Uninstall (an optional ability, see
//     Uninstaller) removes everything.
//
// Ownership: the State handed to Apply, its map and every Service in it
// are the dataplane's to read, during Apply and after it returns, and
// nobody's to modify. The Proxy keeps its own State, which it updates in
// place between syncs, and hands Apply a State of its own (a copy of the
// map); a Service, once handed to Apply or ApplyService, is never modified
// by the Proxy (a changed frontend gets a new Service). A dataplane may
// therefore keep the State or its Services instead of copying them; the
// dataplanes here copy what they program (proxy/ebpf into its map mirror,
// proxy/nftables into its snapshot) and keep no reference.
type Dataplane interface {
	// Apply makes the programmed services equal desired.
	Apply(ctx context.Context, desired *State) error
	// Close releases the dataplane's resources in this process.
	Close() error
}

// Uninstaller is implemented by dataplanes that can remove everything they
// ever programmed on the node (maps, programs, links, tables, rules).
type Uninstaller interface {
	Uninstall(ctx context.Context) error
}

// ServiceApplier is implemented by dataplanes that can change one frontend
// without being handed the whole State, so that one endpoint change costs
// the same at 100,000 services as at ten. ApplyService with a nil Service
// removes the frontend. The proxy uses it, when present, for the frontends
// that changed since its last sync, one call per frontend added, changed
// or removed, in key order; it does not call it for a frontend that did
// not change. It still calls Apply periodically to repair drift, and after
// a failure. ApplyService is called from one goroutine at a time, never
// concurrently with Apply. The Service it is given follows Dataplane's
// ownership rule: the dataplane may keep it, and nobody modifies it.
type ServiceApplier interface {
	ApplyService(ctx context.Context, key ServiceKey, svc *Service) error
}

// DataplaneFunc adapts a function to a Dataplane whose Close does nothing.
type DataplaneFunc func(ctx context.Context, desired *State) error

// Apply calls f(ctx, desired).
func (f DataplaneFunc) Apply(ctx context.Context, desired *State) error { return f(ctx, desired) }

// Close does nothing.
func (f DataplaneFunc) Close() error { return nil }

// Protocol is a transport protocol a service port uses.
type Protocol uint8

// Protocols, numbered as IP numbers them.
const (
	TCP Protocol = 6
	UDP Protocol = 17
)

func (p Protocol) String() string {
	switch p {
	case TCP:
		return "TCP"
	case UDP:
		return "UDP"
	}
	return fmt.Sprintf("Protocol(%d)", uint8(p))
}

// ServiceKey identifies one load-balanced frontend: a virtual address, a
// port and a protocol. A Kubernetes Service yields one key per (ClusterIP,
// port) pair, and per node address for a NodePort.
type ServiceKey struct {
	Addr     netip.Addr
	Port     uint16
	Protocol Protocol
}

func (k ServiceKey) String() string {
	return fmt.Sprintf("%s/%s", netip.AddrPortFrom(k.Addr, k.Port), k.Protocol)
}

// Backend is one endpoint address and port a frontend sends traffic to.
type Backend struct {
	Addr netip.Addr
	Port uint16
}

func (b Backend) String() string { return netip.AddrPortFrom(b.Addr, b.Port).String() }

// Balancing chooses how a dataplane picks a backend for a new connection.
type Balancing uint8

const (
	// BalanceRandom picks uniformly at random (the default).
	BalanceRandom Balancing = iota
	// BalanceMaglev picks by Maglev consistent hashing of the connection's
	// source, so that most clients keep their backend when the set changes.
	BalanceMaglev
)

// Service is the desired programming of one frontend.
type Service struct {
	// Name is "namespace/name:portName" of the Kubernetes Service this
	// frontend came from, for errors, logs and metrics.
	Name string
	// Backends to choose among. Empty means the frontend exists but has no
	// endpoint: connections to it are refused (Kubernetes rejects them),
	// they are not passed through to the virtual address.
	Backends []Backend
	// Affinity, when positive, keeps a client (by source address) on the
	// backend it was given until it has been idle this long (Kubernetes'
	// sessionAffinity ClientIP with timeoutSeconds).
	Affinity time.Duration
	// Balancing chooses the backend-picking algorithm.
	Balancing Balancing
}

// State is the whole desired programming of a node.
type State struct {
	Services map[ServiceKey]*Service
}

// Validate reports the first malformed entry: an invalid or zoned address, a
// zero port, an unknown protocol, a backend whose address family differs
// from its frontend's.
func (s *State) Validate() error {
	if s == nil {
		return errors.New("proxy: nil State")
	}
	for k, svc := range s.Services {
		if !k.Addr.IsValid() || k.Addr.Zone() != "" {
			return fmt.Errorf("proxy: service %q: invalid address %v", nameOf(svc), k.Addr)
		}
		if k.Port == 0 {
			return fmt.Errorf("proxy: service %q (%s): port 0", nameOf(svc), k)
		}
		if k.Protocol != TCP && k.Protocol != UDP {
			return fmt.Errorf("proxy: service %q (%s): unsupported protocol %d", nameOf(svc), k, uint8(k.Protocol))
		}
		if svc == nil {
			return fmt.Errorf("proxy: service %s: nil Service", k)
		}
		if svc.Affinity < 0 {
			return fmt.Errorf("proxy: service %q (%s): negative affinity %v", svc.Name, k, svc.Affinity)
		}
		for _, b := range svc.Backends {
			if !b.Addr.IsValid() || b.Port == 0 {
				return fmt.Errorf("proxy: service %q (%s): invalid backend %v", svc.Name, k, b)
			}
			if b.Addr.Unmap().Is4() != k.Addr.Unmap().Is4() {
				return fmt.Errorf("proxy: service %q (%s): backend %v is of another address family", svc.Name, k, b)
			}
		}
	}
	return nil
}

func nameOf(s *Service) string {
	if s == nil {
		return ""
	}
	return s.Name
}
