package namespace

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// The condition types the controller owns, in the order it writes them.
var conditionTypes = []corev1.NamespaceConditionType{
	corev1.NamespaceDeletionDiscoveryFailure,
	corev1.NamespaceDeletionGVParsingFailure,
	corev1.NamespaceDeletionContentFailure,
	corev1.NamespaceContentRemaining,
	corev1.NamespaceFinalizersRemaining,
}

// Kubernetes' reasons for the conditions when they hold (True) and when
// they do not (False).
var reasons = map[corev1.NamespaceConditionType][2]string{
	corev1.NamespaceDeletionDiscoveryFailure: {"ResourcesDiscovered", "DiscoveryFailed"},
	corev1.NamespaceDeletionGVParsingFailure: {"ParsedGroupVersions", "GroupVersionParsingFailed"},
	corev1.NamespaceDeletionContentFailure:   {"ContentDeleted", "ContentDeletionFailed"},
	corev1.NamespaceContentRemaining:         {"ContentRemoved", "SomeResourcesRemain"},
	corev1.NamespaceFinalizersRemaining:      {"ContentHasNoFinalizers", "SomeFinalizersRemain"},
}

// conditions returns old with the controller's five conditions set from
// res; other conditions are kept. A condition whose status does not change
// keeps its lastTransitionTime; one that changes gets now. It does not
// modify old.
func conditions(old []corev1.NamespaceCondition, res result, now time.Time) []corev1.NamespaceCondition {
	msgs := map[corev1.NamespaceConditionType]string{}
	if res.discoveryErr != nil {
		msgs[corev1.NamespaceDeletionDiscoveryFailure] = "Discovery failed: " + res.discoveryErr.Error()
	}
	if err := errors.Join(res.deleteErrs...); err != nil {
		msgs[corev1.NamespaceDeletionContentFailure] = "Failed to delete all resource types: " + err.Error()
	}
	if len(res.remaining) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(res.remaining)) {
			parts = append(parts, fmt.Sprintf("%s has %d resource instances", k, res.remaining[k]))
		}
		msgs[corev1.NamespaceContentRemaining] = "Some resources are remaining: " + strings.Join(parts, ", ")
	}
	if len(res.finalizers) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(res.finalizers)) {
			parts = append(parts, fmt.Sprintf("%s in %d resource instances", k, res.finalizers[k]))
		}
		msgs[corev1.NamespaceFinalizersRemaining] = "Some content in the namespace has finalizers remaining: " + strings.Join(parts, ", ")
	}

	out := make([]corev1.NamespaceCondition, 0, len(old)+len(conditionTypes))
	for _, c := range old {
		if !slices.Contains(conditionTypes, c.Type) {
			out = append(out, c)
		}
	}
	for _, t := range conditionTypes {
		c := corev1.NamespaceCondition{Type: t, Status: corev1.ConditionFalse, Reason: reasons[t][0]}
		if m, ok := msgs[t]; ok {
			c.Status, c.Reason, c.Message = corev1.ConditionTrue, reasons[t][1], m
		}
		c.LastTransitionTime = metav1.NewTime(now)
		if i := slices.IndexFunc(old, func(o corev1.NamespaceCondition) bool { return o.Type == t }); i >= 0 && old[i].Status == c.Status {
			c.LastTransitionTime = old[i].LastTransitionTime
		}
		out = append(out, c)
	}
	return out
}

// conditionsEqual reports whether a and b hold the same conditions in the
// same order, comparing lastTransitionTime too.
func conditionsEqual(a, b []corev1.NamespaceCondition) bool {
	return slices.EqualFunc(a, b, func(x, y corev1.NamespaceCondition) bool {
		return x.Type == y.Type && x.Status == y.Status && x.Reason == y.Reason && x.Message == y.Message &&
			x.LastTransitionTime.Equal(&y.LastTransitionTime)
	})
}
