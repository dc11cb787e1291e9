package validation

import (
	"fmt"
	"strings"

	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/names"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
)

// The limits of an EndpointSlice.
const (
	maxEndpointSliceAddresses = 100
	maxEndpointSlicePorts     = 100
	maxEndpointSliceEndpoints = 1000
)

var supportedAddressTypes = []discoveryv1.AddressType{discoveryv1.AddressTypeFQDN, discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6}

// EndpointSlice checks an endpoint slice: namespaced metadata, an address
// type, at most 1000 endpoints of 1 to 100 addresses each that suit the
// address type (and are not unspecified, loopback or link-local), host and
// node names, and at most 100 ports with unique names and a protocol.
func EndpointSlice(es *discoveryv1.EndpointSlice) field.ErrorList {
	if es == nil {
		es = &discoveryv1.EndpointSlice{}
	}
	errs := ObjectMeta(&es.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	atp := field.NewPath("addressType")
	errs = append(errs, validateEnum(es.AddressType, supportedAddressTypes, atp)...)
	ep := field.NewPath("endpoints")
	if len(es.Endpoints) > maxEndpointSliceEndpoints {
		errs = append(errs, field.TooMany(ep, len(es.Endpoints), maxEndpointSliceEndpoints))
	} else {
		for i, e := range es.Endpoints {
			p := ep.Index(i)
			ap := p.Child("addresses")
			if len(e.Addresses) == 0 {
				errs = append(errs, field.Required(ap, "must contain at least 1 address"))
			} else if len(e.Addresses) > maxEndpointSliceAddresses {
				errs = append(errs, field.TooMany(ap, len(e.Addresses), maxEndpointSliceAddresses))
			}
			for j, a := range e.Addresses {
				errs = append(errs, endpointSliceAddress(es.AddressType, a, ap.Index(j))...)
			}
			if e.Hostname != nil {
				errs = append(errs, dns1123Label(*e.Hostname, p.Child("hostname"))...)
			}
			if e.NodeName != nil {
				errs = append(errs, nameErrors(NameIsDNSSubdomain(*e.NodeName, false), *e.NodeName, p.Child("nodeName"))...)
			}
		}
	}
	pp := field.NewPath("ports")
	if len(es.Ports) > maxEndpointSlicePorts {
		return append(errs, field.TooMany(pp, len(es.Ports), maxEndpointSlicePorts))
	}
	seen := map[string]bool{}
	for i, port := range es.Ports {
		p := pp.Index(i)
		name := ""
		if port.Name != nil {
			name = *port.Name
		}
		if name != "" {
			errs = append(errs, dns1123Label(name, p.Child("name"))...)
		}
		if seen[name] {
			errs = append(errs, field.Duplicate(p.Child("name"), port.Name))
		} else {
			seen[name] = true
		}
		if port.Protocol == nil {
			errs = append(errs, field.Required(p.Child("protocol"), ""))
		} else if !oneOf(*port.Protocol, supportedPortProtocols...) {
			errs = append(errs, field.NotSupported(p.Child("protocol"), *port.Protocol, supportedPortProtocols))
		}
		if port.AppProtocol != nil {
			errs = append(errs, nameErrors(isQualifiedName(*port.AppProtocol), port.AppProtocol, p.Child("appProtocol"))...)
		}
	}
	return errs
}

func endpointSliceAddress(t discoveryv1.AddressType, a string, p *field.Path) field.ErrorList {
	switch t {
	case discoveryv1.AddressTypeIPv4:
		if ip := parseIP(a); ip == nil || isIPv6(ip) || strings.Contains(a, ":") {
			return field.ErrorList{field.Invalid(p, a, "must be a valid IPv4 address")}
		}
		return nonSpecialIP(a, p)
	case discoveryv1.AddressTypeIPv6:
		if ip := parseIP(a); ip == nil || !strings.Contains(a, ":") || !isIPv6(ip) {
			return field.ErrorList{field.Invalid(p, a, "must be a valid IPv6 address")}
		}
		return nonSpecialIP(a, p)
	case discoveryv1.AddressTypeFQDN:
		if msgs := names.IsFullyQualifiedDomainName(a); len(msgs) != 0 {
			return field.ErrorList{field.Invalid(p, a, strings.Join(msgs, ","))}
		}
	}
	return nil
}

// EndpointSliceUpdate checks an update of an endpoint slice: the new slice
// must be valid, its metadata may change only as ObjectMetaUpdate allows,
// and its address type is immutable.
func EndpointSliceUpdate(newES, oldES *discoveryv1.EndpointSlice) field.ErrorList {
	if newES == nil {
		newES = &discoveryv1.EndpointSlice{}
	}
	if oldES == nil {
		oldES = &discoveryv1.EndpointSlice{}
	}
	errs := EndpointSlice(newES)
	errs = append(errs, immutable(newES.AddressType, oldES.AddressType, field.NewPath("addressType"))...)
	return dedupe(append(errs, ObjectMetaUpdate(&newES.ObjectMeta, &oldES.ObjectMeta, field.NewPath("metadata"))...))
}

// The limits of an autoscaler's behavior.
const (
	maxScalingPeriodSeconds       = 1800
	maxStabilizationWindowSeconds = 3600
)

var (
	supportedMetricSourceTypes = []autoscalingv2.MetricSourceType{
		autoscalingv2.ContainerResourceMetricSourceType, autoscalingv2.ExternalMetricSourceType,
		autoscalingv2.ObjectMetricSourceType, autoscalingv2.PodsMetricSourceType, autoscalingv2.ResourceMetricSourceType,
	}
	supportedSelectPolicies  = []autoscalingv2.ScalingPolicySelect{autoscalingv2.DisabledPolicySelect, autoscalingv2.MaxChangePolicySelect, autoscalingv2.MinChangePolicySelect}
	supportedScalingPolicies = []autoscalingv2.HPAScalingPolicyType{autoscalingv2.PercentScalingPolicy, autoscalingv2.PodsScalingPolicy}
)

// HorizontalPodAutoscaler checks an autoscaler: namespaced metadata,
// minReplicas of at least 1, maxReplicas of at least 1 and minReplicas,
// a scale target with kind and name, metrics with exactly the source their
// type names and valid targets, and the scaling behavior.
func HorizontalPodAutoscaler(hpa *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	if hpa == nil {
		hpa = &autoscalingv2.HorizontalPodAutoscaler{}
	}
	errs := ObjectMeta(&hpa.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, hpaSpec(&hpa.Spec, field.NewPath("spec"))...)
}

// HorizontalPodAutoscalerUpdate checks an update of an autoscaler: its
// metadata may change only as ObjectMetaUpdate allows and its spec must be
// valid.
func HorizontalPodAutoscalerUpdate(newHPA, oldHPA *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	if newHPA == nil {
		newHPA = &autoscalingv2.HorizontalPodAutoscaler{}
	}
	if oldHPA == nil {
		oldHPA = &autoscalingv2.HorizontalPodAutoscaler{}
	}
	errs := ObjectMetaUpdate(&newHPA.ObjectMeta, &oldHPA.ObjectMeta, field.NewPath("metadata"))
	return dedupe(append(errs, hpaSpec(&newHPA.Spec, field.NewPath("spec"))...))
}

func hpaSpec(spec *autoscalingv2.HorizontalPodAutoscalerSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if spec.MinReplicas != nil && *spec.MinReplicas < 1 {
		errs = append(errs, field.Invalid(p.Child("minReplicas"), *spec.MinReplicas, "must be greater than or equal to 1"))
	}
	if spec.MaxReplicas < 1 {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), spec.MaxReplicas, "must be greater than 0"))
	}
	if spec.MinReplicas != nil && spec.MaxReplicas < *spec.MinReplicas {
		errs = append(errs, field.Invalid(p.Child("maxReplicas"), spec.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	errs = append(errs, crossVersionObjectReference(spec.ScaleTargetRef, p.Child("scaleTargetRef"))...)
	for i := range spec.Metrics {
		errs = append(errs, metricSpec(&spec.Metrics[i], p.Child("metrics").Index(i))...)
	}
	if b := spec.Behavior; b != nil {
		bp := p.Child("behavior")
		errs = append(errs, scalingRules(b.ScaleUp, bp.Child("scaleUp"))...)
		errs = append(errs, scalingRules(b.ScaleDown, bp.Child("scaleDown"))...)
	}
	return errs
}

func crossVersionObjectReference(ref autoscalingv2.CrossVersionObjectReference, p *field.Path) field.ErrorList {
	errs := pathSegmentRequired(ref.Kind, p.Child("kind"))
	return append(errs, pathSegmentRequired(ref.Name, p.Child("name"))...)
}

func metricSpec(m *autoscalingv2.MetricSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if m.Type == "" {
		errs = append(errs, field.Required(p.Child("type"), "must specify a metric source type"))
	}
	if !oneOf(m.Type, supportedMetricSourceTypes...) {
		errs = append(errs, field.NotSupported(p.Child("type"), m.Type, supportedMetricSourceTypes))
	}
	var present []string
	source := func(set bool, name string, validate func() field.ErrorList) {
		if !set {
			return
		}
		present = append(present, name)
		if len(present) == 1 {
			errs = append(errs, validate()...)
		}
	}
	source(m.Object != nil, "object", func() field.ErrorList { return objectMetricSource(m.Object, p.Child("object")) })
	source(m.External != nil, "external", func() field.ErrorList { return externalMetricSource(m.External, p.Child("external")) })
	source(m.Pods != nil, "pods", func() field.ErrorList { return podsMetricSource(m.Pods, p.Child("pods")) })
	source(m.Resource != nil, "resource", func() field.ErrorList {
		return resourceMetricSource(m.Resource.Name, m.Resource.Target, p.Child("resource"))
	})
	source(m.ContainerResource != nil, "containerResource", func() field.ErrorList {
		cp := p.Child("containerResource")
		errs := resourceMetricSource(m.ContainerResource.Name, m.ContainerResource.Target, cp)
		if m.ContainerResource.Container == "" {
			errs = append(errs, field.Required(cp.Child("container"), "must specify a container"))
		} else {
			errs = append(errs, dns1123Label(m.ContainerResource.Container, cp.Child("container"))...)
		}
		return errs
	})
	expected := ""
	switch m.Type {
	case autoscalingv2.ObjectMetricSourceType:
		expected = "object"
	case autoscalingv2.PodsMetricSourceType:
		expected = "pods"
	case autoscalingv2.ResourceMetricSourceType:
		expected = "resource"
	case autoscalingv2.ContainerResourceMetricSourceType:
		expected = "containerResource"
	case autoscalingv2.ExternalMetricSourceType:
		expected = "external"
	}
	if expected != "" && !oneOf(expected, present...) {
		errs = append(errs, field.Required(p.Child(expected), "must populate information for the given metric source"))
	}
	if len(present) != 1 {
		for _, name := range present {
			if name != expected {
				errs = append(errs, field.Forbidden(p.Child(name), "must populate the given metric source only"))
			}
		}
	}
	return errs
}

func objectMetricSource(src *autoscalingv2.ObjectMetricSource, p *field.Path) field.ErrorList {
	errs := crossVersionObjectReference(src.DescribedObject, p.Child("describedObject"))
	errs = append(errs, metricIdentifier(src.Metric, p.Child("metric"))...)
	errs = append(errs, metricTarget(src.Target, p.Child("target"))...)
	if src.Target.Value == nil && src.Target.AverageValue == nil {
		errs = append(errs, field.Required(p.Child("target").Child("averageValue"), "must set either a target value or averageValue"))
	}
	return errs
}

func externalMetricSource(src *autoscalingv2.ExternalMetricSource, p *field.Path) field.ErrorList {
	errs := metricIdentifier(src.Metric, p.Child("metric"))
	errs = append(errs, metricTarget(src.Target, p.Child("target"))...)
	if src.Target.Value == nil && src.Target.AverageValue == nil {
		errs = append(errs, field.Required(p.Child("target").Child("averageValue"), "must set either a target value for metric or a per-pod target"))
	}
	if src.Target.Value != nil && src.Target.AverageValue != nil {
		errs = append(errs, field.Forbidden(p.Child("target").Child("value"), "may not set both a target value for metric and a per-pod target"))
	}
	return errs
}

func podsMetricSource(src *autoscalingv2.PodsMetricSource, p *field.Path) field.ErrorList {
	errs := metricIdentifier(src.Metric, p.Child("metric"))
	errs = append(errs, metricTarget(src.Target, p.Child("target"))...)
	if src.Target.AverageValue == nil {
		errs = append(errs, field.Required(p.Child("target").Child("averageValue"), "must specify a positive target averageValue"))
	}
	return errs
}

func resourceMetricSource(name corev1.ResourceName, target autoscalingv2.MetricTarget, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(p.Child("name"), "must specify a resource name"))
	}
	errs = append(errs, metricTarget(target, p.Child("target"))...)
	if target.AverageUtilization == nil && target.AverageValue == nil {
		errs = append(errs, field.Required(p.Child("target").Child("averageUtilization"), "must set either a target raw value or a target utilization"))
	}
	if target.AverageUtilization != nil && target.AverageValue != nil {
		errs = append(errs, field.Forbidden(p.Child("target").Child("averageValue"), "may not set both a target raw value and a target utilization"))
	}
	return errs
}

