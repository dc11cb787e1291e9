// Package csi defines VolumePlugin, the narrow interface through which the
// control plane and the kubelet provision, attach and mount volumes: the
// Container Storage Interface (CSI) controller and node flows in Go types,
// named as the CSI specification names them.
//
// # Where to start
//
// Read VolumePlugin. A volume's life runs:
//
//	CreateVolume                      (controller: provision)
//	ControllerPublishVolume           (controller: attach to a node)
//	NodeStageVolume                   (node: mount once at a staging path)
//	NodePublishVolume                 (node: bind into a pod's target path)
//	NodeUnpublishVolume, NodeUnstageVolume, ControllerUnpublishVolume,
//	DeleteVolume                      (the inverses, in reverse order)
//
// Capabilities report which optional steps a plugin implements: a plugin
// without PublishUnpublishVolume skips attach/detach, one without
// StageUnstageVolume skips staging.
//
// Errors carry a gRPC-style Code (NotFound, AlreadyExists,
// FailedPrecondition, ...) in an *Error, so callers can tell with errors.As
// what the specification says to do next.
//
// This package holds the interface and its types only; the CSI gRPC client,
// the built-in volumes and the host-path driver are separate packages.
// Package csi/fake is an in-memory VolumePlugin with the specification's
// semantics and error codes, which records its calls and can be made to
// fail: use it in tests of code that drives a VolumePlugin.
package csi
