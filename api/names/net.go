package names

import (
	"net"
	"strings"
)

// IsValidPortNum checks that port is a usable port number, 1 to 65535.
func IsValidPortNum(port int) []string {
	if 1 <= port && port <= 65535 {
		return nil
	}
	return []string{InclusiveRangeError(1, 65535)}
}

// IsValidPortName checks that port is a service name as RFC 6335 defines it
// (IANA_SVC_NAME), in lower case: 1 to 15 characters of [-a-z0-9] with at
// least one letter, no "--", and no hyphen at either end. Container and
// service port names use it.
func IsValidPortName(port string) []string {
	var errs []string
	if len(port) > 15 {
		errs = append(errs, MaxLenError(15))
	}
	if !isPortNameCharset(port) {
		errs = append(errs, "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
	}
	if !strings.ContainsAny(port, "abcdefghijklmnopqrstuvwxyz") {
		errs = append(errs, "must contain at least one letter (a-z)")
	}
	if strings.Contains(port, "--") {
		errs = append(errs, "must not contain consecutive hyphens")
	}
	if len(port) > 0 && (port[0] == '-' || port[len(port)-1] == '-') {
		errs = append(errs, "must not begin or end with a hyphen")
	}
	return errs
}

// isPortNameCharset reports whether s is non-empty and made of [-a-z0-9].
func isPortNameCharset(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '-' && (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// IsValidIP checks that value is an IPv4 or IPv6 address, without a zone.
// Like Kubernetes, it accepts the legacy IPv4 forms with leading zeros in an
// octet ("010.001.002.003"), each octet read as decimal; IPv4-mapped IPv6
// addresses ("::ffff:1.2.3.4") are accepted too.
func IsValidIP(value string) []string {
	if !isIPSloppy(value) {
		return []string{"must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"}
	}
	return nil
}

// IsValidCIDR checks that value is an IP address and a prefix length
// ("10.9.8.0/24", "2001:db8::/64"), with the same leniency as IsValidIP: an
// octet or the prefix length may have leading zeros. Bits set after the
// prefix ("10.9.8.7/24") are allowed, as in Kubernetes.
func IsValidCIDR(value string) []string {
	if !isCIDRSloppy(value) {
		return []string{"must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"}
	}
	return nil
}

// isIPSloppy reports whether s is an IP address in the forms that the Go
// standard library accepted before Go 1.17, which Kubernetes still accepts:
// the modern forms plus IPv4 octets with leading zeros read as decimal.
func isIPSloppy(s string) bool {
	if strings.IndexByte(s, ':') >= 0 {
		// IPv6, possibly ending in a dotted IPv4 address.
		i := strings.LastIndexByte(s, ':')
		if tail := s[i+1:]; strings.IndexByte(tail, '.') >= 0 {
			norm, ok := normalizeIPv4(tail)
			if !ok {
				return false
			}
			s = s[:i+1] + norm
		}
		return net.ParseIP(s) != nil // rejects zones ("fe80::1%eth0")
	}
	norm, ok := normalizeIPv4(s)
	return ok && net.ParseIP(norm) != nil
}

// normalizeIPv4 strips leading zeros from the four decimal octets of s. It
// reports false unless s is four non-empty runs of digits joined by dots,
// each at most 255.
func normalizeIPv4(s string) (string, bool) {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return "", false
	}
	for i, p := range parts {
		if p == "" {
			return "", false
		}
		for j := 0; j < len(p); j++ {
			if p[j] < '0' || p[j] > '9' {
				return "", false
			}
		}
		p = strings.TrimLeft(p, "0")
		if p == "" {
			p = "0"
		}
		if len(p) > 3 {
			return "", false
		}
		parts[i] = p
	}
	return strings.Join(parts, "."), true
}

// isCIDRSloppy reports whether s is an address accepted by isIPSloppy, a
// slash and a decimal prefix length no longer than the address.
func isCIDRSloppy(s string) bool {
	i := strings.IndexByte(s, '/')
	if i < 0 {
		return false
	}
	addr, mask := s[:i], s[i+1:]
	if !isIPSloppy(addr) {
		return false
	}
	bits := 32
	if strings.IndexByte(addr, ':') >= 0 {
		bits = 128
	}
	if mask == "" {
		return false
	}
	n := 0
	for j := 0; j < len(mask); j++ {
		c := mask[j]
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
		if n > bits {
			return false
		}
	}
	return true
}
