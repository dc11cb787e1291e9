// Package fake is an in-memory csi.VolumePlugin: a CSI driver with the
// specification's semantics and error codes and no storage behind it, for
// tests of the components that drive a VolumePlugin (the kubelet, the
// volume-binding controller) and for users who want a cluster in one
// process without a real driver.
//
// # Where to start
//
// New returns a *Driver from Options whose zero value works (driver name
// DefaultName, node ID DefaultNodeID, no staging). Its volumes live in
// memory: CreateVolume provisions one, ControllerPublishVolume records an
// attachment, NodeStageVolume and NodePublishVolume create their target
// directories, and NodePublishVolume writes a marker file (MarkerFile,
// holding the volume ID) so a test can see the "mount" from the host or
// from a container that mounts the target. Every call is idempotent as
// CSI requires, and a conflicting repeat fails with the code the
// specification gives (AlreadyExists, NotFound, FailedPrecondition,
// InvalidArgument, OutOfRange).
//
// NodePublishVolume of a volume the driver does not know succeeds only for
// an ephemeral inline volume (volume context
// "csi.storage.k8s.io/ephemeral": "true", as the kubelet sends it): the
// driver creates the volume then, and deletes it when its last publication
// is unpublished.
//
// A test inspects what the driver was asked (Calls, CallsTo), what it
// holds (Volume, Publications), and makes calls fail (FailNext for the
// next call of a method, SetError until cleared).
package fake