func metricTarget(t autoscalingv2.MetricTarget, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.Type == "" {
		errs = append(errs, field.Required(p.Child("type"), "must specify a metric target type"))
	}
	if !oneOf(t.Type, autoscalingv2.UtilizationMetricType, autoscalingv2.ValueMetricType, autoscalingv2.AverageValueMetricType) {
		errs = append(errs, field.Invalid(p.Child("type"), t.Type, "must be either Utilization, Value, or AverageValue"))
	}
	if t.Value != nil && t.Value.Sign() != 1 {
		errs = append(errs, field.Invalid(p.Child("value"), t.Value, "must be positive"))
	}
	if t.AverageValue != nil && t.AverageValue.Sign() != 1 {
		errs = append(errs, field.Invalid(p.Child("averageValue"), t.AverageValue, "must be positive"))
	}
	if t.AverageUtilization != nil && *t.AverageUtilization < 1 {
		errs = append(errs, field.Invalid(p.Child("averageUtilization"), t.AverageUtilization, "must be greater than 0"))
	}
	return errs
}

func metricIdentifier(id autoscalingv2.MetricIdentifier, p *field.Path) field.ErrorList {
	if id.Name == "" {
		return field.ErrorList{field.Required(p.Child("name"), "must specify a metric name")}
	}
	return nameErrors(NameIsPathSegment(id.Name, false), id.Name, p.Child("name"))
}

