package validation

import (
	"fmt"
	"regexp"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/intstr"
	"github.com/rigging-dev/rigging/api/names"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
)

const (
	annotationIngressClass       = "kubernetes.io/ingress.class"
	maxLenIngressClassController = 250
)

// httpPathFmt is the characters of an HTTP path (RFC 3986).
const httpPathFmt = `[A-Za-z0-9/\-._~%!$&'()*+,;=:]+`

var httpPathRegexp = regexp.MustCompile("^" + httpPathFmt + "$")

var (
	supportedPathTypes      = []networkingv1.PathType{networkingv1.PathTypeExact, networkingv1.PathTypeImplementationSpecific, networkingv1.PathTypePrefix}
	invalidPathSequences    = []string{"//", "/./", "/../", "%2f", "%2F"}
	invalidPathSuffixes     = []string{"/..", "/."}
	supportedPolicyTypes    = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	policyPortProtocols     = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}
	supportedParameterScope = []string{networkingv1.IngressClassParametersReferenceScopeCluster, networkingv1.IngressClassParametersReferenceScopeNamespace}
)

// NetworkPolicy checks a network policy: namespaced metadata, the pod
// selector, each rule's ports (protocol, port number or name, endPort only
// with a numeric port and not below it) and peers (exactly one kind of
// peer per entry, or selectors combined without an ipBlock; ipBlock a CIDR
// whose excepts lie strictly inside it), and the policy types.
func NetworkPolicy(np *networkingv1.NetworkPolicy) field.ErrorList {
	if np == nil {
		np = &networkingv1.NetworkPolicy{}
	}
	errs := ObjectMeta(&np.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, networkPolicySpec(&np.Spec, field.NewPath("spec"))...)
}

func networkPolicySpec(spec *networkingv1.NetworkPolicySpec, p *field.Path) field.ErrorList {
	errs := LabelSelector(&spec.PodSelector, p.Child("podSelector"))
	for i, rule := range spec.Ingress {
		rp := p.Child("ingress").Index(i)
		for j := range rule.Ports {
			errs = append(errs, networkPolicyPort(&rule.Ports[j], rp.Child("ports").Index(j))...)
		}
		for j := range rule.From {
			errs = append(errs, networkPolicyPeer(&rule.From[j], rp.Child("from").Index(j))...)
		}
	}
	for i, rule := range spec.Egress {
		rp := p.Child("egress").Index(i)
		for j := range rule.Ports {
			errs = append(errs, networkPolicyPort(&rule.Ports[j], rp.Child("ports").Index(j))...)
		}
		for j := range rule.To {
			errs = append(errs, networkPolicyPeer(&rule.To[j], rp.Child("to").Index(j))...)
		}
	}
	tp := p.Child("policyTypes")
	if len(spec.PolicyTypes) > len(supportedPolicyTypes) {
		return append(errs, field.Invalid(tp, spec.PolicyTypes, "may not specify more than two policyTypes"))
	}
	for i, t := range spec.PolicyTypes {
		if !oneOf(t, supportedPolicyTypes...) {
			errs = append(errs, field.NotSupported(tp.Index(i), t, supportedPolicyTypes))
		}
	}
	return errs
}

func networkPolicyPort(port *networkingv1.NetworkPolicyPort, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if port.Protocol != nil && !oneOf(*port.Protocol, policyPortProtocols...) {
		errs = append(errs, field.NotSupported(p.Child("protocol"), *port.Protocol, policyPortProtocols))
	}
	switch {
	case port.Port == nil:
		if port.EndPort != nil {
			errs = append(errs, field.Invalid(p.Child("endPort"), *port.EndPort, "may not be specified when `port` is not specified"))
		}
	case port.Port.Type == intstr.Int:
		errs = append(errs, nameErrors(names.IsValidPortNum(int(port.Port.IntVal)), port.Port.IntVal, p.Child("port"))...)
		if port.EndPort != nil {
			if *port.EndPort < port.Port.IntVal {
				errs = append(errs, field.Invalid(p.Child("endPort"), *port.EndPort, "must be greater than or equal to `port`"))
			}
			errs = append(errs, nameErrors(names.IsValidPortNum(int(*port.EndPort)), *port.EndPort, p.Child("endPort"))...)
		}
	default:
		if port.EndPort != nil {
			errs = append(errs, field.Invalid(p.Child("endPort"), *port.EndPort, "may not be specified when `port` is non-numeric"))
		}
		errs = append(errs, nameErrors(names.IsValidPortName(port.Port.StrVal), port.Port.StrVal, p.Child("port"))...)
	}
	return errs
}

