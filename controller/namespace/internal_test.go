package namespace

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func TestDeletable(t *testing.T) {
	all := []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	noColl := []string{"create", "delete", "get", "list"}
	tests := []struct {
		name  string
		lists []metav1.APIResourceList
		want  []resource
	}{
		{name: "none"},
		{
			name: "core and group, skipping cluster scope and subresources",
			lists: []metav1.APIResourceList{
				{GroupVersion: "v1", APIResources: []metav1.APIResource{
					{Name: "namespaces", Namespaced: false, Verbs: noColl},
					{Name: "pods", Namespaced: true, Verbs: all},
					{Name: "pods/status", Namespaced: true, Verbs: []string{"get", "update"}},
					{Name: "pods/eviction", Namespaced: true, Verbs: []string{"create"}},
					{Name: "nodes", Namespaced: false, Verbs: all},
				}},
				{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
					{Name: "deployments", Namespaced: true, Verbs: all},
					{Name: "deployments/scale", Namespaced: true, Verbs: []string{"get", "patch", "update"}},
				}},
			},
			want: []resource{
				{groupVersion: "v1", name: "pods", deleteCollection: true},
				{groupVersion: "apps/v1", name: "deployments", deleteCollection: true},
			},
		},
		{
			name: "delete without deletecollection; read-only kinds skipped",
			lists: []metav1.APIResourceList{{GroupVersion: "example.com/v1", APIResources: []metav1.APIResource{
				{Name: "widgets", Namespaced: true, Verbs: noColl},
				{Name: "reports", Namespaced: true, Verbs: []string{"get", "list", "watch"}},
				{Name: "bindings", Namespaced: true, Verbs: []string{"create"}},
			}}},
			want: []resource{{groupVersion: "example.com/v1", name: "widgets"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := deletable(tt.lists)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(resource{})); diff != "" {
				t.Errorf("deletable (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResourcePaths(t *testing.T) {
	tests := []struct {
		r          resource
		wantPath   string
		wantString string
	}{
		{resource{groupVersion: "v1", name: "pods"}, "/api/v1/namespaces/ns1/pods", "pods"},
		{resource{groupVersion: "apps/v1", name: "deployments"}, "/apis/apps/v1/namespaces/ns1/deployments", "deployments.apps"},
	}
	for _, tt := range tests {
		if got := tt.r.collectionPath("ns1"); got != tt.wantPath {
			t.Errorf("%v.collectionPath(ns1) = %q, want %q", tt.r, got, tt.wantPath)
		}
		if got := tt.r.String(); got != tt.wantString {
			t.Errorf("String() = %q, want %q", got, tt.wantString)
		}
	}
}

func TestConditions(t *testing.T) {
	then := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	nowT := metav1.NewTime(now)
	cond := func(typ corev1.NamespaceConditionType, st corev1.ConditionStatus, reason, msg string, at metav1.Time) corev1.NamespaceCondition {
		return corev1.NamespaceCondition{Type: typ, Status: st, Reason: reason, Message: msg, LastTransitionTime: at}
	}
	allFalse := func(at metav1.Time) []corev1.NamespaceCondition {
		return []corev1.NamespaceCondition{
			cond(corev1.NamespaceDeletionDiscoveryFailure, corev1.ConditionFalse, "ResourcesDiscovered", "", at),
			cond(corev1.NamespaceDeletionGVParsingFailure, corev1.ConditionFalse, "ParsedGroupVersions", "", at),
			cond(corev1.NamespaceDeletionContentFailure, corev1.ConditionFalse, "ContentDeleted", "", at),
			cond(corev1.NamespaceContentRemaining, corev1.ConditionFalse, "ContentRemoved", "", at),
			cond(corev1.NamespaceFinalizersRemaining, corev1.ConditionFalse, "ContentHasNoFinalizers", "", at),
		}
	}
	tests := []struct {
		name string
		old  []corev1.NamespaceCondition
		res  result
		want []corev1.NamespaceCondition
	}{
		{name: "all clear, first time", res: result{}, want: allFalse(nowT)},
		{name: "all clear again keeps transition times", old: allFalse(then), want: allFalse(then)},
		{
			name: "content and finalizers remain, discovery and deletion failed",
			old:  append([]corev1.NamespaceCondition{{Type: "Other", Status: corev1.ConditionTrue}}, allFalse(then)...),
			res: result{
				discoveryErr: errors.New("GET /apis/x/v1: boom"),
				deleteErrs:   []error{errors.New("delete collection of pods in namespace a: denied")},
				remaining:    map[string]int{"pods": 2, "deployments.apps": 1},
				finalizers:   map[string]int{"example.com/hold": 1},
			},
			want: []corev1.NamespaceCondition{
				{Type: "Other", Status: corev1.ConditionTrue},
				cond(corev1.NamespaceDeletionDiscoveryFailure, corev1.ConditionTrue, "DiscoveryFailed", "Discovery failed: GET /apis/x/v1: boom", nowT),
				cond(corev1.NamespaceDeletionGVParsingFailure, corev1.ConditionFalse, "ParsedGroupVersions", "", then),
				cond(corev1.NamespaceDeletionContentFailure, corev1.ConditionTrue, "ContentDeletionFailed", "Failed to delete all resource types: delete collection of pods in namespace a: denied", nowT),
				cond(corev1.NamespaceContentRemaining, corev1.ConditionTrue, "SomeResourcesRemain", "Some resources are remaining: deployments.apps has 1 resource instances, pods has 2 resource instances", nowT),
				cond(corev1.NamespaceFinalizersRemaining, corev1.ConditionTrue, "SomeFinalizersRemain", "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances", nowT),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := conditions(tt.old, tt.res, now)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("conditions (-want +got):\n%s", diff)
			}
			if !conditionsEqual(tt.want, got) {
				t.Errorf("conditionsEqual(want, got) = false")
			}
		})
	}
}
