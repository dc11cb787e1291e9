package fake

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/rigging-dev/rigging/csi"
)

// Defaults of Options.
const (
	// DefaultName is the driver's name when Options.Name is empty.
	DefaultName = "fake.csi.rigging.dev"
	// DefaultNodeID is NodeGetInfo's node ID when Options.NodeID is empty.
	DefaultNodeID = "fake-node"
	// DefaultCapacity is the size of a volume created without a required
	// size (1 GiB).
	DefaultCapacity = 1 << 30
	// MarkerFile is the file NodePublishVolume writes in the target
	// directory; it holds the volume ID.
	MarkerFile = "fake-csi-volume"
	// EphemeralContextKey is the volume context key by which the kubelet
	// marks an ephemeral inline volume ("true").
	EphemeralContextKey = "csi.storage.k8s.io/ephemeral"
)

// canceled is gRPC's Canceled code, which the specification does not
// list but a cancelled call returns.
const canceled csi.Code = 1

// Options configure a Driver. The zero value works.
type Options struct {
	// Name is the driver's name (GetPluginInfo). Default DefaultName.
	Name string
	// NodeID is the node's ID (NodeGetInfo). Default DefaultNodeID.
	NodeID string
	// StageUnstage makes the node service report NodeStageUnstageVolume:
	// then a volume made by CreateVolume must be staged before it is
	// published (FailedPrecondition otherwise). Default false: staging is
	// Unimplemented.
	StageUnstage bool
	// MaxVolumesPerNode is reported by NodeGetInfo. Default 0: no limit.
	MaxVolumesPerNode int64
}

// Call is one recorded call of a VolumePlugin method.
type Call struct {
	// Method is the csi.VolumePlugin method's name, e.g.
	// "NodePublishVolume".
	Method string
	// Request is the call's argument: the request struct for the methods
	// that take one (csi.NodePublishVolumeRequest, ...), else a
	// VolumeRequest; nil for the methods without arguments.
	Request any
	// Err is what the call returned.
	Err error
}

// VolumeRequest is the argument of the methods that take IDs and paths
// rather than a request struct (DeleteVolume, ControllerUnpublishVolume,
// NodeUnstageVolume, NodeUnpublishVolume); the fields a method does not
// take are empty.
type VolumeRequest struct {
	VolumeID string
	NodeID   string
	// Path is NodeUnstageVolume's staging path or NodeUnpublishVolume's
	// target path.
	Path    string
	Secrets map[string]string
}

// Publication is a volume published at a target path.
type Publication struct {
	VolumeID      string
	TargetPath    string
	Readonly      bool
	Capability    csi.VolumeCapability
	VolumeContext map[string]string
	Secrets       map[string]string
}

type volume struct {
	v         csi.Volume
	name      string
	caps      []csi.VolumeCapability
	params    map[string]string
	ephemeral bool
}

type attachment struct {
	cap      csi.VolumeCapability
	readonly bool
}

type staging struct {
	volumeID string
	cap      csi.VolumeCapability
}

// Driver is an in-memory CSI driver. Its methods may be called from any
// number of goroutines at once.
type Driver struct {
	opts Options

	mu        sync.Mutex // guards every field below
	nextID    int
	volumes   map[string]*volume       // by volume ID
	byName    map[string]string        // CreateVolume name -> volume ID
	attached  map[[2]string]attachment // (volume ID, node ID)
	staged    map[string]staging       // staging path -> volume
	published map[string]Publication   // target path -> publication
	calls     []Call
	failNext  map[string][]error // method -> errors for its next calls, in order
	failAll   map[string]error   // method -> error for every call
}

var _ csi.VolumePlugin = (*Driver)(nil)

// New returns an empty driver configured by opts.
func New(opts Options) *Driver {
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	if opts.NodeID == "" {
		opts.NodeID = DefaultNodeID
	}
	return &Driver{opts: opts, volumes: map[string]*volume{}, byName: map[string]string{},
		attached: map[[2]string]attachment{}, staged: map[string]staging{}, published: map[string]Publication{},
		failNext: map[string][]error{}, failAll: map[string]error{}}
}