func networkPolicyPeer(peer *networkingv1.NetworkPolicyPeer, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	if peer.PodSelector != nil {
		n++
		errs = append(errs, LabelSelector(peer.PodSelector, p.Child("podSelector"))...)
	}
	if peer.NamespaceSelector != nil {
		n++
		errs = append(errs, LabelSelector(peer.NamespaceSelector, p.Child("namespaceSelector"))...)
	}
	if peer.IPBlock != nil {
		n++
		errs = append(errs, ipBlock(peer.IPBlock, p.Child("ipBlock"))...)
	}
	switch {
	case n == 0:
		errs = append(errs, field.Required(p, "must specify a peer"))
	case n > 1 && peer.IPBlock != nil:
		errs = append(errs, field.Forbidden(p, "may not specify both ipBlock and another peer"))
	}
	return errs
}

func ipBlock(b *networkingv1.IPBlock, p *field.Path) field.ErrorList {
	if b.CIDR == "" {
		return field.ErrorList{field.Required(p.Child("cidr"), "")}
	}
	errs := validCIDR(b.CIDR, p.Child("cidr"))
	_, cidr, ok := parseCIDR(b.CIDR)
	if !ok {
		return errs
	}
	for i, ex := range b.Except {
		ep := p.Child("except").Index(i)
		errs = append(errs, validCIDR(ex, ep)...)
		_, exNet, ok := parseCIDR(ex)
		if !ok {
			continue
		}
		cidrLen, _ := cidr.Mask.Size()
		exLen, _ := exNet.Mask.Size()
		if !cidr.Contains(exNet.IP) || cidrLen >= exLen {
			errs = append(errs, field.Invalid(ep, ex, "must be a strict subset of `cidr`"))
		}
	}
	return errs
}

// NetworkPolicyUpdate checks an update of a network policy: its metadata
// may change only as ObjectMetaUpdate allows and its spec must be valid.
func NetworkPolicyUpdate(newNP, oldNP *networkingv1.NetworkPolicy) field.ErrorList {
	if newNP == nil {
		newNP = &networkingv1.NetworkPolicy{}
	}
	if oldNP == nil {
		oldNP = &networkingv1.NetworkPolicy{}
	}
	errs := ObjectMetaUpdate(&newNP.ObjectMeta, &oldNP.ObjectMeta, field.NewPath("metadata"))
	return dedupe(append(errs, networkPolicySpec(&newNP.Spec, field.NewPath("spec"))...))
}

// Ingress checks an ingress: namespaced metadata, a default backend or
// rules, each rule's host (a DNS name or "*." wildcard, not an IP) and
// paths (a path type; an absolute path without "//", "/./" and the like
// for Prefix and Exact), each backend (exactly one of service and
// resource; a service port name or number), TLS hosts and secret names,
// the class name, and the class annotation agreeing with the class name.
func Ingress(ing *networkingv1.Ingress) field.ErrorList {
	if ing == nil {
		ing = &networkingv1.Ingress{}
	}
	errs := ObjectMeta(&ing.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	errs = append(errs, ingressSpec(&ing.Spec, field.NewPath("spec"))...)
	if v, ok := ing.Annotations[annotationIngressClass]; ok && ing.Spec.IngressClassName != nil && v != *ing.Spec.IngressClassName {
		errs = append(errs, field.Invalid(field.NewPath("annotations").Child(annotationIngressClass), v, "must match `ingressClassName` when both are specified"))
	}
	return errs
}

// IngressUpdate checks an update of an ingress: its metadata may change
// only as ObjectMetaUpdate allows and its spec must be valid.
func IngressUpdate(newIng, oldIng *networkingv1.Ingress) field.ErrorList {
	if newIng == nil {
		newIng = &networkingv1.Ingress{}
	}
	if oldIng == nil {
		oldIng = &networkingv1.Ingress{}
	}
	errs := ObjectMetaUpdate(&newIng.ObjectMeta, &oldIng.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, ObjectMeta(&newIng.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))...)
	return dedupe(append(errs, ingressSpec(&newIng.Spec, field.NewPath("spec"))...))
}

