package nodeipam_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/controller"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/controller/nodeipam"
)

type fixture struct {
	t      *testing.T
	ctx    context.Context
	env    *envtest.Env
	nodes  *client.Resource[corev1.Node]
	events *client.Resource[corev1.Event]
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := envtest.Start(t)
	nodes, err := client.For[corev1.Node](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	events, err := client.For[corev1.Event](env.Client)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, ctx: t.Context(), env: env, nodes: nodes, events: events.Namespace(corev1.NamespaceDefault)}
}

// run starts a manager with the node IPAM controller and returns a
// function that stops it and waits.
func (f *fixture) run(opts nodeipam.Options) (stop func()) {
	f.t.Helper()
	mgr, err := controller.NewManager(controller.ManagerOptions{Client: f.env.Client})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := nodeipam.Add(mgr, f.env.Client, opts); err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				f.t.Errorf("manager: %v", err)
			}
		})
	}
	f.t.Cleanup(stop)
	return stop
}

func (f *fixture) create(name string, podCIDRs ...string) {
	f.t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if len(podCIDRs) > 0 {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = podCIDRs[0], podCIDRs
	}
	if _, err := f.nodes.Create(f.ctx, n, client.CreateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) remove(name string) {
	f.t.Helper()
	if err := f.nodes.Delete(f.ctx, name, metav1.DeleteOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) waitFor(what string, cond func() (bool, string)) {
	f.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond) // polling interval, not synchronisation
	defer tick.Stop()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s; last state: %s", what, state)
		}
		<-tick.C
	}
}

