package validation_test

import (
	"encoding/json"
	"testing"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/validation"
)

func validTemplate() corev1.PodTemplateSpec {
	p := validPod()
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: p.Spec}
}

func validDeployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", ResourceVersion: "1"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(3)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: validTemplate(),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxUnavailable: ptr(intstr.FromString("25%")), MaxSurge: ptr(intstr.FromString("25%")),
			}},
			RevisionHistoryLimit:    ptr(int32(10)),
			ProgressDeadlineSeconds: ptr(int32(600)),
		},
	}
}

func TestDeployment(t *testing.T) {
	ru := func(d *appsv1.Deployment) *appsv1.RollingUpdateDeployment { return d.Spec.Strategy.RollingUpdate }
	runMutations(t, validDeployment, validation.Deployment, []mutation[appsv1.Deployment]{
		{"negative replicas", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr(int32(-1)) },
			[]string{"spec.replicas: Invalid value: -1: must be greater than or equal to 0"}},
		{"selector required", func(d *appsv1.Deployment) { d.Spec.Selector = nil },
			[]string{"spec.selector: Required value", "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"}},
		{"empty selector", func(d *appsv1.Deployment) { d.Spec.Selector = &metav1.LabelSelector{} },
			[]string{"spec.selector: Invalid value: {}: empty selector is invalid for deployment"}},
		{"selector does not match", func(d *appsv1.Deployment) { d.Spec.Template.Labels = map[string]string{"app": "api"} },
			[]string{"spec.template.metadata.labels: Invalid value: {\"app\":\"api\"}: `selector` does not match template `labels`"}},
		{"invalid selector", func(d *appsv1.Deployment) {
			d.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Like"}}}
		}, []string{
			`spec.selector.matchExpressions[0].operator: Invalid value: "Like": not a valid selector operator`,
			`spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Like"}]}: invalid label selector`,
		}},
		{"template restartPolicy", func(d *appsv1.Deployment) { d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure },
			[]string{`spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"`}},
		{"template activeDeadlineSeconds", func(d *appsv1.Deployment) { d.Spec.Template.Spec.ActiveDeadlineSeconds = ptr(int64(60)) },
			[]string{"spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported"}},
		{"template pod spec", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort = 70000 },
			[]string{"spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: " + msgRange}},
		{"maxSurge and maxUnavailable both 0", func(d *appsv1.Deployment) {
			ru(d).MaxSurge, ru(d).MaxUnavailable = ptr(intstr.FromInt32(0)), ptr(intstr.FromString("0%"))
		}, []string{"spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"0%\": may not be 0 when `maxSurge` is 0"}},
		{"maxUnavailable over 100%", func(d *appsv1.Deployment) { ru(d).MaxUnavailable = ptr(intstr.FromString("150%")) },
			[]string{`spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%`}},
		{"maxSurge not a percentage", func(d *appsv1.Deployment) { ru(d).MaxSurge = ptr(intstr.FromString("half")) },
			[]string{`spec.strategy.rollingUpdate.maxSurge: Invalid value: "half": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`}},
		{"negative maxSurge", func(d *appsv1.Deployment) { ru(d).MaxSurge = ptr(intstr.FromInt32(-1)) },
			[]string{"spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0"}},
		{"Recreate forbids rollingUpdate", func(d *appsv1.Deployment) { d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType },
			[]string{"spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"}},
		{"strategy type", func(d *appsv1.Deployment) { d.Spec.Strategy = appsv1.DeploymentStrategy{Type: "BlueGreen"} },
			[]string{`spec.strategy: Unsupported value: {"type":"BlueGreen"}: supported values: "Recreate", "RollingUpdate"`}},
		{"revisionHistoryLimit", func(d *appsv1.Deployment) { d.Spec.RevisionHistoryLimit = ptr(int32(-1)) },
			[]string{"spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"}},
		{"progressDeadlineSeconds", func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = 600 },
			[]string{"spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds"}},
	})
	validate := func(d *appsv1.Deployment) field.ErrorList { return validation.DeploymentUpdate(d, validDeployment()) }
	runMutations(t, validDeployment, validate, []mutation[appsv1.Deployment]{
		{"scale", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr(int32(5)) }, nil},
		{"selector is immutable", func(d *appsv1.Deployment) {
			d.Spec.Selector.MatchLabels["tier"] = "web"
			d.Spec.Template.Labels["tier"] = "web"
		}, []string{`spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"web"}}: field is immutable`}},
	})
}

func TestReplicaSet(t *testing.T) {
	valid := func() *appsv1.ReplicaSet {
		return &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop"},
			Spec:       appsv1.ReplicaSetSpec{Replicas: ptr(int32(1)), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, Template: validTemplate()},
		}
	}
	runMutations(t, valid, validation.ReplicaSet, []mutation[appsv1.ReplicaSet]{
		{"empty selector", func(r *appsv1.ReplicaSet) { r.Spec.Selector.MatchLabels = nil },
			[]string{"spec.selector: Invalid value: {}: empty selector is invalid for deployment"}},
		{"minReadySeconds", func(r *appsv1.ReplicaSet) { r.Spec.MinReadySeconds = -5 },
			[]string{"spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0"}},
	})
}

