package store

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// diskFloor appends 4 KiB to a new file in dir and fdatasyncs it, n times,
// and returns the latency of each append and sync: the least a durable
// write can cost on that disk. It removes the file.
func diskFloor(dir string, n int) (opResult, error) {
	f, err := os.CreateTemp(dir, "rigging-bench-disk-")
	if err != nil {
		return opResult{}, fmt.Errorf("disk floor: %w", err)
	}
	defer os.Remove(f.Name())
	block := benchValue(4096)
	lat := make([]time.Duration, 0, n)
	cpu0, start := cpuTime(), time.Now()
	for range n {
		t0 := time.Now()
		if _, err := f.Write(block); err != nil {
			return opResult{}, errors.Join(fmt.Errorf("disk floor: write %s: %w", f.Name(), err), f.Close())
		}
		if err := fdatasync(f); err != nil {
			return opResult{}, errors.Join(fmt.Errorf("disk floor: sync %s: %w", f.Name(), err), f.Close())
		}
		lat = append(lat, time.Since(t0))
	}
	if err := f.Close(); err != nil {
		return opResult{}, fmt.Errorf("disk floor: close %s: %w", f.Name(), err)
	}
	return summarize([][]time.Duration{lat}, time.Since(start), cpuTime()-cpu0), nil
}

// loadAverage returns the three load averages of /proc/loadavg, or a note
// saying why not.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return fmt.Sprintf("unknown (%v)", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return fmt.Sprintf("unknown (/proc/loadavg holds %q)", b)
	}
	return strings.Join(f[:3], " ")
}

// fmtDur formats d in µs below a millisecond and in ms above, with three
// significant digits or so.
func fmtDur(d time.Duration) string {
	switch {
	case d < 10*time.Microsecond:
		return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", ms(d))
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1f ms", ms(d))
	}
	return fmt.Sprintf("%.0f ms", ms(d))
}

func TestDiskFloor(t *testing.T) {
	r, err := diskFloor(t.TempDir(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if r.ops != 5 || r.p50 <= 0 {
		t.Errorf("diskFloor: implausible result %+v", r)
	}
}

func TestFmtDur(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{4529 * time.Nanosecond, "4.5 µs"},
		{35540 * time.Nanosecond, "36 µs"},
		{1290 * time.Microsecond, "1.29 ms"},
		{56160 * time.Microsecond, "56.2 ms"},
		{340200 * time.Microsecond, "340 ms"},
		{15236 * time.Millisecond, "15236 ms"},
	}
	for _, tt := range tests {
		if got := fmtDur(tt.d); got != tt.want {
			t.Errorf("fmtDur(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// fdatasync flushes f's data (and only the metadata needed to read it
// back), as bbolt and etcd's WAL do on Linux.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
