package ebpf

import (
	"errors"

	"github.com/cilium/ebpf"
)

// batchUpdate writes keys[i] = vals[i] in as few syscalls as the kernel
// allows (BPF_MAP_UPDATE_BATCH, Linux 5.6; element by element before that).
// A failing element is reported to fail with its index and skipped; the
// rest are still written.
func batchUpdate[K, V any](m *ebpf.Map, keys []K, vals []V, fail func(i int, err error)) {
	for start := 0; start < len(keys); {
		n, err := m.BatchUpdate(keys[start:], vals[start:], nil)
		if err == nil {
			return
		}
		if errors.Is(err, ebpf.ErrNotSupported) {
			for i := start; i < len(keys); i++ {
				if err := m.Update(&keys[i], &vals[i], ebpf.UpdateAny); err != nil {
					fail(i, err)
				}
			}
			return
		}
		i := min(start+n, len(keys)-1)
		fail(i, err)
		start = i + 1
	}
}

// batchDelete removes keys, ignoring those already absent. Other failures
// are reported to fail with the key's index.
func batchDelete[K any](m *ebpf.Map, keys []K, fail func(i int, err error)) {
	for start := 0; start < len(keys); {
		n, err := m.BatchDelete(keys[start:], nil)
		if err == nil {
			return
		}
		if errors.Is(err, ebpf.ErrNotSupported) {
			for i := start; i < len(keys); i++ {
				if err := m.Delete(&keys[i]); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
					fail(i, err)
				}
			}
			return
		}
		i := min(start+n, len(keys)-1)
		if !errors.Is(err, ebpf.ErrKeyNotExist) {
			fail(i, err)
		}
		start = i + 1
	}
}

// dump calls fn for every entry of m, in batches where the kernel can.
// Entries changed concurrently may be seen or not.
func dump[K, V any](m *ebpf.Map, fn func(K, V)) error {
	const chunk = 4096
	keys := make([]K, chunk)
	vals := make([]V, chunk)
	var cursor ebpf.MapBatchCursor
	for first := true; ; first = false {
		n, err := m.BatchLookup(&cursor, keys, vals, nil)
		for i := range n {
			fn(keys[i], vals[i])
		}
		switch {
		case err == nil:
			continue
		case errors.Is(err, ebpf.ErrKeyNotExist):
			return nil
		case first && errors.Is(err, ebpf.ErrNotSupported):
			var k K
			var v V
			it := m.Iterate()
			for it.Next(&k, &v) {
				fn(k, v)
			}
			return it.Err()
		default:
			return err
		}
	}
}
