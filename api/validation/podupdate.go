package validation

import (
	"fmt"
	"math"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/names"
)

// updatablePodSpecFields are the pod spec fields an update may change, as
// Kubernetes lists them in its error.
var updatablePodSpecFields = []string{
	"`spec.containers[*].image`",
	"`spec.initContainers[*].image`",
	"`spec.activeDeadlineSeconds`",
	"`spec.tolerations` (only additions to existing tolerations)",
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
}

// PodUpdate checks an update of a pod against the stored one: the new pod
// must be valid (as Pod checks it, apart from the create-only rule on
// scheduling gates), its metadata may change only as ObjectMetaUpdate
// allows, the mirror pod annotation may not be added, changed or removed,
// and the spec may change only in the container images,
// activeDeadlineSeconds (set, or lowered), added tolerations (or changed
// tolerationSeconds), removed scheduling gates, and, while the stored pod
// is still gated, added node selector entries and node affinity
// requirements. Any other spec change is reported as
//
//	spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,...
//
// followed by a list of the changed fields. Nil pods are checked as empty
// ones.
func PodUpdate(newPod, oldPod *corev1.Pod) field.ErrorList {
	if newPod == nil {
		newPod = &corev1.Pod{}
	}
	if oldPod == nil {
		oldPod = &corev1.Pod{}
	}
	metaPath, specPath := field.NewPath("metadata"), field.NewPath("spec")
	errs := ObjectMetaUpdate(&newPod.ObjectMeta, &oldPod.ObjectMeta, metaPath)
	errs = append(errs, podMetadataAndSpec(newPod)...)
	errs = append(errs, podAnnotationUpdates(newPod, oldPod, metaPath.Child("annotations"))...)

	cerrs, stop := containerUpdates(newPod.Spec.Containers, oldPod.Spec.Containers, specPath.Child("containers"))
	errs = append(errs, cerrs...)
	if stop {
		return dedupe(errs)
	}
	cerrs, stop = containerUpdates(newPod.Spec.InitContainers, oldPod.Spec.InitContainers, specPath.Child("initContainers"))
	errs = append(errs, cerrs...)
	if stop {
		return dedupe(errs)
	}

	adsPath := specPath.Child("activeDeadlineSeconds")
	if newPod.Spec.ActiveDeadlineSeconds != nil {
		v := *newPod.Spec.ActiveDeadlineSeconds
		if v < 0 || v > math.MaxInt32 {
			return dedupe(append(errs, field.Invalid(adsPath, v, names.InclusiveRangeError(0, math.MaxInt32))))
		}
		if old := oldPod.Spec.ActiveDeadlineSeconds; old != nil && *old < v {
			return dedupe(append(errs, field.Invalid(adsPath, v, "must be less than or equal to previous value")))
		}
	} else if oldPod.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Invalid(adsPath, newPod.Spec.ActiveDeadlineSeconds, "must not update from a positive integer to nil value"))
	}

	errs = append(errs, onlyAddedTolerations(newPod.Spec.Tolerations, oldPod.Spec.Tolerations, specPath.Child("tolerations"))...)
	errs = append(errs, onlyDeletedSchedulingGates(newPod.Spec.SchedulingGates, oldPod.Spec.SchedulingGates, specPath.Child("schedulingGates"))...)

	if semanticEqual(newPod.Spec, oldPod.Spec) {
		return dedupe(errs)
	}
	munged := *newPod.Spec.DeepCopy()
	for i := range munged.Containers {
		munged.Containers[i].Image = oldPod.Spec.Containers[i].Image
	}
	for i := range munged.InitContainers {
		munged.InitContainers[i].Image = oldPod.Spec.InitContainers[i].Image
	}
	munged.ActiveDeadlineSeconds = nil
	if old := oldPod.Spec.ActiveDeadlineSeconds; old != nil {
		v := *old
		munged.ActiveDeadlineSeconds = &v
	}
	munged.SchedulingGates = oldPod.Spec.SchedulingGates
	munged.Tolerations = oldPod.Spec.Tolerations
	if old := oldPod.Spec.TerminationGracePeriodSeconds; old != nil && *old < 0 &&
		munged.TerminationGracePeriodSeconds != nil && *munged.TerminationGracePeriodSeconds == 1 {
		munged.TerminationGracePeriodSeconds = old
	}
	if len(oldPod.Spec.SchedulingGates) > 0 {
		errs = append(errs, gatedPodUpdates(&munged, &oldPod.Spec, specPath)...)
	}
	if !semanticEqual(munged, oldPod.Spec) {
		detail := fmt.Sprintf("pod updates may not change fields other than %s\n%v",
			strings.Join(updatablePodSpecFields, ","), jsonDiff(oldPod.Spec, munged, "spec"))
		errs = append(errs, field.Forbidden(specPath, detail))
	}
	return dedupe(errs)
}

