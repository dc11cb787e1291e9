package validation

import (
	"fmt"
	"net"
	"path"
	"path/filepath"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/intstr"
	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/names"
	"github.com/rigging-dev/rigging/api/resource"
)

// LabelSelector checks a label selector of an object: matchLabels as
// labels, and each matchExpressions entry with a qualified-name key, an
// operator of In, NotIn, Exists or DoesNotExist, values for In and NotIn,
// none for Exists and DoesNotExist, and label values only. A nil selector
// is valid. path is the selector's own path ("spec.selector").
func LabelSelector(ps *metav1.LabelSelector, path *field.Path) field.ErrorList {
	if ps == nil {
		return nil
	}
	errs := Labels(ps.MatchLabels, path.Child("matchLabels"))
	for i, expr := range ps.MatchExpressions {
		p := path.Child("matchExpressions").Index(i)
		switch expr.Operator {
		case metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn:
			if len(expr.Values) == 0 {
				errs = append(errs, field.Required(p.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
			}
		case metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist:
			if len(expr.Values) > 0 {
				errs = append(errs, field.Forbidden(p.Child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
			}
		default:
			errs = append(errs, field.Invalid(p.Child("operator"), expr.Operator, "not a valid selector operator"))
		}
		errs = append(errs, labelName(expr.Key, p.Child("key"))...)
		for j, v := range expr.Values {
			for _, msg := range isValidLabelValue(v) {
				errs = append(errs, field.Invalid(p.Child("values").Index(j), v, msg))
			}
		}
	}
	return errs
}

// selectorMatches reports whether the selector ps selects set; ok is false
// when ps cannot be converted (it is invalid), in which case matched is
// meaningless.
func selectorMatches(ps *metav1.LabelSelector, set map[string]string) (matched, empty, ok bool) {
	sel, err := labels.LabelSelectorAsSelector(ps)
	if err != nil {
		return false, false, false
	}
	return sel.Matches(labels.Set(set)), sel.Empty(), true
}

// portNumOrName checks a port given as a number (1-65535) or an IANA
// service name.
func portNumOrName(port intstr.IntOrString, path *field.Path) field.ErrorList {
	switch port.Type {
	case intstr.Int:
		return nameErrors(names.IsValidPortNum(port.IntValue()), port.IntValue(), path)
	case intstr.String:
		return nameErrors(names.IsValidPortName(port.StrVal), port.StrVal, path)
	}
	return field.ErrorList{field.InternalError(path, fmt.Errorf("unknown type: %v", port.Type))}
}

// validIP reports value unless it is an IP address.
func validIP(value string, path *field.Path) field.ErrorList {
	return nameErrors(names.IsValidIP(value), value, path)
}

// validCIDR reports value unless it is a CIDR.
func validCIDR(value string, path *field.Path) field.ErrorList {
	return nameErrors(names.IsValidCIDR(value), value, path)
}

// parseIP parses an address as names.IsValidIP accepts it, or returns nil.
func parseIP(value string) net.IP {
	if len(names.IsValidIP(value)) != 0 {
		return nil
	}
	if ip := net.ParseIP(value); ip != nil {
		return ip
	}
	// Legacy IPv4 forms with leading zeros in an octet, read as decimal.
	if strings.Contains(value, ":") {
		return nil
	}
	parts := strings.Split(value, ".")
	if len(parts) != 4 {
		return nil
	}
	b := make([]byte, 4)
	for i, p := range parts {
		n := 0
		for _, c := range p {
			n = n*10 + int(c-'0')
			if n > 255 {
				return nil
			}
		}
		b[i] = byte(n)
	}
	return net.IPv4(b[0], b[1], b[2], b[3])
}

// parseCIDR parses a CIDR as names.IsValidCIDR accepts it; ok is false when
// it is not one.
func parseCIDR(value string) (ip net.IP, ipnet *net.IPNet, ok bool) {
	if len(names.IsValidCIDR(value)) != 0 {
		return nil, nil, false
	}
	i := strings.LastIndexByte(value, '/')
	if i < 0 {
		return nil, nil, false
	}
	ip = parseIP(value[:i])
	if ip == nil {
		return nil, nil, false
	}
	bits := 0
	for _, c := range value[i+1:] {
		bits = bits*10 + int(c-'0')
		if bits > 128 {
			return nil, nil, false
		}
	}
	size := 128
	if ip.To4() != nil && !strings.Contains(value[:i], ":") {
		ip = ip.To4()
		size = 32
	}
	if bits > size {
		return nil, nil, false
	}
	mask := net.CIDRMask(bits, size)
	return ip, &net.IPNet{IP: ip.Mask(mask), Mask: mask}, true
}

// isIPv6 reports whether ip is an IPv6 (and not an IPv4) address.
func isIPv6(ip net.IP) bool { return ip != nil && ip.To4() == nil }

// isDualStack reports whether addrs holds at least one IPv4 and one IPv6
// address; ok is false when one of them does not parse.
func isDualStack(addrs []string, parse func(string) net.IP) (dual, ok bool) {
	v4, v6 := false, false
	for _, a := range addrs {
		ip := parse(a)
		if ip == nil {
			return false, false
		}
		if isIPv6(ip) {
			v6 = true
		} else {
			v4 = true
		}
	}
	return v4 && v6, true
}

// nonSpecialIP rejects unspecified, loopback and link-local addresses,
// which make no sense as endpoints or external IPs.
func nonSpecialIP(addr string, path *field.Path) field.ErrorList {
	ip := parseIP(addr)
	if ip == nil {
		return field.ErrorList{field.Invalid(path, addr, "must be a valid IP address")}
	}
	var errs field.ErrorList
	if ip.IsUnspecified() {
		errs = append(errs, field.Invalid(path, addr, fmt.Sprintf("may not be unspecified (%v)", addr)))
	}
	if ip.IsLoopback() {
		errs = append(errs, field.Invalid(path, addr, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
	}
	if ip.IsLinkLocalUnicast() {
		errs = append(errs, field.Invalid(path, addr, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
	}
	if ip.IsLinkLocalMulticast() {
		errs = append(errs, field.Invalid(path, addr, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
	}
	return errs
}

// localDescendingPath requires a relative path without ".." elements.
func localDescendingPath(target string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if path.IsAbs(target) {
		errs = append(errs, field.Invalid(p, target, "must be a relative path"))
	}
	return append(errs, pathNoBacksteps(target, p)...)
}

// pathNoBacksteps rejects a path with a ".." element.
func pathNoBacksteps(target string, p *field.Path) field.ErrorList {
	for _, item := range strings.Split(filepath.ToSlash(target), "/") {
		if item == ".." {
			return field.ErrorList{field.Invalid(p, target, "must not contain '..'")}
		}
	}
	return nil
}

// localNonReservedPath requires a relative path without ".." elements that
// does not start with "..".
func localNonReservedPath(target string, p *field.Path) field.ErrorList {
	errs := localDescendingPath(target, p)
	if strings.HasPrefix(target, "..") && !strings.HasPrefix(target, "../") {
		errs = append(errs, field.Invalid(p, target, "must not start with '..'"))
	}
	return errs
}

// nonNegativeQuantity reports a negative quantity.
func nonNegativeQuantity(q resource.Quantity, path *field.Path) field.ErrorList {
	if q.Sign() < 0 {
		return field.ErrorList{field.Invalid(path, q.String(), msgNegative)}
	}
	return nil
}

// positiveQuantity reports a quantity that is not above zero.
func positiveQuantity(q resource.Quantity, path *field.Path) field.ErrorList {
	if q.Sign() <= 0 {
		return field.ErrorList{field.Invalid(path, q.String(), msgNotPositive)}
	}
	return nil
}

// resourceQuantityValue checks that q is not negative and, for a resource
// counted in whole units, an integer.
func resourceQuantityValue(name corev1.ResourceName, q resource.Quantity, path *field.Path) field.ErrorList {
	errs := nonNegativeQuantity(q, path)
	if isIntegerResourceName(name) && q.MilliValue()%1000 != 0 {
		errs = append(errs, field.Invalid(path, q, msgNotInteger))
	}
	return errs
}

// validateEnum reports an empty value as required and one outside valid as
// not supported, listing valid in the order given.
func validateEnum[T ~string](v T, valid []T, path *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	for _, ok := range valid {
		if v == ok {
			return nil
		}
	}
	return field.ErrorList{field.NotSupported(path, v, valid)}
}

// oneOf reports whether v is one of valid.
func oneOf[T comparable](v T, valid ...T) bool {
	for _, ok := range valid {
		if v == ok {
			return true
		}
	}
	return false
}
