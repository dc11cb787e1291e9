package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

// Volume is a named volume of a pod that its containers may mount. Exactly
// one field of the VolumeSource is set.
type Volume struct {
	// Name is unique among the pod's volumes (a DNS label).
	Name         string `json:"name"`
	VolumeSource `json:",inline"`
}

// VolumeSource is where a pod volume's content comes from; exactly one
// field is set.
type VolumeSource struct {
	// HostPath mounts a path of the node.
	HostPath *HostPathVolumeSource `json:"hostPath,omitempty"`
	// EmptyDir is a scratch directory that lives as long as the pod.
	EmptyDir *EmptyDirVolumeSource `json:"emptyDir,omitempty"`
	// Secret projects the keys of a Secret as files.
	Secret *SecretVolumeSource `json:"secret,omitempty"`
	// NFS mounts an NFS export.
	NFS *NFSVolumeSource `json:"nfs,omitempty"`
	// PersistentVolumeClaim mounts the volume bound to a claim.
	PersistentVolumeClaim *PersistentVolumeClaimVolumeSource `json:"persistentVolumeClaim,omitempty"`
	// DownwardAPI projects pod fields and resources as files.
	DownwardAPI *DownwardAPIVolumeSource `json:"downwardAPI,omitempty"`
	// ConfigMap projects the keys of a ConfigMap as files.
	ConfigMap *ConfigMapVolumeSource `json:"configMap,omitempty"`
	// Projected merges several sources into one directory.
	Projected *ProjectedVolumeSource `json:"projected,omitempty"`
	// CSI is an inline (ephemeral) volume of a CSI driver.
	CSI *CSIVolumeSource `json:"csi,omitempty"`
	// Ephemeral is a volume provisioned through a claim that lives and
	// dies with the pod.
	Ephemeral *EphemeralVolumeSource `json:"ephemeral,omitempty"`
}

// HostPathVolumeSource is a path on the node. Type checks what is there
// before mounting; nil or "" checks nothing.
type HostPathVolumeSource struct {
	Path string        `json:"path"`
	Type *HostPathType `json:"type,omitempty"`
}

// HostPathType is what a host path must be, and whether it is created.
type HostPathType string

// The host path types.
const (
	// HostPathUnset checks nothing.
	HostPathUnset HostPathType = ""
	// HostPathDirectoryOrCreate creates an empty directory (0755) when
	// nothing exists at the path.
	HostPathDirectoryOrCreate HostPathType = "DirectoryOrCreate"
	// HostPathDirectory requires an existing directory.
	HostPathDirectory HostPathType = "Directory"
	// HostPathFileOrCreate creates an empty file (0644) when nothing
	// exists at the path.
	HostPathFileOrCreate HostPathType = "FileOrCreate"
	// HostPathFile requires an existing file.
	HostPathFile HostPathType = "File"
	// HostPathSocket requires an existing UNIX socket.
	HostPathSocket HostPathType = "Socket"
	// HostPathCharDev requires an existing character device.
	HostPathCharDev HostPathType = "CharDevice"
	// HostPathBlockDev requires an existing block device.
	HostPathBlockDev HostPathType = "BlockDevice"
)

// EmptyDirVolumeSource is a scratch directory created empty when the pod
// starts and deleted when it is removed from the node.
type EmptyDirVolumeSource struct {
	// Medium is the storage backing the directory.
	Medium StorageMedium `json:"medium,omitempty"`
	// SizeLimit bounds the directory's size; the pod is evicted beyond
	// it. For Memory it also sizes the tmpfs.
	SizeLimit *resource.Quantity `json:"sizeLimit,omitempty"`
}

// StorageMedium is the storage backing an emptyDir.
type StorageMedium string

// The storage media.
const (
	// StorageMediumDefault uses the node's disk.
	StorageMediumDefault StorageMedium = ""
	// StorageMediumMemory uses a tmpfs, counted as the pod's memory.
	StorageMediumMemory StorageMedium = "Memory"
	// StorageMediumHugePages uses huge pages.
	StorageMediumHugePages StorageMedium = "HugePages"
	// StorageMediumHugePagesPrefix prefixes a huge page size, as in
	// "HugePages-2Mi".
	StorageMediumHugePagesPrefix StorageMedium = "HugePages-"
)

// SecretVolumeSource projects a Secret's keys as files, all of them or the
// Items listed. When Optional is true a missing secret gives an empty
// directory instead of an error.
type SecretVolumeSource struct {
	SecretName string      `json:"secretName,omitempty"`
	Items      []KeyToPath `json:"items,omitempty"`
	// DefaultMode is the file mode (0000-0777) of the files; nil means
	// SecretVolumeSourceDefaultMode. JSON has no octal: 0644 is 420.
	DefaultMode *int32 `json:"defaultMode,omitempty"`
	Optional    *bool  `json:"optional,omitempty"`
}

// ConfigMapVolumeSource projects a ConfigMap's keys as files, all of them
// or the Items listed. When Optional is true a missing map gives an empty
// directory instead of an error.
type ConfigMapVolumeSource struct {
	LocalObjectReference `json:",inline"`
	Items                []KeyToPath `json:"items,omitempty"`
	// DefaultMode is the file mode of the files; nil means
	// ConfigMapVolumeSourceDefaultMode.
	DefaultMode *int32 `json:"defaultMode,omitempty"`
	Optional    *bool  `json:"optional,omitempty"`
}

