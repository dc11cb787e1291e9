package validation

import (
	"fmt"
	"regexp"
	"strconv"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/names"
)

var percentRegexp = regexp.MustCompile("^[0-9]+%$")

// The rolling update defaults Kubernetes fills in for nil fields.
var (
	defaultDeploymentMaxUnavailable = intstr.FromString("25%")
	defaultDeploymentMaxSurge       = intstr.FromString("25%")
	defaultDaemonSetMaxUnavailable  = intstr.FromInt32(1)
	defaultDaemonSetMaxSurge        = intstr.FromInt32(0)
)

func orDefault(v *intstr.IntOrString, def intstr.IntOrString) intstr.IntOrString {
	if v == nil {
		return def
	}
	return *v
}

// Deployment checks a deployment: namespaced metadata and its spec.
func Deployment(d *appsv1.Deployment) field.ErrorList {
	if d == nil {
		d = &appsv1.Deployment{}
	}
	errs := ObjectMeta(&d.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, deploymentSpec(&d.Spec, field.NewPath("spec"))...)
}

// DeploymentUpdate checks an update of a deployment: its metadata may
// change only as ObjectMetaUpdate allows, its spec must be valid, and its
// selector is immutable.
func DeploymentUpdate(newD, oldD *appsv1.Deployment) field.ErrorList {
	if newD == nil {
		newD = &appsv1.Deployment{}
	}
	if oldD == nil {
		oldD = &appsv1.Deployment{}
	}
	errs := ObjectMetaUpdate(&newD.ObjectMeta, &oldD.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, deploymentSpec(&newD.Spec, field.NewPath("spec"))...)
	errs = append(errs, immutable(newD.Spec.Selector, oldD.Spec.Selector, field.NewPath("spec").Child("selector"))...)
	return dedupe(errs)
}

// deploymentSpec checks replicas (not negative), a non-empty selector that
// selects the template's labels, the template (restartPolicy Always, no
// activeDeadlineSeconds), the strategy, and minReadySeconds,
// revisionHistoryLimit and progressDeadlineSeconds (greater than
// minReadySeconds). A nil maxSurge or maxUnavailable is taken as the
// default 25%.
func deploymentSpec(spec *appsv1.DeploymentSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.Replicas != nil {
		errs = append(errs, nonNegative(int64(*spec.Replicas), p.Child("replicas"))...)
	}
	// Kubernetes checks a Deployment's template as a ReplicaSet's, and says so.
	errs = append(errs, workloadSelectorAndTemplate(spec.Selector, &spec.Template, "deployment", "ReplicaSet", p)...)
	sp := p.Child("strategy")
	switch spec.Strategy.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if spec.Strategy.RollingUpdate != nil {
			errs = append(errs, field.Forbidden(sp.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'"))
		}
	case appsv1.RollingUpdateDeploymentStrategyType:
		if ru := spec.Strategy.RollingUpdate; ru == nil {
			errs = append(errs, field.Required(sp.Child("rollingUpdate"), "this should be defaulted and never be nil"))
		} else {
			rp := sp.Child("rollingUpdate")
			mu := orDefault(ru.MaxUnavailable, defaultDeploymentMaxUnavailable)
			ms := orDefault(ru.MaxSurge, defaultDeploymentMaxSurge)
			errs = append(errs, positiveIntOrPercent(mu, rp.Child("maxUnavailable"))...)
			errs = append(errs, positiveIntOrPercent(ms, rp.Child("maxSurge"))...)
			if intOrPercentValue(mu) == 0 && intOrPercentValue(ms) == 0 {
				errs = append(errs, field.Invalid(rp.Child("maxUnavailable"), mu, "may not be 0 when `maxSurge` is 0"))
			}
			errs = append(errs, notMoreThan100Percent(mu, rp.Child("maxUnavailable"))...)
		}
	default:
		errs = append(errs, field.NotSupported(sp, &spec.Strategy, []string{string(appsv1.RecreateDeploymentStrategyType), string(appsv1.RollingUpdateDeploymentStrategyType)}))
	}
	errs = append(errs, nonNegative(int64(spec.MinReadySeconds), p.Child("minReadySeconds"))...)
	if spec.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(int64(*spec.RevisionHistoryLimit), p.Child("revisionHistoryLimit"))...)
	}
	if pds := spec.ProgressDeadlineSeconds; pds != nil {
		errs = append(errs, nonNegative(int64(*pds), p.Child("progressDeadlineSeconds"))...)
		if *pds <= spec.MinReadySeconds {
			errs = append(errs, field.Invalid(p.Child("progressDeadlineSeconds"), pds, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

// workloadSelectorAndTemplate checks the selector of a Deployment or
// ReplicaSet (required, valid, not empty) and its template, which the
// selector must select.
func workloadSelectorAndTemplate(sel *metav1.LabelSelector, t *corev1.PodTemplateSpec, noun, kind string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	sp := p.Child("selector")
	if sel == nil {
		errs = append(errs, field.Required(sp, ""))
	} else {
		errs = append(errs, LabelSelector(sel, sp)...)
		if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
			errs = append(errs, field.Invalid(sp, sel, "empty selector is invalid for "+noun))
		}
	}
	matched, empty, ok := selectorMatches(sel, t.Labels)
	if !ok {
		return append(errs, field.Invalid(sp, sel, "invalid label selector"))
	}
	tp := p.Child("template")
	if !empty && !matched {
		errs = append(errs, field.Invalid(tp.Child("metadata", "labels"), t.Labels, msgLabelSelector))
	}
	errs = append(errs, PodTemplateSpec(t, tp)...)
	return append(errs, workloadTemplateRules(t, kind, tp.Child("spec"))...)
}

// workloadTemplateRules requires restartPolicy Always and no
// activeDeadlineSeconds in a workload's pods.
func workloadTemplateRules(t *corev1.PodTemplateSpec, kind string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(p.Child("restartPolicy"), t.Spec.RestartPolicy, []string{string(corev1.RestartPolicyAlways)}))
	}
	if t.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(p.Child("activeDeadlineSeconds"), fmt.Sprintf("activeDeadlineSeconds in %s is not Supported", kind)))
	}
	return errs
}

