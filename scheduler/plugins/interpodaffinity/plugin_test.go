package interpodaffinity_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/interpodaffinity"
)

func TestArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    any
		wantErr string
	}{
		{name: "nil", args: nil},
		{name: "zero", args: interpodaffinity.Args{}},
		{name: "nil pointer", args: (*interpodaffinity.Args)(nil)},
		{name: "0", args: &interpodaffinity.Args{HardPodAffinityWeight: ptr[int32](0)}},
		{name: "100", args: interpodaffinity.Args{HardPodAffinityWeight: ptr[int32](100)}},
		{name: "101", args: interpodaffinity.Args{HardPodAffinityWeight: ptr[int32](101)},
			wantErr: "interpodaffinity args: hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100]"},
		{name: "-1", args: interpodaffinity.Args{HardPodAffinityWeight: ptr[int32](-1)},
			wantErr: "hardPodAffinityWeight: Invalid value: -1: not in valid range [0, 100]"},
		{name: "wrong type", args: 3, wantErr: "interpodaffinity: args of type int"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := interpodaffinity.New(context.Background(), tc.args, &handle{})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("New = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("New = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
	if _, err := interpodaffinity.New(context.Background(), nil, nil); err == nil {
		t.Error("New with a nil Handle succeeded")
	}
}

func TestEventsToRegister(t *testing.T) {
	pl := newPlugin(t, nil, newSnapshot(nil, nil))
	evs, err := pl.EventsToRegister(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []framework.ClusterEvent
	for _, e := range evs {
		got = append(got, e.Event)
	}
	want := []framework.ClusterEvent{
		{Resource: framework.Pod, ActionType: framework.Add | framework.UpdatePodLabel | framework.Delete},
		{Resource: framework.Node, ActionType: framework.Add | framework.UpdateNodeLabel | framework.UpdateNodeTaint},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestQueueingHints(t *testing.T) {
	pl := newPlugin(t, nil, newSnapshot(nil, nil))
	evs, _ := pl.EventsToRegister(context.Background())
	podHint, nodeHint := evs[0].QueueingHintFn, evs[1].QueueingHintFn

	db := map[string]string{"app": "db"}
	web := map[string]string{"app": "web"}
	cache := map[string]string{"app": "cache"}
	target := withAffinity(pod("target", "", web), terms(in("app", "region", "db")), terms(in("app", "zone", "cache")))
	bound := func(name string, labels map[string]string) *corev1.Pod { return pod(name, "n1", labels) }
	teamA := &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}
	nsTerm := in("app", "region", "db")
	nsTerm.NamespaceSelector = teamA
	nsTarget := withAffinity(pod("target", "", web), terms(nsTerm), nil)

	tests := []struct {
		name     string
		target   *corev1.Pod
		old, new any
		want     framework.QueueingHint
	}{
		{"a pod matching the affinity is added", target, nil, bound("db", db), framework.Queue},
		{"an unrelated pod is added", target, nil, bound("x", nil), framework.QueueSkip},
		{"an unscheduled matching pod is added", target, nil, pod("db", "", db), framework.QueueSkip},
		{"a pod matching the anti-affinity is added", target, nil, bound("c", cache), framework.QueueSkip},
		{"a pod matching the anti-affinity is deleted", target, bound("c", cache), nil, framework.Queue},
		{"an unrelated pod is deleted", target, bound("x", nil), nil, framework.QueueSkip},
		{"a pod whose anti-affinity selected the target is deleted", target,
			withAffinity(bound("g", nil), nil, terms(in("app", "zone", "web"))), nil, framework.Queue},
		{"a pod is relabelled to match the affinity", target, bound("p", nil), bound("p", db), framework.Queue},
		{"a pod is relabelled away from the anti-affinity", target, bound("p", cache), bound("p", nil), framework.Queue},
		{"a pod is relabelled without effect", target, bound("p", nil), bound("p", map[string]string{"x": "y"}), framework.QueueSkip},
		{"a pod in a selected namespace is added", nsTarget, nil, pod("ns-a/db", "n1", db), framework.Queue},
		{"a pod in another namespace is added", nsTarget, nil, pod("ns-b/db", "n1", db), framework.QueueSkip},
		{"a node with a term's key is added", target, nil, node("n", map[string]string{"zone": "z"}), framework.Queue},
		{"a node without a term's key is added", target, nil, node("n", map[string]string{"other": "z"}), framework.QueueSkip},
		{"a node gains a term's key", target, node("n", nil), node("n", map[string]string{"region": "r"}), framework.Queue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hint := podHint
			if _, ok := tc.new.(*corev1.Node); ok {
				hint = nodeHint
			}
			got, err := hint(tc.target, tc.old, tc.new)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("hint = %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := podHint(target, nil, node("n", nil)); err == nil {
		t.Error("the pod hint accepted a node")
	}
	if _, err := nodeHint(target, nil, nil); err == nil {
		t.Error("the node hint accepted an event without objects")
	}
}
