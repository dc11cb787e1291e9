package validation

import (
	"fmt"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

var (
	supportedTaintEffects    = []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute}
	supportedTolerationOps   = []corev1.TolerationOperator{corev1.TolerationOpEqual, corev1.TolerationOpExists}
	supportedScheduleActions = []corev1.UnsatisfiableConstraintAction{corev1.DoNotSchedule, corev1.ScheduleAnyway}
	supportedNodePolicies    = []corev1.NodeInclusionPolicy{corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore}
)

// affinity checks node affinity and pod (anti-)affinity.
func affinity(a *corev1.Affinity, path *field.Path) field.ErrorList {
	if a == nil {
		return nil
	}
	var errs field.ErrorList
	if na := a.NodeAffinity; na != nil {
		p := path.Child("nodeAffinity")
		if na.RequiredDuringSchedulingIgnoredDuringExecution != nil {
			errs = append(errs, NodeSelector(na.RequiredDuringSchedulingIgnoredDuringExecution, p.Child("requiredDuringSchedulingIgnoredDuringExecution"))...)
		}
		pp := p.Child("preferredDuringSchedulingIgnoredDuringExecution")
		for i, term := range na.PreferredDuringSchedulingIgnoredDuringExecution {
			if term.Weight <= 0 || term.Weight > 100 {
				errs = append(errs, field.Invalid(pp.Index(i).Child("weight"), term.Weight, "must be in the range 1-100"))
			}
			errs = append(errs, nodeSelectorTerm(term.Preference, pp.Index(i).Child("preference"))...)
		}
	}
	if pa := a.PodAffinity; pa != nil {
		errs = append(errs, podAffinityTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution, path.Child("podAffinity"))...)
	}
	if pa := a.PodAntiAffinity; pa != nil {
		errs = append(errs, podAffinityTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution, pa.PreferredDuringSchedulingIgnoredDuringExecution, path.Child("podAntiAffinity"))...)
	}
	return errs
}

func podAffinityTerms(required []corev1.PodAffinityTerm, preferred []corev1.WeightedPodAffinityTerm, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	rp := path.Child("requiredDuringSchedulingIgnoredDuringExecution")
	for i, term := range required {
		errs = append(errs, podAffinityTerm(term, rp.Index(i))...)
	}
	pp := path.Child("preferredDuringSchedulingIgnoredDuringExecution")
	for i, wt := range preferred {
		if wt.Weight <= 0 || wt.Weight > 100 {
			errs = append(errs, field.Invalid(pp.Index(i).Child("weight"), wt.Weight, "must be in the range 1-100"))
		}
		errs = append(errs, podAffinityTerm(wt.PodAffinityTerm, pp.Index(i).Child("podAffinityTerm"))...)
	}
	return errs
}

// podAffinityTerm checks a pod affinity term: its selectors, namespaces,
// label keys and a topology key.
func podAffinityTerm(term corev1.PodAffinityTerm, path *field.Path) field.ErrorList {
	errs := LabelSelector(term.LabelSelector, path.Child("labelSelector"))
	errs = append(errs, LabelSelector(term.NamespaceSelector, path.Child("namespaceSelector"))...)
	for _, ns := range term.Namespaces {
		errs = append(errs, nameErrors(NameIsDNSLabel(ns, false), ns, path.Child("namespace"))...)
	}
	errs = append(errs, matchAndMismatchLabelKeys(path, term.MatchLabelKeys, term.MismatchLabelKeys, term.LabelSelector)...)
	if term.TopologyKey == "" {
		errs = append(errs, field.Required(path.Child("topologyKey"), "can not be empty"))
	}
	return append(errs, labelName(term.TopologyKey, path.Child("topologyKey"))...)
}

// matchAndMismatchLabelKeys checks the label keys of a pod affinity term.
func matchAndMismatchLabelKeys(path *field.Path, match, mismatch []string, sel *metav1.LabelSelector) field.ErrorList {
	errs := labelKeys(path.Child("matchLabelKeys"), match, sel)
	errs = append(errs, labelKeys(path.Child("mismatchLabelKeys"), mismatch, sel)...)
	if sel != nil {
		index := map[string]int{}
		for i, k := range match {
			index[k] = i
		}
		keys := map[string]bool{}
		for k := range sel.MatchLabels {
			keys[k] = true
		}
		for _, expr := range sel.MatchExpressions {
			// Kubernetes reports this at the term's path, indexed.
			if i, ok := index[expr.Key]; ok && keys[expr.Key] {
				errs = append(errs, field.Invalid(path.Index(i), expr.Key, "exists in both matchLabelKeys and labelSelector"))
			}
			keys[expr.Key] = true
		}
	}
	for i, k := range match {
		for _, m := range mismatch {
			if k == m {
				errs = append(errs, field.Invalid(path.Child("matchLabelKeys").Index(i), k, "exists in both matchLabelKeys and mismatchLabelKeys"))
				break
			}
		}
	}
	return errs
}

