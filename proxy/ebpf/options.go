package ebpf

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for Options' zero fields.
const (
	DefaultPinPath         = "/sys/fs/bpf/rigging"
	DefaultMaxServices     = 65536
	DefaultMaxBackends     = 262144
	DefaultMaxSlots        = 1 << 20
	DefaultAffinityEntries = 65536
	DefaultRevNATEntries   = 65536
	DefaultMaglevTableSize = 1021
	maxMaglevTableSize     = 65521 // largest prime below 2^16
)

// Options configure New. The zero value works: every zero field takes the
// default stated on it.
//
// The Max* and *Entries sizes are fixed when the maps are first created
// under PinPath; a later New with different sizes on the same PinPath fails
// (the pinned maps are incompatible) until the dataplane is uninstalled.
// The hash maps are created without preallocation, so a large limit costs
// only its hash buckets (16 bytes per entry, rounded up to a power of two)
// until it is used; the two LRU maps are preallocated (about 100 bytes an
// entry), and so is the array of connected sockets' reverse-NAT slots (56
// bytes a slot, RevNATEntries rounded up to a power of two). A New whose
// RevNATEntries differs from the pinned maps' replaces those two
// reverse-NAT maps instead of failing: sockets balanced before it then
// read their backend, not the VIP, as their peer.
type Options struct {
	// PinPath is the bpffs directory holding the pinned maps and links
	// (default /sys/fs/bpf/rigging). If it is below /sys/fs/bpf and no
	// bpffs is mounted there, New mounts one.
	PinPath string
	// CgroupPath is the cgroup v2 directory the programs attach to; they
	// act on sockets of every process in it and its descendants (default:
	// the root of the cgroup v2 hierarchy, found in /proc/self/mountinfo).
	CgroupPath string
	// MaxServices bounds the frontends (default 65,536).
	MaxServices uint32
	// MaxBackends bounds the (service, backend) pairs (default 262,144).
	MaxBackends uint32
	// MaxSlots bounds the backend slots: one per backend of a random
	// service, MaglevTableSize per Maglev service, twice that for a service
	// while Apply replaces it (default 1,048,576).
	MaxSlots uint32
	// AffinityEntries sizes the session-affinity LRU map (default 65,536
	// client-service pairs); past it the least recently used pairs lose
	// their affinity early.
	AffinityEntries uint32
	// RevNATEntries sizes the records of sockets whose peer is rewritten
	// back to the VIP (default 65,536 sockets, at most 16,777,216).
	// Connected sockets (TCP, connected UDP) each take the slot of an
	// array of RevNATEntries rounded up to a power of two that their
	// socket cookie selects: a socket keeps its record until a socket
	// whose cookie selects the same slot connects to a VIP, which cannot
	// happen before the kernel has numbered that many more socket cookies
	// (it numbers them in order, host-wide). Unconnected UDP sockets have an
	// LRU map of RevNATEntries (socket, backend) pairs, in which the least
	// recently balanced lose their record first. A socket without its
	// record sees its backend, never another VIP, from getpeername and
	// recvmsg.
	RevNATEntries uint32
	// MaglevTableSize is the Maglev lookup table size per Maglev service,
	// a prime between 3 and 65,521 (default 1,021). A service has at most
	// this many backends under Maglev; for an even spread keep it above
	// 100 times the backend count.
	MaglevTableSize uint32
	// Logger receives progress and repairs (default: the zero logr.Logger,
	// which discards).
	Logger logr.Logger
	// Registerer, when set, gets the dataplane's metrics (default: none
	// registered).
	Registerer prometheus.Registerer
}

func (o Options) withDefaults() (Options, error) {
	if o.PinPath == "" {
		o.PinPath = DefaultPinPath
	}
	if !filepath.IsAbs(o.PinPath) {
		return o, fmt.Errorf("ebpf: PinPath %q is not absolute", o.PinPath)
	}
	o.PinPath = filepath.Clean(o.PinPath)
	if o.PinPath == "/" {
		return o, errors.New("ebpf: PinPath is /")
	}
	if o.CgroupPath != "" && !filepath.IsAbs(o.CgroupPath) {
		return o, fmt.Errorf("ebpf: CgroupPath %q is not absolute", o.CgroupPath)
	}
	def := func(v *uint32, d uint32) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.MaxServices, DefaultMaxServices)
	def(&o.MaxBackends, DefaultMaxBackends)
	def(&o.MaxSlots, DefaultMaxSlots)
	def(&o.AffinityEntries, DefaultAffinityEntries)
	def(&o.RevNATEntries, DefaultRevNATEntries)
	def(&o.MaglevTableSize, DefaultMaglevTableSize)
	if o.RevNATEntries > maxRevNATEntries {
		return o, fmt.Errorf("ebpf: RevNATEntries %d exceeds %d", o.RevNATEntries, maxRevNATEntries)
	}
	if o.MaglevTableSize < 3 || o.MaglevTableSize > maxMaglevTableSize || !isPrime(o.MaglevTableSize) {
		return o, fmt.Errorf("ebpf: MaglevTableSize %d is not a prime in [3, %d]", o.MaglevTableSize, maxMaglevTableSize)
	}
	return o, nil
}

func isPrime(n uint32) bool {
	if n < 2 {
		return false
	}
	for d := uint32(2); d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}