// FailNext makes the next call of method (a csi.VolumePlugin method name,
// e.g. "NodePublishVolume") return err without doing anything. Calls
// queue: two FailNext make the next two calls fail, in order.
func (d *Driver) FailNext(method string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.failNext[method] = append(d.failNext[method], err)
}

// SetError makes every call of method return err without doing
// anything, until SetError(method, nil). Errors queued by FailNext come
// first.
func (d *Driver) SetError(method string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err == nil {
		delete(d.failAll, method)
		return
	}
	d.failAll[method] = err
}

// Calls returns every call so far, oldest first. The caller owns the
// returned slice.
func (d *Driver) Calls() []Call {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.calls)
}

// CallsTo returns the calls of method so far, oldest first.
func (d *Driver) CallsTo(method string) []Call {
	return slices.DeleteFunc(d.Calls(), func(c Call) bool { return c.Method != method })
}

// ResetCalls forgets the recorded calls.
func (d *Driver) ResetCalls() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = nil
}

// Volume returns the volume with ID id, and whether it exists.
func (d *Driver) Volume(id string) (csi.Volume, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	v, ok := d.volumes[id]
	if !ok {
		return csi.Volume{}, false
	}
	return cloneVolume(v.v), true
}

// Publications returns the volumes published now, sorted by target path.
// The caller owns the returned slice.
func (d *Driver) Publications() []Publication {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Publication, 0, len(d.published))
	for _, p := range d.published {
		out = append(out, clonePublication(p))
	}
	slices.SortFunc(out, func(a, b Publication) int { return cmpString(a.TargetPath, b.TargetPath) })
	return out
}

// begin starts a call of method: it fails with ctx's end or an injected
// error. Callers hold d.mu.
func (d *Driver) beginLocked(ctx context.Context, method string) error {
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return csi.Errorf(csi.DeadlineExceeded, "%s: %v", method, err)
		}
		return csi.Errorf(canceled, "%s: %v", method, err)
	}
	if q := d.failNext[method]; len(q) > 0 {
		d.failNext[method] = q[1:]
		if len(q) == 1 {
			delete(d.failNext, method)
		}
		return q[0]
	}
	return d.failAll[method]
}

// do runs fn as one call of method, recording it.
func (d *Driver) do(ctx context.Context, method string, req any, fn func() error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	err := d.beginLocked(ctx, method)
	if err == nil {
		err = fn()
	}
	d.calls = append(d.calls, Call{Method: method, Request: req, Err: err})
	return err
}

// GetPluginInfo names the driver.
func (d *Driver) GetPluginInfo(ctx context.Context) (csi.PluginInfo, error) {
	var info csi.PluginInfo
	err := d.do(ctx, "GetPluginInfo", nil, func() error {
		info = csi.PluginInfo{Name: d.opts.Name, VendorVersion: "0.1.0"}
		return nil
	})
	return info, err
}

// ControllerGetCapabilities reports create/delete and publish/unpublish.
func (d *Driver) ControllerGetCapabilities(ctx context.Context) ([]csi.ControllerCapability, error) {
	var caps []csi.ControllerCapability
	err := d.do(ctx, "ControllerGetCapabilities", nil, func() error {
		caps = []csi.ControllerCapability{csi.ControllerCreateDeleteVolume, csi.ControllerPublishUnpublishVolume}
		return nil
	})
	return caps, err
}

// NodeGetCapabilities reports NodeStageUnstageVolume when
// Options.StageUnstage is set, else nothing.
func (d *Driver) NodeGetCapabilities(ctx context.Context) ([]csi.NodeCapability, error) {
	var caps []csi.NodeCapability
	err := d.do(ctx, "NodeGetCapabilities", nil, func() error {
		if d.opts.StageUnstage {
			caps = []csi.NodeCapability{csi.NodeStageUnstageVolume}
		}
		return nil
	})
	return caps, err
}

// NodeGetInfo reports Options.NodeID and Options.MaxVolumesPerNode.
func (d *Driver) NodeGetInfo(ctx context.Context) (csi.NodeInfo, error) {
	var info csi.NodeInfo
	err := d.do(ctx, "NodeGetInfo", nil, func() error {
		info = csi.NodeInfo{NodeID: d.opts.NodeID, MaxVolumesPerNode: d.opts.MaxVolumesPerNode}
		return nil
	})
	return info, err
}

