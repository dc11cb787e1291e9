package nodeipam

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
)

// MaxSubnetBits caps how many subnets a CIDRSet holds: 2^16 = 65536 (its
// mask size may exceed the cluster CIDR's by at most 16 bits), as in
// Kubernetes.
const MaxSubnetBits = 16

// ErrCIDRRangeExhausted is returned by AllocateNext when every subnet is
// in use.
var ErrCIDRRangeExhausted = errors.New("CIDR range exhausted")

// CIDRSet hands out the subnets of one mask size in a cluster CIDR, with
// a bitmap of those in use. It is not safe for concurrent use: its owner
// (the Reconciler) serialises calls.
type CIDRSet struct {
	cluster  netip.Prefix
	maskSize int
	count    int      // number of subnets
	used     []uint64 // bit i: subnet i in use
	inUse    int
	next     int // where the next search starts
}

// NewCIDRSet returns an empty set of the /maskSize subnets of cluster. It
// fails when cluster is not a valid prefix, maskSize is not longer than
// cluster's bits, exceeds the address length, or is more than
// MaxSubnetBits longer.
func NewCIDRSet(cluster netip.Prefix, maskSize int) (*CIDRSet, error) {
	if !cluster.IsValid() {
		return nil, fmt.Errorf("cluster CIDR %v is not valid", cluster)
	}
	cluster = cluster.Masked()
	bitLen := cluster.Addr().BitLen()
	switch {
	case maskSize < cluster.Bits() || maskSize > bitLen:
		return nil, fmt.Errorf("node CIDR mask size /%d does not fit in cluster CIDR %v (/%d to /%d)", maskSize, cluster, cluster.Bits(), bitLen)
	case maskSize-cluster.Bits() > MaxSubnetBits:
		return nil, fmt.Errorf("node CIDR mask size /%d makes 2^%d subnets of cluster CIDR %v: at most 2^%d are allowed", maskSize, maskSize-cluster.Bits(), cluster, MaxSubnetBits)
	}
	n := 1 << (maskSize - cluster.Bits())
	return &CIDRSet{cluster: cluster, maskSize: maskSize, count: n, used: make([]uint64, (n+63)/64)}, nil
}

// Cluster returns the set's cluster CIDR, masked.
func (s *CIDRSet) Cluster() netip.Prefix { return s.cluster }

// MaskSize returns the size of the subnets handed out.
func (s *CIDRSet) MaskSize() int { return s.maskSize }

// Size returns how many subnets the set holds.
func (s *CIDRSet) Size() int { return s.count }

// InUse returns how many subnets are allocated or occupied.
func (s *CIDRSet) InUse() int { return s.inUse }

