package v1_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
)

// TestSystemPriorityClasses checks the built-in classes against the names,
// values and descriptions Kubernetes creates.
func TestSystemPriorityClasses(t *testing.T) {
	type class struct {
		Name  string
		Value int32
	}
	var got []class
	for _, pc := range schedulingv1.SystemPriorityClasses() {
		got = append(got, class{pc.Name, pc.Value})
		if pc.GlobalDefault || pc.PreemptionPolicy != nil || pc.Description == "" {
			t.Errorf("%s: globalDefault %v, preemptionPolicy %v, description %q; want false, nil, non-empty",
				pc.Name, pc.GlobalDefault, pc.PreemptionPolicy, pc.Description)
		}
		if pc.APIVersion != "scheduling.k8s.io/v1" || pc.Kind != "PriorityClass" {
			t.Errorf("%s: apiVersion %q kind %q", pc.Name, pc.APIVersion, pc.Kind)
		}
	}
	want := []class{
		{"system-node-critical", 2000001000},
		{"system-cluster-critical", 2000000000},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("system classes (-want +got):\n%s", diff)
	}
	if schedulingv1.HighestUserDefinablePriority != 1000000000 || schedulingv1.SystemCriticalPriority != 2000000000 {
		t.Errorf("HighestUserDefinablePriority %d, SystemCriticalPriority %d",
			schedulingv1.HighestUserDefinablePriority, schedulingv1.SystemCriticalPriority)
	}
}

// TestSystemPriorityClassesFresh checks that every call returns values the
// caller may modify without affecting later calls.
func TestSystemPriorityClassesFresh(t *testing.T) {
	first := schedulingv1.SystemPriorityClasses()
	first[0].Value = 1
	first[0].Labels = map[string]string{"changed": "yes"}
	second := schedulingv1.SystemPriorityClasses()
	if second[0].Value != schedulingv1.SystemCriticalPriority+1000 || second[0].Labels != nil {
		t.Errorf("second call saw the first caller's change: %+v", second[0])
	}
}

// TestPriorityClassJSON checks the wire form both ways: value is always
// present, even when zero; the optional fields are absent when unset.
func TestPriorityClassJSON(t *testing.T) {
	never := corev1.PreemptNever
	tests := []struct {
		name string
		pc   schedulingv1.PriorityClass
		want string
	}{
		{
			name: "zero value keeps value",
			pc:   schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "zero"}},
			want: `{"metadata":{"name":"zero"},"value":0}`,
		},
		{
			name: "negative, non-preempting global default",
			pc: schedulingv1.PriorityClass{
				Value: -10, GlobalDefault: true, Description: "batch", PreemptionPolicy: &never,
			},
			want: `{"value":-10,"globalDefault":true,"description":"batch","preemptionPolicy":"Never"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(&tt.pc)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("encoded JSON (-want +got):\n%s", diff)
			}
			var back schedulingv1.PriorityClass
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("unmarshal %s: %v", got, err)
			}
			if diff := cmp.Diff(tt.pc, back); diff != "" {
				t.Errorf("decoded value (-want +got):\n%s", diff)
			}
		})
	}
}

// The built-in classes, as `kubectl get priorityclasses` lists them.
func ExampleSystemPriorityClasses() {
	for _, pc := range schedulingv1.SystemPriorityClasses() {
		fmt.Printf("%-24s %d\n", pc.Name, pc.Value)
	}
	// Output:
	// system-node-critical     2000001000
	// system-cluster-critical  2000000000
}
