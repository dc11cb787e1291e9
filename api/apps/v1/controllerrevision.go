package v1

import (
	"encoding/json"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// ControllerRevision is an immutable snapshot of a workload's template,
// kept by the DaemonSet and StatefulSet controllers so that they can tell
// old pods from new and roll back. Data is opaque to everyone but the
// controller that wrote it.
type ControllerRevision struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Data is the snapshot, a JSON document (for DaemonSets and
	// StatefulSets, a strategic-merge patch holding spec.template). It is
	// kept verbatim; nil encodes as null.
	Data json.RawMessage `json:"data"`
	// Revision is the revision number; larger is newer.
	Revision int64 `json:"revision"`
}

// ControllerRevisionList is a list of ControllerRevisions.
type ControllerRevisionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the ControllerRevisions.
	Items []ControllerRevision `json:"items"`
}