// positiveIntOrPercent checks a non-negative number or a percentage.
func positiveIntOrPercent(v intstr.IntOrString, p *field.Path) field.ErrorList {
	switch v.Type {
	case intstr.String:
		if !percentRegexp.MatchString(v.StrVal) {
			return field.ErrorList{field.Invalid(p, v, names.RegexError("a valid percent string must be a numeric string followed by an ending '%'", "[0-9]+%", "1%", "93%"))}
		}
	case intstr.Int:
		return nonNegative(int64(v.IntValue()), p)
	default:
		return field.ErrorList{field.Invalid(p, v, "must be an integer or percentage (e.g '5%%')")}
	}
	return nil
}

// percentValue returns the number of a valid percentage.
func percentValue(v intstr.IntOrString) (int, bool) {
	if v.Type != intstr.String || !percentRegexp.MatchString(v.StrVal) {
		return 0, false
	}
	n, err := strconv.Atoi(v.StrVal[:len(v.StrVal)-1])
	if err != nil {
		return 0, false
	}
	return n, true
}

func intOrPercentValue(v intstr.IntOrString) int {
	if n, ok := percentValue(v); ok {
		return n
	}
	return v.IntValue()
}

func notMoreThan100Percent(v intstr.IntOrString, p *field.Path) field.ErrorList {
	if n, ok := percentValue(v); ok && n > 100 {
		return field.ErrorList{field.Invalid(p, v, "must not be greater than 100%")}
	}
	return nil
}

// ReplicaSet checks a replica set: namespaced metadata, replicas and
// minReadySeconds not negative, and a non-empty selector that selects its
// template's labels.
func ReplicaSet(rs *appsv1.ReplicaSet) field.ErrorList {
	if rs == nil {
		rs = &appsv1.ReplicaSet{}
	}
	errs := ObjectMeta(&rs.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, replicaSetSpec(&rs.Spec, field.NewPath("spec"))...)
}

