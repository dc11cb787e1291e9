package names

import (
	"strings"
	"testing"
)

// FuzzChecks runs every check on arbitrary input: none may panic, and a
// valid value must get no messages while an invalid one gets at least one
// non-empty message.
func FuzzChecks(f *testing.F) {
	for _, s := range []string{"", "a", "a.b", "A/b", "*.a.b", "1.2.3.4", "::ffff:1.2.3.4/120", "010.1.1.1/024", "..", "a--b", "\x00", "fe80::1%eth0"} {
		f.Add(s)
	}
	checks := map[string]func(string) []string{
		"IsDNS1123Label":             IsDNS1123Label,
		"IsDNS1123Subdomain":         IsDNS1123Subdomain,
		"IsDNS1035Label":             IsDNS1035Label,
		"IsWildcardDNS1123Subdomain": IsWildcardDNS1123Subdomain,
		"IsFullyQualifiedDomainName": IsFullyQualifiedDomainName,
		"IsQualifiedName":            IsQualifiedName,
		"IsValidLabelValue":          IsValidLabelValue,
		"IsEnvVarName":               IsEnvVarName,
		"IsConfigMapKey":             IsConfigMapKey,
		"IsValidPortName":            IsValidPortName,
		"IsValidIP":                  IsValidIP,
		"IsValidCIDR":                IsValidCIDR,
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, check := range checks {
			for _, msg := range check(s) {
				if strings.TrimSpace(msg) == "" {
					t.Errorf("%s(%q) returned an empty message", name, s)
				}
			}
		}
		// A DNS-1123 label is always a subdomain, and a DNS-1035 label is
		// always a DNS-1123 label.
		if len(IsDNS1123Label(s)) == 0 && len(IsDNS1123Subdomain(s)) != 0 {
			t.Errorf("%q is a DNS-1123 label but not a subdomain", s)
		}
		if len(IsDNS1035Label(s)) == 0 && len(IsDNS1123Label(s)) != 0 {
			t.Errorf("%q is a DNS-1035 label but not a DNS-1123 label", s)
		}
	})
}
