package fake_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/csi"
	"github.com/rigging-dev/rigging/csi/fake"
)

// code returns the CSI code of err: OK for nil, and Unknown (2) for an
// error that is not a *csi.Error.
func code(err error) csi.Code {
	if err == nil {
		return csi.OK
	}
	var ce *csi.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 2
}

var mountCap = csi.VolumeCapability{FsType: "ext4", AccessMode: csi.SingleNodeWriter}

func create(name string, size int64, params map[string]string) func(context.Context, *fake.Driver) error {
	return func(ctx context.Context, d *fake.Driver) error {
		_, err := d.CreateVolume(ctx, csi.CreateVolumeRequest{Name: name, CapacityRange: csi.CapacityRange{RequiredBytes: size},
			VolumeCapabilities: []csi.VolumeCapability{mountCap}, Parameters: params})
		return err
	}
}

func publish(id, target string, readonly, ephemeral bool) func(context.Context, *fake.Driver) error {
	return func(ctx context.Context, d *fake.Driver) error {
		var vc map[string]string
		if ephemeral {
			vc = map[string]string{fake.EphemeralContextKey: "true"}
		}
		return d.NodePublishVolume(ctx, csi.NodePublishVolumeRequest{VolumeID: id, TargetPath: target, Readonly: readonly,
			VolumeCapability: mountCap, VolumeContext: vc})
	}
}

