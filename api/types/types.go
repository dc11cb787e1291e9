// Package types holds the small scalar types shared by every API group: the
// UID of an object, the name of an object, and the patch types.
package types

// UID is the unique identity of an object across its whole lifetime; a name
// may be reused after deletion, a UID never is.
type UID string

// NamespacedName names a namespaced object; Namespace is empty for
// cluster-scoped objects.
type NamespacedName struct {
	Namespace string
	Name      string
}

// String returns "namespace/name", or "name" when Namespace is empty.
func (n NamespacedName) String() string {
	if n.Namespace == "" {
		return n.Name
	}
	return n.Namespace + "/" + n.Name
}

// PatchType is the media type of a PATCH body.
type PatchType string

// The patch types the API server accepts.
const (
	JSONPatchType           PatchType = "application/json-patch+json"
	MergePatchType          PatchType = "application/merge-patch+json"
	StrategicMergePatchType PatchType = "application/strategic-merge-patch+json"
	ApplyPatchType          PatchType = "application/apply-patch+yaml"
)
