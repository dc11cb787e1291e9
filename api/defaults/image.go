package defaults

import (
	"regexp"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// pullPolicyFor returns the image pull policy Kubernetes defaults a
// container to: Always when the image reference names the tag "latest",
// or names neither a tag nor a digest (so "latest" is implied), and
// IfNotPresent otherwise: for any other tag, for a digest without a tag,
// and for a string that is not a valid image reference at all (including
// ""), which Kubernetes leaves to validation and the runtime.
func pullPolicyFor(image string) corev1.PullPolicy {
	tag, digest, ok := parseImageReference(image)
	if ok && (tag == "latest" || tag == "" && digest == "") {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

// The grammar of an image reference, as the distribution project
// (github.com/distribution/reference) defines it and Kubernetes' kubelet
// parses it:
//
//	reference  := name [ ":" tag ] [ "@" digest ]
//	name       := [ domain "/" ] path
//	domain     := host [ ":" port ]
//	host       := domain-name | "[" IPv6 "]"
//	path       := component ( "/" component )*
//	component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//	tag        := [\w][\w.-]{0,127}
//	digest     := algorithm ":" hex{32,}
const (
	refAlphanumeric = `[a-z0-9]+`
	refSeparator    = `(?:[._]|__|[-]+)`
	refComponent    = refAlphanumeric + `(?:` + refSeparator + refAlphanumeric + `)*`
	refPath         = refComponent + `(?:/` + refComponent + `)*`
	refDomainLabel  = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
	refDomainName   = refDomainLabel + `(?:\.` + refDomainLabel + `)*`
	refIPv6         = `\[(?:[a-fA-F0-9:]+)\]`
	refDomain       = `(?:` + refDomainName + `|` + refIPv6 + `)(?::[0-9]+)?`
	refTag          = `[\w][\w.-]{0,127}`
	refDigest       = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`
)

var (
	// referenceRE matches a whole reference: name, tag, digest.
	referenceRE = regexp.MustCompile(`^((?:` + refDomain + `/)?` + refPath + `)(?::(` + refTag + `))?(?:@(` + refDigest + `))?$`)
	// nameRE splits a matched name into its domain and path.
	nameRE = regexp.MustCompile(`^(?:(` + refDomain + `)/)?(` + refPath + `)$`)
	// imageIDRE matches a bare 64-digit image ID, which is not a name.
	imageIDRE = regexp.MustCompile(`^[a-f0-9]{64}$`)
)

// maxImageNameLength is the longest repository path a reference may have.
const maxImageNameLength = 255

// digestHexLength is the length of the hex encoding of each digest
// algorithm Kubernetes' parser knows; a digest with another algorithm is
// not a valid reference.
var digestHexLength = map[string]int{"sha256": 64, "sha384": 96, "sha512": 128}

// parseImageReference parses image as Kubernetes parses a container image
// to choose its pull policy (a "normalized" Docker reference: "nginx" is
// docker.io/library/nginx) and returns its tag and digest, either of which
// may be empty, and whether image is a valid reference.
func parseImageReference(image string) (tag, digest string, ok bool) {
	if imageIDRE.MatchString(image) {
		return "", "", false
	}
	domain, remainder := splitImageDomain(image)
	remote := remainder
	if i := strings.IndexByte(remainder, ':'); i >= 0 {
		remote = remainder[:i]
	}
	if strings.ToLower(remote) != remote {
		return "", "", false // repository names are lower case
	}
	m := referenceRE.FindStringSubmatch(domain + "/" + remainder)
	if m == nil {
		return "", "", false
	}
	path := m[1]
	if n := nameRE.FindStringSubmatch(m[1]); n != nil {
		path = n[2]
	}
	if len(path) > maxImageNameLength {
		return "", "", false
	}
	tag, digest = m[2], m[3]
	if digest != "" {
		algorithm, hex, _ := strings.Cut(digest, ":")
		want, known := digestHexLength[algorithm]
		if !known || len(hex) != want || strings.ToLower(hex) != hex {
			return "", "", false
		}
	}
	return tag, digest, true
}

// splitImageDomain splits a reference into its registry domain and the
// rest, filling in Docker Hub ("docker.io", with "library/" for a
// single-component name) when the first component is not a domain. The
// first component is a domain when it is "localhost", contains "." or
// ":", or contains an upper-case letter (a path never does).
func splitImageDomain(name string) (domain, remainder string) {
	const defaultDomain, legacyDomain, official = "docker.io", "index.docker.io", "library/"
	first, rest, found := strings.Cut(name, "/")
	if !found {
		return defaultDomain, official + name
	}
	switch {
	case first == "localhost":
		domain, remainder = first, rest
	case first == legacyDomain:
		domain, remainder = defaultDomain, rest
	case strings.ContainsAny(first, ".:"), strings.ToLower(first) != first:
		domain, remainder = first, rest
	default:
		domain, remainder = defaultDomain, name
	}
	if domain == defaultDomain && !strings.Contains(remainder, "/") {
		remainder = official + remainder
	}
	return domain, remainder
}
