package names

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Messages as Kubernetes prints them, copied from its source and its users'
// error reports; the tests pin them so that a refactor cannot drift.
const (
	msgLabel = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
	msgSub   = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
	msg1035  = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
	msgWild  = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
	msgQName = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
	msgValue = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
	msgEnv   = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
	msgCMKey = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
	msgIP    = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
	msgCIDR  = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
)

type check struct {
	value string
	want  []string
}

func runChecks(t *testing.T, name string, fn func(string) []string, cases []check) {
	t.Helper()
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%q", name, tc.value), func(t *testing.T) {
			got := fn(tc.value)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s(%q) messages (-want +got):\n%s", name, tc.value, diff)
			}
		})
	}
}

func TestIsDNS1123Label(t *testing.T) {
	runChecks(t, "IsDNS1123Label", IsDNS1123Label, []check{
		{"a", nil},
		{"ab-c", nil},
		{"0", nil},
		{"123-abc", nil},
		{"1-2---3", nil},
		{strings.Repeat("a", 63), nil},
		{"", []string{msgLabel}},
		{"A", []string{msgLabel}},
		{"-a", []string{msgLabel}},
		{"a-", []string{msgLabel}},
		{"a_b", []string{msgLabel}},
		{"a b", []string{msgLabel}},
		{"a.b", []string{"must not contain dots"}},
		{strings.Repeat("a", 64), []string{MaxLenError(63)}},
		{strings.Repeat("a", 64) + ".b", []string{MaxLenError(63), "must not contain dots"}},
		{strings.Repeat("a", 64) + "_", []string{MaxLenError(63), msgLabel}},
	})
}

func TestIsDNS1123Subdomain(t *testing.T) {
	runChecks(t, "IsDNS1123Subdomain", IsDNS1123Subdomain, []check{
		{"a", nil},
		{"example.com", nil},
		{"a.b.c.d", nil},
		{"11.22.33", nil},
		{strings.Repeat("a", 253), nil},
		{"", []string{msgSub}},
		{"Example.com", []string{msgSub}},
		{"a..b", []string{msgSub}},
		{".a", []string{msgSub}},
		{"a.", []string{msgSub}},
		{"a_b.c", []string{msgSub}},
		{"a.-b", []string{msgSub}},
		{strings.Repeat("a", 254), []string{MaxLenError(253)}},
	})
}

func TestIsDNS1035Label(t *testing.T) {
	runChecks(t, "IsDNS1035Label", IsDNS1035Label, []check{
		{"a", nil},
		{"my-name", nil},
		{"abc-123", nil},
		{strings.Repeat("a", 63), nil},
		{"", []string{msg1035}},
		{"0", []string{msg1035}},
		{"123-abc", []string{msg1035}},
		{"a.b", []string{msg1035}},
		{"A", []string{msg1035}},
		{"a-", []string{msg1035}},
		{strings.Repeat("a", 64), []string{MaxLenError(63)}},
	})
}

func TestIsWildcardDNS1123Subdomain(t *testing.T) {
	runChecks(t, "IsWildcardDNS1123Subdomain", IsWildcardDNS1123Subdomain, []check{
		{"*.example.com", nil},
		{"*.bar.com", nil},
		{"*.foo.bar.com", nil},
		{"*.a", nil},
		{"*", []string{msgWild}},
		{"*.", []string{msgWild}},
		{"*.*.bar.com", []string{msgWild}},
		{"*.foo.*.com", []string{msgWild}},
		{"*bar.com", []string{msgWild}},
		{"f*.bar.com", []string{msgWild}},
		{"example.com", []string{msgWild}},
		{"*." + strings.Repeat("a", 252), []string{MaxLenError(253)}},
	})
}

func TestIsFullyQualifiedDomainName(t *testing.T) {
	runChecks(t, "IsFullyQualifiedDomainName", IsFullyQualifiedDomainName, []check{
		{"example.com", nil},
		{"example.com.", nil},
		{"a.b.c", nil},
		{"1.2.3.4", nil},
		{"", []string{"must be non-empty"}},
		{"example", []string{"should be a domain with at least two segments separated by dots"}},
		{"example.", []string{"should be a domain with at least two segments separated by dots"}},
		{"Example.com", []string{msgSub}},
		{"example.com..", []string{msgSub}},
		{strings.Repeat("a", 64) + ".com", []string{MaxLenError(63)}},
	})
}

