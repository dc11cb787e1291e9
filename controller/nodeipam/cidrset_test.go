package nodeipam

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func TestNewCIDRSetValidates(t *testing.T) {
	tests := []struct {
		name    string
		cluster netip.Prefix
		mask    int
		size    int // 0: error expected
	}{
		{"ipv4 /16 by /24", pfx("10.0.0.0/16"), 24, 256},
		{"ipv4 unmasked input", pfx("10.0.3.7/16"), 24, 256},
		{"one subnet", pfx("10.0.0.0/24"), 24, 1},
		{"ipv6 /56 by /64", pfx("fd00::/56"), 64, 256},
		{"ipv6 /48 by /64 (the limit)", pfx("fd00::/48"), 64, 65536},
		{"mask shorter than cluster", pfx("10.0.0.0/16"), 8, 0},
		{"mask beyond address", pfx("10.0.0.0/16"), 33, 0},
		{"too many subnets", pfx("10.0.0.0/8"), 25, 0},
		{"invalid prefix", netip.Prefix{}, 24, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewCIDRSet(tt.cluster, tt.mask)
			if tt.size == 0 {
				if err == nil {
					t.Fatalf("no error for %v /%d", tt.cluster, tt.mask)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Size() != tt.size {
				t.Errorf("size %d, want %d", s.Size(), tt.size)
			}
		})
	}
}

// allocate returns the next n subnets as strings, or the error.
func allocate(t *testing.T, s *CIDRSet, n int) []string {
	t.Helper()
	var out []string
	for range n {
		p, err := s.AllocateNext()
		if err != nil {
			t.Fatalf("allocate after %v: %v", out, err)
		}
		out = append(out, p.String())
	}
	return out
}

func TestAllocateNext(t *testing.T) {
	tests := []struct {
		name    string
		cluster string
		mask    int
		want    []string
	}{
		{"ipv4", "10.244.0.0/22", 24, []string{"10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24"}},
		{"ipv4 small subnets", "192.168.0.0/24", 26, []string{"192.168.0.0/26", "192.168.0.64/26", "192.168.0.128/26", "192.168.0.192/26"}},
		{"ipv4 across an octet", "10.0.0.0/23", 25, []string{"10.0.0.0/25", "10.0.0.128/25", "10.0.1.0/25", "10.0.1.128/25"}},
		{"ipv6", "fd00:10::/62", 64, []string{"fd00:10::/64", "fd00:10:0:1::/64", "fd00:10:0:2::/64", "fd00:10:0:3::/64"}},
		{"ipv6 across the 64-bit halves", "fd00::/63", 65, []string{"fd00::/65", "fd00::8000:0:0:0/65", "fd00:0:0:1::/65", "fd00:0:0:1:8000::/65"}},
		{"ipv6 high bits", "fd00::/14", 16, []string{"fd00::/16", "fd01::/16", "fd02::/16", "fd03::/16"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewCIDRSet(pfx(tt.cluster), tt.mask)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, allocate(t, s, len(tt.want))); diff != "" {
				t.Errorf("subnets (-want +got):\n%s", diff)
			}
			if _, err := s.AllocateNext(); !errors.Is(err, ErrCIDRRangeExhausted) {
				t.Errorf("allocate from a full set: %v, want ErrCIDRRangeExhausted", err)
			}
			if s.InUse() != len(tt.want) {
				t.Errorf("in use %d", s.InUse())
			}
		})
	}
}

func TestReleaseAndReuse(t *testing.T) {
	s, err := NewCIDRSet(pfx("10.0.0.0/22"), 24)
	if err != nil {
		t.Fatal(err)
	}
	allocate(t, s, 4)
	if err := s.Release(pfx("10.0.1.0/24")); err != nil {
		t.Fatal(err)
	}
	if s.InUse() != 3 {
		t.Errorf("in use %d after release, want 3", s.InUse())
	}
	if diff := cmp.Diff([]string{"10.0.1.0/24"}, allocate(t, s, 1)); diff != "" {
		t.Errorf("reused (-want +got):\n%s", diff)
	}
	// Releasing twice is harmless.
	if err := s.Release(pfx("10.0.2.0/24")); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(pfx("10.0.2.0/24")); err != nil {
		t.Fatal(err)
	}
	if s.InUse() != 3 {
		t.Errorf("in use %d after double release, want 3", s.InUse())
	}
}

func TestNextFitDoesNotReuseAtOnce(t *testing.T) {
	s, err := NewCIDRSet(pfx("10.0.0.0/22"), 24)
	if err != nil {
		t.Fatal(err)
	}
	first := allocate(t, s, 1)[0]
	if err := s.Release(pfx(first)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24", "10.0.0.0/24"}, allocate(t, s, 4)); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestOccupy(t *testing.T) {
	tests := []struct {
		name    string
		occupy  []string
		wantErr bool
		inUse   int
		next    []string // the free subnets, in allocation order
	}{
		{"exact", []string{"10.0.1.0/24"}, false, 1, []string{"10.0.0.0/24", "10.0.2.0/24", "10.0.3.0/24"}},
		{"twice counts once", []string{"10.0.1.0/24", "10.0.1.0/24"}, false, 1, []string{"10.0.0.0/24", "10.0.2.0/24", "10.0.3.0/24"}},
		{"shorter prefix covers two", []string{"10.0.2.0/23"}, false, 2, []string{"10.0.0.0/24", "10.0.1.0/24"}},
		{"longer prefix takes its subnet", []string{"10.0.3.128/25"}, false, 1, []string{"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}},
		{"covering the cluster", []string{"10.0.0.0/8"}, false, 4, nil},
		{"outside", []string{"10.1.0.0/24"}, true, 0, nil},
		{"other family", []string{"fd00::/64"}, true, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewCIDRSet(pfx("10.0.0.0/22"), 24)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range tt.occupy {
				err = s.Occupy(pfx(o))
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("occupy: %v, want error %v", err, tt.wantErr)
			}
			if s.InUse() != tt.inUse {
				t.Errorf("in use %d, want %d", s.InUse(), tt.inUse)
			}
			if tt.wantErr {
				return
			}
			var got []string
			for {
				p, err := s.AllocateNext()
				if err != nil {
					break
				}
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tt.next, got); diff != "" {
				t.Errorf("free subnets (-want +got):\n%s", diff)
			}
		})
	}
}

func TestContains(t *testing.T) {
	s, err := NewCIDRSet(pfx("10.0.0.0/16"), 24)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{"10.0.5.0/24": true, "10.1.0.0/24": false, "fd00::/64": false, "10.0.0.0/8": true} {
		if got := s.Contains(pfx(p)); got != want {
			t.Errorf("Contains(%s) = %v", p, got)
		}
	}
}
