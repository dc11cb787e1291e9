package validation

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/resource"
)

// Namespace checks a namespace: cluster-scoped metadata with a DNS label
// name, and qualified finalizer names.
func Namespace(ns *corev1.Namespace) field.ErrorList {
	if ns == nil {
		ns = &corev1.Namespace{}
	}
	errs := ObjectMeta(&ns.ObjectMeta, false, NameIsDNSLabel, field.NewPath("metadata"))
	p := field.NewPath("spec", "finalizers")
	for _, f := range ns.Spec.Finalizers {
		errs = append(errs, nameErrors(isQualifiedName(string(f)), string(f), p)...)
		errs = append(errs, kubeFinalizerName(string(f), p)...)
	}
	return errs
}

// NamespaceUpdate checks an update of a namespace: the new namespace must
// be valid and its metadata may change only as ObjectMetaUpdate allows.
func NamespaceUpdate(newNS, oldNS *corev1.Namespace) field.ErrorList {
	if newNS == nil {
		newNS = &corev1.Namespace{}
	}
	if oldNS == nil {
		oldNS = &corev1.Namespace{}
	}
	errs := Namespace(newNS)
	return dedupe(append(errs, ObjectMetaUpdate(&newNS.ObjectMeta, &oldNS.ObjectMeta, field.NewPath("metadata"))...))
}

// Node checks a node: cluster-scoped metadata, taints, the quantities of
// its capacity and allocatable resources, and its pod CIDRs (valid, at
// most one per IP family, no duplicates).
func Node(node *corev1.Node) field.ErrorList {
	if node == nil {
		node = &corev1.Node{}
	}
	metaPath := field.NewPath("metadata")
	errs := ObjectMeta(&node.ObjectMeta, false, NameIsDNSSubdomain, metaPath)
	// Kubernetes reports the taints under metadata.
	errs = append(errs, Taints(node.Spec.Taints, metaPath.Child("taints"))...)
	errs = append(errs, nodeResources(node)...)
	if cidrs := node.Spec.PodCIDRs; len(cidrs) > 0 {
		p := field.NewPath("spec", "podCIDRs")
		for i, c := range cidrs {
			errs = append(errs, validCIDR(c, p.Index(i))...)
		}
		if len(cidrs) > 1 {
			dual, _ := isDualStack(cidrs, func(s string) net.IP {
				ip, _, ok := parseCIDR(s)
				if !ok {
					return nil
				}
				return ip
			})
			if !dual || len(cidrs) > 2 {
				errs = append(errs, field.Invalid(p, cidrs, "may specify no more than one CIDR for each IP family"))
			}
			seen := map[string]bool{}
			for i, c := range cidrs {
				if seen[c] {
					errs = append(errs, field.Duplicate(p.Index(i), c))
				}
				seen[c] = true
			}
		}
	}
	return errs
}

func nodeResources(node *corev1.Node) field.ErrorList {
	var errs field.ErrorList
	for _, k := range sortedKeys(node.Status.Capacity) {
		errs = append(errs, resourceQuantityValue(k, node.Status.Capacity[k], field.NewPath("status", "capacity", string(k)))...)
	}
	for _, k := range sortedKeys(node.Status.Allocatable) {
		errs = append(errs, resourceQuantityValue(k, node.Status.Allocatable[k], field.NewPath("status", "allocatable", string(k)))...)
	}
	return errs
}

// NodeUpdate checks an update of a node: the new node must be valid, its
// metadata may change only as ObjectMetaUpdate allows, addresses are
// unique, and podCIDRs and providerID may be set once but not changed.
func NodeUpdate(newNode, oldNode *corev1.Node) field.ErrorList {
	if newNode == nil {
		newNode = &corev1.Node{}
	}
	if oldNode == nil {
		oldNode = &corev1.Node{}
	}
	errs := Node(newNode)
	errs = append(errs, ObjectMetaUpdate(&newNode.ObjectMeta, &oldNode.ObjectMeta, field.NewPath("metadata"))...)
	seen := map[corev1.NodeAddress]bool{}
	for i, a := range newNode.Status.Addresses {
		if seen[a] {
			errs = append(errs, field.Duplicate(field.NewPath("status", "addresses").Index(i), a))
		}
		seen[a] = true
	}
	if old := oldNode.Spec.PodCIDRs; len(old) > 0 {
		const msg = "node updates may not change podCIDR except from \"\" to valid"
		p := field.NewPath("spec", "podCIDRs")
		if len(old) != len(newNode.Spec.PodCIDRs) {
			errs = append(errs, field.Forbidden(p, msg))
		} else {
			for i, v := range old {
				if v != newNode.Spec.PodCIDRs[i] {
					errs = append(errs, field.Forbidden(p, msg))
				}
			}
		}
	}
	if oldNode.Spec.ProviderID != "" && oldNode.Spec.ProviderID != newNode.Spec.ProviderID {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "providerID"), "node updates may not change providerID except from \"\" to valid"))
	}
	return dedupe(errs)
}

