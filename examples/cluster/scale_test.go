package main

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
)

// A scaled-down run of the 1,000-node benchmark (bench/cluster
// BenchmarkScale): simulated nodes from -fake-nodes, pods created at once,
// every one bound and Running, none on an unready node and none over a
// node's pod capacity. The full-size run is a benchmark; this one runs in
// CI.
func TestFakeNodesScale(t *testing.T) {
	const nodes, pods = 40, 1000
	var out, errs syncBuffer
	ctx := t.Context()
	c, err := start(ctx, options{dataDir: t.TempDir(), fakeNodes: nodes, timeout: time.Minute}, &out, &errs)
	if err != nil {
		t.Fatalf("start: %v\n%s", err, errs.String())
	}
	t.Cleanup(func() {
		if err := c.stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	podsRes, err := client.For[corev1.Pod](c.cp.client)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	var next atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for range 16 {
		g.Go(func() error {
			for {
				i := next.Add(1) - 1
				if i >= pods {
					return nil
				}
				p := &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%04d", i), Namespace: "default"},
					Spec: corev1.PodSpec{
						NodeSelector: map[string]string{"type": "fake"},
						Containers:   []corev1.Container{{Name: "c", Image: "pause"}},
					},
				}
				if _, err := podsRes.Namespace("default").Create(gctx, p, client.CreateOptions{}); err != nil {
					return err
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		list, err := podsRes.Namespace("default").List(ctx, client.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		running := 0
		perNode := map[string]int{}
		for _, p := range list.Items {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
			if p.Spec.NodeName != "" {
				perNode[p.Spec.NodeName]++
			}
		}
		if running == pods {
			for n, k := range perNode {
				if k > 110 {
					t.Errorf("node %s has %d pods, over its capacity of 110", n, k)
				}
			}
			if len(perNode) != nodes {
				t.Errorf("pods on %d nodes, want all %d", len(perNode), nodes)
			}
			t.Logf("%d pods Running on %d simulated nodes %v after creation began", pods, nodes, time.Since(started).Round(time.Millisecond))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d pods Running after 5 minutes", running, pods)
		}
		time.Sleep(200 * time.Millisecond) // progress poll of a scale run with a deadline, not synchronisation
	}
}
