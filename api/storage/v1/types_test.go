package v1_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
)

func ptr[T any](v T) *T { return &v }

// TestJSON checks the wire form of the storage kinds both ways: the fields
// Kubernetes always writes (provisioner, spec, attached, drivers,
// topologyKeys) are present even when empty, a false pointer survives, a
// zero error time is absent, and decoding the encoding with unknown fields
// disallowed gives the value back.
func TestJSON(t *testing.T) {
	failed := metav1.NewTime(time.Date(2025, 1, 20, 8, 0, 0, 0, time.UTC))
	tests := []struct {
		name string
		obj  any
		want string
	}{
		{
			name: "storage class keeps provisioner",
			obj:  &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "standard"}},
			want: `{"metadata":{"name":"standard"},"provisioner":""}`,
		},
		{
			name: "storage class with policy, mode and topology",
			obj: &storagev1.StorageClass{
				Provisioner:          "hostpath.csi.k8s.io",
				ReclaimPolicy:        ptr(corev1.PersistentVolumeReclaimRetain),
				AllowVolumeExpansion: ptr(false),
				VolumeBindingMode:    ptr(storagev1.VolumeBindingWaitForFirstConsumer),
				AllowedTopologies: []corev1.TopologySelectorTerm{{
					MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{{Key: "zone", Values: []string{"a"}}},
				}},
			},
			want: `{"provisioner":"hostpath.csi.k8s.io","reclaimPolicy":"Retain","allowVolumeExpansion":false,` +
				`"volumeBindingMode":"WaitForFirstConsumer","allowedTopologies":[{"matchLabelExpressions":[{"key":"zone","values":["a"]}]}]}`,
		},
		{
			name: "csi driver keeps an empty spec",
			obj:  &storagev1.CSIDriver{},
			want: `{"spec":{}}`,
		},
		{
			name: "csi driver",
			obj: &storagev1.CSIDriver{Spec: storagev1.CSIDriverSpec{
				AttachRequired:       ptr(false),
				VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecycleEphemeral},
				FSGroupPolicy:        ptr(storagev1.NoneFSGroupPolicy),
				TokenRequests:        []storagev1.TokenRequest{{Audience: ""}},
			}},
			want: `{"spec":{"attachRequired":false,"volumeLifecycleModes":["Ephemeral"],"fsGroupPolicy":"None","tokenRequests":[{"audience":""}]}}`,
		},
		{
			name: "csi node keeps drivers and topologyKeys",
			obj: &storagev1.CSINode{Spec: storagev1.CSINodeSpec{Drivers: []storagev1.CSINodeDriver{
				{Name: "hostpath.csi.k8s.io", NodeID: "n1", Allocatable: &storagev1.VolumeNodeResources{}},
			}}},
			want: `{"spec":{"drivers":[{"name":"hostpath.csi.k8s.io","nodeID":"n1","topologyKeys":null,"allocatable":{}}]}}`,
		},
		{
			name: "empty csi node",
			obj:  &storagev1.CSINode{},
			want: `{"spec":{"drivers":null}}`,
		},
		{
			name: "volume attachment with an attach error",
			obj: &storagev1.VolumeAttachment{
				Spec: storagev1.VolumeAttachmentSpec{
					Attacher: "hostpath.csi.k8s.io", NodeName: "n1",
					Source: storagev1.VolumeAttachmentSource{PersistentVolumeName: ptr("pv-1")},
				},
				Status: storagev1.VolumeAttachmentStatus{
					AttachError: &storagev1.VolumeError{Time: failed, Message: "timed out", ErrorCode: ptr(int32(4))},
					DetachError: &storagev1.VolumeError{Message: "busy"},
				},
			},
			want: `{"spec":{"attacher":"hostpath.csi.k8s.io","source":{"persistentVolumeName":"pv-1"},"nodeName":"n1"},` +
				`"status":{"attached":false,"attachError":{"time":"2025-01-20T08:00:00Z","message":"timed out","errorCode":4},` +
				`"detachError":{"message":"busy"}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.obj)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("encoded JSON (-want +got):\n%s", diff)
			}
			back := reflect.New(reflect.TypeOf(tt.obj).Elem()).Interface()
			dec := json.NewDecoder(bytes.NewReader(got))
			dec.DisallowUnknownFields()
			if err := dec.Decode(back); err != nil {
				t.Fatalf("unmarshal %s: %v", got, err)
			}
			if diff := cmp.Diff(tt.obj, back); diff != "" {
				t.Errorf("decoded value (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDeepCopy checks that deep copies share no memory with the original.
func TestDeepCopy(t *testing.T) {
	class := &storagev1.StorageClass{
		Parameters:   map[string]string{"type": "ssd"},
		MountOptions: []string{"noatime"},
		AllowedTopologies: []corev1.TopologySelectorTerm{{
			MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{{Key: "zone", Values: []string{"a"}}},
		}},
	}
	attachment := &storagev1.VolumeAttachment{Status: storagev1.VolumeAttachmentStatus{
		AttachmentMetadata: map[string]string{"devicePath": "/dev/vdb"},
		AttachError:        &storagev1.VolumeError{ErrorCode: ptr(int32(1))},
	}}
	wantClass, wantAttachment := class.DeepCopy(), attachment.DeepCopy()

	c := class.DeepCopy()
	c.Parameters["type"] = "hdd"
	c.MountOptions[0] = "sync"
	c.AllowedTopologies[0].MatchLabelExpressions[0].Values[0] = "b"
	a := attachment.DeepCopy()
	a.Status.AttachmentMetadata["devicePath"] = "/dev/vdc"
	*a.Status.AttachError.ErrorCode = 2

	if diff := cmp.Diff(wantClass, class); diff != "" {
		t.Errorf("mutating the copy changed the StorageClass (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantAttachment, attachment); diff != "" {
		t.Errorf("mutating the copy changed the VolumeAttachment (-want +got):\n%s", diff)
	}
}

// A default StorageClass that provisions host-path volumes only once a pod
// using the claim has been scheduled, and keeps them after the claim goes.
func ExampleStorageClass() {
	retain := corev1.PersistentVolumeReclaimRetain
	mode := storagev1.VolumeBindingWaitForFirstConsumer
	class := storagev1.StorageClass{
		TypeMeta: metav1.TypeMeta{APIVersion: storagev1.GroupName + "/" + storagev1.Version, Kind: "StorageClass"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        "local",
			Annotations: map[string]string{storagev1.AnnotationIsDefaultStorageClass: "true"},
		},
		Provisioner:       "hostpath.csi.k8s.io",
		ReclaimPolicy:     &retain,
		VolumeBindingMode: &mode,
	}
	out, err := json.MarshalIndent(class, "", "  ")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {
	//   "kind": "StorageClass",
	//   "apiVersion": "storage.k8s.io/v1",
	//   "metadata": {
	//     "name": "local",
	//     "annotations": {
	//       "storageclass.kubernetes.io/is-default-class": "true"
	//     }
	//   },
	//   "provisioner": "hostpath.csi.k8s.io",
	//   "reclaimPolicy": "Retain",
	//   "volumeBindingMode": "WaitForFirstConsumer"
	// }
}