func scalingRules(r *autoscalingv2.HPAScalingRules, p *field.Path) field.ErrorList {
	if r == nil {
		return nil
	}
	var errs field.ErrorList
	if w := r.StabilizationWindowSeconds; w != nil {
		if *w < 0 {
			errs = append(errs, field.Invalid(p.Child("stabilizationWindowSeconds"), w, "must be greater than or equal to zero"))
		}
		if *w > maxStabilizationWindowSeconds {
			errs = append(errs, field.Invalid(p.Child("stabilizationWindowSeconds"), w, fmt.Sprintf("must be less than or equal to %v", maxStabilizationWindowSeconds)))
		}
	}
	if r.SelectPolicy != nil && !oneOf(*r.SelectPolicy, supportedSelectPolicies...) {
		errs = append(errs, field.NotSupported(p.Child("selectPolicy"), r.SelectPolicy, supportedSelectPolicies))
	}
	pp := p.Child("policies")
	if len(r.Policies) == 0 {
		errs = append(errs, field.Required(pp, "must specify at least one Policy"))
	}
	for i, pol := range r.Policies {
		ip := pp.Index(i)
		if !oneOf(pol.Type, supportedScalingPolicies...) {
			errs = append(errs, field.NotSupported(ip.Child("type"), pol.Type, supportedScalingPolicies))
		}
		if pol.Value <= 0 {
			errs = append(errs, field.Invalid(ip.Child("value"), pol.Value, "must be greater than zero"))
		}
		if pol.PeriodSeconds <= 0 {
			errs = append(errs, field.Invalid(ip.Child("periodSeconds"), pol.PeriodSeconds, "must be greater than zero"))
		}
		if pol.PeriodSeconds > maxScalingPeriodSeconds {
			errs = append(errs, field.Invalid(ip.Child("periodSeconds"), pol.PeriodSeconds, fmt.Sprintf("must be less than or equal to %v", maxScalingPeriodSeconds)))
		}
	}
	return errs
}