func replicaSetSpec(spec *appsv1.ReplicaSetSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.Replicas != nil {
		errs = append(errs, nonNegative(int64(*spec.Replicas), p.Child("replicas"))...)
	}
	errs = append(errs, nonNegative(int64(spec.MinReadySeconds), p.Child("minReadySeconds"))...)
	// Kubernetes calls an empty ReplicaSet selector invalid "for deployment".
	return append(errs, workloadSelectorAndTemplate(spec.Selector, &spec.Template, "deployment", "ReplicaSet", p)...)
}

// ReplicaSetUpdate checks an update of a replica set: its metadata may
// change only as ObjectMetaUpdate allows, its spec must be valid, and its
// selector is immutable.
func ReplicaSetUpdate(newRS, oldRS *appsv1.ReplicaSet) field.ErrorList {
	if newRS == nil {
		newRS = &appsv1.ReplicaSet{}
	}
	if oldRS == nil {
		oldRS = &appsv1.ReplicaSet{}
	}
	errs := ObjectMetaUpdate(&newRS.ObjectMeta, &oldRS.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, replicaSetSpec(&newRS.Spec, field.NewPath("spec"))...)
	errs = append(errs, immutable(newRS.Spec.Selector, oldRS.Spec.Selector, field.NewPath("spec").Child("selector"))...)
	return dedupe(errs)
}

// DaemonSet checks a daemon set: namespaced metadata, a non-empty selector
// that selects its template's labels, the template (restartPolicy Always,
// no activeDeadlineSeconds), minReadySeconds, the update strategy and
// revisionHistoryLimit. A nil maxUnavailable is taken as the default 1,
// and a nil maxSurge as 0.
func DaemonSet(ds *appsv1.DaemonSet) field.ErrorList {
	if ds == nil {
		ds = &appsv1.DaemonSet{}
	}
	errs := ObjectMeta(&ds.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, daemonSetSpec(&ds.Spec, field.NewPath("spec"))...)
}

func daemonSetSpec(spec *appsv1.DaemonSetSpec, p *field.Path) field.ErrorList {
	sp := p.Child("selector")
	errs := LabelSelector(spec.Selector, sp)
	if matched, _, ok := selectorMatches(spec.Selector, spec.Template.Labels); ok && !matched {
		errs = append(errs, field.Invalid(p.Child("template", "metadata", "labels"), spec.Template.Labels, msgLabelSelector))
	}
	if spec.Selector != nil && len(spec.Selector.MatchLabels)+len(spec.Selector.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(sp, spec.Selector, "empty selector is invalid for daemonset"))
	}
	errs = append(errs, PodTemplateSpec(&spec.Template, p.Child("template"))...)
	errs = append(errs, workloadTemplateRules(&spec.Template, "DaemonSet", p.Child("template", "spec"))...)
	errs = append(errs, nonNegative(int64(spec.MinReadySeconds), p.Child("minReadySeconds"))...)
	up := p.Child("updateStrategy")
	switch spec.UpdateStrategy.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
	case appsv1.RollingUpdateDaemonSetStrategyType:
		ru := spec.UpdateStrategy.RollingUpdate
		if ru == nil {
			errs = append(errs, field.Required(up.Child("rollingUpdate"), ""))
			break
		}
		rp := up.Child("rollingUpdate")
		mu := orDefault(ru.MaxUnavailable, defaultDaemonSetMaxUnavailable)
		ms := orDefault(ru.MaxSurge, defaultDaemonSetMaxSurge)
		errs = append(errs, positiveIntOrPercent(mu, rp.Child("maxUnavailable"))...)
		errs = append(errs, positiveIntOrPercent(ms, rp.Child("maxSurge"))...)
		errs = append(errs, notMoreThan100Percent(mu, rp.Child("maxUnavailable"))...)
		errs = append(errs, notMoreThan100Percent(ms, rp.Child("maxSurge"))...)
		hasUnavailable, hasSurge := intOrPercentValue(mu) != 0, intOrPercentValue(ms) != 0
		switch {
		case hasUnavailable && hasSurge:
			errs = append(errs, field.Invalid(rp.Child("maxSurge"), ms, "may not be set when maxUnavailable is non-zero"))
		case !hasUnavailable && !hasSurge:
			errs = append(errs, field.Required(rp.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
		}
	default:
		errs = append(errs, field.NotSupported(up, &spec.UpdateStrategy, []string{string(appsv1.RollingUpdateDaemonSetStrategyType), string(appsv1.OnDeleteDaemonSetStrategyType)}))
	}
	if spec.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(int64(*spec.RevisionHistoryLimit), p.Child("revisionHistoryLimit"))...)
	}
	return errs
}

