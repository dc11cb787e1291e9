package interpodaffinity_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/interpodaffinity"
)

func ptr[T any](v T) *T { return &v }

// TestScore mirrors Kubernetes' TestPreferredAffinity and
// TestPreferredAffinityWithHardPodAffinitySymmetricWeight.
func TestScore(t *testing.T) {
	nodes := []*corev1.Node{
		node("n1", map[string]string{"region": "r1", "az": "a1"}),
		node("n2", map[string]string{"region": "r2", "az": "a2"}),
		node("n3", map[string]string{"region": "r1", "az": "a3"}),
	}
	s1 := map[string]string{"security": "S1"}
	s2 := map[string]string{"security": "S2"}
	incoming := func(affinity, anti []corev1.WeightedPodAffinityTerm) *corev1.Pod {
		return withPreferred(pod("incoming", "", s1), affinity, anti)
	}
	tests := []struct {
		name     string
		args     any
		pod      *corev1.Pod
		existing []*corev1.Pod
		want     map[string]int64
		wantCode framework.Code
	}{
		{
			name:     "no existing pods: Skip",
			pod:      incoming([]corev1.WeightedPodAffinityTerm{weighted(5, in("security", "region", "S1"))}, nil),
			wantCode: framework.Skip,
		},
		{
			name:     "preferred affinity by region",
			pod:      incoming([]corev1.WeightedPodAffinityTerm{weighted(5, in("security", "region", "S1"))}, nil),
			existing: []*corev1.Pod{pod("e1", "n1", s1)},
			want:     map[string]int64{"n1": 100, "n2": 0, "n3": 100},
		},
		{
			name:     "preferred anti-affinity by region",
			pod:      incoming(nil, []corev1.WeightedPodAffinityTerm{weighted(5, in("security", "region", "S1"))}),
			existing: []*corev1.Pod{pod("e1", "n1", s1)},
			want:     map[string]int64{"n1": 0, "n2": 100, "n3": 0},
		},
		{
			name: "affinity and anti-affinity add up per domain",
			pod: incoming([]corev1.WeightedPodAffinityTerm{weighted(8, in("security", "region", "S1"))},
				[]corev1.WeightedPodAffinityTerm{weighted(5, in("security", "az", "S2"))}),
			existing: []*corev1.Pod{pod("e1", "n2", s1), pod("e2", "n2", s2)},
			want:     map[string]int64{"n1": 0, "n2": 100, "n3": 0},
		},
		{
			// a1 gets 3, a3 gets 1: 100, 0 and 33.
			name: "scores are scaled between the lowest and the highest",
			pod: incoming([]corev1.WeightedPodAffinityTerm{
				weighted(3, in("security", "az", "S1")), weighted(1, in("security", "az", "S2")),
			}, nil),
			existing: []*corev1.Pod{pod("e1", "n1", s1), pod("e2", "n3", s2)},
			want:     map[string]int64{"n1": 100, "n2": 0, "n3": 33},
		},
		{
			name:     "every matching pod adds its term's weight",
			pod:      incoming([]corev1.WeightedPodAffinityTerm{weighted(5, in("security", "az", "S1"))}, []corev1.WeightedPodAffinityTerm{weighted(4, in("security", "az", "S2"))}),
			existing: []*corev1.Pod{pod("e1", "n1", s1), pod("e2", "n1", s1), pod("e3", "n2", s1), pod("e4", "n2", s2), pod("e5", "n3", s2)},
			// a1: 10, a2: 5-4=1, a3: -4.
			want: map[string]int64{"n1": 100, "n2": 35, "n3": 0},
		},
		{
			name:     "pods of other namespaces do not match",
			pod:      incoming([]corev1.WeightedPodAffinityTerm{weighted(5, in("security", "region", "S1"))}, nil),
			existing: []*corev1.Pod{pod("ns-a/e1", "n1", s1)},
			wantCode: framework.Skip,
		},
		{
			name:     "an existing pod's required affinity for the pod counts with the hard weight",
			pod:      pod("incoming", "", s1),
			existing: []*corev1.Pod{withAffinity(pod("e1", "n1", s2), terms(in("security", "region", "S1")), nil)},
			want:     map[string]int64{"n1": 100, "n2": 0, "n3": 100},
		},
		{
			name:     "a hard weight of 0 ignores it",
			args:     interpodaffinity.Args{HardPodAffinityWeight: ptr[int32](0)},
			pod:      pod("incoming", "", s1),
			existing: []*corev1.Pod{withAffinity(pod("e1", "n1", s2), terms(in("security", "region", "S1")), nil)},
			wantCode: framework.Skip,
		},
		{
			name: "the hard weight scales against preferred weights",
			args: interpodaffinity.Args{HardPodAffinityWeight: ptr[int32](10)},
			pod:  pod("incoming", "", s1),
			existing: []*corev1.Pod{
				withAffinity(pod("e1", "n1", s2), terms(in("security", "az", "S1")), nil),
				withPreferred(pod("e2", "n2", s2), []corev1.WeightedPodAffinityTerm{weighted(5, in("security", "az", "S1"))}, nil),
			},
			// a1: 10, a2: 5.
			want: map[string]int64{"n1": 100, "n2": 50, "n3": 0},
		},
		{
			name:     "an existing pod's preferred affinity for the pod",
			pod:      pod("incoming", "", s1),
			existing: []*corev1.Pod{withPreferred(pod("e1", "n1", s2), []corev1.WeightedPodAffinityTerm{weighted(10, in("security", "az", "S1"))}, nil)},
			want:     map[string]int64{"n1": 100, "n2": 0, "n3": 0},
		},
		{
			name:     "an existing pod's preferred anti-affinity for the pod",
			pod:      pod("incoming", "", s1),
			existing: []*corev1.Pod{withPreferred(pod("e1", "n1", s2), nil, []corev1.WeightedPodAffinityTerm{weighted(10, in("security", "region", "S1"))})},
			want:     map[string]int64{"n1": 0, "n2": 100, "n3": 0},
		},
		{
			name:     "an existing pod's required anti-affinity does not score",
			pod:      pod("incoming", "", s1),
			existing: []*corev1.Pod{withAffinity(pod("e1", "n1", s2), nil, terms(in("security", "region", "S1")))},
			wantCode: framework.Skip,
		},
		{
			name:     "ignoring existing pods' terms when the pod has no preferred terms: Skip",
			args:     &interpodaffinity.Args{IgnorePreferredTermsOfExistingPods: true},
			pod:      pod("incoming", "", s1),
			existing: []*corev1.Pod{withPreferred(pod("e1", "n1", s2), []corev1.WeightedPodAffinityTerm{weighted(10, in("security", "az", "S1"))}, nil)},
			wantCode: framework.Skip,
		},
		{
			name:     "ignoring existing pods' terms still scores the pod's own",
			args:     &interpodaffinity.Args{IgnorePreferredTermsOfExistingPods: true},
			pod:      incoming([]corev1.WeightedPodAffinityTerm{weighted(5, in("security", "region", "S2"))}, nil),
			existing: []*corev1.Pod{pod("e1", "n2", s2)},
			want:     map[string]int64{"n1": 0, "n2": 100, "n3": 0},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := newSnapshot(tc.existing, nodes)
			got, s := scoreAll(t, newPlugin(t, tc.args, snap), snap, tc.pod)
			if s.Code() != tc.wantCode {
				t.Fatalf("PreScore = %v, want code %v", s, tc.wantCode)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("scores (-want +got):\n%s", diff)
			}
		})
	}
}
