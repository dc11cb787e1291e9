package replicaset_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/client"
)

// rsEvents returns "Type Reason Message" of the events on ReplicaSet
// name, sorted.
func (f *fixture) rsEvents(name string) []string {
	f.t.Helper()
	evs, err := client.For[corev1.Event](f.rss.Client())
	if err != nil {
		f.t.Fatal(err)
	}
	l, err := evs.Namespace(ns).List(f.ctx, client.ListOptions{FieldSelector: "involvedObject.kind=ReplicaSet,involvedObject.name=" + name})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range l.Items {
		if e.Source.Component != "replicaset-controller" {
			f.t.Errorf("event %s from %q, want replicaset-controller", e.Name, e.Source.Component)
		}
		for range e.Count {
			out = append(out, e.Type+" "+e.Reason+" "+e.Message)
		}
	}
	slices.Sort(out)
	return out
}

func TestRecordsCreateAndDeleteEvents(t *testing.T) {
	f := start(t)
	rs := f.create(newRS("web", 2, 0))
	created := f.waitOwned(rs, 2)
	var want []string
	for _, n := range created {
		want = append(want, "Normal SuccessfulCreate Created pod: "+n)
	}
	var got []string
	f.waitFor("two SuccessfulCreate events", func() (bool, string) {
		got = f.rsEvents("web")
		return len(got) == len(want), fmt.Sprint(got)
	})
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	f.scale("web", 1)
	left := f.waitOwned(rs, 1)
	gone := created[0]
	if gone == left[0] {
		gone = created[1]
	}
	want = append(want, "Normal SuccessfulDelete Deleted pod: "+gone)
	slices.Sort(want)
	f.waitFor("a SuccessfulDelete event", func() (bool, string) {
		got = f.rsEvents("web")
		return len(got) == len(want), fmt.Sprint(got)
	})
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

// TestRecordsFailedCreate: a quota of one pod lets one pod of two be
// created; the refusal of the other is a FailedCreate event with the
// server's error.
func TestRecordsFailedCreate(t *testing.T) {
	f := start(t)
	quotas, err := client.For[corev1.ResourceQuota](f.rss.Client())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := quotas.Namespace(ns).Create(f.ctx, &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{Name: "one-pod", Namespace: ns},
		Spec:       corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("1")}},
	}, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.create(newRS("web", 2, 0))
	var failed string
	f.waitFor("a FailedCreate event", func() (bool, string) {
		got := f.rsEvents("web")
		for _, e := range got {
			if strings.HasPrefix(e, "Warning FailedCreate ") {
				failed = e
				return true, ""
			}
		}
		return false, fmt.Sprint(got)
	})
	want := "Warning FailedCreate Error creating: "
	if !strings.HasPrefix(failed, want) || !strings.Contains(failed, "exceeded quota: one-pod") {
		t.Errorf("event %q, want %q followed by the quota refusal", failed, want)
	}
}
