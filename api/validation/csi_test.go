package validation_test

import (
	"strings"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
	"github.com/rigging-dev/rigging/api/validation"
)

func TestCSIDriver(t *testing.T) {
	valid := func() *storagev1.CSIDriver {
		return &storagev1.CSIDriver{
			ObjectMeta: metav1.ObjectMeta{Name: "hostpath.csi.rigging.dev", ResourceVersion: "1"},
			Spec: storagev1.CSIDriverSpec{
				AttachRequired: ptr(true), PodInfoOnMount: ptr(false),
				StorageCapacity: ptr(false), RequiresRepublish: ptr(false),
				VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent},
				TokenRequests:        []storagev1.TokenRequest{{Audience: "vault", ExpirationSeconds: ptr(int64(3600))}},
			},
		}
	}
	runMutations(t, valid, validation.CSIDriver, []mutation[storagev1.CSIDriver]{
		{"attachRequired required", func(d *storagev1.CSIDriver) { d.Spec.AttachRequired = nil },
			[]string{"spec.attachRequired: Required value"}},
		{"requiresRepublish required", func(d *storagev1.CSIDriver) { d.Spec.RequiresRepublish = nil },
			[]string{"spec.requiresRepublish: Required value"}},
		{"lifecycle mode", func(d *storagev1.CSIDriver) { d.Spec.VolumeLifecycleModes[0] = "Forever" },
			[]string{`spec.volumeLifecycleModes[0]: Unsupported value: "Forever": supported values: "Persistent", "Ephemeral"`}},
		{"duplicate audience", func(d *storagev1.CSIDriver) {
			d.Spec.TokenRequests = append(d.Spec.TokenRequests, storagev1.TokenRequest{Audience: "vault"})
		}, []string{`spec.tokenRequests[1].audience: Duplicate value: "vault"`}},
		{"short token", func(d *storagev1.CSIDriver) { d.Spec.TokenRequests[0].ExpirationSeconds = ptr(int64(60)) },
			[]string{"spec.tokenRequests[0].expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes"}},
		{"namespaced", func(d *storagev1.CSIDriver) { d.Namespace = "shop" },
			[]string{"metadata.namespace: Forbidden: not allowed on this type"}},
	})
}

func TestVolumeAttachment(t *testing.T) {
	valid := func() *storagev1.VolumeAttachment {
		return &storagev1.VolumeAttachment{
			ObjectMeta: metav1.ObjectMeta{Name: "csi-0123", ResourceVersion: "1"},
			Spec: storagev1.VolumeAttachmentSpec{
				Attacher: "hostpath.csi.rigging.dev",
				NodeName: "worker-1",
				Source:   storagev1.VolumeAttachmentSource{PersistentVolumeName: ptr("pv-1")},
			},
		}
	}
	runMutations(t, valid, validation.VolumeAttachment, []mutation[storagev1.VolumeAttachment]{
		{"attacher required", func(v *storagev1.VolumeAttachment) { v.Spec.Attacher = "" },
			[]string{"spec.attacher: Required value"}},
		{"nodeName required", func(v *storagev1.VolumeAttachment) { v.Spec.NodeName = "" },
			[]string{"spec.nodeName: Required value"}},
		{"no source", func(v *storagev1.VolumeAttachment) { v.Spec.Source = storagev1.VolumeAttachmentSource{} },
			[]string{"spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName"}},
		{"two sources", func(v *storagev1.VolumeAttachment) { v.Spec.Source.InlineVolumeSpec = &corev1.PersistentVolumeSpec{} },
			[]string{"spec.source: Forbidden: must specify exactly one of inlineVolumeSpec and persistentVolumeName"}},
		{"empty pv name", func(v *storagev1.VolumeAttachment) { v.Spec.Source.PersistentVolumeName = ptr("") },
			[]string{"spec.source.persistentVolumeName: Required value: must specify non empty persistentVolumeName"}},
	})
}

func TestCSINode(t *testing.T) {
	valid := func() *storagev1.CSINode {
		return &storagev1.CSINode{
			ObjectMeta: metav1.ObjectMeta{Name: "worker-1", ResourceVersion: "1"},
			Spec: storagev1.CSINodeSpec{Drivers: []storagev1.CSINodeDriver{{
				Name: "hostpath.csi.rigging.dev", NodeID: "worker-1",
				TopologyKeys: []string{corev1.LabelTopologyZone},
				Allocatable:  &storagev1.VolumeNodeResources{Count: ptr(int32(10))},
			}}},
		}
	}
	runMutations(t, valid, validation.CSINode, []mutation[storagev1.CSINode]{
		{"duplicate driver", func(n *storagev1.CSINode) { n.Spec.Drivers = append(n.Spec.Drivers, n.Spec.Drivers[0]) },
			[]string{`spec.drivers[1].name: Duplicate value: "hostpath.csi.rigging.dev"`}},
		{"nodeID required", func(n *storagev1.CSINode) { n.Spec.Drivers[0].NodeID = "" },
			[]string{"spec.drivers[0].nodeID: Required value"}},
		{"nodeID too long", func(n *storagev1.CSINode) { n.Spec.Drivers[0].NodeID = strings.Repeat("n", 193) },
			[]string{`spec.drivers[0].nodeID: Invalid value: "` + strings.Repeat("n", 193) + `": must be 192 characters or less`}},
		{"duplicate topology key", func(n *storagev1.CSINode) {
			n.Spec.Drivers[0].TopologyKeys = append(n.Spec.Drivers[0].TopologyKeys, corev1.LabelTopologyZone)
		}, []string{`spec.drivers[0].topologyKeys[1]: Duplicate value: "topology.kubernetes.io/zone"`}},
		{"negative count", func(n *storagev1.CSINode) { n.Spec.Drivers[0].Allocatable.Count = ptr(int32(-1)) },
			[]string{"spec.drivers[0].allocatable.count: Invalid value: -1: must be greater than or equal to 0"}},
	})
}