// TestSemantics runs sequences of calls and checks the code of each, as
// the CSI specification assigns them.
func TestSemantics(t *testing.T) {
	dir := t.TempDir()
	tgt := filepath.Join(dir, "target")
	stage := filepath.Join(dir, "staging")
	type step struct {
		call func(context.Context, *fake.Driver) error
		want csi.Code
	}
	tests := []struct {
		name  string
		opts  fake.Options
		steps []step
	}{
		{"create is idempotent", fake.Options{}, []step{
			{create("pvc-1", 10, map[string]string{"a": "b"}), csi.OK},
			{create("pvc-1", 10, map[string]string{"a": "b"}), csi.OK},
		}},
		{"incompatible re-create", fake.Options{}, []step{
			{create("pvc-1", 10, map[string]string{"a": "b"}), csi.OK},
			{create("pvc-1", 10, map[string]string{"a": "c"}), csi.AlreadyExists},
			{create("pvc-1", 1<<40, map[string]string{"a": "b"}), csi.AlreadyExists},
		}},
		{"create without name or capability", fake.Options{}, []step{
			{create("", 10, nil), csi.InvalidArgument},
			{func(ctx context.Context, d *fake.Driver) error {
				_, err := d.CreateVolume(ctx, csi.CreateVolumeRequest{Name: "x"})
				return err
			}, csi.InvalidArgument},
		}},
		{"create beyond the limit", fake.Options{}, []step{
			{func(ctx context.Context, d *fake.Driver) error {
				_, err := d.CreateVolume(ctx, csi.CreateVolumeRequest{Name: "x", VolumeCapabilities: []csi.VolumeCapability{mountCap},
					CapacityRange: csi.CapacityRange{RequiredBytes: 10, LimitBytes: 5}})
				return err
			}, csi.OutOfRange},
		}},
		{"delete unknown succeeds", fake.Options{}, []step{
			{func(ctx context.Context, d *fake.Driver) error { return d.DeleteVolume(ctx, "nope", nil) }, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error { return d.DeleteVolume(ctx, "", nil) }, csi.InvalidArgument},
		}},
		{"attach and detach", fake.Options{}, []step{
			{create("pvc-1", 0, nil), csi.OK},
			{func(ctx context.Context, d *fake.Driver) error {
				_, err := d.ControllerPublishVolume(ctx, csi.ControllerPublishVolumeRequest{VolumeID: "fake-vol-1", NodeID: "n1", VolumeCapability: mountCap})
				return err
			}, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error {
				_, err := d.ControllerPublishVolume(ctx, csi.ControllerPublishVolumeRequest{VolumeID: "fake-vol-1", NodeID: "n1", VolumeCapability: mountCap})
				return err
			}, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error {
				_, err := d.ControllerPublishVolume(ctx, csi.ControllerPublishVolumeRequest{VolumeID: "fake-vol-1", NodeID: "n1", VolumeCapability: mountCap, Readonly: true})
				return err
			}, csi.AlreadyExists},
			{func(ctx context.Context, d *fake.Driver) error { return d.DeleteVolume(ctx, "fake-vol-1", nil) }, csi.FailedPrecondition},
			{func(ctx context.Context, d *fake.Driver) error {
				return d.ControllerUnpublishVolume(ctx, "fake-vol-1", "n1", nil)
			}, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error {
				return d.ControllerUnpublishVolume(ctx, "fake-vol-1", "n1", nil)
			}, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error { return d.DeleteVolume(ctx, "fake-vol-1", nil) }, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error {
				_, err := d.ControllerPublishVolume(ctx, csi.ControllerPublishVolumeRequest{VolumeID: "fake-vol-1", NodeID: "n1", VolumeCapability: mountCap})
				return err
			}, csi.NotFound},
		}},
		{"publish unknown volume", fake.Options{}, []step{
			{publish("nope", tgt, false, false), csi.NotFound},
			{publish("", tgt, false, false), csi.InvalidArgument},
			{publish("nope", "", false, true), csi.InvalidArgument},
		}},
		{"publish is idempotent, conflicts are AlreadyExists", fake.Options{}, []step{
			{publish("eph-1", tgt, false, true), csi.OK},
			{publish("eph-1", tgt, false, true), csi.OK},
			{publish("eph-1", tgt, true, true), csi.AlreadyExists},
			{publish("eph-2", tgt, false, true), csi.AlreadyExists},
			{func(ctx context.Context, d *fake.Driver) error { return d.NodeUnpublishVolume(ctx, "eph-1", tgt) }, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error { return d.NodeUnpublishVolume(ctx, "eph-1", tgt) }, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error { return d.NodeUnpublishVolume(ctx, "", tgt) }, csi.InvalidArgument},
		}},
		{"staging unimplemented by default", fake.Options{}, []step{
			{create("pvc-1", 0, nil), csi.OK},
			{func(ctx context.Context, d *fake.Driver) error {
				return d.NodeStageVolume(ctx, csi.NodeStageVolumeRequest{VolumeID: "fake-vol-1", StagingTargetPath: stage, VolumeCapability: mountCap})
			}, csi.Unimplemented},
		}},
		{"publish requires staging when the driver stages", fake.Options{StageUnstage: true}, []step{
			{create("pvc-1", 0, nil), csi.OK},
			{publish("fake-vol-1", tgt, false, false), csi.FailedPrecondition},
			{func(ctx context.Context, d *fake.Driver) error {
				return d.NodeStageVolume(ctx, csi.NodeStageVolumeRequest{VolumeID: "nope", StagingTargetPath: stage, VolumeCapability: mountCap})
			}, csi.NotFound},
			{func(ctx context.Context, d *fake.Driver) error {
				return d.NodeStageVolume(ctx, csi.NodeStageVolumeRequest{VolumeID: "fake-vol-1", StagingTargetPath: stage, VolumeCapability: mountCap})
			}, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error {
				return d.NodeStageVolume(ctx, csi.NodeStageVolumeRequest{VolumeID: "fake-vol-1", StagingTargetPath: stage, VolumeCapability: mountCap})
			}, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error {
				return d.NodeStageVolume(ctx, csi.NodeStageVolumeRequest{VolumeID: "fake-vol-1", StagingTargetPath: stage,
					VolumeCapability: csi.VolumeCapability{Block: true, AccessMode: csi.SingleNodeWriter}})
			}, csi.AlreadyExists},
			{func(ctx context.Context, d *fake.Driver) error {
				return d.NodePublishVolume(ctx, csi.NodePublishVolumeRequest{VolumeID: "fake-vol-1", StagingTargetPath: stage, TargetPath: tgt, VolumeCapability: mountCap})
			}, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error { return d.DeleteVolume(ctx, "fake-vol-1", nil) }, csi.FailedPrecondition},
			{func(ctx context.Context, d *fake.Driver) error { return d.NodeUnpublishVolume(ctx, "fake-vol-1", tgt) }, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error { return d.NodeUnstageVolume(ctx, "fake-vol-1", stage) }, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error { return d.NodeUnstageVolume(ctx, "fake-vol-1", stage) }, csi.OK},
			{func(ctx context.Context, d *fake.Driver) error { return d.DeleteVolume(ctx, "fake-vol-1", nil) }, csi.OK},
		}},
		{"a cancelled call fails", fake.Options{}, []step{
			{func(_ context.Context, d *fake.Driver) error {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				_, err := d.GetPluginInfo(ctx)
				return err
			}, 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Cleanup(func() { _ = os.RemoveAll(tgt); _ = os.RemoveAll(stage) })
			d := fake.New(tt.opts)
			for i, s := range tt.steps {
				err := s.call(t.Context(), d)
				if got := code(err); got != s.want {
					t.Fatalf("step %d: code %d (%v), want %d", i, got, err, s.want)
				}
			}
		})
	}
}

// TestPublishWritesMarkerAndRecordsCalls checks what a test of the
// kubelet relies on: the target directory and marker file, the recorded
// request, the publication, and their removal by unpublish.
func TestPublishWritesMarkerAndRecordsCalls(t *testing.T) {
	ctx := t.Context()
	d := fake.New(fake.Options{Name: "x.csi", NodeID: "n9", MaxVolumesPerNode: 3})
	tgt := filepath.Join(t.TempDir(), "mount")
	req := csi.NodePublishVolumeRequest{VolumeID: "csi-abc", TargetPath: tgt, Readonly: true, VolumeCapability: mountCap,
		Secrets: map[string]string{"k": "v"}, VolumeContext: map[string]string{fake.EphemeralContextKey: "true", "size": "1"}}
	if err := d.NodePublishVolume(ctx, req); err != nil {
		t.Fatal(err)
	}
	req.VolumeContext["size"] = "changed by the caller" // the driver keeps its own copy
	b, err := os.ReadFile(filepath.Join(tgt, fake.MarkerFile))
	if err != nil || string(b) != "csi-abc" {
		t.Fatalf("marker: %q, %v", b, err)
	}
	wantPub := []fake.Publication{{VolumeID: "csi-abc", TargetPath: tgt, Readonly: true, Capability: mountCap,
		VolumeContext: map[string]string{fake.EphemeralContextKey: "true", "size": "1"}, Secrets: map[string]string{"k": "v"}}}
	if diff := cmp.Diff(wantPub, d.Publications()); diff != "" {
		t.Errorf("publications (-want +got):\n%s", diff)
	}
	if v, ok := d.Volume("csi-abc"); !ok || v.VolumeID != "csi-abc" {
		t.Errorf("ephemeral volume not created: %+v %v", v, ok)
	}
	info, err := d.NodeGetInfo(ctx)
	if diff := cmp.Diff(csi.NodeInfo{NodeID: "n9", MaxVolumesPerNode: 3}, info); diff != "" || err != nil {
		t.Errorf("NodeGetInfo (-want +got):\n%s %v", diff, err)
	}
	pi, err := d.GetPluginInfo(ctx)
	if err != nil || pi.Name != "x.csi" {
		t.Errorf("GetPluginInfo: %+v %v", pi, err)
	}
	// What a container wrote into the volume goes with the "unmount".
	if err := os.WriteFile(filepath.Join(tgt, "written-by-app"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := d.NodeUnpublishVolume(ctx, "csi-abc", tgt); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tgt); !os.IsNotExist(err) {
		t.Errorf("target still there after unpublish: %v", err)
	}
	if _, ok := d.Volume("csi-abc"); ok {
		t.Error("the ephemeral volume outlived its last publication")
	}
	var methods []string
	for _, c := range d.Calls() {
		methods = append(methods, c.Method)
	}
	if diff := cmp.Diff([]string{"NodePublishVolume", "NodeGetInfo", "GetPluginInfo", "NodeUnpublishVolume"}, methods); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	wantReq := csi.NodePublishVolumeRequest{VolumeID: "csi-abc", TargetPath: tgt, Readonly: true, VolumeCapability: mountCap,
		Secrets: map[string]string{"k": "v"}, VolumeContext: map[string]string{fake.EphemeralContextKey: "true", "size": "1"}}
	if diff := cmp.Diff(wantReq, d.CallsTo("NodePublishVolume")[0].Request); diff != "" {
		t.Errorf("recorded request (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fake.VolumeRequest{VolumeID: "csi-abc", Path: tgt}, d.CallsTo("NodeUnpublishVolume")[0].Request); diff != "" {
		t.Errorf("recorded unpublish (-want +got):\n%s", diff)
	}
	d.ResetCalls()
	if n := len(d.Calls()); n != 0 {
		t.Errorf("%d calls after ResetCalls", n)
	}
}

// TestInjectedFailures: FailNext fails the next calls in order, SetError
// every call until cleared; a failed call changes nothing and is
// recorded with its error.
func TestInjectedFailures(t *testing.T) {
	ctx := t.Context()
	d := fake.New(fake.Options{})
	tgt := filepath.Join(t.TempDir(), "mount")
	pub := publish("e1", tgt, false, true)
	first, second := csi.Errorf(csi.Internal, "first"), csi.Errorf(csi.Unavailable, "second")
	d.FailNext("NodePublishVolume", first)
	d.FailNext("NodePublishVolume", second)
	d.SetError("NodePublishVolume", csi.Errorf(csi.Aborted, "always"))
	var got []csi.Code
	for range 4 {
		got = append(got, code(pub(ctx, d)))
	}
	if diff := cmp.Diff([]csi.Code{csi.Internal, csi.Unavailable, csi.Aborted, csi.Aborted}, got); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(tgt); !os.IsNotExist(err) || len(d.Publications()) != 0 {
		t.Errorf("a failed publish left state: %v %v", err, d.Publications())
	}
	calls := d.CallsTo("NodePublishVolume")
	if len(calls) != 4 || calls[0].Err != first || calls[1].Err != second {
		t.Errorf("recorded calls: %+v", calls)
	}
	d.SetError("NodePublishVolume", nil)
	if err := pub(ctx, d); err != nil {
		t.Fatalf("after SetError(nil): %v", err)
	}
	if _, err := d.GetPluginInfo(ctx); err != nil {
		t.Errorf("another method failed: %v", err)
	}
}

// TestConcurrentCalls publishes and unpublishes from many goroutines
// (run with -race).
func TestConcurrentCalls(t *testing.T) {
	ctx := t.Context()
	d := fake.New(fake.Options{})
	dir := t.TempDir()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			tgt := filepath.Join(dir, string(rune('a'+i)))
			id := "v-" + string(rune('a'+i))
			for range 20 {
				if err := publish(id, tgt, false, true)(ctx, d); err != nil {
					t.Error(err)
					return
				}
				_ = d.Publications()
				if err := d.NodeUnpublishVolume(ctx, id, tgt); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := len(d.Publications()); n != 0 {
		t.Errorf("%d publications left", n)
	}
	if n := len(d.CallsTo("NodePublishVolume")); n != 160 {
		t.Errorf("%d NodePublishVolume calls recorded, want 160", n)
	}
}