// Lease checks a lease: namespaced metadata, a positive duration, a
// non-negative transition count, a known or qualified strategy, and a
// preferred holder only with a strategy.
func Lease(l *coordinationv1.Lease) field.ErrorList {
	if l == nil {
		l = &coordinationv1.Lease{}
	}
	errs := ObjectMeta(&l.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, leaseSpec(&l.Spec, field.NewPath("spec"))...)
}

func leaseSpec(spec *coordinationv1.LeaseSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if d := spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(p.Child("leaseDurationSeconds"), d, "must be greater than 0"))
	}
	if t := spec.LeaseTransitions; t != nil && *t < 0 {
		errs = append(errs, field.Invalid(p.Child("leaseTransitions"), t, msgNegative))
	}
	if s := spec.Strategy; s != nil {
		// Kubernetes appends "strategy" to the strategy's own path.
		sp := p.Child("strategy").Child("strategy")
		if !strings.Contains(string(*s), "/") {
			valid := []coordinationv1.CoordinatedLeaseStrategy{coordinationv1.OldestEmulationVersion}
			if !oneOf(*s, valid...) {
				errs = append(errs, field.NotSupported(sp, *s, valid))
			}
		} else {
			errs = append(errs, nameErrors(isQualifiedName(string(*s)), *s, sp)...)
		}
	}
	if h := spec.PreferredHolder; h != nil && *h != "" && (spec.Strategy == nil || *spec.Strategy == "") {
		errs = append(errs, field.Forbidden(p.Child("preferredHolder"), "may only be specified if `strategy` is defined"))
	}
	return errs
}

