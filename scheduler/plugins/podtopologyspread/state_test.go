package podtopologyspread

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestStateMinTracking applies random one-pod changes and checks that the
// incrementally kept minimum and histogram equal a recomputation.
func TestStateMinTracking(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		domains := 1 + r.IntN(6)
		s := &preFilterState{
			Constraints:       []constraint{{}},
			TpValueToMatchNum: []map[string]int{{}},
			MinMatchNum:       []int{math.MaxInt32},
			DomainsAtCount:    []map[int]int{{}},
		}
		values := []string{"a", "b", "c", "d", "e", "f"}[:domains]
		for _, v := range values {
			n := r.IntN(4)
			s.TpValueToMatchNum[0][v] = n
			s.DomainsAtCount[0][n]++
			s.MinMatchNum[0] = min(s.MinMatchNum[0], n)
		}
		for step := range 50 {
			v := values[r.IntN(domains)]
			delta := 1
			if s.TpValueToMatchNum[0][v] > 0 && r.IntN(2) == 0 {
				delta = -1
			}
			c := s.Clone().(*preFilterState)
			c.update(0, v, delta)
			wantMin, wantHist := math.MaxInt32, map[int]int{}
			for _, n := range c.TpValueToMatchNum[0] {
				wantMin = min(wantMin, n)
				wantHist[n]++
			}
			if c.MinMatchNum[0] != wantMin {
				t.Fatalf("round %d step %d: min %d, want %d (counts %v)", round, step, c.MinMatchNum[0], wantMin, c.TpValueToMatchNum[0])
			}
			if len(wantHist) != len(c.DomainsAtCount[0]) {
				t.Fatalf("round %d step %d: histogram %v, want %v", round, step, c.DomainsAtCount[0], wantHist)
			}
			for k, n := range wantHist {
				if c.DomainsAtCount[0][k] != n {
					t.Fatalf("round %d step %d: histogram %v, want %v", round, step, c.DomainsAtCount[0], wantHist)
				}
			}
			if s.TpValueToMatchNum[0][v] == c.TpValueToMatchNum[0][v] {
				t.Fatalf("round %d step %d: the clone shares its counts with the original", round, step)
			}
			s = c
		}
	}
}
