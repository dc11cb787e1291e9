package csi

import (
	"context"
	"fmt"
)

// SpecVersion is the CSI specification version this package mirrors.
const SpecVersion = "1.9.0"

// VolumePlugin is one CSI driver's controller and node services. Every
// method may be called from any number of goroutines at once, and every
// method is idempotent as the specification requires: repeating a call
// that succeeded succeeds again with the same result (CreateVolume with
// the same name returns the same volume; unpublishing an unpublished
// volume succeeds). Errors should be, or wrap, an *Error.
type VolumePlugin interface {
	// GetPluginInfo names the driver (e.g. "hostpath.csi.rigging.dev").
	GetPluginInfo(ctx context.Context) (PluginInfo, error)
	// ControllerGetCapabilities lists the controller service's optional
	// abilities.
	ControllerGetCapabilities(ctx context.Context) ([]ControllerCapability, error)
	// NodeGetCapabilities lists the node service's optional abilities.
	NodeGetCapabilities(ctx context.Context) ([]NodeCapability, error)
	// NodeGetInfo identifies the node to the controller service.
	NodeGetInfo(ctx context.Context) (NodeInfo, error)

	// CreateVolume provisions a volume.
	CreateVolume(ctx context.Context, req CreateVolumeRequest) (*Volume, error)
	// DeleteVolume deletes a volume; an unknown ID succeeds.
	DeleteVolume(ctx context.Context, volumeID string, secrets map[string]string) error
	// ControllerPublishVolume attaches a volume to a node and returns the
	// publish context that NodeStageVolume and NodePublishVolume receive.
	ControllerPublishVolume(ctx context.Context, req ControllerPublishVolumeRequest) (map[string]string, error)
	// ControllerUnpublishVolume detaches a volume from a node.
	ControllerUnpublishVolume(ctx context.Context, volumeID, nodeID string, secrets map[string]string) error

	// NodeStageVolume mounts a volume once per node at StagingTargetPath.
	NodeStageVolume(ctx context.Context, req NodeStageVolumeRequest) error
	// NodeUnstageVolume undoes NodeStageVolume.
	NodeUnstageVolume(ctx context.Context, volumeID, stagingTargetPath string) error
	// NodePublishVolume makes a volume visible at TargetPath for one pod.
	NodePublishVolume(ctx context.Context, req NodePublishVolumeRequest) error
	// NodeUnpublishVolume undoes NodePublishVolume.
	NodeUnpublishVolume(ctx context.Context, volumeID, targetPath string) error
}

// PluginInfo names a driver.
type PluginInfo struct {
	// Name is the driver's name in reverse-domain form; required.
	Name          string
	VendorVersion string
	Manifest      map[string]string
}

// ControllerCapability is an optional controller RPC.
type ControllerCapability int

// The controller capabilities of the specification used here.
const (
	ControllerCreateDeleteVolume ControllerCapability = iota + 1
	ControllerPublishUnpublishVolume
	ControllerListVolumes
	ControllerGetCapacity
	ControllerCreateDeleteSnapshot
	ControllerExpandVolume
	ControllerSingleNodeMultiWriter
)

// NodeCapability is an optional node RPC.
type NodeCapability int

// The node capabilities of the specification used here.
const (
	NodeStageUnstageVolume NodeCapability = iota + 1
	NodeGetVolumeStats
	NodeExpandVolume
	NodeSingleNodeMultiWriter
)

// NodeInfo is what NodeGetInfo reports.
type NodeInfo struct {
	// NodeID identifies the node to ControllerPublishVolume; required.
	NodeID string
	// MaxVolumesPerNode limits the volumes on the node; 0 means no limit.
	MaxVolumesPerNode int64
	// AccessibleTopology is the node's topology segments
	// ("topology.hostpath.csi/node": "n1").
	AccessibleTopology map[string]string
}

// AccessMode is how a volume may be used across nodes.
type AccessMode int

// The access modes of the specification.
const (
	AccessModeUnknown AccessMode = iota
	SingleNodeWriter
	SingleNodeReaderOnly
	MultiNodeReaderOnly
	MultiNodeSingleWriter
	MultiNodeMultiWriter
	SingleNodeSingleWriter
	SingleNodeMultiWriter
)

// VolumeCapability is one way a volume must be usable: as a block device
// (Block true) or as a mounted filesystem (FsType, MountFlags).
type VolumeCapability struct {
	Block      bool
	FsType     string
	MountFlags []string
	AccessMode AccessMode
}

// CapacityRange bounds a volume's size in bytes; zero fields are unset.
type CapacityRange struct {
	RequiredBytes int64
	LimitBytes    int64
}

// Topology is a set of topology segments.
type Topology struct {
	Segments map[string]string
}

// CreateVolumeRequest asks for a volume.
type CreateVolumeRequest struct {
	// Name is the caller's idempotency key (Kubernetes uses "pvc-<uid>");
	// required.
	Name               string
	CapacityRange      CapacityRange
	VolumeCapabilities []VolumeCapability
	Parameters         map[string]string
	Secrets            map[string]string
	// AccessibilityRequirements, when set, restrict where the volume may
	// be placed (Requisite) and in which order to try (Preferred).
	Requisite []Topology
	Preferred []Topology
}

// Volume is a provisioned volume.
type Volume struct {
	// VolumeID is the driver's identifier for the volume.
	VolumeID      string
	CapacityBytes int64
	// VolumeContext is passed to the node calls.
	VolumeContext      map[string]string
	AccessibleTopology []Topology
}

// ControllerPublishVolumeRequest attaches a volume to a node.
type ControllerPublishVolumeRequest struct {
	VolumeID         string
	NodeID           string
	VolumeCapability VolumeCapability
	Readonly         bool
	Secrets          map[string]string
	VolumeContext    map[string]string
}

// NodeStageVolumeRequest stages a volume on the node.
type NodeStageVolumeRequest struct {
	VolumeID          string
	PublishContext    map[string]string
	StagingTargetPath string
	VolumeCapability  VolumeCapability
	Secrets           map[string]string
	VolumeContext     map[string]string
}

// NodePublishVolumeRequest publishes a volume for a pod.
type NodePublishVolumeRequest struct {
	VolumeID       string
	PublishContext map[string]string
	// StagingTargetPath is set when the plugin stages volumes.
	StagingTargetPath string
	// TargetPath is where the volume must appear; the caller owns its
	// parent directory.
	TargetPath       string
	VolumeCapability VolumeCapability
	Readonly         bool
	Secrets          map[string]string
	VolumeContext    map[string]string
}

// Code is a gRPC status code, as CSI errors carry them.
type Code uint32

// The codes the specification assigns meanings to.
const (
	OK                 Code = 0
	InvalidArgument    Code = 3
	DeadlineExceeded   Code = 4
	NotFound           Code = 5
	AlreadyExists      Code = 6
	ResourceExhausted  Code = 8
	FailedPrecondition Code = 9
	Aborted            Code = 10
	OutOfRange         Code = 11
	Unimplemented      Code = 12
	Internal           Code = 13
	Unavailable        Code = 14
)

// Error is a CSI error: a code and a message.
type Error struct {
	Code Code
	Msg  string
}

// Error formats the code and message.
func (e *Error) Error() string { return fmt.Sprintf("csi error code %d: %s", e.Code, e.Msg) }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}
