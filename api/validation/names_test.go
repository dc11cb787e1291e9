package validation

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/api/names"
)

// The regular expressions of package names, as its messages print them:
// the byte loops must accept exactly their languages (with names' length
// limits).
var (
	reLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	reSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	re1035      = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	reQName     = regexp.MustCompile(`^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`)
	reValue     = regexp.MustCompile(`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`)
	reCMKey     = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
)

// nameSamples are names at and around every edge of the rules: empty,
// one byte, dots, dashes, underscores, upper case, slashes, non-ASCII,
// newlines (which "$" must not let through) and the length limits.
func nameSamples() []string {
	s := []string{
		"", "a", "A", "0", "-", ".", "_", "/", "..", "a.", ".a", "a..b", "a-", "-a", "a-b", "a--b",
		"a_b", "a.b", "A.b", "a.B", "ab", "Ab", "aB", "a1", "1a", "12", "my-name", "123-abc",
		"example.com", "example.com.", "a.b-c.d", "a.-b", "a-.b", "a\n", "a\nb", "\na", " a", "a ",
		"é", "aé", "éa", "a\x00", "*.a", "*", "a/b", "a/", "/a", "a/b/c", "example.com/MyName",
		"example.com/", "Example.com/a", "example.com/-a", "example.com/a_", "k8s.io/a.b_c-d",
		"..a", ".a.", "a.b.", "A_b.C-d", "app.kubernetes.io/name", "pod-template-hash",
		"kubectl.kubernetes.io/default-container", "prometheus.io/scrape", "7d9c6b8f5d", "1.27.3",
	}
	for _, n := range []int{62, 63, 64, 252, 253, 254} {
		s = append(s, strings.Repeat("a", n), strings.Repeat("a", n-1)+"-", "b"+strings.Repeat("-", n-2)+"b")
		s = append(s, strings.Repeat("a", n-4)+".com", strings.Repeat("a.", n/2)[:n-1]+"b", strings.Repeat("a", n)+"/a", "a/"+strings.Repeat("a", n))
	}
	return s
}

// TestNameLoopsMatchRegexps checks each byte loop against the regular
// expression it replaces, with names' length limits.
func TestNameLoopsMatchRegexps(t *testing.T) {
	for _, s := range nameSamples() {
		checkLoops(t, s)
	}
}

// checkLoops compares every loop with its regular expression on s.
func checkLoops(t *testing.T, s string) {
	t.Helper()
	qname := func(s string) bool {
		prefix, name, ok := strings.Cut(s, "/")
		if !ok {
			return len(s) <= 63 && reQName.MatchString(s)
		}
		return len(prefix) <= 253 && reSubdomain.MatchString(prefix) && len(name) <= 63 && reQName.MatchString(name)
	}
	for _, c := range []struct {
		name      string
		got, want bool
	}{
		{"dnsLabel", dnsLabel(s), reLabel.MatchString(s)},
		{"dnsSubdomain", dnsSubdomain(s), len(s) <= 253 && reSubdomain.MatchString(s)},
		{"qualifiedNamePart", qualifiedNamePart(s), len(s) <= 63 && reQName.MatchString(s)},
		{"label value", s == "" || qualifiedNamePart(s), len(s) <= 63 && reValue.MatchString(s)},
		{"qualifiedNameOK", qualifiedNameOK(s), qname(s)},
		{"configMapKey", configMapKey(s), len(s) <= 253 && reCMKey.MatchString(s) && s != "." && !strings.HasPrefix(s, "..")},
		{"dns1035", len(s) <= 63 && dnsLabel(s) && isLowerAlpha(s[0]), len(s) <= 63 && re1035.MatchString(s)},
	} {
		if c.got != c.want {
			t.Errorf("%s(%q) = %v, the regular expression says %v", c.name, s, c.got, c.want)
		}
	}
}

// checkSameMessages checks that every wrapper returns what names returns.
func checkSameMessages(t *testing.T, s string) {
	t.Helper()
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"IsDNS1123Label", isDNS1123Label(s), names.IsDNS1123Label(s)},
		{"IsDNS1123Subdomain", isDNS1123Subdomain(s), names.IsDNS1123Subdomain(s)},
		{"IsDNS1035Label", isDNS1035Label(s), names.IsDNS1035Label(s)},
		{"IsQualifiedName", isQualifiedName(s), names.IsQualifiedName(s)},
		{"IsValidLabelValue", isValidLabelValue(s), names.IsValidLabelValue(s)},
		{"IsConfigMapKey", isConfigMapKey(s), names.IsConfigMapKey(s)},
	} {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s(%q): (-names +here)\n%s", c.name, s, diff)
		}
	}
}

// TestNameWrappersMatchNames checks that each wrapper gives names' own
// messages (nil included).
func TestNameWrappersMatchNames(t *testing.T) {
	for _, s := range nameSamples() {
		checkSameMessages(t, s)
	}
}

// TestLabelsAnnotationsFastPath checks that the unsorted fast checks agree
// with the full ones.
func TestLabelsAnnotationsFastPath(t *testing.T) {
	big := strings.Repeat("v", TotalAnnotationSizeLimit)
	for _, m := range []map[string]string{
		nil, {}, {"a": "b"}, {"a": ""}, {"a": "-b"}, {"-a": "b"}, {"example.com/a": "b"}, {"Example.com/a": "b"},
		{"app.kubernetes.io/name": "nginx", "tier": "frontend"}, {"a": big}, {"a": big[:len(big)-1]}, {"A": "x"},
		{"a/b/c": "x"}, {"a": strings.Repeat("x", 64)},
	} {
		if got, want := labelsValid(m), len(labelsSlow(m)) == 0; got != want {
			t.Errorf("labelsValid(%.80v) = %v, want %v", m, got, want)
		}
		if got, want := annotationsValid(m), annotationsSlow(m); got != want {
			t.Errorf("annotationsValid(%.80v) = %v, want %v", m, got, want)
		}
	}
}

// labelsSlow is what Labels checks, through names.
func labelsSlow(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, names.IsQualifiedName(k)...)
		out = append(out, names.IsValidLabelValue(v)...)
	}
	return out
}

// annotationsSlow is what Annotations checks, through names.
func annotationsSlow(m map[string]string) bool {
	size := 0
	for k, v := range m {
		if len(names.IsQualifiedName(strings.ToLower(k))) > 0 {
			return false
		}
		size += len(k) + len(v)
	}
	return size <= TotalAnnotationSizeLimit
}

// FuzzNameLoops checks the loops against the regular expressions and the
// wrappers' messages against names' on arbitrary strings.
func FuzzNameLoops(f *testing.F) {
	for _, s := range nameSamples() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkLoops(t, s)
		checkSameMessages(t, s)
	})
}
