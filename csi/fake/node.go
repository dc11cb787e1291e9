package fake

import (
	"context"
	"maps"
	"os"
	"path/filepath"

	"github.com/rigging-dev/rigging/csi"
)

// NodeStageVolume records the volume as staged at StagingTargetPath and
// creates that directory. It is Unimplemented unless Options.StageUnstage
// is set. Repeating it succeeds; staging another volume, or the same one
// with another capability, at the same path fails with AlreadyExists. An
// unknown volume is NotFound.
func (d *Driver) NodeStageVolume(ctx context.Context, req csi.NodeStageVolumeRequest) error {
	req = cloneStage(req)
	return d.do(ctx, "NodeStageVolume", req, func() error {
		if !d.opts.StageUnstage {
			return csi.Errorf(csi.Unimplemented, "NodeStageVolume: driver %s does not stage volumes", d.opts.Name)
		}
		if req.VolumeID == "" || req.StagingTargetPath == "" {
			return csi.Errorf(csi.InvalidArgument, "NodeStageVolume: volume ID and staging target path are required")
		}
		if _, ok := d.volumes[req.VolumeID]; !ok {
			return csi.Errorf(csi.NotFound, "NodeStageVolume: volume %s not found", req.VolumeID)
		}
		if old, ok := d.staged[req.StagingTargetPath]; ok {
			if old.volumeID != req.VolumeID || !capEqual(old.cap, req.VolumeCapability) {
				return csi.Errorf(csi.AlreadyExists, "NodeStageVolume: %s is staged at %s with another capability or volume",
					old.volumeID, req.StagingTargetPath)
			}
			return nil
		}
		if err := os.MkdirAll(req.StagingTargetPath, 0o750); err != nil {
			return csi.Errorf(csi.Internal, "NodeStageVolume %s: %v", req.VolumeID, err)
		}
		d.staged[req.StagingTargetPath] = staging{volumeID: req.VolumeID, cap: req.VolumeCapability}
		return nil
	})
}

// NodeUnstageVolume forgets the staging of a volume at a path; one that is
// not staged there succeeds. The directory is the caller's and stays.
func (d *Driver) NodeUnstageVolume(ctx context.Context, volumeID, stagingTargetPath string) error {
	return d.do(ctx, "NodeUnstageVolume", VolumeRequest{VolumeID: volumeID, Path: stagingTargetPath}, func() error {
		if volumeID == "" || stagingTargetPath == "" {
			return csi.Errorf(csi.InvalidArgument, "NodeUnstageVolume: volume ID and staging target path are required")
		}
		if s, ok := d.staged[stagingTargetPath]; ok && s.volumeID == volumeID {
			delete(d.staged, stagingTargetPath)
		}
		return nil
	})
}

