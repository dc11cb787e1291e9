package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
)

// Namespace names with a fixed meaning.
const (
	// NamespaceDefault is the namespace of objects created without one.
	NamespaceDefault = "default"
	// NamespaceAll is the empty namespace, meaning all namespaces in a list
	// or watch.
	NamespaceAll = ""
	// NamespaceNodeLease holds the Lease objects of node heartbeats.
	NamespaceNodeLease = "kube-node-lease"
)

// ObjectReference points at any object, optionally at a field within it
// (FieldPath, such as "spec.containers{app}"). All fields are optional; a
// reference is as precise as the fields that are set.
type ObjectReference struct {
	Kind            string    `json:"kind,omitempty"`
	Namespace       string    `json:"namespace,omitempty"`
	Name            string    `json:"name,omitempty"`
	UID             types.UID `json:"uid,omitempty"`
	APIVersion      string    `json:"apiVersion,omitempty"`
	ResourceVersion string    `json:"resourceVersion,omitempty"`
	FieldPath       string    `json:"fieldPath,omitempty"`
}

// LocalObjectReference names an object in the referrer's own namespace,
// whose kind the referring field implies.
type LocalObjectReference struct {
	Name string `json:"name,omitempty"`
}

// TypedLocalObjectReference names an object of any kind in the referrer's
// own namespace. A nil APIGroup means the core group; it is encoded as null
// because Kubernetes tags it without omitempty.
type TypedLocalObjectReference struct {
	APIGroup *string `json:"apiGroup"`
	Kind     string  `json:"kind"`
	Name     string  `json:"name"`
}

// TypedObjectReference names an object of any kind, in the referrer's
// namespace unless Namespace is set. A nil APIGroup means the core group.
type TypedObjectReference struct {
	APIGroup  *string `json:"apiGroup"`
	Kind      string  `json:"kind"`
	Name      string  `json:"name"`
	Namespace *string `json:"namespace,omitempty"`
}

// SecretReference names a Secret in any namespace.
type SecretReference struct {
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

// Binding ties a pod to a node: it is the body the scheduler POSTs to the
// pods/binding subresource, with metadata naming the pod and Target naming
// the node (kind Node, name).
type Binding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Target is the object the pod is bound to, a Node.
	Target ObjectReference `json:"target"`
}
