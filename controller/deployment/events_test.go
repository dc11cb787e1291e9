package deployment_test

import (
	"fmt"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/client"
)

// deploymentEvents returns "Type Reason Message" of the events on
// Deployment name, once per count, sorted.
func (f *fixture) deploymentEvents(name string) []string {
	f.t.Helper()
	evs, err := client.For[corev1.Event](f.deps.Client())
	if err != nil {
		f.t.Fatal(err)
	}
	l, err := evs.Namespace(ns).List(f.ctx, client.ListOptions{FieldSelector: "involvedObject.kind=Deployment,involvedObject.name=" + name})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range l.Items {
		if e.Source.Component != "deployment-controller" {
			f.t.Errorf("event %s from %q, want deployment-controller", e.Name, e.Source.Component)
		}
		for range e.Count {
			out = append(out, e.Type+" "+e.Reason+" "+e.Message)
		}
	}
	slices.Sort(out)
	return out
}

func TestRecordsScalingReplicaSetEvents(t *testing.T) {
	f := start(t)
	d := f.create(newDeployment("web", 3, "nginx"))
	f.waitDeployment("web", "complete", complete)
	rss := f.replicaSets(d)
	if len(rss) != 1 {
		t.Fatalf("%d replica sets, want 1", len(rss))
	}
	rs := rss[0].Name
	want := []string{"Normal ScalingReplicaSet Scaled up replica set " + rs + " from 0 to 3"}
	var got []string
	f.waitFor("the scale-up event", func() (bool, string) {
		got = f.deploymentEvents("web")
		return len(got) == len(want), fmt.Sprint(got)
	})
	if d := gocmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	f.update("web", func(d *appsv1.Deployment) { d.Spec.Replicas = new(int32(1)) })
	want = append(want, "Normal ScalingReplicaSet Scaled down replica set "+rs+" from 3 to 1")
	slices.Sort(want)
	f.waitFor("the scale-down event", func() (bool, string) {
		got = f.deploymentEvents("web")
		return len(got) == len(want), fmt.Sprint(got)
	})
	if d := gocmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}
