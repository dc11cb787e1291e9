package v1_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

// TestResourceListAccessors checks that each accessor reads its own
// resource, and returns zero when the entry or the list is absent.
func TestResourceListAccessors(t *testing.T) {
	full := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("500m"),
		corev1.ResourceMemory:           resource.MustParse("128Mi"),
		corev1.ResourceStorage:          resource.MustParse("10Gi"),
		corev1.ResourceEphemeralStorage: resource.MustParse("1Gi"),
		corev1.ResourcePods:             resource.MustParse("110"),
	}
	tests := []struct {
		name string
		get  func(corev1.ResourceList) *resource.Quantity
		want string
	}{
		{"Cpu", corev1.ResourceList.Cpu, "500m"},
		{"Memory", corev1.ResourceList.Memory, "128Mi"},
		{"Storage", corev1.ResourceList.Storage, "10Gi"},
		{"StorageEphemeral", corev1.ResourceList.StorageEphemeral, "1Gi"},
		{"Pods", corev1.ResourceList.Pods, "110"},
		{"Name", func(rl corev1.ResourceList) *resource.Quantity { return rl.Name("example.com/gpu") }, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.get(full).String()); diff != "" {
				t.Errorf("%s of %v (-want +got):\n%s", tt.name, full, diff)
			}
			if got := tt.get(nil).String(); got != "0" {
				t.Errorf("%s of a nil list = %s, want 0", tt.name, got)
			}
			if got := tt.get(corev1.ResourceList{}).String(); got != "0" {
				t.Errorf("%s of an empty list = %s, want 0", tt.name, got)
			}
		})
	}
}

// TestResourceListNameCopies checks that the result of Name does not alias
// the list.
func TestResourceListNameCopies(t *testing.T) {
	rl := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
	q := rl.Cpu()
	*q = resource.MustParse("3")
	if got := rl[corev1.ResourceCPU]; got.String() != "1" {
		t.Errorf("after changing the result of Cpu, the list holds %s, want 1", got.String())
	}
}
