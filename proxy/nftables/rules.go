package nftables

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"time"

	nft "github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/rigging-dev/rigging/proxy"
)

// The objects of the table, named as kube-proxy's nftables mode names its
// own where there is an equivalent.
const (
	mapServices4    = "service-ips"           // ipv4_addr . inet_proto . inet_service : verdict
	mapServices6    = "service-ips6"          // ipv6_addr . inet_proto . inet_service : verdict
	setNoEndpoints4 = "no-endpoint-services"  // ipv4_addr . inet_proto . inet_service
	setNoEndpoints6 = "no-endpoint-services6" // ipv6_addr . inet_proto . inet_service
	chainReject     = "reject-chain"
	chainNATPre     = "nat-prerouting"
	chainNATOut     = "nat-output"
	chainFilterIn   = "filter-input"
	chainFilterFwd  = "filter-forward"
	chainFilterOut  = "filter-output"
)

// filterPriority runs the no-endpoint check before DNAT (dstnat is -100),
// as kube-proxy's "dstnat - 10".
var filterPriority = nft.ChainPriorityRef(-110)

var (
	keyType4, _ = nft.ConcatSetType(nft.TypeIPAddr, nft.TypeInetProto, nft.TypeInetService)
	keyType6, _ = nft.ConcatSetType(nft.TypeIP6Addr, nft.TypeInetProto, nft.TypeInetService)
)

// names are the per-frontend objects of one service and one backend.
func serviceChain(k proxy.ServiceKey) string { return "svc-" + hash(k.String()) }

// endpointID names one backend of one frontend with one affinity, so that
// a change of affinity makes new endpoint chains and sets.
func endpointID(k proxy.ServiceKey, b proxy.Backend, aff time.Duration) string {
	return hash(fmt.Sprintf("%s>%s>%d", k, b, aff))
}
func endpointChain(id string) string { return "ep-" + id }
func affinitySet(id string) string   { return "aff-" + id }

func hash(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return fmt.Sprintf("%016x", h.Sum64())
}

// elementKey is a frontend's key in the services map and the no-endpoint
// set: address, protocol and port, each padded to 4 bytes.
func elementKey(k proxy.ServiceKey) []byte {
	a := k.Addr.Unmap().AsSlice()
	b := make([]byte, len(a)+8)
	copy(b, a)
	b[len(a)] = byte(k.Protocol)
	binary.BigEndian.PutUint16(b[len(a)+4:], k.Port)
	return b
}

// baseObjects adds the table, maps, sets and fixed chains to c.
func baseObjects(c *nft.Conn, t *nft.Table) (maps [2]*nft.Set, noEP [2]*nft.Set, err error) {
	c.AddTable(t)
	maps[0] = &nft.Set{Table: t, Name: mapServices4, IsMap: true, Concatenation: true, KeyType: keyType4, DataType: nft.TypeVerdict}
	maps[1] = &nft.Set{Table: t, Name: mapServices6, IsMap: true, Concatenation: true, KeyType: keyType6, DataType: nft.TypeVerdict}
	noEP[0] = &nft.Set{Table: t, Name: setNoEndpoints4, Concatenation: true, KeyType: keyType4}
	noEP[1] = &nft.Set{Table: t, Name: setNoEndpoints6, Concatenation: true, KeyType: keyType6}
	for _, s := range []*nft.Set{maps[0], maps[1], noEP[0], noEP[1]} {
		if err := c.AddSet(s, nil); err != nil {
			return maps, noEP, fmt.Errorf("add set %s: %w", s.Name, err)
		}
	}
	reject := c.AddChain(&nft.Chain{Table: t, Name: chainReject})
	c.AddRule(&nft.Rule{Table: t, Chain: reject, Exprs: []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_TCP}},
		&expr.Reject{Type: unix.NFT_REJECT_TCP_RST},
	}})
	c.AddRule(&nft.Rule{Table: t, Chain: reject, Exprs: []expr.Any{
		&expr.Reject{Type: unix.NFT_REJECT_ICMPX_UNREACH, Code: unix.NFT_REJECT_ICMPX_PORT_UNREACH},
	}})
	accept := nft.ChainPolicyAccept
	for _, ch := range []struct {
		name string
		hook *nft.ChainHook
	}{{chainFilterIn, nft.ChainHookInput}, {chainFilterFwd, nft.ChainHookForward}, {chainFilterOut, nft.ChainHookOutput}} {
		chain := c.AddChain(&nft.Chain{Table: t, Name: ch.name, Type: nft.ChainTypeFilter, Hooknum: ch.hook, Priority: filterPriority, Policy: &accept})
		for i, s := range noEP {
			e := []expr.Any{
				&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
				&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
					Mask: binaryutil.NativeEndian.PutUint32(expr.CtStateBitNEW), Xor: make([]byte, 4)},
				&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)},
			}
			e = append(e, loadKey(i == 1)...)
			e = append(e, &expr.Lookup{SourceRegister: 1, SetName: s.Name, SetID: s.ID},
				&expr.Verdict{Kind: expr.VerdictJump, Chain: chainReject})
			c.AddRule(&nft.Rule{Table: t, Chain: chain, Exprs: e})
		}
	}
	for _, ch := range []struct {
		name string
		hook *nft.ChainHook
	}{{chainNATPre, nft.ChainHookPrerouting}, {chainNATOut, nft.ChainHookOutput}} {
		chain := c.AddChain(&nft.Chain{Table: t, Name: ch.name, Type: nft.ChainTypeNAT, Hooknum: ch.hook, Priority: nft.ChainPriorityNATDest, Policy: &accept})
		for i, m := range maps {
			e := loadKey(i == 1)
			e = append(e, &expr.Lookup{SourceRegister: 1, DestRegister: 0, IsDestRegSet: true, SetName: m.Name, SetID: m.ID})
			c.AddRule(&nft.Rule{Table: t, Chain: chain, Exprs: e})
		}
	}
	return maps, noEP, nil
}