func labelKeys(path *field.Path, keys []string, sel *metav1.LabelSelector) field.ErrorList {
	if len(keys) == 0 {
		return nil
	}
	if sel == nil {
		return field.ErrorList{field.Forbidden(path, "must not be specified when labelSelector is not set")}
	}
	var errs field.ErrorList
	for i, k := range keys {
		errs = append(errs, labelName(k, path.Index(i))...)
	}
	return errs
}

// NodeSelector checks a required node selector: at least one term, and
// each term's requirements.
func NodeSelector(ns *corev1.NodeSelector, path *field.Path) field.ErrorList {
	tp := path.Child("nodeSelectorTerms")
	if ns == nil || len(ns.NodeSelectorTerms) == 0 {
		return field.ErrorList{field.Required(tp, "must have at least one node selector term")}
	}
	var errs field.ErrorList
	for i, term := range ns.NodeSelectorTerms {
		errs = append(errs, nodeSelectorTerm(term, tp.Index(i))...)
	}
	return errs
}

func nodeSelectorTerm(term corev1.NodeSelectorTerm, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for j, req := range term.MatchExpressions {
		errs = append(errs, nodeSelectorRequirement(req, path.Child("matchExpressions").Index(j))...)
	}
	for j, req := range term.MatchFields {
		errs = append(errs, nodeFieldSelectorRequirement(req, path.Child("matchFields").Index(j))...)
	}
	return errs
}