// NodePublishVolume creates TargetPath (a directory) and writes
// MarkerFile in it holding the volume ID. Repeating it succeeds;
// publishing at the same path another volume, or the same one with
// another capability or read-only setting, fails with AlreadyExists. A
// volume the driver does not know is NotFound, unless the volume context
// marks it ephemeral (EphemeralContextKey "true"): then it is created
// here and deleted by the NodeUnpublishVolume of its last publication.
// With Options.StageUnstage, a volume made by CreateVolume must be staged
// at StagingTargetPath first (FailedPrecondition).
func (d *Driver) NodePublishVolume(ctx context.Context, req csi.NodePublishVolumeRequest) error {
	req = clonePublish(req)
	return d.do(ctx, "NodePublishVolume", req, func() error {
		if req.VolumeID == "" || req.TargetPath == "" {
			return csi.Errorf(csi.InvalidArgument, "NodePublishVolume: volume ID and target path are required")
		}
		if req.VolumeCapability.Block && req.VolumeCapability.FsType != "" {
			return csi.Errorf(csi.InvalidArgument, "NodePublishVolume %s: a block capability has no fsType", req.VolumeID)
		}
		v, ok := d.volumes[req.VolumeID]
		ephemeral := req.VolumeContext[EphemeralContextKey] == "true"
		if ok && v.ephemeral != ephemeral {
			return csi.Errorf(csi.InvalidArgument, "NodePublishVolume %s: ephemeral is %v, the volume's is %v", req.VolumeID, ephemeral, v.ephemeral)
		}
		if !ok && !ephemeral {
			return csi.Errorf(csi.NotFound, "NodePublishVolume: volume %s not found", req.VolumeID)
		}
		if d.opts.StageUnstage && !ephemeral {
			if s, ok := d.staged[req.StagingTargetPath]; !ok || s.volumeID != req.VolumeID {
				return csi.Errorf(csi.FailedPrecondition, "NodePublishVolume: volume %s is not staged at %q", req.VolumeID, req.StagingTargetPath)
			}
		}
		p := Publication{VolumeID: req.VolumeID, TargetPath: req.TargetPath, Readonly: req.Readonly,
			Capability: req.VolumeCapability, VolumeContext: req.VolumeContext, Secrets: req.Secrets}
		if old, ok := d.published[req.TargetPath]; ok {
			if old.VolumeID != p.VolumeID || old.Readonly != p.Readonly || !capEqual(old.Capability, p.Capability) {
				return csi.Errorf(csi.AlreadyExists, "NodePublishVolume: volume %s is published at %s with another capability or volume",
					old.VolumeID, req.TargetPath)
			}
			return nil
		}
		if err := os.MkdirAll(req.TargetPath, 0o750); err != nil {
			return csi.Errorf(csi.Internal, "NodePublishVolume %s: %v", req.VolumeID, err)
		}
		if err := os.WriteFile(filepath.Join(req.TargetPath, MarkerFile), []byte(req.VolumeID), 0o644); err != nil {
			return csi.Errorf(csi.Internal, "NodePublishVolume %s: %v", req.VolumeID, err)
		}
		if !ok {
			d.volumes[req.VolumeID] = &volume{ephemeral: true, v: csi.Volume{VolumeID: req.VolumeID,
				CapacityBytes: DefaultCapacity, VolumeContext: maps.Clone(req.VolumeContext)}}
		}
		d.published[req.TargetPath] = p
		return nil
	})
}

// NodeUnpublishVolume removes TargetPath with what was written in it (the
// "unmount": the fake keeps no content) and forgets the publication; a
// volume not published there succeeds. An ephemeral volume is deleted
// with its last publication.
func (d *Driver) NodeUnpublishVolume(ctx context.Context, volumeID, targetPath string) error {
	return d.do(ctx, "NodeUnpublishVolume", VolumeRequest{VolumeID: volumeID, Path: targetPath}, func() error {
		if volumeID == "" || targetPath == "" {
			return csi.Errorf(csi.InvalidArgument, "NodeUnpublishVolume: volume ID and target path are required")
		}
		p, ok := d.published[targetPath]
		if !ok || p.VolumeID != volumeID {
			return nil
		}
		// The specification: the plugin deletes what it created at the
		// target path.
		if err := os.RemoveAll(targetPath); err != nil {
			return csi.Errorf(csi.Internal, "NodeUnpublishVolume %s: %v", volumeID, err)
		}
		delete(d.published, targetPath)
		if v, ok := d.volumes[volumeID]; ok && v.ephemeral && !d.inUseLocked(volumeID) {
			d.deleteLocked(volumeID, v)
		}
		return nil
	})
}

func cloneStage(r csi.NodeStageVolumeRequest) csi.NodeStageVolumeRequest {
	r.VolumeCapability = cloneCap(r.VolumeCapability)
	r.PublishContext, r.Secrets, r.VolumeContext = maps.Clone(r.PublishContext), maps.Clone(r.Secrets), maps.Clone(r.VolumeContext)
	return r
}

func clonePublish(r csi.NodePublishVolumeRequest) csi.NodePublishVolumeRequest {
	r.VolumeCapability = cloneCap(r.VolumeCapability)
	r.PublishContext, r.Secrets, r.VolumeContext = maps.Clone(r.PublishContext), maps.Clone(r.Secrets), maps.Clone(r.VolumeContext)
	return r
}
