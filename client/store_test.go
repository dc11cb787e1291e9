package client

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

func sortedKeys(x *Indexer[corev1.Pod], objs []*corev1.Pod) []string {
	out := []string{}
	for _, o := range objs {
		out = append(out, x.KeyOf(o))
	}
	slices.Sort(out)
	return out
}

func TestIndexer(t *testing.T) {
	byLabel := func(p *corev1.Pod) ([]string, error) {
		var out []string
		for k, v := range p.Labels {
			out = append(out, k+"="+v)
		}
		return out, nil
	}
	x, err := NewIndexer[corev1.Pod](Indexers[corev1.Pod]{PodNodeNameIndex: IndexPodsByNodeName, "labels": byLabel})
	if err != nil {
		t.Fatal(err)
	}
	onNode := func(ns, name, node string, labels map[string]string) *corev1.Pod {
		p := pod(ns, name, labels)
		p.Spec.NodeName = node
		return p
	}
	type step struct {
		name   string
		do     func()
		index  string
		value  string
		want   []string
		values []string // IndexValues(index), when not nil
	}
	steps := []step{
		{"add", func() {
			_ = x.Add(onNode("a", "p1", "n1", map[string]string{"app": "web", "tier": "1"}))
			_ = x.Add(onNode("a", "p2", "n2", map[string]string{"app": "web"}))
			_ = x.Add(onNode("b", "p3", "n1", nil))
		}, PodNodeNameIndex, "n1", []string{"a/p1", "b/p3"}, []string{"n1", "n2"}},
		{"multi-valued", func() {}, "labels", "app=web", []string{"a/p1", "a/p2"}, []string{"app=web", "tier=1"}},
		{"namespace", func() {}, NamespaceIndex, "a", []string{"a/p1", "a/p2"}, []string{"a", "b"}},
		{"update moves between values", func() { _ = x.Add(onNode("a", "p1", "n2", map[string]string{"app": "db"})) },
			PodNodeNameIndex, "n2", []string{"a/p1", "a/p2"}, []string{"n1", "n2"}},
		{"old values dropped", func() {}, "labels", "tier=1", []string{}, []string{"app=db", "app=web"}},
		{"delete", func() { x.Delete(onNode("b", "p3", "", nil)) }, PodNodeNameIndex, "n1", []string{}, []string{"n2"}},
		{"delete missing is a no-op", func() { x.DeleteKey("zz/none") }, NamespaceIndex, "a", []string{"a/p1", "a/p2"}, nil},
		{"replace", func() {
			_ = x.Replace([]*corev1.Pod{onNode("c", "q", "n3", nil), onNode("", "cluster", "n3", nil)})
		}, PodNodeNameIndex, "n3", []string{"c/q", "cluster"}, []string{"n3"}},
		{"cluster-scoped key", func() {}, NamespaceIndex, "", []string{"cluster"}, nil},
	}
	for _, s := range steps {
		s.do()
		got, err := x.ByIndex(s.index, s.value)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if diff := cmp.Diff(s.want, sortedKeys(x, got)); diff != "" {
			t.Errorf("%s: ByIndex(%s, %s) (-want +got):\n%s", s.name, s.index, s.value, diff)
		}
		keys, _ := x.IndexKeys(s.index, s.value)
		slices.Sort(keys)
		if diff := cmp.Diff(s.want, append([]string{}, keys...)); diff != "" {
			t.Errorf("%s: IndexKeys (-want +got):\n%s", s.name, diff)
		}
		if s.values != nil {
			vals := x.IndexValues(s.index)
			slices.Sort(vals)
			if diff := cmp.Diff(s.values, vals); diff != "" {
				t.Errorf("%s: IndexValues(%s) (-want +got):\n%s", s.name, s.index, diff)
			}
		}
	}
	if x.Len() != 2 {
		t.Errorf("Len = %d", x.Len())
	}
	if _, ok := x.GetByKey("c/q"); !ok {
		t.Error("GetByKey(c/q) missing")
	}
	if _, err := x.ByIndex("nope", ""); err == nil {
		t.Error("ByIndex of a missing index: no error")
	}
	if _, err := x.IndexKeys("nope", ""); err == nil {
		t.Error("IndexKeys of a missing index: no error")
	}
}

func TestIndexerErrors(t *testing.T) {
	if _, err := NewIndexer[corev1.Pod](Indexers[corev1.Pod]{NamespaceIndex: IndexPodsByNodeName}); err == nil ||
		err.Error() != `add indexer "namespace": an index of that name exists` {
		t.Errorf("index named namespace: %v", err)
	}
	if _, err := NewIndexer[corev1.Pod](Indexers[corev1.Pod]{"x": nil}); err == nil || err.Error() != `add indexer "x": index function is nil` {
		t.Errorf("nil index: %v", err)
	}
	x, err := NewIndexer[corev1.Pod](nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = x.Add(pod("a", "good", nil))
	_ = x.Add(pod("a", "bad", map[string]string{"bad": "1"}))
	failing := func(p *corev1.Pod) ([]string, error) {
		if p.Labels["bad"] != "" {
			return nil, errors.New("no")
		}
		return []string{"v"}, nil
	}
	// Adding the index reports the object it could not index; the others
	// are indexed.
	err = x.AddIndexers(Indexers[corev1.Pod]{"f": failing})
	if err == nil || !strings.Contains(err.Error(), `index "f" of a/bad: no`) {
		t.Errorf("AddIndexers: %v", err)
	}
	got, _ := x.ByIndex("f", "v")
	if diff := cmp.Diff([]string{"a/good"}, sortedKeys(x, got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// An object its index fails on is still cached, and deleting it works.
	if err := x.Add(pod("a", "bad2", map[string]string{"bad": "1"})); err == nil {
		t.Error("Add with a failing index: no error")
	}
	if _, ok := x.GetByKey("a/bad2"); !ok {
		t.Error("object with a failing index not cached")
	}
	x.DeleteKey("a/bad2")
	if x.Len() != 2 {
		t.Errorf("Len = %d", x.Len())
	}
}

func TestIndexerConcurrent(t *testing.T) {
	x, err := NewIndexer[corev1.Pod](Indexers[corev1.Pod]{PodNodeNameIndex: IndexPodsByNodeName})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				p := pod("ns", string(rune('a'+w)), nil)
				p.Spec.NodeName = []string{"n1", "n2"}[i%2]
				_ = x.Add(p)
				_, _ = x.ByIndex(PodNodeNameIndex, "n1")
				_ = x.List()
				if i%7 == 0 {
					x.Delete(p)
				}
			}
		})
	}
	wg.Wait()
	n1, _ := x.ByIndex(PodNodeNameIndex, "n1")
	n2, _ := x.ByIndex(PodNodeNameIndex, "n2")
	if len(n1)+len(n2) != x.Len() {
		t.Errorf("index holds %d objects, cache %d", len(n1)+len(n2), x.Len())
	}
}

func TestKeys(t *testing.T) {
	tests := []struct {
		ns, name, key string
	}{
		{"a", "b", "a/b"},
		{"", "node-1", "node-1"},
	}
	for _, tt := range tests {
		if got := Key(tt.ns, tt.name); got != tt.key {
			t.Errorf("Key(%q, %q) = %q", tt.ns, tt.name, got)
		}
		ns, name, err := SplitKey(tt.key)
		if err != nil || ns != tt.ns || name != tt.name {
			t.Errorf("SplitKey(%q) = %q, %q, %v", tt.key, ns, name, err)
		}
	}
	if _, _, err := SplitKey("a/b/c"); err == nil {
		t.Error("SplitKey(a/b/c): no error")
	}
}