// LeaseUpdate checks an update of a lease: its metadata may change only as
// ObjectMetaUpdate allows and its spec must be valid.
func LeaseUpdate(newL, oldL *coordinationv1.Lease) field.ErrorList {
	if newL == nil {
		newL = &coordinationv1.Lease{}
	}
	if oldL == nil {
		oldL = &coordinationv1.Lease{}
	}
	errs := ObjectMetaUpdate(&newL.ObjectMeta, &oldL.ObjectMeta, field.NewPath("metadata"))
	return dedupe(append(errs, leaseSpec(&newL.Spec, field.NewPath("spec"))...))
}

// Role checks a role: namespaced metadata with a path-segment name, and
// its rules.
func Role(r *rbacv1.Role) field.ErrorList {
	if r == nil {
		r = &rbacv1.Role{}
	}
	errs := ObjectMeta(&r.ObjectMeta, true, NameIsPathSegment, field.NewPath("metadata"))
	for i, rule := range r.Rules {
		errs = append(errs, policyRule(rule, true, field.NewPath("rules").Index(i))...)
	}
	return errs
}

// ClusterRole checks a cluster role: cluster-scoped metadata with a
// path-segment name, and its rules.
func ClusterRole(r *rbacv1.ClusterRole) field.ErrorList {
	if r == nil {
		r = &rbacv1.ClusterRole{}
	}
	errs := ObjectMeta(&r.ObjectMeta, false, NameIsPathSegment, field.NewPath("metadata"))
	for i, rule := range r.Rules {
		errs = append(errs, policyRule(rule, false, field.NewPath("rules").Index(i))...)
	}
	if ar := r.AggregationRule; ar != nil {
		for i := range ar.ClusterRoleSelectors {
			errs = append(errs, LabelSelector(&ar.ClusterRoleSelectors[i], field.NewPath("aggregationRule", "clusterRoleSelectors").Index(i))...)
		}
	}
	return errs
}

