package names

import (
	"regexp"
	"strings"
)

// Length limits of DNS names.
const (
	// DNS1123LabelMaxLength is the longest DNS-1123 label, in bytes.
	DNS1123LabelMaxLength = 63
	// DNS1123SubdomainMaxLength is the longest DNS-1123 subdomain, in bytes.
	DNS1123SubdomainMaxLength = 253
	// DNS1035LabelMaxLength is the longest DNS-1035 label, in bytes.
	DNS1035LabelMaxLength = 63
)

const (
	dns1123LabelFmt    = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
	dns1123LabelErrMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"

	dns1123SubdomainFmt    = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*"
	dns1123SubdomainErrMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"

	dns1035LabelFmt    = "[a-z]([-a-z0-9]*[a-z0-9])?"
	dns1035LabelErrMsg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"

	wildcardDNS1123SubdomainFmt    = "\\*\\." + dns1123SubdomainFmt
	wildcardDNS1123SubdomainErrMsg = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character"
)

var (
	dns1123LabelRegexp             = regexp.MustCompile("^" + dns1123LabelFmt + "$")
	dns1123SubdomainRegexp         = regexp.MustCompile("^" + dns1123SubdomainFmt + "$")
	dns1035LabelRegexp             = regexp.MustCompile("^" + dns1035LabelFmt + "$")
	wildcardDNS1123SubdomainRegexp = regexp.MustCompile("^" + wildcardDNS1123SubdomainFmt + "$")
)

// IsDNS1123Label checks that value is a DNS label as RFC 1123 defines it, in
// lower case: at most 63 characters of [a-z0-9-], starting and ending with an
// alphanumeric character. Namespaces, services and other names that become
// host names use it. A valid subdomain with dots gets the message "must not
// contain dots".
func IsDNS1123Label(value string) []string {
	var errs []string
	if len(value) > DNS1123LabelMaxLength {
		errs = append(errs, MaxLenError(DNS1123LabelMaxLength))
	}
	if !dns1123LabelRegexp.MatchString(value) {
		if dns1123SubdomainRegexp.MatchString(value) {
			// A valid subdomain that is not a valid label: the length was
			// checked above, so it must be the dots.
			errs = append(errs, "must not contain dots")
		} else {
			errs = append(errs, RegexError(dns1123LabelErrMsg, dns1123LabelFmt, "my-name", "123-abc"))
		}
	}
	return errs
}

// IsDNS1123Subdomain checks that value is a DNS subdomain as RFC 1123 defines
// it, in lower case: at most 253 characters, DNS-1123 labels joined by dots.
// Most object names use it.
func IsDNS1123Subdomain(value string) []string {
	var errs []string
	if len(value) > DNS1123SubdomainMaxLength {
		errs = append(errs, MaxLenError(DNS1123SubdomainMaxLength))
	}
	if !dns1123SubdomainRegexp.MatchString(value) {
		errs = append(errs, RegexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, "example.com"))
	}
	return errs
}

// IsDNS1035Label checks that value is a DNS label as RFC 1035 defines it, in
// lower case: at most 63 characters of [a-z0-9-], starting with a letter and
// ending with an alphanumeric character. Service names use it.
func IsDNS1035Label(value string) []string {
	var errs []string
	if len(value) > DNS1035LabelMaxLength {
		errs = append(errs, MaxLenError(DNS1035LabelMaxLength))
	}
	if !dns1035LabelRegexp.MatchString(value) {
		errs = append(errs, RegexError(dns1035LabelErrMsg, dns1035LabelFmt, "my-name", "abc-123"))
	}
	return errs
}

// IsWildcardDNS1123Subdomain checks that value is "*." followed by a DNS-1123
// subdomain (RFC 1034 section 4.3.3), 253 characters at most in all:
// "*.example.com" is valid, "*.*.example.com", "*example.com" and "*" are not.
// Ingress host rules use it.
func IsWildcardDNS1123Subdomain(value string) []string {
	var errs []string
	if len(value) > DNS1123SubdomainMaxLength {
		errs = append(errs, MaxLenError(DNS1123SubdomainMaxLength))
	}
	if !wildcardDNS1123SubdomainRegexp.MatchString(value) {
		errs = append(errs, RegexError(wildcardDNS1123SubdomainErrMsg, wildcardDNS1123SubdomainFmt, "*.example.com"))
	}
	return errs
}

// IsFullyQualifiedDomainName checks that name is a DNS-1123 subdomain of at
// least two labels ("example.com"), allowing one trailing dot
// ("example.com."). It reports only the first kind of problem found, in this
// order: empty name, the subdomain messages, "should be a domain with at
// least two segments separated by dots", then the label messages of the
// first bad label.
func IsFullyQualifiedDomainName(name string) []string {
	if len(name) == 0 {
		return []string{EmptyError()}
	}
	name = strings.TrimSuffix(name, ".")
	if errs := IsDNS1123Subdomain(name); len(errs) > 0 {
		return errs
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return []string{"should be a domain with at least two segments separated by dots"}
	}
	for _, label := range labels {
		if errs := IsDNS1123Label(label); len(errs) > 0 {
			return errs
		}
	}
	return nil
}
