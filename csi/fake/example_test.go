package fake_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rigging-dev/rigging/csi"
	"github.com/rigging-dev/rigging/csi/fake"
)

// Example publishes an ephemeral inline volume as the kubelet does, reads
// the marker file the driver wrote, and unpublishes it.
func Example() {
	ctx := context.Background()
	d := fake.New(fake.Options{})
	dir, err := os.MkdirTemp("", "fake-csi-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	target := filepath.Join(dir, "mount")

	info, _ := d.GetPluginInfo(ctx)
	fmt.Println("driver:", info.Name)
	err = d.NodePublishVolume(ctx, csi.NodePublishVolumeRequest{
		VolumeID:         "csi-1234",
		TargetPath:       target,
		VolumeCapability: csi.VolumeCapability{AccessMode: csi.SingleNodeWriter},
		VolumeContext:    map[string]string{fake.EphemeralContextKey: "true"},
	})
	fmt.Println("publish:", err)
	b, _ := os.ReadFile(filepath.Join(target, fake.MarkerFile))
	fmt.Println("marker:", string(b))

	d.FailNext("NodeUnpublishVolume", csi.Errorf(csi.Unavailable, "driver restarting"))
	fmt.Println("unpublish:", d.NodeUnpublishVolume(ctx, "csi-1234", target))
	fmt.Println("unpublish again:", d.NodeUnpublishVolume(ctx, "csi-1234", target))
	_, exists := d.Volume("csi-1234")
	fmt.Println("volume exists:", exists, "publications:", len(d.Publications()))
	// Output:
	// driver: fake.csi.rigging.dev
	// publish: <nil>
	// marker: csi-1234
	// unpublish: csi error code 14: driver restarting
	// unpublish again: <nil>
	// volume exists: false publications: 0
}