func TestDaemonSet(t *testing.T) {
	valid := func() *appsv1.DaemonSet {
		return &appsv1.DaemonSet{
			ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "kube-system", ResourceVersion: "1"},
			Spec: appsv1.DaemonSetSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: validTemplate(),
				UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType, RollingUpdate: &appsv1.RollingUpdateDaemonSet{
					MaxUnavailable: ptr(intstr.FromInt32(1)), MaxSurge: ptr(intstr.FromInt32(0)),
				}},
				RevisionHistoryLimit: ptr(int32(10)),
			},
		}
	}
	ru := func(d *appsv1.DaemonSet) *appsv1.RollingUpdateDaemonSet { return d.Spec.UpdateStrategy.RollingUpdate }
	runMutations(t, valid, validation.DaemonSet, []mutation[appsv1.DaemonSet]{
		{"empty selector", func(d *appsv1.DaemonSet) { d.Spec.Selector = &metav1.LabelSelector{} },
			[]string{"spec.selector: Invalid value: {}: empty selector is invalid for daemonset"}},
		{"selector does not match", func(d *appsv1.DaemonSet) { d.Spec.Selector.MatchLabels["app"] = "agent" },
			[]string{"spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"}},
		{"surge and unavailable", func(d *appsv1.DaemonSet) { ru(d).MaxSurge = ptr(intstr.FromString("10%")) },
			[]string{`spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "10%": may not be set when maxUnavailable is non-zero`}},
		{"neither surge nor unavailable", func(d *appsv1.DaemonSet) { ru(d).MaxUnavailable = ptr(intstr.FromInt32(0)) },
			[]string{"spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"}},
		{"rollingUpdate required", func(d *appsv1.DaemonSet) { d.Spec.UpdateStrategy.RollingUpdate = nil },
			[]string{"spec.updateStrategy.rollingUpdate: Required value"}},
		{"strategy type", func(d *appsv1.DaemonSet) { d.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: "Replace"} },
			[]string{`spec.updateStrategy: Unsupported value: {"type":"Replace"}: supported values: "RollingUpdate", "OnDelete"`}},
		{"activeDeadlineSeconds", func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.ActiveDeadlineSeconds = ptr(int64(1)) },
			[]string{"spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported"}},
	})
	validate := func(d *appsv1.DaemonSet) field.ErrorList { return validation.DaemonSetUpdate(d, valid()) }
	runMutations(t, valid, validate, []mutation[appsv1.DaemonSet]{
		{"selector is immutable", func(d *appsv1.DaemonSet) {
			d.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpExists}}
		},
			[]string{`spec.selector: Invalid value: {"matchLabels":{"app":"web"},"matchExpressions":[{"key":"app","operator":"Exists"}]}: field is immutable`}},
	})
}

func TestStatefulSet(t *testing.T) {
	valid := func() *appsv1.StatefulSet {
		tmpl := validTemplate()
		tmpl.Spec.Volumes = nil
		tmpl.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
		return &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop", ResourceVersion: "1"},
			Spec: appsv1.StatefulSetSpec{
				Replicas:            ptr(int32(3)),
				Selector:            &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template:            tmpl,
				ServiceName:         "db",
				PodManagementPolicy: appsv1.OrderedReadyPodManagement,
				UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
					RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr(int32(0))}},
				VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}},
			},
		}
	}
	runMutations(t, valid, validation.StatefulSet, []mutation[appsv1.StatefulSet]{
		{"name is a DNS label", func(s *appsv1.StatefulSet) { s.Name = "db.eu" },
			[]string{`metadata.name: Invalid value: "db.eu": must not contain dots`}},
		{"mount of an unknown claim", func(s *appsv1.StatefulSet) { s.Spec.VolumeClaimTemplates[0].Name = "logs" },
			[]string{`spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"`}},
		{"podManagementPolicy", func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = "Random" },
			[]string{`spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`}},
		{"updateStrategy required", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{} },
			[]string{"spec.updateStrategy: Required value"}},
		{"partition", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr(int32(-1)) },
			[]string{"spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0"}},
		{"maxUnavailable 0", func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr(intstr.FromInt32(0))
		},
			[]string{"spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0"}},
		{"OnDelete with rollingUpdate", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType },
			[]string{`spec.updateStrategy.rollingUpdate: Invalid value: {"partition":0}: only allowed for updateStrategy 'RollingUpdate'`}},
		{"retention policy", func(s *appsv1.StatefulSet) {
			s.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: "Keep", WhenScaled: appsv1.RetainPersistentVolumeClaimRetentionPolicyType}
		}, []string{`spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"`}},
		{"empty selector", func(s *appsv1.StatefulSet) { s.Spec.Selector = &metav1.LabelSelector{} },
			[]string{"spec.selector: Invalid value: {}: empty selector is invalid for statefulset"}},
		{"restartPolicy", func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever },
			[]string{`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`}},
		{"ordinals", func(s *appsv1.StatefulSet) { s.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: -1} },
			[]string{"spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0"}},
	})
	validate := func(s *appsv1.StatefulSet) field.ErrorList { return validation.StatefulSetUpdate(s, valid()) }
	runMutations(t, valid, validate, []mutation[appsv1.StatefulSet]{
		{"scale and change the template", func(s *appsv1.StatefulSet) {
			s.Spec.Replicas = ptr(int32(5))
			s.Spec.Template.Spec.Containers[0].Image = "registry.example.com/db:2"
		}, nil},
		{"serviceName is fixed", func(s *appsv1.StatefulSet) { s.Spec.ServiceName = "db-headless" },
			[]string{"spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"}},
	})
}

func TestControllerRevision(t *testing.T) {
	cr := &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "shop", ResourceVersion: "1"}, Revision: -1}
	checkErrors(t, []string{"data: Required value: data is mandatory", "revision: Invalid value: -1: must be greater than or equal to 0"},
		validation.ControllerRevision(cr))
	old := &appsv1.ControllerRevision{ObjectMeta: cr.ObjectMeta, Data: json.RawMessage(`{"a":1}`), Revision: 1}
	upd := old.DeepCopy()
	upd.Data = json.RawMessage(`{"a":2}`)
	checkErrors(t, []string{`data: Invalid value: "{\"a\":2}": field is immutable`}, validation.ControllerRevisionUpdate(upd, old))
}