// waitCIDRs waits until node name has pod CIDRs and returns them.
func (f *fixture) waitCIDRs(name string) []string {
	f.t.Helper()
	var got []string
	f.waitFor("pod CIDRs of "+name, func() (bool, string) {
		n, err := f.nodes.Get(f.ctx, name, client.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		if len(n.Spec.PodCIDRs) > 0 && n.Spec.PodCIDR != n.Spec.PodCIDRs[0] {
			f.t.Fatalf("node %s: podCIDR %q is not podCIDRs[0] of %v", name, n.Spec.PodCIDR, n.Spec.PodCIDRs)
		}
		got = n.Spec.PodCIDRs
		return len(got) > 0, fmt.Sprint(got)
	})
	return got
}

func (f *fixture) cidrEvents() []corev1.Event {
	f.t.Helper()
	l, err := f.events.List(f.ctx, client.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []corev1.Event
	for _, e := range l.Items {
		if e.Reason == nodeipam.ReasonCIDRNotAvailable {
			out = append(out, e)
		}
	}
	return out
}

func v4(cluster string) nodeipam.Options {
	return nodeipam.Options{ClusterCIDRs: []netip.Prefix{netip.MustParsePrefix(cluster)}}
}

func TestAllocatesAndKeepsExisting(t *testing.T) {
	f := newFixture(t)
	f.create("preset", "10.244.0.0/24") // set by someone else: kept and in use
	f.run(v4("10.244.0.0/16"))
	f.create("a")
	f.create("b")
	got := map[string][]string{"preset": f.waitCIDRs("preset"), "a": f.waitCIDRs("a"), "b": f.waitCIDRs("b")}
	want := map[string][]string{"preset": {"10.244.0.0/24"}, "a": {"10.244.1.0/24"}, "b": {"10.244.2.0/24"}}
	if got["a"][0] == "10.244.2.0/24" { // a and b may be reconciled in either order
		want["a"], want["b"] = want["b"], want["a"]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pod CIDRs (-want +got):\n%s", diff)
	}
}

func TestRestartRebuildsOccupancy(t *testing.T) {
	f := newFixture(t)
	stop := f.run(v4("10.0.0.0/22"))
	f.create("a")
	f.create("b")
	first := map[string]bool{f.waitCIDRs("a")[0]: true, f.waitCIDRs("b")[0]: true}
	stop()

	// A new controller, with empty bitmaps, must not hand those out again.
	f.run(v4("10.0.0.0/22"))
	f.create("c")
	f.create("d")
	got := []string{f.waitCIDRs("c")[0], f.waitCIDRs("d")[0]}
	for _, g := range got {
		if first[g] {
			t.Errorf("CIDR %s handed out twice across a restart (first: %v)", g, first)
		}
	}
	all := append(got, keys(first)...)
	sort.Strings(all)
	if diff := cmp.Diff([]string{"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"}, all); diff != "" {
		t.Errorf("CIDRs in use (-want +got):\n%s", diff)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestExhaustionReleaseAndReuse(t *testing.T) {
	f := newFixture(t)
	f.run(v4("10.1.0.0/23")) // two /24s
	f.create("a")
	aCIDR := f.waitCIDRs("a")[0]
	f.create("b")
	f.waitCIDRs("b")
	f.create("c")
	var evs []corev1.Event
	f.waitFor("a CIDRNotAvailable event for c", func() (bool, string) {
		evs = f.cidrEvents()
		return len(evs) > 0, ""
	})
	ev := evs[0]
	if ev.InvolvedObject.Kind != "Node" || ev.InvolvedObject.Name != "c" || ev.Type != corev1.EventTypeWarning {
		t.Errorf("event %+v", ev)
	}
	if ev.Source.Component != nodeipam.EventComponent || ev.Count != 1 || ev.InvolvedObject.APIVersion != "v1" {
		t.Errorf("event source %+v, count %d, involvedObject %+v; want source %s, count 1, apiVersion v1",
			ev.Source, ev.Count, ev.InvolvedObject, nodeipam.EventComponent)
	}
	if !strings.Contains(ev.Message, "10.1.0.0/23") || !strings.Contains(ev.Message, "CIDRNotAvailable") {
		t.Errorf("event message %q does not name the reason and the exhausted range", ev.Message)
	}
	if n, err := f.nodes.Get(f.ctx, "c", client.GetOptions{}); err != nil || len(n.Spec.PodCIDRs) != 0 || n.Spec.PodCIDR != "" {
		t.Fatalf("c got CIDRs from an exhausted range: %v %v", err, n.Spec.PodCIDRs)
	}

	// Deleting a frees its CIDR, which c then gets at once.
	f.remove("a")
	if diff := cmp.Diff([]string{aCIDR}, f.waitCIDRs("c")); diff != "" {
		t.Errorf("c's CIDRs (-want +got):\n%s", diff)
	}
	if evs := f.cidrEvents(); len(evs) != 1 {
		t.Errorf("%d CIDRNotAvailable events, want 1", len(evs))
	}
}

func TestDualStack(t *testing.T) {
	f := newFixture(t)
	f.run(nodeipam.Options{ClusterCIDRs: []netip.Prefix{
		netip.MustParsePrefix("fd00:10::/56"), netip.MustParsePrefix("10.96.0.0/16"),
	}, NodeCIDRMaskSizeIPv4: 26})
	f.create("a")
	f.create("b")
	got := [][]string{f.waitCIDRs("a"), f.waitCIDRs("b")}
	sort.Slice(got, func(i, j int) bool { return got[i][1] < got[j][1] })
	want := [][]string{{"fd00:10::/64", "10.96.0.0/26"}, {"fd00:10:0:1::/64", "10.96.0.64/26"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pod CIDRs, IPv6 first as configured (-want +got):\n%s", diff)
	}
}

func TestHundredNodesAtOnce(t *testing.T) {
	f := newFixture(t)
	f.run(v4("10.200.0.0/16"))
	var wg sync.WaitGroup
	errs := make([]error, 100)
	for i := range 100 {
		wg.Go(func() {
			_, errs[i] = f.nodes.Create(f.ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%03d", i)}}, client.CreateOptions{})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	f.waitFor("100 nodes with CIDRs", func() (bool, string) {
		l, err := f.nodes.List(f.ctx, client.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		clear(seen)
		for _, n := range l.Items {
			if n.Spec.PodCIDR == "" {
				return false, "node " + n.Name + " has none"
			}
			if other, dup := seen[n.Spec.PodCIDR]; dup {
				t.Fatalf("nodes %s and %s share pod CIDR %s", other, n.Name, n.Spec.PodCIDR)
			}
			seen[n.Spec.PodCIDR] = n.Name
		}
		return len(seen) == 100, fmt.Sprintf("%d with CIDRs", len(seen))
	})
	cluster := netip.MustParsePrefix("10.200.0.0/16")
	for c := range seen {
		p := netip.MustParsePrefix(c)
		if p.Bits() != 24 || !cluster.Contains(p.Addr()) {
			t.Errorf("CIDR %s is not a /24 of %v", c, cluster)
		}
	}
}

func TestOptionsAreValidated(t *testing.T) {
	env := envtest.Start(t)
	mgr, err := controller.NewManager(controller.ManagerOptions{Client: env.Client})
	if err != nil {
		t.Fatal(err)
	}
	p := netip.MustParsePrefix
	for name, opts := range map[string]nodeipam.Options{
		"no cluster CIDR":     {},
		"two of one family":   {ClusterCIDRs: []netip.Prefix{p("10.0.0.0/16"), p("10.1.0.0/16")}},
		"three":               {ClusterCIDRs: []netip.Prefix{p("10.0.0.0/16"), p("fd00::/56"), p("10.1.0.0/16")}},
		"mask too short":      {ClusterCIDRs: []netip.Prefix{p("10.0.0.0/16")}, NodeCIDRMaskSizeIPv4: 8},
		"too many subnets v6": {ClusterCIDRs: []netip.Prefix{p("fd00::/32")}},
		"invalid prefix":      {ClusterCIDRs: []netip.Prefix{{}}},
	} {
		if _, err := nodeipam.Add(mgr, env.Client, opts); err == nil {
			t.Errorf("%s: Add succeeded", name)
		}
	}
}
