package ebpf

import (
	"errors"
	"fmt"
	"math/bits"
	"os"
	"path/filepath"

	"github.com/cilium/ebpf"
	"github.com/go-logr/logr"
)

// maxRevNATEntries bounds Options.RevNATEntries: rig_revsock, an array of
// that many 56-byte slots rounded up to a power of two, stays below 1 GiB.
const maxRevNATEntries = 1 << 24

// revsockSlots is the size of rig_revsock for Options.RevNATEntries n:
// n rounded up to a power of two, so that a socket's slot is its cookie
// masked (lb.c revsock_mask).
func revsockSlots(n uint32) uint32 {
	if n <= 1 {
		return 1
	}
	return 1 << bits.Len32(n-1)
}

// reverseNATMaps are the maps that only record, per socket, the VIP it
// reached its backend through (lb.c rig_revnat and rig_revsock). A new
// dataplane may drop them: sockets balanced before then read their backend
// as their peer, and nothing else changes.
var reverseNATMaps = []string{lbMapRigRevnat, lbMapRigRevsock}

// replaceStalePins removes the pins of reverse-NAT maps under pinDir whose
// type, key, value, size or flags differ from spec's (a dataplane from an
// older layout, or other Options.RevNATEntries), so that loading spec
// creates and pins them anew instead of failing with
// ebpf.ErrMapIncompatible. The old map lives on while the programs of the
// old dataplane use it, until New replaces those programs.
func replaceStalePins(spec *ebpf.CollectionSpec, pinDir string, log logr.Logger) error {
	for _, name := range reverseNATMaps {
		pin := filepath.Join(pinDir, name)
		old, err := ebpf.LoadPinnedMap(pin, nil)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			// Not a map at all (or unreadable): let the load report it.
			continue
		}
		incompatible := spec.Maps[name].Compatible(old)
		old.Close()
		if incompatible == nil {
			continue
		}
		if !errors.Is(incompatible, ebpf.ErrMapIncompatible) {
			return fmt.Errorf("ebpf: compare pinned map %s: %w", pin, incompatible)
		}
		log.Info("replacing pinned reverse-NAT map of another layout; sockets balanced before keep their backend as peer",
			"map", name, "reason", incompatible.Error())
		if err := os.Remove(pin); err != nil {
			return fmt.Errorf("ebpf: remove stale pinned map %s: %w", pin, err)
		}
	}
	return nil
}