// policyRule checks a rule: verbs are required; a rule is either about
// non-resource URLs (not in a namespaced role) or about resources, with
// API groups and resources, and resource names only for one resource.
func policyRule(rule rbacv1.PolicyRule, namespaced bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(rule.Verbs) == 0 {
		errs = append(errs, field.Required(p.Child("verbs"), "verbs must contain at least one value"))
	}
	if len(rule.NonResourceURLs) > 0 {
		if namespaced {
			errs = append(errs, field.Invalid(p.Child("nonResourceURLs"), rule.NonResourceURLs, "namespaced rules cannot apply to non-resource URLs"))
		}
		if len(rule.APIGroups) > 0 || len(rule.Resources) > 0 || len(rule.ResourceNames) > 0 {
			errs = append(errs, field.Invalid(p.Child("nonResourceURLs"), rule.NonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"))
		}
		return errs
	}
	if len(rule.APIGroups) == 0 {
		errs = append(errs, field.Required(p.Child("apiGroups"), "resource rules must supply at least one api group"))
	}
	if len(rule.Resources) == 0 {
		errs = append(errs, field.Required(p.Child("resources"), "resource rules must supply at least one resource"))
	}
	if len(rule.ResourceNames) > 0 && len(rule.Resources) > 1 {
		errs = append(errs, field.Required(p.Child("resourceNames"), "resource names cannot apply to multiple resources"))
	}
	return errs
}

// RoleBinding checks a role binding: namespaced metadata with a
// path-segment name, a roleRef to a Role or ClusterRole of the RBAC group,
// and subjects.
func RoleBinding(rb *rbacv1.RoleBinding) field.ErrorList {
	if rb == nil {
		rb = &rbacv1.RoleBinding{}
	}
	errs := ObjectMeta(&rb.ObjectMeta, true, NameIsPathSegment, field.NewPath("metadata"))
	errs = append(errs, roleRef(rb.RoleRef, []string{"Role", "ClusterRole"})...)
	for i, s := range rb.Subjects {
		errs = append(errs, subject(s, true, field.NewPath("subjects").Index(i))...)
	}
	return errs
}

// ClusterRoleBinding checks a cluster role binding: cluster-scoped
// metadata with a path-segment name, a roleRef to a ClusterRole of the
// RBAC group, and subjects (service accounts with a namespace).
func ClusterRoleBinding(rb *rbacv1.ClusterRoleBinding) field.ErrorList {
	if rb == nil {
		rb = &rbacv1.ClusterRoleBinding{}
	}
	errs := ObjectMeta(&rb.ObjectMeta, false, NameIsPathSegment, field.NewPath("metadata"))
	errs = append(errs, roleRef(rb.RoleRef, []string{"ClusterRole"})...)
	for i, s := range rb.Subjects {
		errs = append(errs, subject(s, false, field.NewPath("subjects").Index(i))...)
	}
	return errs
}

func roleRef(ref rbacv1.RoleRef, kinds []string) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("roleRef")
	if ref.APIGroup != rbacv1.GroupName {
		errs = append(errs, field.NotSupported(p.Child("apiGroup"), ref.APIGroup, []string{rbacv1.GroupName}))
	}
	if !oneOf(ref.Kind, kinds...) {
		errs = append(errs, field.NotSupported(p.Child("kind"), ref.Kind, kinds))
	}
	if ref.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	} else {
		errs = append(errs, nameErrors(NameIsPathSegment(ref.Name, false), ref.Name, p.Child("name"))...)
	}
	return errs
}

func subject(s rbacv1.Subject, namespaced bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	}
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		if s.Name != "" {
			errs = append(errs, nameErrors(NameIsDNSSubdomain(s.Name, false), s.Name, p.Child("name"))...)
		}
		if s.APIGroup != "" {
			errs = append(errs, field.NotSupported(p.Child("apiGroup"), s.APIGroup, []string{""}))
		}
		if !namespaced && s.Namespace == "" {
			errs = append(errs, field.Required(p.Child("namespace"), ""))
		}
	case rbacv1.UserKind, rbacv1.GroupKind:
		if s.Name == "" {
			errs = append(errs, field.Invalid(p.Child("name"), s.Name, strings.ToLower(s.Kind)+" name cannot be empty"))
		}
		if s.APIGroup != rbacv1.GroupName {
			errs = append(errs, field.NotSupported(p.Child("apiGroup"), s.APIGroup, []string{rbacv1.GroupName}))
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("kind"), s.Kind, []string{rbacv1.ServiceAccountKind, rbacv1.UserKind, rbacv1.GroupKind}))
	}
	return errs
}

// RoleUpdate checks an update of a role.
func RoleUpdate(newR, oldR *rbacv1.Role) field.ErrorList {
	if newR == nil {
		newR = &rbacv1.Role{}
	}
	if oldR == nil {
		oldR = &rbacv1.Role{}
	}
	return dedupe(append(Role(newR), ObjectMetaUpdate(&newR.ObjectMeta, &oldR.ObjectMeta, field.NewPath("metadata"))...))
}

// ClusterRoleUpdate checks an update of a cluster role.
func ClusterRoleUpdate(newR, oldR *rbacv1.ClusterRole) field.ErrorList {
	if newR == nil {
		newR = &rbacv1.ClusterRole{}
	}
	if oldR == nil {
		oldR = &rbacv1.ClusterRole{}
	}
	return dedupe(append(ClusterRole(newR), ObjectMetaUpdate(&newR.ObjectMeta, &oldR.ObjectMeta, field.NewPath("metadata"))...))
}