// CreateVolume provisions a volume of RequiredBytes (DefaultCapacity when
// unset). Repeating a request with the same name returns the same volume;
// one whose parameters, capabilities or capacity differ fails with
// AlreadyExists. A missing name or capability is InvalidArgument, a
// required size above the limit OutOfRange.
func (d *Driver) CreateVolume(ctx context.Context, req csi.CreateVolumeRequest) (*csi.Volume, error) {
	req = cloneCreate(req)
	var out *csi.Volume
	err := d.do(ctx, "CreateVolume", req, func() error {
		if req.Name == "" {
			return csi.Errorf(csi.InvalidArgument, "CreateVolume: name is required")
		}
		if len(req.VolumeCapabilities) == 0 {
			return csi.Errorf(csi.InvalidArgument, "CreateVolume %s: volume capabilities are required", req.Name)
		}
		r := req.CapacityRange
		if r.RequiredBytes < 0 || r.LimitBytes < 0 || (r.LimitBytes > 0 && r.RequiredBytes > r.LimitBytes) {
			return csi.Errorf(csi.OutOfRange, "CreateVolume %s: capacity range %+v cannot be satisfied", req.Name, r)
		}
		size := r.RequiredBytes
		if size == 0 {
			size = DefaultCapacity
			if r.LimitBytes > 0 && r.LimitBytes < size {
				size = r.LimitBytes
			}
		}
		if id, ok := d.byName[req.Name]; ok {
			v := d.volumes[id]
			if !maps.Equal(v.params, req.Parameters) || !slices.EqualFunc(v.caps, req.VolumeCapabilities, capEqual) ||
				v.v.CapacityBytes < r.RequiredBytes || (r.LimitBytes > 0 && v.v.CapacityBytes > r.LimitBytes) {
				return csi.Errorf(csi.AlreadyExists, "CreateVolume %s: volume %s exists with other parameters, capabilities or size", req.Name, id)
			}
			c := cloneVolume(v.v)
			out = &c
			return nil
		}
		d.nextID++
		id := fmt.Sprintf("fake-vol-%d", d.nextID)
		v := &volume{name: req.Name, caps: req.VolumeCapabilities, params: req.Parameters,
			v: csi.Volume{VolumeID: id, CapacityBytes: size, VolumeContext: maps.Clone(req.Parameters)}}
		if len(req.Requisite) > 0 {
			// Placed in the first requisite topology.
			v.v.AccessibleTopology = []csi.Topology{{Segments: maps.Clone(req.Requisite[0].Segments)}}
		}
		d.volumes[id], d.byName[req.Name] = v, id
		c := cloneVolume(v.v)
		out = &c
		return nil
	})
	return out, err
}

// DeleteVolume deletes a volume; an unknown ID succeeds. A volume still
// attached, staged or published fails with FailedPrecondition.
func (d *Driver) DeleteVolume(ctx context.Context, volumeID string, secrets map[string]string) error {
	return d.do(ctx, "DeleteVolume", VolumeRequest{VolumeID: volumeID, Secrets: maps.Clone(secrets)}, func() error {
		if volumeID == "" {
			return csi.Errorf(csi.InvalidArgument, "DeleteVolume: volume ID is required")
		}
		v, ok := d.volumes[volumeID]
		if !ok {
			return nil
		}
		if d.inUseLocked(volumeID) {
			return csi.Errorf(csi.FailedPrecondition, "DeleteVolume %s: volume is in use", volumeID)
		}
		d.deleteLocked(volumeID, v)
		return nil
	})
}

func (d *Driver) inUseLocked(volumeID string) bool {
	for k := range d.attached {
		if k[0] == volumeID {
			return true
		}
	}
	for _, s := range d.staged {
		if s.volumeID == volumeID {
			return true
		}
	}
	for _, p := range d.published {
		if p.VolumeID == volumeID {
			return true
		}
	}
	return false
}

