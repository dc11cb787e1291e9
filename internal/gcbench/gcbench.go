package gcbench

import (
	"runtime"
	"time"
)

// FullCollection returns the least wall time of n forced full collections
// (runtime.GC), n at least 1: the least is the one least disturbed by the
// rest of the machine.
func FullCollection(n int) time.Duration {
	var best time.Duration
	for range max(n, 1) {
		t := time.Now()
		runtime.GC()
		if d := time.Since(t); best == 0 || d < best {
			best = d
		}
	}
	return best
}