// RoleBindingUpdate checks an update of a role binding: its roleRef may
// not change.
func RoleBindingUpdate(newRB, oldRB *rbacv1.RoleBinding) field.ErrorList {
	if newRB == nil {
		newRB = &rbacv1.RoleBinding{}
	}
	if oldRB == nil {
		oldRB = &rbacv1.RoleBinding{}
	}
	errs := append(RoleBinding(newRB), ObjectMetaUpdate(&newRB.ObjectMeta, &oldRB.ObjectMeta, field.NewPath("metadata"))...)
	if newRB.RoleRef != oldRB.RoleRef {
		errs = append(errs, field.Invalid(field.NewPath("roleRef"), newRB.RoleRef, "cannot change roleRef"))
	}
	return dedupe(errs)
}

// ClusterRoleBindingUpdate checks an update of a cluster role binding: its
// roleRef may not change.
func ClusterRoleBindingUpdate(newRB, oldRB *rbacv1.ClusterRoleBinding) field.ErrorList {
	if newRB == nil {
		newRB = &rbacv1.ClusterRoleBinding{}
	}
	if oldRB == nil {
		oldRB = &rbacv1.ClusterRoleBinding{}
	}
	errs := append(ClusterRoleBinding(newRB), ObjectMetaUpdate(&newRB.ObjectMeta, &oldRB.ObjectMeta, field.NewPath("metadata"))...)
	if newRB.RoleRef != oldRB.RoleRef {
		errs = append(errs, field.Invalid(field.NewPath("roleRef"), newRB.RoleRef, "cannot change roleRef"))
	}
	return dedupe(errs)
}

// PriorityClass checks a priority class: cluster-scoped metadata, a name
// with the "system-" prefix only for the built-in system classes (with
// their values), a value of at most HighestUserDefinablePriority
// (1000000000) otherwise, and a preemption policy.
func PriorityClass(pc *schedulingv1.PriorityClass) field.ErrorList {
	if pc == nil {
		pc = &schedulingv1.PriorityClass{}
	}
	errs := ObjectMeta(&pc.ObjectMeta, false, NameIsDNSSubdomain, field.NewPath("metadata"))
	if strings.HasPrefix(pc.Name, schedulingv1.SystemPriorityClassPrefix) {
		if err := knownSystemPriorityClass(pc); err != "" {
			errs = append(errs, field.Forbidden(field.NewPath("metadata", "name"),
				"priority class names with '"+schedulingv1.SystemPriorityClassPrefix+"' prefix are reserved for system use only. error: "+err))
		}
	} else if pc.Value > schedulingv1.HighestUserDefinablePriority {
		errs = append(errs, field.Forbidden(field.NewPath("value"), fmt.Sprintf("maximum allowed value of a user defined priority is %v", schedulingv1.HighestUserDefinablePriority)))
	}
	if pc.PreemptionPolicy != nil {
		errs = append(errs, validateEnum(*pc.PreemptionPolicy, supportedPreemption, field.NewPath("preemptionPolicy"))...)
	}
	return errs
}

// knownSystemPriorityClass returns why pc is not one of the built-in
// system classes, or "".
func knownSystemPriorityClass(pc *schedulingv1.PriorityClass) string {
	for _, sys := range schedulingv1.SystemPriorityClasses() {
		if sys.Name != pc.Name {
			continue
		}
		if sys.Value != pc.Value {
			return fmt.Sprintf("value of %v PriorityClass must be always %v", sys.Name, sys.Value)
		}
		if sys.GlobalDefault != pc.GlobalDefault {
			return fmt.Sprintf("globalDefault of %v PriorityClass must be always %v", sys.Name, sys.GlobalDefault)
		}
		return ""
	}
	return fmt.Sprintf("%v is not a known system priority class", pc.Name)
}

// PriorityClassUpdate checks an update of a priority class: its metadata
// may change only as ObjectMetaUpdate allows, and its value and preemption
// policy are immutable.
func PriorityClassUpdate(newPC, oldPC *schedulingv1.PriorityClass) field.ErrorList {
	if newPC == nil {
		newPC = &schedulingv1.PriorityClass{}
	}
	if oldPC == nil {
		oldPC = &schedulingv1.PriorityClass{}
	}
	errs := ObjectMetaUpdate(&newPC.ObjectMeta, &oldPC.ObjectMeta, field.NewPath("metadata"))
	if newPC.Value != oldPC.Value {
		errs = append(errs, field.Forbidden(field.NewPath("value"), "may not be changed in an update."))
	}
	return dedupe(append(errs, immutable(newPC.PreemptionPolicy, oldPC.PreemptionPolicy, field.NewPath("preemptionPolicy"))...))
}