// DaemonSetUpdate checks an update of a daemon set: its metadata may
// change only as ObjectMetaUpdate allows, its spec must be valid, and its
// selector is immutable.
func DaemonSetUpdate(newDS, oldDS *appsv1.DaemonSet) field.ErrorList {
	if newDS == nil {
		newDS = &appsv1.DaemonSet{}
	}
	if oldDS == nil {
		oldDS = &appsv1.DaemonSet{}
	}
	errs := ObjectMetaUpdate(&newDS.ObjectMeta, &oldDS.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, daemonSetSpec(&newDS.Spec, field.NewPath("spec"))...)
	errs = append(errs, immutable(newDS.Spec.Selector, oldDS.Spec.Selector, field.NewPath("spec").Child("selector"))...)
	return dedupe(errs)
}

// StatefulSet checks a stateful set: namespaced metadata with a DNS label
// name (its pods' names are derived from it), pod management policy,
// update strategy, claim retention policy, replicas, minReadySeconds,
// ordinals, a non-empty selector that selects its template's labels, and
// the template, whose containers may mount the volumeClaimTemplates as
// volumes (restartPolicy Always, no activeDeadlineSeconds).
func StatefulSet(ss *appsv1.StatefulSet) field.ErrorList {
	if ss == nil {
		ss = &appsv1.StatefulSet{}
	}
	errs := ObjectMeta(&ss.ObjectMeta, true, NameIsDNSLabel, field.NewPath("metadata"))
	return append(errs, statefulSetSpec(&ss.Spec, field.NewPath("spec"))...)
}

func statefulSetSpec(spec *appsv1.StatefulSetSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch spec.PodManagementPolicy {
	case "":
		errs = append(errs, field.Required(p.Child("podManagementPolicy"), ""))
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
	default:
		errs = append(errs, field.Invalid(p.Child("podManagementPolicy"), spec.PodManagementPolicy,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement)))
	}
	up := p.Child("updateStrategy")
	switch spec.UpdateStrategy.Type {
	case "":
		errs = append(errs, field.Required(up, ""))
	case appsv1.OnDeleteStatefulSetStrategyType:
		if spec.UpdateStrategy.RollingUpdate != nil {
			errs = append(errs, field.Invalid(up.Child("rollingUpdate"), spec.UpdateStrategy.RollingUpdate,
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType)))
		}
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if ru := spec.UpdateStrategy.RollingUpdate; ru != nil {
			rp := up.Child("rollingUpdate")
			if ru.Partition != nil {
				errs = append(errs, nonNegative(int64(*ru.Partition), rp.Child("partition"))...)
			}
			if mu := ru.MaxUnavailable; mu != nil {
				mp := rp.Child("maxUnavailable")
				errs = append(errs, positiveIntOrPercent(*mu, mp)...)
				if intOrPercentValue(*mu) == 0 {
					errs = append(errs, field.Invalid(mp, *mu, "cannot be 0"))
				}
				errs = append(errs, notMoreThan100Percent(*mu, mp)...)
			}
		}
	default:
		errs = append(errs, field.Invalid(up, spec.UpdateStrategy, fmt.Sprintf("must be '%s' or '%s'",
			appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType)))
	}
	if pol := spec.PersistentVolumeClaimRetentionPolicy; pol != nil {
		pp := p.Child("persistentVolumeClaimRetentionPolicy")
		valid := []string{string(appsv1.RetainPersistentVolumeClaimRetentionPolicyType), string(appsv1.DeletePersistentVolumeClaimRetentionPolicyType)}
		for _, f := range []struct {
			name string
			v    appsv1.PersistentVolumeClaimRetentionPolicyType
		}{{"whenDeleted", pol.WhenDeleted}, {"whenScaled", pol.WhenScaled}} {
			if !oneOf(string(f.v), valid...) {
				errs = append(errs, field.NotSupported(pp.Child(f.name), f.v, valid))
			}
		}
	}
	if spec.Replicas != nil {
		errs = append(errs, nonNegative(int64(*spec.Replicas), p.Child("replicas"))...)
	}
	errs = append(errs, nonNegative(int64(spec.MinReadySeconds), p.Child("minReadySeconds"))...)
	if spec.Ordinals != nil {
		errs = append(errs, nonNegative(int64(spec.Ordinals.Start), p.Child("ordinals", "start"))...)
	}
	sp := p.Child("selector")
	if spec.Selector == nil {
		errs = append(errs, field.Required(sp, ""))
	} else {
		errs = append(errs, LabelSelector(spec.Selector, sp)...)
		if len(spec.Selector.MatchLabels)+len(spec.Selector.MatchExpressions) == 0 {
			errs = append(errs, field.Invalid(sp, spec.Selector, "empty selector is invalid for statefulset"))
		}
	}
	tp := p.Child("template")
	if matched, empty, ok := selectorMatches(spec.Selector, spec.Template.Labels); !ok {
		errs = append(errs, field.Invalid(sp, spec.Selector, ""))
	} else {
		if !empty && !matched {
			errs = append(errs, field.Invalid(tp.Child("metadata", "labels"), spec.Template.Labels, msgLabelSelector))
		}
		claims := make([]string, 0, len(spec.VolumeClaimTemplates))
		for _, c := range spec.VolumeClaimTemplates {
			claims = append(claims, c.Name)
		}
		errs = append(errs, podTemplateSpec(&spec.Template, claims, tp)...)
	}
	return append(errs, workloadTemplateRules(&spec.Template, "StatefulSet", tp.Child("spec"))...)
}

