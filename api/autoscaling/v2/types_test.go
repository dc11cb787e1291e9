package v2_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

func ptr[T any](v T) *T { return &v }

// TestHorizontalPodAutoscalerJSON checks the wire form both ways: the
// required fields (scaleTargetRef, maxReplicas, desiredReplicas,
// currentMetrics) are present even when zero, a zero stabilization window
// survives, quantities are strings, and decoding the encoding with unknown
// fields disallowed gives the value back.
func TestHorizontalPodAutoscalerJSON(t *testing.T) {
	averageValue := resource.MustParse("100m")
	tests := []struct {
		name string
		hpa  autoscalingv2.HorizontalPodAutoscaler
		want string
	}{
		{
			name: "zero autoscaler is empty",
			want: `{}`,
		},
		{
			name: "required spec fields",
			hpa: autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web"},
				MinReplicas:    ptr(int32(1)),
			}},
			want: `{"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":0}}`,
		},
		{
			name: "resource utilization and pods average value",
			hpa: autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
				MaxReplicas:    10,
				Metrics: []autoscalingv2.MetricSpec{
					{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
						Name:   corev1.ResourceCPU,
						Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(70))},
					}},
					{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
						Metric: autoscalingv2.MetricIdentifier{Name: "rps"},
						Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: &averageValue},
					}},
				},
			}},
			want: `{"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web","apiVersion":"apps/v1"},"maxReplicas":10,"metrics":[` +
				`{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":70}}},` +
				`{"type":"Pods","pods":{"metric":{"name":"rps"},"target":{"type":"AverageValue","averageValue":"100m"}}}]}}`,
		},
		{
			name: "behavior with a zero window",
			hpa: autoscalingv2.HorizontalPodAutoscaler{Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web"},
				MaxReplicas:    3,
				Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
					ScaleUp: &autoscalingv2.HPAScalingRules{
						StabilizationWindowSeconds: ptr(int32(0)),
						SelectPolicy:               ptr(autoscalingv2.DisabledPolicySelect),
					},
					ScaleDown: &autoscalingv2.HPAScalingRules{Policies: []autoscalingv2.HPAScalingPolicy{
						{Type: autoscalingv2.PercentScalingPolicy, Value: 10, PeriodSeconds: 60},
					}},
				},
			}},
			want: `{"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web"},"maxReplicas":3,"behavior":{` +
				`"scaleUp":{"stabilizationWindowSeconds":0,"selectPolicy":"Disabled"},` +
				`"scaleDown":{"policies":[{"type":"Percent","value":10,"periodSeconds":60}]}}}}`,
		},
		{
			name: "status keeps desiredReplicas and a null currentMetrics",
			hpa: autoscalingv2.HorizontalPodAutoscaler{Status: autoscalingv2.HorizontalPodAutoscalerStatus{
				CurrentReplicas: 2,
				Conditions: []autoscalingv2.HorizontalPodAutoscalerCondition{
					{Type: autoscalingv2.AbleToScale, Status: corev1.ConditionTrue, Reason: "ReadyForNewScale"},
				},
			}},
			want: `{"status":{"currentReplicas":2,"desiredReplicas":0,"currentMetrics":null,` +
				`"conditions":[{"type":"AbleToScale","status":"True","reason":"ReadyForNewScale"}]}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(&tt.hpa)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("encoded JSON (-want +got):\n%s", diff)
			}
			var back autoscalingv2.HorizontalPodAutoscaler
			dec := json.NewDecoder(bytes.NewReader(got))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&back); err != nil {
				t.Fatalf("unmarshal %s: %v", got, err)
			}
			if diff := cmp.Diff(tt.hpa, back); diff != "" {
				t.Errorf("decoded value (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDeepCopy checks that a deep copy shares no memory with the original,
// quantities included.
func TestDeepCopy(t *testing.T) {
	value := resource.MustParse("2k")
	orig := &autoscalingv2.HorizontalPodAutoscaler{
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			MinReplicas: ptr(int32(1)),
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.ExternalMetricSourceType,
				External: &autoscalingv2.ExternalMetricSource{
					Metric: autoscalingv2.MetricIdentifier{Name: "q", Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}},
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.ValueMetricType, Value: &value},
				},
			}},
			Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{
				Policies: []autoscalingv2.HPAScalingPolicy{{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 15}},
			}},
		},
	}
	want := orig.DeepCopy()
	cp := orig.DeepCopy()
	*cp.Spec.MinReplicas = 5
	cp.Spec.Metrics[0].External.Metric.Selector.MatchLabels["a"] = "c"
	cp.Spec.Metrics[0].External.Target.Value.Add(resource.MustParse("1"))
	cp.Spec.Behavior.ScaleDown.Policies[0].Value = 9
	if diff := cmp.Diff(want, orig); diff != "" {
		t.Errorf("mutating the copy changed the original (-want +got):\n%s", diff)
	}
}

// An autoscaler that keeps the average CPU use of a Deployment's pods near
// 70% of their requests, with 2 to 10 replicas.
func ExampleHorizontalPodAutoscaler() {
	minReplicas, utilization := int32(2), int32(70)
	hpa := autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: autoscalingv2.GroupName + "/" + autoscalingv2.Version, Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    &minReplicas,
			MaxReplicas:    10,
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{
					Name: corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{
						Type:               autoscalingv2.UtilizationMetricType,
						AverageUtilization: &utilization,
					},
				},
			}},
		},
	}
	out, err := json.MarshalIndent(hpa, "", "  ")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {
	//   "kind": "HorizontalPodAutoscaler",
	//   "apiVersion": "autoscaling/v2",
	//   "metadata": {
	//     "name": "web",
	//     "namespace": "shop"
	//   },
	//   "spec": {
	//     "scaleTargetRef": {
	//       "kind": "Deployment",
	//       "name": "web",
	//       "apiVersion": "apps/v1"
	//     },
	//     "minReplicas": 2,
	//     "maxReplicas": 10,
	//     "metrics": [
	//       {
	//         "type": "Resource",
	//         "resource": {
	//           "name": "cpu",
	//           "target": {
	//             "type": "Utilization",
	//             "averageUtilization": 70
	//           }
	//         }
	//       }
	//     ]
	//   }
	// }
}