// AllocateNext marks the next free subnet in use and returns it; the
// search continues after the last subnet handed out, wrapping around, so
// that a released subnet is not handed out again at once while others are
// free. It returns ErrCIDRRangeExhausted when none is free.
func (s *CIDRSet) AllocateNext() (netip.Prefix, error) {
	if s.inUse == s.count {
		return netip.Prefix{}, fmt.Errorf("allocate a /%d from %v: %w", s.maskSize, s.cluster, ErrCIDRRangeExhausted)
	}
	for i := range s.count {
		idx := (s.next + i) % s.count
		if !s.isSet(idx) {
			s.set(idx)
			s.next = (idx + 1) % s.count
			return s.subnet(idx), nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("allocate a /%d from %v: %w", s.maskSize, s.cluster, ErrCIDRRangeExhausted)
}

// Occupy marks in use every subnet that p overlaps (one subnet for a
// prefix of the set's mask size, several for a shorter one, the one that
// contains it for a longer one). It fails, marking nothing, when p does
// not overlap the cluster CIDR or is of the other IP family.
func (s *CIDRSet) Occupy(p netip.Prefix) error {
	lo, hi, err := s.span(p)
	if err != nil {
		return fmt.Errorf("occupy %v: %w", p, err)
	}
	for i := lo; i <= hi; i++ {
		if !s.isSet(i) {
			s.set(i)
		}
	}
	return nil
}

// Release marks every subnet p overlaps free, as Occupy marks them used.
func (s *CIDRSet) Release(p netip.Prefix) error {
	lo, hi, err := s.span(p)
	if err != nil {
		return fmt.Errorf("release %v: %w", p, err)
	}
	for i := lo; i <= hi; i++ {
		if s.isSet(i) {
			s.used[i/64] &^= 1 << (i % 64)
			s.inUse--
		}
	}
	return nil
}

// Contains reports whether p lies within the cluster CIDR (same family).
func (s *CIDRSet) Contains(p netip.Prefix) bool {
	return p.IsValid() && p.Addr().BitLen() == s.cluster.Addr().BitLen() && s.cluster.Overlaps(p)
}

// span returns the indexes of the first and last subnets p overlaps,
// clamped to the cluster CIDR.
func (s *CIDRSet) span(p netip.Prefix) (lo, hi int, err error) {
	if !p.IsValid() {
		return 0, 0, errors.New("invalid prefix")
	}
	p = p.Masked()
	if p.Addr().BitLen() != s.cluster.Addr().BitLen() {
		return 0, 0, fmt.Errorf("not of the IP family of %v", s.cluster)
	}
	if !s.cluster.Overlaps(p) {
		return 0, 0, fmt.Errorf("outside cluster CIDR %v", s.cluster)
	}
	if p.Bits() <= s.cluster.Bits() {
		return 0, s.count - 1, nil // p covers the whole cluster CIDR
	}
	first := s.index(p.Addr())
	if p.Bits() >= s.maskSize {
		return first, first, nil
	}
	return first, first + (1 << (s.maskSize - p.Bits())) - 1, nil
}

// index is the number of the subnet that contains addr, which lies in the
// cluster CIDR: the address bits between the cluster's prefix length and
// the mask size.
func (s *CIDRSet) index(addr netip.Addr) int {
	b := addr.As16()
	hi, lo := be64(b[:8]), be64(b[8:])
	// Position of the bits within the 128-bit value (IPv4 is mapped into
	// the low 32 bits of As16).
	offset := 128 - addr.BitLen()
	start, end := offset+s.cluster.Bits(), offset+s.maskSize // [start, end)
	// Shift the 128-bit value right by 128-end, then keep end-start bits.
	shift := uint(128 - end)
	var v uint64
	switch {
	case shift >= 64:
		v = hi >> (shift - 64)
	case shift == 0:
		v = lo
	default:
		v = lo>>shift | hi<<(64-shift)
	}
	width := end - start
	return int(v & (1<<uint(width) - 1))
}

// subnet returns subnet number i.
func (s *CIDRSet) subnet(i int) netip.Prefix {
	b := s.cluster.Addr().As16()
	hi, lo := be64(b[:8]), be64(b[8:])
	offset := 128 - s.cluster.Addr().BitLen()
	shift := uint(128 - offset - s.maskSize)
	add := uint64(i)
	var addHi, addLo uint64
	switch {
	case shift >= 64:
		addHi = add << (shift - 64)
	case shift == 0:
		addLo = add
	default:
		addLo = add << shift
		addHi = add >> (64 - shift)
	}
	var carry uint64
	lo, carry = bits.Add64(lo, addLo, 0)
	hi, _ = bits.Add64(hi, addHi, carry)
	var out [16]byte
	putBE64(out[:8], hi)
	putBE64(out[8:], lo)
	addr := netip.AddrFrom16(out)
	if s.cluster.Addr().Is4() {
		addr = addr.Unmap()
	}
	return netip.PrefixFrom(addr, s.maskSize)
}

func (s *CIDRSet) isSet(i int) bool { return s.used[i/64]&(1<<(i%64)) != 0 }

func (s *CIDRSet) set(i int) {
	s.used[i/64] |= 1 << (i % 64)
	s.inUse++
}

func be64(b []byte) uint64 {
	var v uint64
	for _, x := range b[:8] {
		v = v<<8 | uint64(x)
	}
	return v
}

func putBE64(b []byte, v uint64) {
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}
