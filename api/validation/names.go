package validation

import (
	"strings"

	"github.com/rigging-dev/rigging/api/names"
)

// Package names checks names with regular expressions, which cost more
// than the rest of a pod's validation together. The functions here accept
// the same languages with byte loops and ask package names only about a
// value they refuse, so every message is still names' own: a value the
// loop accepts is one the regular expression accepts (names_test.go checks
// both ways on tables and a fuzz corpus), and a value it refuses gets
// names' verdict, whatever it is.

// isDNS1123Label is names.IsDNS1123Label.
func isDNS1123Label(value string) []string {
	if len(value) <= names.DNS1123LabelMaxLength && dnsLabel(value) {
		return nil
	}
	return names.IsDNS1123Label(value)
}

// isDNS1123Subdomain is names.IsDNS1123Subdomain.
func isDNS1123Subdomain(value string) []string {
	if dnsSubdomain(value) {
		return nil
	}
	return names.IsDNS1123Subdomain(value)
}

// isDNS1035Label is names.IsDNS1035Label.
func isDNS1035Label(value string) []string {
	if len(value) <= names.DNS1035LabelMaxLength && dnsLabel(value) && isLowerAlpha(value[0]) {
		return nil
	}
	return names.IsDNS1035Label(value)
}

// isQualifiedName is names.IsQualifiedName.
func isQualifiedName(value string) []string {
	if qualifiedNameOK(value) {
		return nil
	}
	return names.IsQualifiedName(value)
}

// isValidLabelValue is names.IsValidLabelValue.
func isValidLabelValue(value string) []string {
	if value == "" || qualifiedNamePart(value) {
		return nil
	}
	return names.IsValidLabelValue(value)
}

// isConfigMapKey is names.IsConfigMapKey.
func isConfigMapKey(value string) []string {
	if configMapKey(value) {
		return nil
	}
	return names.IsConfigMapKey(value)
}

func isLowerAlpha(c byte) bool    { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool         { return '0' <= c && c <= '9' }
func isLowerAlnum(c byte) bool    { return isLowerAlpha(c) || isDigit(c) }
func isAlnum(c byte) bool         { return isLowerAlnum(c) || 'A' <= c && c <= 'Z' }
func isNameExtChar(c byte) bool   { return isAlnum(c) || c == '-' || c == '_' || c == '.' }
func isConfigKeyChar(c byte) bool { return isNameExtChar(c) }

// dnsLabel reports whether s matches [a-z0-9]([-a-z0-9]*[a-z0-9])?, of any
// length.
func dnsLabel(s string) bool {
	if s == "" || !isLowerAlnum(s[0]) || !isLowerAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if c := s[i]; !isLowerAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// dnsSubdomain reports whether s is at most 253 bytes of DNS labels (of
// any length) joined by dots.
func dnsSubdomain(s string) bool {
	if s == "" || len(s) > names.DNS1123SubdomainMaxLength {
		return false
	}
	for {
		label, rest, more := strings.Cut(s, ".")
		if !dnsLabel(label) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// qualifiedNamePart reports whether s is 1 to 63 bytes matching
// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9].
func qualifiedNamePart(s string) bool {
	if s == "" || len(s) > names.QualifiedNameMaxLength || !isAlnum(s[0]) || !isAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if !isNameExtChar(s[i]) {
			return false
		}
	}
	return true
}

// qualifiedNameOK reports whether s is a name part, optionally after a DNS
// subdomain and "/".
func qualifiedNameOK(s string) bool {
	prefix, name, ok := strings.Cut(s, "/")
	if !ok {
		return qualifiedNamePart(s)
	}
	return dnsSubdomain(prefix) && qualifiedNamePart(name)
}

// configMapKey reports whether s is 1 to 253 bytes of [-._a-zA-Z0-9] that
// does not start with "..", and is not ".".
func configMapKey(s string) bool {
	if s == "" || len(s) > names.DNS1123SubdomainMaxLength || s == "." || strings.HasPrefix(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isConfigKeyChar(s[i]) {
			return false
		}
	}
	return true
}
