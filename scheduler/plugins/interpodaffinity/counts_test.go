package interpodaffinity

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPublishedCountsViews changes counts at random between publications
// and checks that every view shows exactly the counts at its publication,
// also after later changes and publications (views are never modified),
// whether it was published as a new base or as changes over one, and that
// counts taken from a view and then changed leave the view alone.
func TestPublishedCountsViews(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	pairs := make([]topologyPair, 300)
	for i := range pairs {
		pairs[i] = topologyPair{"k", fmt.Sprint(i)}
	}
	type published struct {
		view countView
		want topologyToMatchedTermCount
	}
	c := newPublishedCounts()
	var views []published
	bases := map[string]bool{}
	check := func(step int, p published) {
		t.Helper()
		got := make(topologyToMatchedTermCount)
		for _, pair := range pairs {
			if n := p.view.get(pair); n != 0 {
				got[pair] = n
			}
		}
		if !maps.Equal(p.want, got) {
			t.Fatalf("step %d: view (-want +got):\n%s", step, cmp.Diff(p.want, got, cmp.AllowUnexported(topologyPair{})))
		}
		if p.view.n != len(p.want) {
			t.Fatalf("step %d: view counts %d domains, want %d", step, p.view.n, len(p.want))
		}
		if m := p.view.materialize(); !maps.Equal(p.want, m) {
			t.Fatalf("step %d: materialized view (-want +got):\n%s", step, cmp.Diff(p.want, m, cmp.AllowUnexported(topologyPair{})))
		}
	}
	for step := 0; step < 400; step++ {
		// Mostly a few changes per step, sometimes many (a new base).
		n := 1 + rng.IntN(4)
		if rng.IntN(10) == 0 {
			n = 100
		}
		for range n {
			pair := pairs[rng.IntN(len(pairs))]
			if c.live[pair] > 0 && rng.IntN(2) == 0 {
				c.addPairs([]pairCount{{pair, 1}}, -1)
				continue
			}
			c.addPairs([]pairCount{{pair, int64(1 + rng.IntN(2))}}, 1)
		}
		v := c.publish()
		bases[fmt.Sprintf("%p", v.base)] = true
		views = append(views, published{view: v, want: maps.Clone(c.live)})
		if again := c.publish(); fmt.Sprintf("%p/%p", again.base, again.over) != fmt.Sprintf("%p/%p", v.base, v.over) {
			t.Fatalf("step %d: publishing without changes made a new view", step)
		}
		// A state's counts changed from the view leave the view alone.
		cs := counts{view: v}
		cs.add(pairs[rng.IntN(len(pairs))], 1)
		clone := cs.clone()
		clone.add(pairs[0], 1)
		if cs.get(pairs[0]) == clone.get(pairs[0]) {
			t.Fatalf("step %d: a clone shares its counts with the original", step)
		}
		for i, p := range views {
			if i%37 == 0 || i == len(views)-1 {
				check(step, p)
			}
		}
	}
	if len(bases) < 2 || len(bases) > 200 {
		t.Errorf("%d distinct bases in 400 publications: want both new bases and changes over a base", len(bases))
	}
}
