package defaults

import (
	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// The autoscaling/v2 defaults.
const (
	// defaultMinReplicas is the lower bound of an autoscaler without one.
	defaultMinReplicas = 1
	// defaultCPUUtilization is the target average CPU utilization, in
	// percent of the pods' requests, of an autoscaler without metrics.
	defaultCPUUtilization = 80
	// scaleUpStabilizationSeconds, scaleUpPods, scaleUpPercent and
	// scaleUpPeriodSeconds are the default scale-up rules: at once, by at
	// most the larger of 4 pods or 100% per 15 seconds.
	scaleUpStabilizationSeconds = 0
	scaleUpPods                 = 4
	scaleUpPercent              = 100
	scaleUpPeriodSeconds        = 15
	// scaleDownPercent and scaleDownPeriodSeconds are the default
	// scale-down rule: by at most 100% per 15 seconds.
	scaleDownPercent       = 100
	scaleDownPeriodSeconds = 15
)

// HorizontalPodAutoscaler fills in the defaults Kubernetes gives an
// autoscaler:
//
//   - spec.minReplicas: 1
//   - spec.metrics: when there are none, one Resource metric: cpu with an
//     average utilization target of 80 (percent)
//   - spec.behavior, only when present (a nil behavior stays nil): in
//     scaleUp, each absent part is filled from the scale-up rules
//     stabilizationWindowSeconds 0, selectPolicy Max, and policies
//     [{Pods 4 per 15 s}, {Percent 100 per 15 s}]; in scaleDown, from
//     selectPolicy Max and policies [{Percent 100 per 15 s}]. The absent
//     scaleDown.stabilizationWindowSeconds is left absent, as Kubernetes
//     does: the autoscaler controller then uses its own setting (300
//     seconds unless configured otherwise).
//
// A nil h is left alone.
func HorizontalPodAutoscaler(h *autoscalingv2.HorizontalPodAutoscaler) {
	if h == nil {
		return
	}
	spec := &h.Spec
	if spec.MinReplicas == nil {
		spec.MinReplicas = new(int32(defaultMinReplicas))
	}
	if len(spec.Metrics) == 0 {
		spec.Metrics = []autoscalingv2.MetricSpec{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{
				Name: corev1.ResourceCPU,
				Target: autoscalingv2.MetricTarget{
					Type:               autoscalingv2.UtilizationMetricType,
					AverageUtilization: new(int32(defaultCPUUtilization)),
				},
			},
		}}
	}
	if b := spec.Behavior; b != nil {
		if b.ScaleUp == nil {
			b.ScaleUp = &autoscalingv2.HPAScalingRules{}
		}
		scalingRules(b.ScaleUp, new(int32(scaleUpStabilizationSeconds)), []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PodsScalingPolicy, Value: scaleUpPods, PeriodSeconds: scaleUpPeriodSeconds},
			{Type: autoscalingv2.PercentScalingPolicy, Value: scaleUpPercent, PeriodSeconds: scaleUpPeriodSeconds},
		})
		if b.ScaleDown == nil {
			b.ScaleDown = &autoscalingv2.HPAScalingRules{}
		}
		scalingRules(b.ScaleDown, nil, []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PercentScalingPolicy, Value: scaleDownPercent, PeriodSeconds: scaleDownPeriodSeconds},
		})
	}
}

// scalingRules fills the absent parts of r: stabilizationWindowSeconds with
// stabilization (which may be nil), selectPolicy with Max, and policies
// (when nil; an empty non-nil list is kept for validation to judge) with
// policies.
func scalingRules(r *autoscalingv2.HPAScalingRules, stabilization *int32, policies []autoscalingv2.HPAScalingPolicy) {
	if r.StabilizationWindowSeconds == nil {
		r.StabilizationWindowSeconds = stabilization
	}
	if r.SelectPolicy == nil {
		r.SelectPolicy = new(autoscalingv2.MaxChangePolicySelect)
	}
	if r.Policies == nil {
		r.Policies = policies
	}
}
