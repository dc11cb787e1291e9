package v1_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	autoscalingv1 "github.com/rigging-dev/rigging/api/autoscaling/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// TestScaleJSON checks the wire form of Scale both ways.
func TestScaleJSON(t *testing.T) {
	tests := []struct {
		name  string
		scale autoscalingv1.Scale
		want  string
	}{
		{
			name:  "zero scale is empty",
			scale: autoscalingv1.Scale{},
			want:  `{}`,
		},
		{
			name:  "request to scale to zero has an empty spec",
			scale: autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", ResourceVersion: "42"}},
			want:  `{"metadata":{"name":"web","resourceVersion":"42"}}`,
		},
		{
			name: "status keeps replicas even when zero",
			scale: autoscalingv1.Scale{
				Spec:   autoscalingv1.ScaleSpec{Replicas: 3},
				Status: autoscalingv1.ScaleStatus{Selector: "app=web"},
			},
			want: `{"spec":{"replicas":3},"status":{"replicas":0,"selector":"app=web"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(&tt.scale)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("encoded JSON (-want +got):\n%s", diff)
			}
			var back autoscalingv1.Scale
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("unmarshal %s: %v", got, err)
			}
			if diff := cmp.Diff(tt.scale, back); diff != "" {
				t.Errorf("decoded value (-want +got):\n%s", diff)
			}
		})
	}
}

// The body a client PUTs to deployments/web/scale to run five replicas,
// guarded by the Deployment's resourceVersion.
func ExampleScale() {
	scale := autoscalingv1.Scale{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v1", Kind: "Scale"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", ResourceVersion: "1234"},
		Spec:       autoscalingv1.ScaleSpec{Replicas: 5},
	}
	out, err := json.Marshal(scale)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","namespace":"shop","resourceVersion":"1234"},"spec":{"replicas":5}}
}
