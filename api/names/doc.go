// Package names checks the syntax of the names and keys that the API uses:
// object names (DNS-1123 labels and subdomains, DNS-1035 labels), label and
// annotation keys (qualified names), label values, port names and numbers, IP
// addresses and CIDRs, environment variable names and ConfigMap keys.
//
// Every check takes the value and returns the list of problems found, one
// message per problem, or nil when the value is valid. The messages are
// Kubernetes' own texts, word for word (k8s.io/apimachinery/pkg/util/validation),
// because users and tools search for them; a caller adds the field path, for
// example "metadata.name: Invalid value: "Foo": " followed by a message.
//
// Start with IsDNS1123Subdomain (most object names), IsDNS1123Label (names that
// become host names or DNS labels, such as namespaces and services),
// IsQualifiedName and IsValidLabelValue (labels and annotations).
//
// All functions are pure and safe for concurrent use; none panics on any input.
package names