func (d *Driver) deleteLocked(id string, v *volume) {
	delete(d.volumes, id)
	if v.name != "" {
		delete(d.byName, v.name)
	}
}

// ControllerPublishVolume attaches a volume to a node and returns the
// publish context {"devicePath": "/dev/fake/<volume ID>"}. Repeating it
// succeeds; attaching it to the same node with another capability or
// read-only setting fails with AlreadyExists. An unknown volume is
// NotFound.
func (d *Driver) ControllerPublishVolume(ctx context.Context, req csi.ControllerPublishVolumeRequest) (map[string]string, error) {
	req = cloneControllerPublish(req)
	var out map[string]string
	err := d.do(ctx, "ControllerPublishVolume", req, func() error {
		if req.VolumeID == "" || req.NodeID == "" {
			return csi.Errorf(csi.InvalidArgument, "ControllerPublishVolume: volume ID and node ID are required")
		}
		if _, ok := d.volumes[req.VolumeID]; !ok {
			return csi.Errorf(csi.NotFound, "ControllerPublishVolume: volume %s not found", req.VolumeID)
		}
		key := [2]string{req.VolumeID, req.NodeID}
		a := attachment{cap: req.VolumeCapability, readonly: req.Readonly}
		if old, ok := d.attached[key]; ok && (old.readonly != a.readonly || !capEqual(old.cap, a.cap)) {
			return csi.Errorf(csi.AlreadyExists, "ControllerPublishVolume: volume %s is attached to node %s with another capability", req.VolumeID, req.NodeID)
		}
		d.attached[key] = a
		out = map[string]string{"devicePath": "/dev/fake/" + req.VolumeID}
		return nil
	})
	return out, err
}

// ControllerUnpublishVolume detaches a volume from a node; a volume or
// node that is not attached succeeds.
func (d *Driver) ControllerUnpublishVolume(ctx context.Context, volumeID, nodeID string, secrets map[string]string) error {
	return d.do(ctx, "ControllerUnpublishVolume", VolumeRequest{VolumeID: volumeID, NodeID: nodeID, Secrets: maps.Clone(secrets)}, func() error {
		if volumeID == "" {
			return csi.Errorf(csi.InvalidArgument, "ControllerUnpublishVolume: volume ID is required")
		}
		for k := range d.attached {
			if k[0] == volumeID && (nodeID == "" || k[1] == nodeID) {
				delete(d.attached, k)
			}
		}
		return nil
	})
}

func capEqual(a, b csi.VolumeCapability) bool {
	return a.Block == b.Block && a.FsType == b.FsType && a.AccessMode == b.AccessMode && slices.Equal(a.MountFlags, b.MountFlags)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cloneVolume(v csi.Volume) csi.Volume {
	v.VolumeContext = maps.Clone(v.VolumeContext)
	v.AccessibleTopology = slices.Clone(v.AccessibleTopology)
	return v
}

func cloneCap(c csi.VolumeCapability) csi.VolumeCapability {
	c.MountFlags = slices.Clone(c.MountFlags)
	return c
}

func cloneCreate(r csi.CreateVolumeRequest) csi.CreateVolumeRequest {
	r.VolumeCapabilities = slices.Clone(r.VolumeCapabilities)
	for i := range r.VolumeCapabilities {
		r.VolumeCapabilities[i] = cloneCap(r.VolumeCapabilities[i])
	}
	r.Parameters, r.Secrets = maps.Clone(r.Parameters), maps.Clone(r.Secrets)
	r.Requisite, r.Preferred = slices.Clone(r.Requisite), slices.Clone(r.Preferred)
	return r
}

func cloneControllerPublish(r csi.ControllerPublishVolumeRequest) csi.ControllerPublishVolumeRequest {
	r.VolumeCapability = cloneCap(r.VolumeCapability)
	r.Secrets, r.VolumeContext = maps.Clone(r.Secrets), maps.Clone(r.VolumeContext)
	return r
}

func clonePublication(p Publication) Publication {
	p.Capability = cloneCap(p.Capability)
	p.VolumeContext, p.Secrets = maps.Clone(p.VolumeContext), maps.Clone(p.Secrets)
	return p
}