// ConfigMap checks a config map: namespaced metadata, keys that are valid
// file names and not in both data and binaryData, and at most
// corev1.MaxSecretSize bytes of values in all.
func ConfigMap(cm *corev1.ConfigMap) field.ErrorList {
	if cm == nil {
		cm = &corev1.ConfigMap{}
	}
	errs := ObjectMeta(&cm.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	size := 0
	for _, k := range sortedKeys(cm.Data) {
		p := field.NewPath("data").Key(k)
		errs = append(errs, nameErrors(isConfigMapKey(k), k, p)...)
		if _, dup := cm.BinaryData[k]; dup {
			errs = append(errs, field.Invalid(p, k, "duplicate of key present in binaryData"))
		}
		size += len(cm.Data[k])
	}
	for _, k := range sortedKeys(cm.BinaryData) {
		errs = append(errs, nameErrors(isConfigMapKey(k), k, field.NewPath("binaryData").Key(k))...)
		size += len(cm.BinaryData[k])
	}
	if size > corev1.MaxSecretSize {
		errs = append(errs, field.TooLong(field.NewPath(""), "", corev1.MaxSecretSize))
	}
	return errs
}

// ConfigMapUpdate checks an update of a config map: the new map must be
// valid, its metadata may change only as ObjectMetaUpdate allows, and an
// immutable map keeps its data and stays immutable.
func ConfigMapUpdate(newCM, oldCM *corev1.ConfigMap) field.ErrorList {
	if newCM == nil {
		newCM = &corev1.ConfigMap{}
	}
	if oldCM == nil {
		oldCM = &corev1.ConfigMap{}
	}
	errs := ObjectMetaUpdate(&newCM.ObjectMeta, &oldCM.ObjectMeta, field.NewPath("metadata"))
	if oldCM.Immutable != nil && *oldCM.Immutable {
		const msg = "field is immutable when `immutable` is set"
		if newCM.Immutable == nil || !*newCM.Immutable {
			errs = append(errs, field.Forbidden(field.NewPath("immutable"), msg))
		}
		if !semanticEqual(newCM.Data, oldCM.Data) {
			errs = append(errs, field.Forbidden(field.NewPath("data"), msg))
		}
		if !semanticEqual(newCM.BinaryData, oldCM.BinaryData) {
			errs = append(errs, field.Forbidden(field.NewPath("binaryData"), msg))
		}
	}
	return dedupe(append(errs, ConfigMap(newCM)...))
}

// Secret checks a secret: namespaced metadata, keys that are valid file
// names, at most corev1.MaxSecretSize bytes of data, and the keys its type
// requires (a service account name annotation, .dockercfg or
// .dockerconfigjson holding JSON, username or password, ssh-privatekey,
// tls.crt and tls.key). StringData is expected to have been merged into
// Data, as the API server does before validating.
func Secret(s *corev1.Secret) field.ErrorList {
	if s == nil {
		s = &corev1.Secret{}
	}
	errs := ObjectMeta(&s.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	dataPath := field.NewPath("data")
	size := 0
	for _, k := range sortedKeys(s.Data) {
		errs = append(errs, nameErrors(isConfigMapKey(k), k, dataPath.Key(k))...)
		size += len(s.Data[k])
	}
	if size > corev1.MaxSecretSize {
		errs = append(errs, field.TooLong(dataPath, "", corev1.MaxSecretSize))
	}
	jsonKey := func(key string) {
		b, ok := s.Data[key]
		if !ok {
			errs = append(errs, field.Required(dataPath.Key(key), ""))
			return
		}
		if err := json.Unmarshal(b, &map[string]any{}); err != nil {
			errs = append(errs, field.Invalid(dataPath.Key(key), "<secret contents redacted>", err.Error()))
		}
	}
	switch s.Type {
	case corev1.SecretTypeServiceAccountToken:
		if s.Annotations[corev1.ServiceAccountNameKey] == "" {
			errs = append(errs, field.Required(field.NewPath("metadata", "annotations").Key(corev1.ServiceAccountNameKey), ""))
		}
	case corev1.SecretTypeDockercfg:
		jsonKey(corev1.DockerConfigKey)
	case corev1.SecretTypeDockerConfigJson:
		jsonKey(corev1.DockerConfigJsonKey)
	case corev1.SecretTypeBasicAuth:
		_, user := s.Data[corev1.BasicAuthUsernameKey]
		_, pass := s.Data[corev1.BasicAuthPasswordKey]
		if !user && !pass {
			errs = append(errs, field.Required(dataPath.Key(corev1.BasicAuthUsernameKey), ""),
				field.Required(dataPath.Key(corev1.BasicAuthPasswordKey), ""))
		}
	case corev1.SecretTypeSSHAuth:
		if len(s.Data[corev1.SSHAuthPrivateKey]) == 0 {
			errs = append(errs, field.Required(dataPath.Key(corev1.SSHAuthPrivateKey), ""))
		}
	case corev1.SecretTypeTLS:
		if _, ok := s.Data[corev1.TLSCertKey]; !ok {
			errs = append(errs, field.Required(dataPath.Key(corev1.TLSCertKey), ""))
		}
		if _, ok := s.Data[corev1.TLSPrivateKeyKey]; !ok {
			errs = append(errs, field.Required(dataPath.Key(corev1.TLSPrivateKeyKey), ""))
		}
	}
	return errs
}

// SecretUpdate checks an update of a secret: the new secret must be valid,
// its metadata may change only as ObjectMetaUpdate allows, its type is
// immutable, and an immutable secret keeps its data and stays immutable.
func SecretUpdate(newS, oldS *corev1.Secret) field.ErrorList {
	if newS == nil {
		newS = &corev1.Secret{}
	}
	if oldS == nil {
		oldS = &corev1.Secret{}
	}
	errs := ObjectMetaUpdate(&newS.ObjectMeta, &oldS.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, immutable(newS.Type, oldS.Type, field.NewPath("type"))...)
	if oldS.Immutable != nil && *oldS.Immutable {
		const msg = "field is immutable when `immutable` is set"
		if newS.Immutable == nil || !*newS.Immutable {
			errs = append(errs, field.Forbidden(field.NewPath("immutable"), msg))
		}
		if !semanticEqual(newS.Data, oldS.Data) {
			errs = append(errs, field.Forbidden(field.NewPath("data"), msg))
		}
	}
	return dedupe(append(errs, Secret(newS)...))
}

// ServiceAccount checks a service account's metadata.
func ServiceAccount(sa *corev1.ServiceAccount) field.ErrorList {
	if sa == nil {
		sa = &corev1.ServiceAccount{}
	}
	return ObjectMeta(&sa.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
}

// ServiceAccountUpdate checks an update of a service account.
func ServiceAccountUpdate(newSA, oldSA *corev1.ServiceAccount) field.ErrorList {
	if newSA == nil {
		newSA = &corev1.ServiceAccount{}
	}
	if oldSA == nil {
		oldSA = &corev1.ServiceAccount{}
	}
	errs := ObjectMetaUpdate(&newSA.ObjectMeta, &oldSA.ObjectMeta, field.NewPath("metadata"))
	return dedupe(append(errs, ServiceAccount(newSA)...))
}

// The limits of an event's strings.
const (
	eventReportingInstanceLimit = 128
	eventActionLimit            = 128
	eventReasonLimit            = 128
	eventNoteLimit              = 1024
)

// Event checks an event as the core v1 API does: the event's namespace
// agrees with its involved object's (an event of a cluster-scoped object
// lives in "default", or in "kube-system" for new-style events); a
// new-style event (with eventTime) has a qualified reportingComponent, a
// reportingInstance, an action and a reason, each of bounded length; and
// its metadata has a name and a namespace.
func Event(ev *corev1.Event) field.ErrorList {
	if ev == nil {
		ev = &corev1.Event{}
	}
	var errs field.ErrorList
	nsPath := field.NewPath("involvedObject", "namespace")
	const mismatch = "does not match event.namespace"
	if ev.EventTime.IsZero() {
		if ev.InvolvedObject.Namespace == "" {
			if ev.Namespace != "" && ev.Namespace != corev1.NamespaceDefault {
				errs = append(errs, field.Invalid(nsPath, ev.InvolvedObject.Namespace, mismatch))
			}
		} else if ev.Namespace != ev.InvolvedObject.Namespace {
			errs = append(errs, field.Invalid(nsPath, ev.InvolvedObject.Namespace, mismatch))
		}
	} else {
		if ev.InvolvedObject.Namespace == "" && ev.Namespace != corev1.NamespaceDefault && ev.Namespace != "kube-system" {
			errs = append(errs, field.Invalid(nsPath, ev.InvolvedObject.Namespace, mismatch))
		}
		rc := field.NewPath("reportingController")
		if ev.ReportingController == "" {
			errs = append(errs, field.Required(rc, ""))
		}
		errs = append(errs, qualifiedName(ev.ReportingController, rc)...)
		tooLong := func(p string, s string, limit int) {
			if len(s) > limit {
				errs = append(errs, field.Invalid(field.NewPath(p), "", fmt.Sprintf("can have at most %v characters", limit)))
			}
		}
		if ev.ReportingInstance == "" {
			errs = append(errs, field.Required(field.NewPath("reportingInstance"), ""))
		}
		tooLong("reportingInstance", ev.ReportingInstance, eventReportingInstanceLimit)
		if ev.Action == "" {
			errs = append(errs, field.Required(field.NewPath("action"), ""))
		}
		tooLong("action", ev.Action, eventActionLimit)
		if ev.Reason == "" {
			errs = append(errs, field.Required(field.NewPath("reason"), ""))
		}
		tooLong("reason", ev.Reason, eventReasonLimit)
		tooLong("message", ev.Message, eventNoteLimit)
	}
	errs = append(errs, nameErrors(isDNS1123Subdomain(ev.Namespace), ev.Namespace, field.NewPath("namespace"))...)
	// The API server checks every object's metadata against the minimal
	// name rule after the kind's own validation.
	return append(errs, ObjectMeta(&ev.ObjectMeta, true, NameIsPathSegment, field.NewPath("metadata"))...)
}

// EventUpdate checks an update of an event: the new event must be valid
// and its metadata may change only as ObjectMetaUpdate allows.
func EventUpdate(newEv, oldEv *corev1.Event) field.ErrorList {
	if newEv == nil {
		newEv = &corev1.Event{}
	}
	if oldEv == nil {
		oldEv = &corev1.Event{}
	}
	errs := Event(newEv)
	return dedupe(append(errs, ObjectMetaUpdate(&newEv.ObjectMeta, &oldEv.ObjectMeta, field.NewPath("metadata"))...))
}

// Binding checks the binding of a pod to a node: the target is a Node (or
// of no kind) and is named.
func Binding(b *corev1.Binding) field.ErrorList {
	if b == nil {
		b = &corev1.Binding{}
	}
	var errs field.ErrorList
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		errs = append(errs, field.NotSupported(field.NewPath("target", "kind"), b.Target.Kind, []string{"Node", "<empty>"}))
	}
	if b.Target.Name == "" {
		errs = append(errs, field.Required(field.NewPath("target", "name"), ""))
	}
	return errs
}

// standardQuotaScopes are the scopes a quota may name.
var standardQuotaScopes = []corev1.ResourceQuotaScope{
	corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating,
	corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort,
	corev1.ResourceQuotaScopePriorityClass, corev1.ResourceQuotaScopeCrossNamespacePodAffinity,
	corev1.ResourceQuotaScopeVolumeAttributesClass,
}

// quotaScopeAppliesTo reports whether a quota on resource can be limited
// to scope.
func quotaScopeAppliesTo(scope corev1.ResourceQuotaScope, name corev1.ResourceName) bool {
	switch scope {
	case corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating, corev1.ResourceQuotaScopeNotBestEffort,
		corev1.ResourceQuotaScopePriorityClass, corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
		return podObjectCountQuotaResources[name] || podComputeQuotaResources[name]
	case corev1.ResourceQuotaScopeBestEffort:
		return podObjectCountQuotaResources[name]
	case corev1.ResourceQuotaScopeVolumeAttributesClass:
		return pvcQuotaResources[name]
	}
	return true
}

func isStandardQuotaResource(name corev1.ResourceName) bool {
	return standardQuotaResources[name] || isQuotaHugePageResourceName(name)
}

// ResourceQuota checks a quota: namespaced metadata, hard limits on known
// quota names with non-negative amounts, scopes that apply to the limits
// and do not conflict, a valid scope selector, and the status amounts.
func ResourceQuota(q *corev1.ResourceQuota) field.ErrorList {
	if q == nil {
		q = &corev1.ResourceQuota{}
	}
	errs := ObjectMeta(&q.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	errs = append(errs, resourceQuotaSpec(&q.Spec, field.NewPath("spec"))...)
	errs = append(errs, quotaList(q.Status.Hard, field.NewPath("status", "hard"))...)
	return append(errs, quotaList(q.Status.Used, field.NewPath("status", "used"))...)
}

func quotaList(list corev1.ResourceList, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, k := range sortedKeys(list) {
		rp := p.Key(string(k))
		errs = append(errs, quotaResourceName(k, rp)...)
		errs = append(errs, resourceQuantityValue(k, list[k], rp)...)
	}
	return errs
}

func resourceQuotaSpec(spec *corev1.ResourceQuotaSpec, p *field.Path) field.ErrorList {
	errs := quotaList(spec.Hard, p.Child("hard"))
	hard := sortedKeys(spec.Hard)
	conflicts := func(scopes map[corev1.ResourceQuotaScope]bool) bool {
		return (scopes[corev1.ResourceQuotaScopeBestEffort] && scopes[corev1.ResourceQuotaScopeNotBestEffort]) ||
			(scopes[corev1.ResourceQuotaScopeTerminating] && scopes[corev1.ResourceQuotaScopeNotTerminating])
	}
	if len(spec.Scopes) > 0 {
		sp := p.Child("scopes")
		seen := map[corev1.ResourceQuotaScope]bool{}
		for _, scope := range spec.Scopes {
			if !oneOf(scope, standardQuotaScopes...) {
				errs = append(errs, field.Invalid(sp, spec.Scopes, "unsupported scope"))
			}
			for _, k := range hard {
				if isStandardQuotaResource(k) && !quotaScopeAppliesTo(scope, k) {
					errs = append(errs, field.Invalid(sp, spec.Scopes, "unsupported scope applied to resource"))
				}
			}
			seen[scope] = true
		}
		if conflicts(seen) {
			errs = append(errs, field.Invalid(sp, spec.Scopes, "conflicting scopes"))
		}
	}
	if sel := spec.ScopeSelector; sel != nil {
		mp := p.Child("scopeSelector").Child("matchExpressions")
		seen := map[corev1.ResourceQuotaScope]bool{}
		for _, req := range sel.MatchExpressions {
			if !oneOf(req.ScopeName, standardQuotaScopes...) {
				errs = append(errs, field.Invalid(mp.Child("scopeName"), req.ScopeName, "unsupported scope"))
			}
			for _, k := range hard {
				if isStandardQuotaResource(k) && !quotaScopeAppliesTo(req.ScopeName, k) {
					errs = append(errs, field.Invalid(mp, sel, "unsupported scope applied to resource"))
				}
			}
			switch req.ScopeName {
			case corev1.ResourceQuotaScopeBestEffort, corev1.ResourceQuotaScopeNotBestEffort, corev1.ResourceQuotaScopeTerminating,
				corev1.ResourceQuotaScopeNotTerminating, corev1.ResourceQuotaScopeCrossNamespacePodAffinity:
				if req.Operator != corev1.ScopeSelectorOpExists {
					errs = append(errs, field.Invalid(mp.Child("operator"), req.Operator,
						"must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"))
				}
			}
			switch req.Operator {
			case corev1.ScopeSelectorOpIn, corev1.ScopeSelectorOpNotIn:
				if len(req.Values) == 0 {
					errs = append(errs, field.Required(mp.Child("values"), "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"))
				}
			case corev1.ScopeSelectorOpExists, corev1.ScopeSelectorOpDoesNotExist:
				if len(req.Values) != 0 {
					errs = append(errs, field.Invalid(mp.Child("values"), req.Values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"))
				}
			default:
				errs = append(errs, field.Invalid(mp.Child("operator"), req.Operator, "not a valid selector operator"))
			}
			seen[req.ScopeName] = true
		}
		if conflicts(seen) {
			errs = append(errs, field.Invalid(mp, spec.Scopes, "conflicting scopes"))
		}
	}
	return errs
}

// ResourceQuotaUpdate checks an update of a quota: its metadata may change
// only as ObjectMetaUpdate allows, its spec must be valid and its scopes
// may not change.
func ResourceQuotaUpdate(newQ, oldQ *corev1.ResourceQuota) field.ErrorList {
	if newQ == nil {
		newQ = &corev1.ResourceQuota{}
	}
	if oldQ == nil {
		oldQ = &corev1.ResourceQuota{}
	}
	errs := ObjectMetaUpdate(&newQ.ObjectMeta, &oldQ.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, resourceQuotaSpec(&newQ.Spec, field.NewPath("spec"))...)
	oldScopes, newScopes := map[corev1.ResourceQuotaScope]bool{}, map[corev1.ResourceQuotaScope]bool{}
	for _, s := range oldQ.Spec.Scopes {
		oldScopes[s] = true
	}
	for _, s := range newQ.Spec.Scopes {
		newScopes[s] = true
	}
	if !semanticEqual(oldScopes, newScopes) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "scopes"), newQ.Spec.Scopes, msgImmutable))
	}
	return dedupe(errs)
}

var standardLimitTypes = []corev1.LimitType{corev1.LimitTypePod, corev1.LimitTypeContainer, corev1.LimitTypePersistentVolumeClaim}

// LimitRange checks a limit range: namespaced metadata, one item per
// known (or qualified) type, valid resource names, no defaults for type
// Pod, a storage minimum or maximum for claims, and min <= defaultRequest
// <= default <= max, with maxLimitRequestRatio at least 1 and at most
// max/min.
func LimitRange(lr *corev1.LimitRange) field.ErrorList {
	if lr == nil {
		lr = &corev1.LimitRange{}
	}
	errs := ObjectMeta(&lr.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	lp := field.NewPath("spec", "limits")
	types := map[corev1.LimitType]bool{}
	for i := range lr.Spec.Limits {
		item := &lr.Spec.Limits[i]
		p := lp.Index(i)
		errs = append(errs, limitType(item.Type, p.Child("type"))...)
		if types[item.Type] {
			errs = append(errs, field.Duplicate(p.Child("type"), item.Type))
		}
		types[item.Type] = true
		keys := map[corev1.ResourceName]bool{}
		names := func(list corev1.ResourceList, child string) {
			for _, k := range sortedKeys(list) {
				errs = append(errs, limitRangeResourceName(item.Type, k, p.Child(child).Key(string(k)))...)
				keys[k] = true
			}
		}
		names(item.Max, "max")
		names(item.Min, "min")
		if item.Type == corev1.LimitTypePod {
			if len(item.Default) > 0 {
				errs = append(errs, field.Forbidden(p.Child("default"), "may not be specified when `type` is 'Pod'"))
			}
			if len(item.DefaultRequest) > 0 {
				errs = append(errs, field.Forbidden(p.Child("defaultRequest"), "may not be specified when `type` is 'Pod'"))
			}
		} else {
			names(item.Default, "default")
			names(item.DefaultRequest, "defaultRequest")
		}
		if item.Type == corev1.LimitTypePersistentVolumeClaim {
			_, hasMin := item.Min[corev1.ResourceStorage]
			_, hasMax := item.Max[corev1.ResourceStorage]
			if !hasMin && !hasMax {
				errs = append(errs, field.Required(p.Child("limits"), "either minimum or maximum storage value is required, but neither was provided"))
			}
		}
		names(item.MaxLimitRequestRatio, "maxLimitRequestRatio")
		defaults, defaultRequests := item.Default, item.DefaultRequest
		if item.Type == corev1.LimitTypePod {
			defaults, defaultRequests = nil, nil
		}
		for _, k := range sortedKeys(keys) {
			errs = append(errs, limitRangeBounds(k, item.Min, item.Max, defaults, defaultRequests, item.MaxLimitRequestRatio, p)...)
		}
	}
	return errs
}

func limitType(t corev1.LimitType, p *field.Path) field.ErrorList {
	errs := nameErrors(isQualifiedName(string(t)), t, p)
	if len(errs) != 0 {
		return errs
	}
	if !strings.Contains(string(t), "/") && !oneOf(t, standardLimitTypes...) {
		errs = append(errs, field.Invalid(p, t, "must be a standard limit type or fully qualified"))
	}
	return errs
}

func limitRangeResourceName(t corev1.LimitType, name corev1.ResourceName, p *field.Path) field.ErrorList {
	if t == corev1.LimitTypePod || t == corev1.LimitTypeContainer {
		return containerResourceName(name, p)
	}
	return resourceName(name, p)
}

// limitRangeBounds orders the amounts of one resource in a limit range
// item.
func limitRangeBounds(k corev1.ResourceName, minL, maxL, defL, defReqL, ratioL corev1.ResourceList, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	key := string(k)
	minQ, hasMin := minL[k]
	maxQ, hasMax := maxL[k]
	defQ, hasDef := defL[k]
	reqQ, hasReq := defReqL[k]
	ratio, hasRatio := ratioL[k]
	if hasMin && hasMax && minQ.Cmp(maxQ) > 0 {
		errs = append(errs, field.Invalid(p.Child("min").Key(key), minQ, fmt.Sprintf("min value %s is greater than max value %s", minQ.String(), maxQ.String())))
	}
	if hasReq && hasMin && minQ.Cmp(reqQ) > 0 {
		errs = append(errs, field.Invalid(p.Child("defaultRequest").Key(key), reqQ, fmt.Sprintf("min value %s is greater than default request value %s", minQ.String(), reqQ.String())))
	}
	if hasReq && hasMax && reqQ.Cmp(maxQ) > 0 {
		errs = append(errs, field.Invalid(p.Child("defaultRequest").Key(key), reqQ, fmt.Sprintf("default request value %s is greater than max value %s", reqQ.String(), maxQ.String())))
	}
	if hasReq && hasDef && reqQ.Cmp(defQ) > 0 {
		errs = append(errs, field.Invalid(p.Child("defaultRequest").Key(key), reqQ, fmt.Sprintf("default request value %s is greater than default limit value %s", reqQ.String(), defQ.String())))
	}
	if hasDef && hasMin && minQ.Cmp(defQ) > 0 {
		errs = append(errs, field.Invalid(p.Child("default").Key(key), minQ, fmt.Sprintf("min value %s is greater than default value %s", minQ.String(), defQ.String())))
	}
	if hasDef && hasMax && defQ.Cmp(maxQ) > 0 {
		errs = append(errs, field.Invalid(p.Child("default").Key(key), maxQ, fmt.Sprintf("default value %s is greater than max value %s", defQ.String(), maxQ.String())))
	}
	if hasRatio && ratio.Cmp(*resource.NewQuantity(1, resource.DecimalSI)) < 0 {
		errs = append(errs, field.Invalid(p.Child("maxLimitRequestRatio").Key(key), ratio, fmt.Sprintf("ratio %s is less than 1", ratio.String())))
	}
	if hasRatio && hasMin && hasMax {
		const maxMilli = (1<<63 - 1) / 1000
		ratioV := float64(ratio.Value())
		minV, maxV := minQ.Value(), maxQ.Value()
		if ratio.Value() < maxMilli && minV < maxMilli && maxV < maxMilli {
			ratioV = float64(ratio.MilliValue()) / 1000
			minV, maxV = minQ.MilliValue(), maxQ.MilliValue()
		}
		limit := float64(maxV) / float64(minV)
		if ratioV > limit {
			errs = append(errs, field.Invalid(p.Child("maxLimitRequestRatio").Key(key), ratio, fmt.Sprintf("ratio %s is greater than max/min = %f", ratio.String(), limit)))
		}
	}
	if !isOvercommitAllowed(k) && hasDef && hasReq && defQ.Cmp(reqQ) != 0 {
		errs = append(errs, field.Invalid(p.Child("defaultRequest").Key(key), reqQ, fmt.Sprintf("default value %s must equal to defaultRequest value %s in %s", defQ.String(), reqQ.String(), k)))
	}
	return errs
}

// LimitRangeUpdate checks an update of a limit range: the new range must
// be valid and its metadata may change only as ObjectMetaUpdate allows.
func LimitRangeUpdate(newLR, oldLR *corev1.LimitRange) field.ErrorList {
	if newLR == nil {
		newLR = &corev1.LimitRange{}
	}
	if oldLR == nil {
		oldLR = &corev1.LimitRange{}
	}
	errs := ObjectMetaUpdate(&newLR.ObjectMeta, &oldLR.ObjectMeta, field.NewPath("metadata"))
	return dedupe(append(errs, LimitRange(newLR)...))
}