func ingressSpec(spec *networkingv1.IngressSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.Rules) == 0 && spec.DefaultBackend == nil {
		errs = append(errs, field.Invalid(p, spec.Rules, "either `defaultBackend` or `rules` must be specified"))
	}
	if spec.DefaultBackend != nil {
		errs = append(errs, ingressBackend(spec.DefaultBackend, p.Child("defaultBackend"))...)
	}
	rp := p.Child("rules")
	for i, rule := range spec.Rules {
		if rule.Host != "" {
			hp := rp.Index(i).Child("host")
			if parseIP(rule.Host) != nil {
				errs = append(errs, field.Invalid(hp, rule.Host, "must be a DNS name, not an IP address"))
			}
			if strings.Contains(rule.Host, "*") {
				errs = append(errs, nameErrors(names.IsWildcardDNS1123Subdomain(rule.Host), rule.Host, hp)...)
			} else {
				errs = append(errs, dns1123Subdomain(rule.Host, hp)...)
			}
		}
		if rule.HTTP != nil {
			hp := rp.Index(i).Child("http")
			if len(rule.HTTP.Paths) == 0 {
				errs = append(errs, field.Required(hp.Child("paths"), ""))
			}
			for j := range rule.HTTP.Paths {
				errs = append(errs, ingressPath(&rule.HTTP.Paths[j], hp.Child("paths").Index(j))...)
			}
		}
	}
	tp := p.Child("tls")
	for i, tls := range spec.TLS {
		for j, host := range tls.Hosts {
			hp := tp.Index(i).Child("hosts").Index(j)
			if strings.Contains(host, "*") {
				errs = append(errs, nameErrors(names.IsWildcardDNS1123Subdomain(host), host, hp)...)
			} else {
				errs = append(errs, dns1123Subdomain(host, hp)...)
			}
		}
		if tls.SecretName != "" {
			errs = append(errs, nameErrors(NameIsDNSSubdomain(tls.SecretName, false), tls.SecretName, tp.Index(i).Child("secretName"))...)
		}
	}
	if spec.IngressClassName != nil {
		errs = append(errs, nameErrors(NameIsDNSSubdomain(*spec.IngressClassName, false), *spec.IngressClassName, p.Child("ingressClassName"))...)
	}
	return errs
}

func ingressPath(ip *networkingv1.HTTPIngressPath, p *field.Path) field.ErrorList {
	if ip.PathType == nil {
		return field.ErrorList{field.Required(p.Child("pathType"), "pathType must be specified")}
	}
	var errs field.ErrorList
	pp := p.Child("path")
	switch *ip.PathType {
	case networkingv1.PathTypeExact, networkingv1.PathTypePrefix:
		if !strings.HasPrefix(ip.Path, "/") {
			errs = append(errs, field.Invalid(pp, ip.Path, "must be an absolute path"))
		}
		if ip.Path != "" {
			for _, seq := range invalidPathSequences {
				if strings.Contains(ip.Path, seq) {
					errs = append(errs, field.Invalid(pp, ip.Path, fmt.Sprintf("must not contain '%s'", seq)))
				}
			}
			for _, suf := range invalidPathSuffixes {
				if strings.HasSuffix(ip.Path, suf) {
					errs = append(errs, field.Invalid(pp, ip.Path, fmt.Sprintf("cannot end with '%s'", suf)))
				}
			}
		}
	case networkingv1.PathTypeImplementationSpecific:
		if ip.Path != "" && !strings.HasPrefix(ip.Path, "/") {
			errs = append(errs, field.Invalid(pp, ip.Path, "must be an absolute path"))
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("pathType"), *ip.PathType, supportedPathTypes))
	}
	return append(errs, ingressBackend(&ip.Backend, p.Child("backend"))...)
}

// ingressBackend checks that exactly one of service and resource is set,
// and that one.
func ingressBackend(b *networkingv1.IngressBackend, p *field.Path) field.ErrorList {
	switch {
	case b.Resource != nil && b.Service != nil:
		return field.ErrorList{field.Invalid(p, "", "cannot set both resource and service backends")}
	case b.Resource != nil:
		return typedLocalObjectReference(b.Resource, p.Child("resource"))
	case b.Service == nil:
		return field.ErrorList{field.Invalid(p, "", "resource or service backend is required")}
	}
	var errs field.ErrorList
	svc := b.Service
	if svc.Name == "" {
		errs = append(errs, field.Required(p.Child("service", "name"), ""))
	} else {
		errs = append(errs, nameErrors(NameIsDNS1035Label(svc.Name, false), svc.Name, p.Child("service", "name"))...)
	}
	hasName, hasNumber := svc.Port.Name != "", svc.Port.Number != 0
	switch {
	case hasName && hasNumber:
		errs = append(errs, field.Invalid(p, "", "cannot set both port name & port number"))
	case hasName:
		errs = append(errs, nameErrors(names.IsValidPortName(svc.Port.Name), svc.Port.Name, p.Child("service", "port", "name"))...)
	case hasNumber:
		errs = append(errs, nameErrors(names.IsValidPortNum(int(svc.Port.Number)), svc.Port.Number, p.Child("service", "port", "number"))...)
	default:
		errs = append(errs, field.Required(p, "port name or number is required"))
	}
	return errs
}

