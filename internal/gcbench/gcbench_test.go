package gcbench

import (
	"runtime"
	"testing"
)

func TestFullCollection(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if d := FullCollection(3); d <= 0 {
		t.Errorf("FullCollection(3) = %v, want > 0", d)
	}
	runtime.ReadMemStats(&after)
	if n := after.NumForcedGC - before.NumForcedGC; n < 3 {
		t.Errorf("%d forced collections, want 3", n)
	}
	before = after
	FullCollection(0)
	runtime.ReadMemStats(&after)
	if n := after.NumForcedGC - before.NumForcedGC; n < 1 {
		t.Errorf("FullCollection(0): %d forced collections, want 1", n)
	}
}
