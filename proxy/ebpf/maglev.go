package ebpf

import (
	"fmt"
	"hash/fnv"
)

// maglevTable computes a Maglev lookup table (Eisenbud et al., "Maglev: A
// Fast and Reliable Software Network Load Balancer", NSDI 2016, section
// 3.4) of size m, a prime, for the backends named names. Entry i holds the
// index into names of the backend that owns it. Every backend owns
// floor(m/n) or ceil(m/n) entries, and removing one backend moves few
// entries between the others. The result depends only on the names (not
// their order of arrival), so a restarted dataplane recomputes the same
// table.
func maglevTable(names []string, m int) ([]uint32, error) {
	n := len(names)
	if n == 0 {
		return nil, nil
	}
	if n > m {
		return nil, fmt.Errorf("%d backends exceed the Maglev table size %d", n, m)
	}
	offset := make([]uint64, n)
	skip := make([]uint64, n)
	for i, name := range names {
		offset[i] = hashName(name, 0x6d61676c) % uint64(m)
		skip[i] = hashName(name, 0x65762d32)%uint64(m-1) + 1
	}
	next := make([]uint64, n)
	table := make([]uint32, m)
	owned := make([]bool, m)
	filled := 0
	for {
		for i := range n {
			c := (offset[i] + next[i]*skip[i]) % uint64(m)
			for owned[c] {
				next[i]++
				c = (offset[i] + next[i]*skip[i]) % uint64(m)
			}
			table[c] = uint32(i)
			owned[c] = true
			next[i]++
			filled++
			if filled == m {
				return table, nil
			}
		}
	}
}

func hashName(name string, seed uint32) uint64 {
	h := fnv.New64a()
	var s [4]byte
	s[0], s[1], s[2], s[3] = byte(seed>>24), byte(seed>>16), byte(seed>>8), byte(seed)
	h.Write(s[:])
	h.Write([]byte(name))
	return h.Sum64()
}