// podAnnotationUpdates forbids adding, changing or removing the mirror pod
// annotation.
func podAnnotationUpdates(newPod, oldPod *corev1.Pod, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	oldV, hadOld := oldPod.Annotations[mirrorPodAnnotationKey]
	newV, hasNew := newPod.Annotations[mirrorPodAnnotationKey]
	switch {
	case hadOld && (!hasNew || newV != oldV):
		errs = append(errs, field.Forbidden(path.Key(mirrorPodAnnotationKey), "may not remove or update mirror pod annotation"))
	case !hadOld && hasNew:
		errs = append(errs, field.Forbidden(path.Key(mirrorPodAnnotationKey), "may not add mirror pod annotation"))
	}
	return errs
}

// containerUpdates requires the same number of containers and an image
// for each; stop is true when the numbers differ and nothing else can be
// compared.
func containerUpdates(newCtrs, oldCtrs []corev1.Container, path *field.Path) (field.ErrorList, bool) {
	if len(newCtrs) != len(oldCtrs) {
		return field.ErrorList{field.Forbidden(path, "pod updates may not add or remove containers")}, true
	}
	var errs field.ErrorList
	for i, c := range newCtrs {
		if c.Image == "" {
			errs = append(errs, field.Required(path.Index(i).Child("image"), ""))
		}
		if len(strings.TrimSpace(c.Image)) != len(c.Image) {
			errs = append(errs, field.Invalid(path.Index(i).Child("image"), c.Image, "must not have leading or trailing whitespace"))
		}
	}
	return errs, false
}

// onlyAddedTolerations requires every stored toleration to be kept (only
// its tolerationSeconds may change) and the new list to be valid.
func onlyAddedTolerations(newT, oldT []corev1.Toleration, path *field.Path) field.ErrorList {
	for _, old := range oldT {
		found := false
		for _, nt := range newT {
			o := old
			o.TolerationSeconds = nt.TolerationSeconds
			if semanticEqual(o, nt) {
				found = true
				break
			}
		}
		if !found {
			return field.ErrorList{field.Forbidden(path, "existing toleration can not be modified except its tolerationSeconds")}
		}
	}
	return Tolerations(newT, path)
}

// onlyDeletedSchedulingGates forbids adding scheduling gates.
func onlyDeletedSchedulingGates(newG, oldG []corev1.PodSchedulingGate, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	old := map[string]bool{}
	for _, g := range oldG {
		old[g.Name] = true
	}
	last := map[string]int{}
	for i, g := range newG {
		last[g.Name] = i
	}
	for i, g := range newG {
		if !old[g.Name] && last[g.Name] == i {
			errs = append(errs, field.Forbidden(path.Index(i).Child("name"), fmt.Sprintf("only deletion is allowed, but found new scheduling gate '%s'", g.Name)))
		}
	}
	return errs
}