// StatefulSetUpdate checks an update of a stateful set: its metadata may
// change only as ObjectMetaUpdate allows, its spec must be valid, and only
// replicas, ordinals, template, updateStrategy,
// persistentVolumeClaimRetentionPolicy and minReadySeconds may change.
func StatefulSetUpdate(newSS, oldSS *appsv1.StatefulSet) field.ErrorList {
	if newSS == nil {
		newSS = &appsv1.StatefulSet{}
	}
	if oldSS == nil {
		oldSS = &appsv1.StatefulSet{}
	}
	errs := ObjectMetaUpdate(&newSS.ObjectMeta, &oldSS.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, statefulSetSpec(&newSS.Spec, field.NewPath("spec"))...)
	clone := *newSS.Spec.DeepCopy()
	clone.Replicas = oldSS.Spec.Replicas
	clone.Template = oldSS.Spec.Template
	clone.UpdateStrategy = oldSS.Spec.UpdateStrategy
	clone.MinReadySeconds = oldSS.Spec.MinReadySeconds
	clone.Ordinals = oldSS.Spec.Ordinals
	clone.PersistentVolumeClaimRetentionPolicy = oldSS.Spec.PersistentVolumeClaimRetentionPolicy
	if !semanticEqual(clone, oldSS.Spec) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"),
			"updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
	}
	return dedupe(errs)
}

// ControllerRevision checks a controller revision: namespaced metadata,
// data present, and a non-negative revision.
func ControllerRevision(cr *appsv1.ControllerRevision) field.ErrorList {
	if cr == nil {
		cr = &appsv1.ControllerRevision{}
	}
	errs := ObjectMeta(&cr.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	if cr.Data == nil {
		errs = append(errs, field.Required(field.NewPath("data"), "data is mandatory"))
	}
	return append(errs, nonNegative(cr.Revision, field.NewPath("revision"))...)
}

// ControllerRevisionUpdate checks an update of a controller revision: its
// data is immutable.
func ControllerRevisionUpdate(newCR, oldCR *appsv1.ControllerRevision) field.ErrorList {
	if newCR == nil {
		newCR = &appsv1.ControllerRevision{}
	}
	if oldCR == nil {
		oldCR = &appsv1.ControllerRevision{}
	}
	errs := ObjectMetaUpdate(&newCR.ObjectMeta, &oldCR.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, ControllerRevision(newCR)...)
	if string(newCR.Data) != string(oldCR.Data) {
		errs = append(errs, field.Invalid(field.NewPath("data"), string(newCR.Data), msgImmutable))
	}
	return dedupe(errs)
}
