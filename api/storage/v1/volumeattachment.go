package v1

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// VolumeAttachment asks the attacher (a CSI driver's external attacher) to
// attach a volume to a node, and records the outcome. The attach/detach
// controller creates and deletes it; the attacher writes its status. It is
// cluster-scoped.
type VolumeAttachment struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the requested attachment; immutable.
	Spec VolumeAttachmentSpec `json:"spec"`
	// Status is the outcome, written by the attacher.
	Status VolumeAttachmentStatus `json:"status,omitempty,omitzero"`
}

// VolumeAttachmentSpec is a requested attachment.
type VolumeAttachmentSpec struct {
	// Attacher names the driver that must attach the volume, as its CSI
	// GetPluginName returns it.
	Attacher string `json:"attacher"`
	// Source is the volume to attach.
	Source VolumeAttachmentSource `json:"source"`
	// NodeName is the node to attach it to.
	NodeName string `json:"nodeName"`
}

// VolumeAttachmentSource is the volume of a VolumeAttachment; exactly one
// field is set.
type VolumeAttachmentSource struct {
	// PersistentVolumeName names a PersistentVolume.
	PersistentVolumeName *string `json:"persistentVolumeName,omitempty"`
	// InlineVolumeSpec carries the volume of a pod's inline volume that
	// was migrated to CSI.
	InlineVolumeSpec *corev1.PersistentVolumeSpec `json:"inlineVolumeSpec,omitempty"`
}

// VolumeAttachmentStatus is the outcome of an attachment.
type VolumeAttachmentStatus struct {
	// Attached says whether the volume is attached.
	Attached bool `json:"attached"`
	// AttachmentMetadata is what the attach operation returned, passed to
	// later mount calls.
	AttachmentMetadata map[string]string `json:"attachmentMetadata,omitempty"`
	// AttachError is the last attach failure; cleared on success.
	AttachError *VolumeError `json:"attachError,omitempty"`
	// DetachError is the last detach failure; cleared on success.
	DetachError *VolumeError `json:"detachError,omitempty"`
}

// VolumeError is a failed attach or detach.
type VolumeError struct {
	// Time is when the error occurred.
	Time metav1.Time `json:"time,omitempty,omitzero"`
	// Message says what failed; it may be logged and should not hold
	// secrets.
	Message string `json:"message,omitempty"`
	// ErrorCode is the numeric gRPC code of the failure, when the driver
	// returned one.
	ErrorCode *int32 `json:"errorCode,omitempty"`
}

// VolumeAttachmentList is a list of VolumeAttachments.
type VolumeAttachmentList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the VolumeAttachments.
	Items []VolumeAttachment `json:"items"`
}