// The default file modes of projected files.
const (
	SecretVolumeSourceDefaultMode      int32 = 0o644
	ConfigMapVolumeSourceDefaultMode   int32 = 0o644
	DownwardAPIVolumeSourceDefaultMode int32 = 0o644
	ProjectedVolumeSourceDefaultMode   int32 = 0o644
)

// KeyToPath projects one key to a relative file path, with an optional
// file mode.
type KeyToPath struct {
	Key  string `json:"key"`
	Path string `json:"path"`
	Mode *int32 `json:"mode,omitempty"`
}

// NFSVolumeSource is an NFS export.
type NFSVolumeSource struct {
	Server   string `json:"server"`
	Path     string `json:"path"`
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// PersistentVolumeClaimVolumeSource mounts the volume bound to a claim in
// the pod's namespace.
type PersistentVolumeClaimVolumeSource struct {
	ClaimName string `json:"claimName"`
	ReadOnly  bool   `json:"readOnly,omitempty"`
}

// DownwardAPIVolumeSource projects pod fields and container resources as
// files.
type DownwardAPIVolumeSource struct {
	Items []DownwardAPIVolumeFile `json:"items,omitempty"`
	// DefaultMode is the file mode of the files; nil means
	// DownwardAPIVolumeSourceDefaultMode.
	DefaultMode *int32 `json:"defaultMode,omitempty"`
}

// DownwardAPIVolumeFile is one file of a downward API volume: a pod field
// or a container resource, exactly one of the two.
type DownwardAPIVolumeFile struct {
	Path             string                 `json:"path"`
	FieldRef         *ObjectFieldSelector   `json:"fieldRef,omitempty"`
	ResourceFieldRef *ResourceFieldSelector `json:"resourceFieldRef,omitempty"`
	Mode             *int32                 `json:"mode,omitempty"`
}

// ProjectedVolumeSource merges several sources into one directory.
type ProjectedVolumeSource struct {
	// Sources are the merged sources; Kubernetes tags it without
	// omitempty, so nil encodes as null.
	Sources []VolumeProjection `json:"sources"`
	// DefaultMode is the file mode of the files; nil means
	// ProjectedVolumeSourceDefaultMode.
	DefaultMode *int32 `json:"defaultMode,omitempty"`
}

// VolumeProjection is one source of a projected volume; exactly one field
// is set.
type VolumeProjection struct {
	Secret              *SecretProjection              `json:"secret,omitempty"`
	DownwardAPI         *DownwardAPIProjection         `json:"downwardAPI,omitempty"`
	ConfigMap           *ConfigMapProjection           `json:"configMap,omitempty"`
	ServiceAccountToken *ServiceAccountTokenProjection `json:"serviceAccountToken,omitempty"`
}

// SecretProjection projects a Secret's keys into a projected volume.
type SecretProjection struct {
	LocalObjectReference `json:",inline"`
	Items                []KeyToPath `json:"items,omitempty"`
	Optional             *bool       `json:"optional,omitempty"`
}

// ConfigMapProjection projects a ConfigMap's keys into a projected volume.
type ConfigMapProjection struct {
	LocalObjectReference `json:",inline"`
	Items                []KeyToPath `json:"items,omitempty"`
	Optional             *bool       `json:"optional,omitempty"`
}

// DownwardAPIProjection projects pod fields into a projected volume.
type DownwardAPIProjection struct {
	Items []DownwardAPIVolumeFile `json:"items,omitempty"`
}

// ServiceAccountTokenProjection writes a token of the pod's service
// account to Path and keeps it fresh (the node agent rotates it at 80% of
// its lifetime or after 24 hours).
type ServiceAccountTokenProjection struct {
	// Audience is the token's intended audience; empty means the API
	// server's.
	Audience string `json:"audience,omitempty"`
	// ExpirationSeconds is the requested lifetime (at least 600); nil
	// means one hour.
	ExpirationSeconds *int64 `json:"expirationSeconds,omitempty"`
	// Path is the file path relative to the volume root.
	Path string `json:"path"`
}

// CSIVolumeSource is an inline volume of a CSI driver, created for the pod
// and removed with it.
type CSIVolumeSource struct {
	Driver   string  `json:"driver"`
	ReadOnly *bool   `json:"readOnly,omitempty"`
	FSType   *string `json:"fsType,omitempty"`
	// VolumeAttributes are passed to the driver as they are.
	VolumeAttributes map[string]string `json:"volumeAttributes,omitempty"`
	// NodePublishSecretRef names a Secret passed to the driver's
	// NodePublishVolume.
	NodePublishSecretRef *LocalObjectReference `json:"nodePublishSecretRef,omitempty"`
}

// EphemeralVolumeSource provisions a volume through a claim created from
// VolumeClaimTemplate and owned by the pod, so it is deleted with it.
type EphemeralVolumeSource struct {
	VolumeClaimTemplate *PersistentVolumeClaimTemplate `json:"volumeClaimTemplate,omitempty"`
}

// PersistentVolumeClaimTemplate is the claim an ephemeral volume creates.
type PersistentVolumeClaimTemplate struct {
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	Spec PersistentVolumeClaimSpec `json:"spec"`
}
