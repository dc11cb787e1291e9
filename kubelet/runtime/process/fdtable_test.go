package process

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fdTableSize returns the size of the process's descriptor table (the
// FDSize line of /proc/self/status).
func fdTableSize(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "FDSize:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatalf("FDSize %q: %v", v, err)
			}
			return n
		}
	}
	t.Fatal("no FDSize in /proc/self/status")
	return 0
}

// TestReserveDescriptors: the descriptor table grows to the number asked
// for (capped at the soft descriptor limit) and no descriptor is left
// open. It asks for twice what New reserves, so that the growth is this
// call's even when a runtime was made earlier in the process.
func TestReserveDescriptors(t *testing.T) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	n := 2 * descriptorReserve
	want := min(n, int(lim.Cur))
	if size := fdTableSize(t); size >= want {
		t.Fatalf("descriptor table of %d already; the test needs it below %d", size, want)
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	before, _ := os.ReadDir("/proc/self/fd")
	reserveDescriptors(f, n)
	if got := fdTableSize(t); got < want {
		t.Errorf("descriptor table of %d after reserving %d (limit %d)", got, n, lim.Cur)
	}
	after, _ := os.ReadDir("/proc/self/fd")
	if len(after) != len(before) {
		t.Errorf("%d descriptors open before, %d after", len(before), len(after))
	}
	// Past the limit: capped, nothing left open.
	reserveDescriptors(f, int(lim.Cur)+1000)
	if after2, _ := os.ReadDir("/proc/self/fd"); len(after2) != len(before) {
		t.Errorf("%d descriptors open before, %d after reserving past the limit", len(before), len(after2))
	}
}