// gatedPodUpdates allows a pod that is still gated to gain node selector
// entries and node affinity requirements; it checks those changes and
// copies the allowed ones from old into munged.
func gatedPodUpdates(munged, old *corev1.PodSpec, specPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if !semanticEqual(munged.NodeSelector, old.NodeSelector) {
		for k, v := range old.NodeSelector {
			if nv, ok := munged.NodeSelector[k]; !ok || nv != v {
				errs = append(errs, field.Invalid(specPath.Child("nodeSelector"), munged.NodeSelector, "only additions to spec.nodeSelector are allowed (no mutations or deletions)"))
				break
			}
		}
		munged.NodeSelector = old.NodeSelector
	}
	var oldNA, newNA *corev1.NodeAffinity
	if old.Affinity != nil {
		oldNA = old.Affinity.NodeAffinity
	}
	if munged.Affinity != nil {
		newNA = munged.Affinity.NodeAffinity
	}
	if semanticEqual(oldNA, newNA) {
		return errs
	}
	errs = append(errs, nodeAffinityMutation(specPath.Child("affinity").Child("nodeAffinity"), newNA, oldNA)...)
	switch {
	case munged.Affinity == nil && oldNA == nil:
	case munged.Affinity == nil:
		munged.Affinity = &corev1.Affinity{NodeAffinity: oldNA}
	case old.Affinity == nil && munged.Affinity.PodAntiAffinity == nil && munged.Affinity.PodAffinity == nil:
		munged.Affinity = nil
	default:
		a := *munged.Affinity
		a.NodeAffinity = oldNA
		munged.Affinity = &a
	}
	return errs
}

// nodeAffinityMutation allows only additions to the requirements of a
// gated pod's required node selector terms.
func nodeAffinityMutation(path *field.Path, newNA, oldNA *corev1.NodeAffinity) field.ErrorList {
	if oldNA == nil || oldNA.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return nil
	}
	oldTerms := oldNA.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	var newTerms []corev1.NodeSelectorTerm
	if newNA != nil && newNA.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		newTerms = newNA.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	}
	tp := path.Child("requiredDuringSchedulingIgnoredDuringExecution").Child("nodeSelectorTerms")
	if len(oldTerms) > 0 && len(oldTerms) != len(newTerms) {
		return field.ErrorList{field.Invalid(tp, newTerms, "no additions/deletions to non-empty NodeSelectorTerms list are allowed")}
	}
	var errs field.ErrorList
	for i := range oldTerms {
		if !onlyAdditions(newTerms[i], oldTerms[i]) {
			errs = append(errs, field.Invalid(tp.Index(i), newTerms[i], "only additions are allowed (no mutations or deletions)"))
		}
	}
	return errs
}

func onlyAdditions(newTerm, oldTerm corev1.NodeSelectorTerm) bool {
	if len(oldTerm.MatchExpressions) == 0 && len(oldTerm.MatchFields) == 0 &&
		(len(newTerm.MatchExpressions) > 0 || len(newTerm.MatchFields) > 0) {
		return false
	}
	if l := len(oldTerm.MatchExpressions); l > 0 {
		if len(newTerm.MatchExpressions) < l || !semanticEqual(newTerm.MatchExpressions[:l], oldTerm.MatchExpressions) {
			return false
		}
	}
	if l := len(oldTerm.MatchFields); l > 0 {
		if len(newTerm.MatchFields) < l || !semanticEqual(newTerm.MatchFields[:l], oldTerm.MatchFields) {
			return false
		}
	}
	return true
}

// dedupe drops errors whose message repeats an earlier one, as the API
// server does when it aggregates them; update checks that re-validate the
// new object would otherwise report some problems twice.
func dedupe(errs field.ErrorList) field.ErrorList {
	if len(errs) < 2 {
		return errs
	}
	seen := make(map[string]bool, len(errs))
	out := errs[:0:0]
	for _, e := range errs {
		m := e.Error()
		if !seen[m] {
			seen[m] = true
			out = append(out, e)
		}
	}
	return out
}