func typedLocalObjectReference(r *corev1.TypedLocalObjectReference, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if r.APIGroup != nil {
		errs = append(errs, dns1123Subdomain(*r.APIGroup, p.Child("apiGroup"))...)
	}
	errs = append(errs, pathSegmentRequired(r.Kind, p.Child("kind"))...)
	return append(errs, pathSegmentRequired(r.Name, p.Child("name"))...)
}

// pathSegmentRequired requires a value that can be one URL path segment.
func pathSegmentRequired(v string, p *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	return nameErrors(NameIsPathSegment(v, false), v, p)
}

// IngressClass checks an ingress class: cluster-scoped metadata, a
// controller that is a domain-prefixed path of at most 250 characters, and
// valid parameters.
func IngressClass(ic *networkingv1.IngressClass) field.ErrorList {
	if ic == nil {
		ic = &networkingv1.IngressClass{}
	}
	errs := ObjectMeta(&ic.ObjectMeta, false, NameIsDNSSubdomain, field.NewPath("metadata"))
	sp := field.NewPath("spec")
	cp := sp.Child("controller")
	if ic.Spec.Controller == "" {
		errs = append(errs, field.Required(cp, ""))
	} else {
		if len(ic.Spec.Controller) > maxLenIngressClassController {
			errs = append(errs, field.TooLong(cp, "", maxLenIngressClassController))
		}
		errs = append(errs, domainPrefixedPath(ic.Spec.Controller, cp)...)
	}
	if params := ic.Spec.Parameters; params != nil {
		pp := sp.Child("parameters")
		if params.APIGroup != nil {
			errs = append(errs, dns1123Subdomain(*params.APIGroup, pp.Child("apiGroup"))...)
		}
		errs = append(errs, pathSegmentRequired(params.Kind, pp.Child("kind"))...)
		errs = append(errs, pathSegmentRequired(params.Name, pp.Child("name"))...)
		if params.Scope == nil {
			errs = append(errs, field.Required(pp.Child("scope"), ""))
			return errs
		}
		scope := *params.Scope
		if !oneOf(scope, supportedParameterScope...) {
			errs = append(errs, field.NotSupported(pp.Child("scope"), scope, supportedParameterScope))
		} else {
			if scope == networkingv1.IngressClassParametersReferenceScopeNamespace {
				if params.Namespace == nil {
					errs = append(errs, field.Required(pp.Child("namespace"), "`parameters.scope` is set to 'Namespace'"))
				} else {
					errs = append(errs, nameErrors(NameIsDNSLabel(*params.Namespace, false), *params.Namespace, pp.Child("namespace"))...)
				}
			}
			if scope == networkingv1.IngressClassParametersReferenceScopeCluster && params.Namespace != nil {
				errs = append(errs, field.Forbidden(pp.Child("namespace"), "`parameters.scope` is set to 'Cluster'"))
			}
		}
	}
	return errs
}

// domainPrefixedPath checks a value such as "example.com/ingress": a
// domain, then a path.
func domainPrefixedPath(v string, p *field.Path) field.ErrorList {
	host, path, ok := strings.Cut(v, "/")
	if !ok || host == "" || path == "" {
		return field.ErrorList{field.Invalid(p, v, "must be a domain-prefixed path (such as \"acme.io/foo\")")}
	}
	errs := dns1123Subdomain(host, p)
	if !httpPathRegexp.MatchString(path) {
		errs = append(errs, field.Invalid(p, path, names.RegexError("Invalid path", httpPathFmt)))
	}
	return errs
}

// IngressClassUpdate checks an update of an ingress class: the new class
// must be valid, its metadata may change only as ObjectMetaUpdate allows,
// and its controller is immutable.
func IngressClassUpdate(newIC, oldIC *networkingv1.IngressClass) field.ErrorList {
	if newIC == nil {
		newIC = &networkingv1.IngressClass{}
	}
	if oldIC == nil {
		oldIC = &networkingv1.IngressClass{}
	}
	errs := ObjectMetaUpdate(&newIC.ObjectMeta, &oldIC.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, immutable(newIC.Spec.Controller, oldIC.Spec.Controller, field.NewPath("spec", "controller"))...)
	return dedupe(append(errs, IngressClass(newIC)...))
}