// loadKey loads "daddr . meta l4proto . th dport" of an IPv4 (or IPv6)
// packet into registers from 1 on, as nft does for a concatenation.
func loadKey(v6 bool) []expr.Any {
	proto, off, n, next := byte(unix.NFPROTO_IPV4), uint32(16), uint32(4), uint32(9)
	if v6 {
		proto, off, n, next = unix.NFPROTO_IPV6, 24, 16, 12
	}
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: n},
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: next},
		&expr.Payload{DestRegister: next + 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
	}
}

// loadSaddr loads the source address into register 1.
func loadSaddr(v6 bool) *expr.Payload {
	if v6 {
		return &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 8, Len: 16}
	}
	return &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4}
}

// addEndpoint adds the chain (and, with affinity, the set) of one backend:
// it records the client in the affinity set and DNATs to the backend.
func addEndpoint(c *nft.Conn, t *nft.Table, k proxy.ServiceKey, b proxy.Backend, aff time.Duration) error {
	id := endpointID(k, b, aff)
	v6 := k.Addr.Unmap().Is6()
	chain := c.AddChain(&nft.Chain{Table: t, Name: endpointChain(id)})
	var e []expr.Any
	if aff > 0 {
		s := affinityObject(t, id, v6, aff)
		if err := c.AddSet(s, nil); err != nil {
			return fmt.Errorf("add set %s: %w", s.Name, err)
		}
		e = append(e, loadSaddr(v6), &expr.Dynset{SrcRegKey: 1, SetName: s.Name, SetID: s.ID, Operation: unix.NFT_DYNSET_OP_UPDATE, Timeout: aff})
	}
	family := uint32(unix.NFPROTO_IPV4)
	if v6 {
		family = unix.NFPROTO_IPV6
	}
	e = append(e,
		&expr.Immediate{Register: 1, Data: b.Addr.Unmap().AsSlice()},
		&expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(b.Port)},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: family, RegAddrMin: 1, RegProtoMin: 2, Specified: true},
	)
	c.AddRule(&nft.Rule{Table: t, Chain: chain, Exprs: e})
	return nil
}

func affinityObject(t *nft.Table, id string, v6 bool, aff time.Duration) *nft.Set {
	kt := nft.TypeIPAddr
	if v6 {
		kt = nft.TypeIP6Addr
	}
	return &nft.Set{Table: t, Name: affinitySet(id), KeyType: kt, HasTimeout: true, Dynamic: true, Timeout: aff}
}

// delEndpoint removes what addEndpoint added; the chain must no longer be
// referenced.
func delEndpoint(c *nft.Conn, t *nft.Table, k proxy.ServiceKey, b proxy.Backend, aff time.Duration) {
	id := endpointID(k, b, aff)
	ch := &nft.Chain{Table: t, Name: endpointChain(id)}
	c.FlushChain(ch)
	c.DelChain(ch)
	if aff > 0 {
		c.DelSet(affinityObject(t, id, k.Addr.Unmap().Is6(), aff))
	}
}

// fillServiceChain adds the rules of a frontend's chain, which must be
// empty: with affinity, a client found in a backend's affinity set goes to
// that backend; otherwise one backend is picked by numgen random.
func fillServiceChain(c *nft.Conn, t *nft.Table, k proxy.ServiceKey, s *proxy.Service) error {
	chain := &nft.Chain{Table: t, Name: serviceChain(k)}
	v6 := k.Addr.Unmap().Is6()
	if s.Affinity > 0 {
		for _, b := range s.Backends {
			id := endpointID(k, b, s.Affinity)
			c.AddRule(&nft.Rule{Table: t, Chain: chain, Exprs: []expr.Any{
				loadSaddr(v6),
				&expr.Lookup{SourceRegister: 1, SetName: affinitySet(id)},
				&expr.Verdict{Kind: expr.VerdictGoto, Chain: endpointChain(id)},
			}})
		}
	}
	// One backend of N uniformly, without sets, as kube-proxy's iptables
	// mode does: rule i goes to backend i with probability 1/(N-i), so
	// every backend is picked with probability 1/N.
	n := len(s.Backends)
	for i, b := range s.Backends {
		var e []expr.Any
		if rest := n - i; rest > 1 {
			e = append(e,
				&expr.Numgen{Register: 1, Modulus: uint32(rest), Type: unix.NFT_NG_RANDOM},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(0)})
		}
		e = append(e, &expr.Verdict{Kind: expr.VerdictGoto, Chain: endpointChain(endpointID(k, b, s.Affinity))})
		c.AddRule(&nft.Rule{Table: t, Chain: chain, Exprs: e})
	}
	return nil
}