// nodeSelectorRequirement checks a requirement on node labels: In and NotIn
// need values, Exists and DoesNotExist take none, Gt and Lt take exactly
// one.
func nodeSelectorRequirement(req corev1.NodeSelectorRequirement, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch req.Operator {
	case corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn:
		if len(req.Values) == 0 {
			errs = append(errs, field.Required(path.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
		}
	case corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist:
		if len(req.Values) > 0 {
			errs = append(errs, field.Forbidden(path.Child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
		}
	case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt:
		if len(req.Values) != 1 {
			errs = append(errs, field.Required(path.Child("values"), "must be specified single value when `operator` is 'Lt' or 'Gt'"))
		}
	default:
		errs = append(errs, field.Invalid(path.Child("operator"), req.Operator, "not a valid selector operator"))
	}
	return append(errs, labelName(req.Key, path.Child("key"))...)
}

// nodeFieldSelectorRequirement checks a requirement on node fields: only
// metadata.name, with In or NotIn and one value.
func nodeFieldSelectorRequirement(req corev1.NodeSelectorRequirement, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch req.Operator {
	case corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn:
		if len(req.Values) != 1 {
			errs = append(errs, field.Required(path.Child("values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
		}
	default:
		errs = append(errs, field.Invalid(path.Child("operator"), req.Operator, "not a valid selector operator"))
	}
	if req.Key != "metadata.name" {
		errs = append(errs, field.Invalid(path.Child("key"), req.Key, "not a valid field selector key"))
	} else {
		for i, v := range req.Values {
			errs = append(errs, nameErrors(NameIsDNSSubdomain(v, false), v, path.Child("values").Index(i))...)
		}
	}
	return errs
}

// Tolerations checks a pod's tolerations: key a label name, an empty key
// only with operator Exists, value a label value (empty for Exists),
// tolerationSeconds only with effect NoExecute, and a known effect.
func Tolerations(tolerations []corev1.Toleration, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range tolerations {
		p := path.Index(i)
		if t.Key != "" {
			errs = append(errs, labelName(t.Key, p.Child("key"))...)
		}
		if t.Key == "" && t.Operator != corev1.TolerationOpExists {
			errs = append(errs, field.Invalid(p.Child("operator"), t.Operator,
				"operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
		}
		if t.TolerationSeconds != nil && t.Effect != corev1.TaintEffectNoExecute {
			errs = append(errs, field.Invalid(p.Child("effect"), t.Effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
		}
		switch t.Operator {
		case corev1.TolerationOpEqual, "":
			if msgs := isValidLabelValue(t.Value); len(msgs) != 0 {
				errs = append(errs, field.Invalid(p.Child("operator"), t.Value, strings.Join(msgs, ";")))
			}
		case corev1.TolerationOpExists:
			if t.Value != "" {
				errs = append(errs, field.Invalid(p.Child("operator"), t, "value must be empty when `operator` is 'Exists'"))
			}
		default:
			errs = append(errs, field.NotSupported(p.Child("operator"), t.Operator, supportedTolerationOps))
		}
		if t.Effect != "" && !oneOf(t.Effect, supportedTaintEffects...) {
			errs = append(errs, field.NotSupported(p.Child("effect"), t.Effect, supportedTaintEffects))
		}
	}
	return errs
}

// Taints checks a node's taints: key a label name, value a label value, a
// known effect, and no two taints with the same key and effect.
func Taints(taints []corev1.Taint, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[corev1.TaintEffect]map[string]bool{}
	for i, t := range taints {
		p := path.Index(i)
		errs = append(errs, labelName(t.Key, p.Child("key"))...)
		if msgs := isValidLabelValue(t.Value); len(msgs) != 0 {
			errs = append(errs, field.Invalid(p.Child("value"), t.Value, strings.Join(msgs, ";")))
		}
		errs = append(errs, validateEnum(t.Effect, supportedTaintEffects, p.Child("effect"))...)
		if seen[t.Effect][t.Key] {
			dup := field.Duplicate(p, t)
			dup.Detail = "taints must be unique by key and effect pair"
			errs = append(errs, dup)
			continue
		}
		if seen[t.Effect] == nil {
			seen[t.Effect] = map[string]bool{}
		}
		seen[t.Effect][t.Key] = true
	}
	return errs
}

// topologySpreadConstraints checks the spread constraints of a pod.
func topologySpreadConstraints(constraints []corev1.TopologySpreadConstraint, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, c := range constraints {
		p := path.Index(i)
		if c.MaxSkew <= 0 {
			errs = append(errs, field.Invalid(p.Child("maxSkew"), c.MaxSkew, msgNotPositive))
		}
		if c.TopologyKey == "" {
			errs = append(errs, field.Required(p.Child("topologyKey"), "can not be empty"))
		}
		if !oneOf(c.WhenUnsatisfiable, supportedScheduleActions...) {
			errs = append(errs, field.NotSupported(p.Child("whenUnsatisfiable"), c.WhenUnsatisfiable, supportedScheduleActions))
		}
		for _, rest := range constraints[i+1:] {
			if c.TopologyKey == rest.TopologyKey && c.WhenUnsatisfiable == rest.WhenUnsatisfiable {
				errs = append(errs, field.Duplicate(p.Child("{topologyKey, whenUnsatisfiable}"),
					fmt.Sprintf("{%v, %v}", c.TopologyKey, c.WhenUnsatisfiable)))
				break
			}
		}
		if c.MinDomains != nil {
			if *c.MinDomains <= 0 {
				errs = append(errs, field.Invalid(p.Child("minDomains"), c.MinDomains, msgNotPositive))
			}
			if c.WhenUnsatisfiable != corev1.DoNotSchedule {
				errs = append(errs, field.Invalid(p.Child("minDomains"), c.MinDomains,
					fmt.Sprintf("can only use minDomains if whenUnsatisfiable=%s, not %s", corev1.DoNotSchedule, c.WhenUnsatisfiable)))
			}
		}
		for _, pol := range []struct {
			name string
			v    *corev1.NodeInclusionPolicy
		}{{"nodeAffinityPolicy", c.NodeAffinityPolicy}, {"nodeTaintsPolicy", c.NodeTaintsPolicy}} {
			if pol.v != nil && !oneOf(*pol.v, supportedNodePolicies...) {
				errs = append(errs, field.NotSupported(p.Child(pol.name), pol.v, supportedNodePolicies))
			}
		}
		errs = append(errs, spreadMatchLabelKeys(p.Child("matchLabelKeys"), c.MatchLabelKeys, c.LabelSelector)...)
		errs = append(errs, LabelSelector(c.LabelSelector, p.Child("labelSelector"))...)
	}
	return errs
}

func spreadMatchLabelKeys(path *field.Path, keys []string, sel *metav1.LabelSelector) field.ErrorList {
	if len(keys) == 0 {
		return nil
	}
	var errs field.ErrorList
	selKeys := map[string]bool{}
	if sel != nil {
		for k := range sel.MatchLabels {
			selKeys[k] = true
		}
		for _, e := range sel.MatchExpressions {
			selKeys[e.Key] = true
		}
	} else {
		errs = append(errs, field.Forbidden(path, "must not be specified when labelSelector is not set"))
	}
	for i, k := range keys {
		errs = append(errs, labelName(k, path.Index(i))...)
		if selKeys[k] {
			errs = append(errs, field.Invalid(path.Index(i), k, "exists in both matchLabelKeys and labelSelector"))
		}
	}
	return errs
}

// topologySelectorTerm checks a term of a StorageClass's allowed
// topologies; it returns the term's keys and values for the duplicate
// check.
func topologySelectorTerm(term corev1.TopologySelectorTerm, path *field.Path) (map[string]map[string]bool, field.ErrorList) {
	var errs field.ErrorList
	exprs := map[string]map[string]bool{}
	ep := path.Child("matchLabelExpressions")
	for i, req := range term.MatchLabelExpressions {
		p := ep.Index(i)
		values := map[string]bool{}
		vp := p.Child("values")
		if len(req.Values) == 0 {
			errs = append(errs, field.Required(vp, ""))
		}
		for j, v := range req.Values {
			if values[v] {
				errs = append(errs, field.Duplicate(vp.Index(j), v))
			}
			values[v] = true
		}
		errs = append(errs, labelName(req.Key, p.Child("key"))...)
		if _, ok := exprs[req.Key]; ok {
			errs = append(errs, field.Duplicate(p.Child("key"), req.Key))
		}
		exprs[req.Key] = values
	}
	return exprs, errs
}