func TestIsQualifiedName(t *testing.T) {
	runChecks(t, "IsQualifiedName", IsQualifiedName, []check{
		{"simple", nil},
		{"now-with-dashes", nil},
		{"1-starts-with-num", nil},
		{"1234", nil},
		{"simple/simple", nil},
		{"now-with-dashes/simple", nil},
		{"now-with-dashes/now-with-dashes", nil},
		{"now.with.dots/simple", nil},
		{"now-with.dashes-and.dots/simple", nil},
		{"1-num.2-num/3-num", nil},
		{"1234/5678", nil},
		{"1.2.3.4/5678", nil},
		{"Uppercase_Is_OK_123", nil},
		{"example.com/Uppercase_Is_OK_123", nil},
		{"requests.storage-foo", nil},
		{strings.Repeat("a", 63), nil},
		{strings.Repeat("a", 253) + "/" + strings.Repeat("b", 63), nil},
		{"", []string{"name part must be non-empty", "name part " + msgQName}},
		{"/simple", []string{"prefix part must be non-empty"}},
		{"simple/", []string{"name part must be non-empty", "name part " + msgQName}},
		{"Nope/simple", []string{"prefix part " + msgSub}},
		{"nospecialchars%^=@", []string{"name part " + msgQName}},
		{"cantendwithadash-", []string{"name part " + msgQName}},
		{"-cantstartwithadash-", []string{"name part " + msgQName}},
		{"only/one/slash", []string{"a qualified name " + msgQName + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"}},
		{strings.Repeat("a", 64), []string{"name part " + MaxLenError(63)}},
		{strings.Repeat("a", 254) + "/abc", []string{"prefix part " + MaxLenError(253)}},
	})
}

func TestIsValidLabelValue(t *testing.T) {
	runChecks(t, "IsValidLabelValue", IsValidLabelValue, []check{
		{"", nil},
		{"simple", nil},
		{"now-with-dashes", nil},
		{"1-starts-with-num", nil},
		{"end-with-num-1", nil},
		{"1234", nil},
		{"UppercaseIsOK123", nil},
		{"a_b.c-d", nil},
		{strings.Repeat("a", 63), nil},
		{"nope$", []string{msgValue}},
		{"-a", []string{msgValue}},
		{"a.", []string{msgValue}},
		{"a b", []string{msgValue}},
		{"a/b", []string{msgValue}},
		{strings.Repeat("a", 64), []string{MaxLenError(63)}},
	})
}

func TestIsEnvVarName(t *testing.T) {
	runChecks(t, "IsEnvVarName", IsEnvVarName, []check{
		{"A", nil},
		{"ABC", nil},
		{"AbC_123", nil},
		{"_", nil},
		{"a.b", nil},
		{"my-env", nil},
		{"..a", []string{"must not start with '..'"}},
		{".", []string{"must not be '.'"}},
		{"..", []string{"must not be '..'"}},
		{"", []string{msgEnv}},
		{"1a", []string{msgEnv}},
		{"a=b", []string{msgEnv}},
		{"a b", []string{msgEnv}},
	})
}

func TestIsConfigMapKey(t *testing.T) {
	runChecks(t, "IsConfigMapKey", IsConfigMapKey, []check{
		{"a", nil},
		{"good_key.name-1", nil},
		{".dotfile", nil},
		{strings.Repeat("a", 253), nil},
		{"", []string{msgCMKey}},
		{".", []string{"must not be '.'"}},
		{"..", []string{"must not be '..'"}},
		{"..a", []string{"must not start with '..'"}},
		{"a/b", []string{msgCMKey}},
		{"a b", []string{msgCMKey}},
		{strings.Repeat("a", 254), []string{MaxLenError(253)}},
	})
}

func TestIsValidPortNum(t *testing.T) {
	for _, tc := range []struct {
		port int
		want []string
	}{
		{1, nil},
		{80, nil},
		{65535, nil},
		{0, []string{"must be between 1 and 65535, inclusive"}},
		{-1, []string{"must be between 1 and 65535, inclusive"}},
		{65536, []string{"must be between 1 and 65535, inclusive"}},
	} {
		if diff := cmp.Diff(tc.want, IsValidPortNum(tc.port)); diff != "" {
			t.Errorf("IsValidPortNum(%d) (-want +got):\n%s", tc.port, diff)
		}
	}
}

func TestIsValidPortName(t *testing.T) {
	const (
		charset  = "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
		letter   = "must contain at least one letter (a-z)"
		hyphens  = "must not contain consecutive hyphens"
		endpoint = "must not begin or end with a hyphen"
	)
	runChecks(t, "IsValidPortName", IsValidPortName, []check{
		{"telnet", nil},
		{"re-mail-ck", nil},
		{"pop3", nil},
		{"a", nil},
		{"a-1-b", nil},
		{"1-a", nil},
		{"123456789abcdef", nil},
		{"", []string{charset, letter}},
		{"1234", []string{letter}},
		{"longerthan15characters", []string{MaxLenError(15)}},
		{"Telnet", []string{charset}},
		{"a_b", []string{charset}},
		{"a--b", []string{hyphens}},
		{"-a", []string{endpoint}},
		{"a-", []string{endpoint}},
		{"-", []string{letter, endpoint}},
		{"--", []string{letter, hyphens, endpoint}},
	})
}

func TestIsValidIP(t *testing.T) {
	runChecks(t, "IsValidIP", IsValidIP, []check{
		{"127.0.0.1", nil},
		{"10.9.8.7", nil},
		{"0.0.0.0", nil},
		{"255.255.255.255", nil},
		{"::", nil},
		{"::1", nil},
		{"2001:db8::ffff", nil},
		{"2001:0db8:0000:0000:0000:0000:0000:ffff", nil},
		{"::ffff:1.2.3.4", nil},
		{"::1.2.3.4", nil},
		{"010.001.002.003", nil}, // legacy leading zeros, read as decimal
		{"::ffff:010.001.002.003", nil},
		{"", []string{msgIP}},
		{"1.2.3", []string{msgIP}},
		{"1.2.3.4.5", []string{msgIP}},
		{"256.0.0.1", []string{msgIP}},
		{"1.2.3.4/32", []string{msgIP}},
		{"1..2.3", []string{msgIP}},
		{"1.2.3.-4", []string{msgIP}},
		{"1.2.3.4 ", []string{msgIP}},
		{"fe80::1%eth0", []string{msgIP}},
		{"2001:db8::g", []string{msgIP}},
		{"1:2:3:4:5:6:7:8:9", []string{msgIP}},
		{"::ffff:1.2.3", []string{msgIP}},
		{"localhost", []string{msgIP}},
	})
}

func TestIsValidCIDR(t *testing.T) {
	runChecks(t, "IsValidCIDR", IsValidCIDR, []check{
		{"10.9.8.0/24", nil},
		{"0.0.0.0/0", nil},
		{"1.2.3.4/32", nil},
		{"10.9.8.7/24", nil}, // bits after the prefix are allowed
		{"2001:db8::/64", nil},
		{"::/0", nil},
		{"::1/128", nil},
		{"::ffff:1.2.3.4/120", nil},
		{"010.009.008.000/024", nil},
		{"", []string{msgCIDR}},
		{"10.9.8.0", []string{msgCIDR}},
		{"10.9.8.0/", []string{msgCIDR}},
		{"10.9.8.0/33", []string{msgCIDR}},
		{"10.9.8.0/-1", []string{msgCIDR}},
		{"10.9.8.0/+8", []string{msgCIDR}},
		{"10.9.8.0/8/8", []string{msgCIDR}},
		{"2001:db8::/129", []string{msgCIDR}},
		{"fe80::%eth0/64", []string{msgCIDR}},
		{"/24", []string{msgCIDR}},
	})
}

func TestMessageHelpers(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{MaxLenError(63), "must be no more than 63 characters"},
		{EmptyError(), "must be non-empty"},
		{InclusiveRangeError(1, 65535), "must be between 1 and 65535, inclusive"},
		{RegexError("bad", "[a-z]+"), "bad (regex used for validation is '[a-z]+')"},
		{RegexError("bad", "[a-z]+", "x"), "bad (e.g. 'x', regex used for validation is '[a-z]+')"},
		{RegexError("bad", "[a-z]+", "x", "y"), "bad (e.g. 'x',  or 'y', regex used for validation is '[a-z]+')"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
