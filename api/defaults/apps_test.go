package defaults_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/defaults"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

// template is a pod template with one container running image.
func template(image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: image}}},
	}
}

// defaultedTemplate is template(image) with the pod spec defaults, which
// do not include the Pod-only enableServiceLinks.
func defaultedTemplate(image string, policy corev1.PullPolicy) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: defaultedPodSpec(corev1.PodSpec{Containers: []corev1.Container{
			defaultedContainer("web", image, policy),
		}}),
	}
}

var selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}

func TestDeployment(t *testing.T) {
	tests := []struct {
		name string
		in   appsv1.DeploymentSpec
		want appsv1.DeploymentSpec
	}{{
		name: "sparse",
		in:   appsv1.DeploymentSpec{Selector: selector, Template: template("nginx:1.27")},
		want: appsv1.DeploymentSpec{
			Replicas: new(int32(1)),
			Selector: selector,
			Template: defaultedTemplate("nginx:1.27", corev1.PullIfNotPresent),
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: new(intstr.FromString("25%")),
					MaxSurge:       new(intstr.FromString("25%")),
				},
			},
			RevisionHistoryLimit:    new(int32(10)),
			ProgressDeadlineSeconds: new(int32(600)),
		},
	}, {
		name: "rolling update partly set",
		in: appsv1.DeploymentSpec{
			Replicas: new(int32(0)),
			Selector: selector, Template: template("nginx"),
			Strategy: appsv1.DeploymentStrategy{RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxSurge: new(intstr.FromInt32(0)),
			}},
		},
		want: appsv1.DeploymentSpec{
			Replicas: new(int32(0)),
			Selector: selector,
			Template: defaultedTemplate("nginx", corev1.PullAlways),
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: new(intstr.FromString("25%")),
					MaxSurge:       new(intstr.FromInt32(0)),
				},
			},
			RevisionHistoryLimit:    new(int32(10)),
			ProgressDeadlineSeconds: new(int32(600)),
		},
	}, {
		name: "recreate gets no rolling update",
		in: appsv1.DeploymentSpec{
			Selector: selector, Template: template("nginx:1.27"),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
		},
		want: appsv1.DeploymentSpec{
			Replicas:                new(int32(1)),
			Selector:                selector,
			Template:                defaultedTemplate("nginx:1.27", corev1.PullIfNotPresent),
			Strategy:                appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			RevisionHistoryLimit:    new(int32(10)),
			ProgressDeadlineSeconds: new(int32(600)),
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appsv1.Deployment{Spec: *tt.in.DeepCopy()}
			defaults.Deployment(&got)
			if diff := cmp.Diff(appsv1.Deployment{Spec: tt.want}, got); diff != "" {
				t.Errorf("Deployment (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReplicaSet(t *testing.T) {
	got := appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Selector: selector, Template: template("nginx:1.27")}}
	defaults.ReplicaSet(&got)
	want := appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{
		Replicas: new(int32(1)),
		Selector: selector,
		Template: defaultedTemplate("nginx:1.27", corev1.PullIfNotPresent),
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReplicaSet (-want +got):\n%s", diff)
	}
}

func TestDaemonSet(t *testing.T) {
	tests := []struct {
		name string
		in   appsv1.DaemonSetSpec
		want appsv1.DaemonSetSpec
	}{{
		name: "sparse",
		in:   appsv1.DaemonSetSpec{Selector: selector, Template: template("agent:2")},
		want: appsv1.DaemonSetSpec{
			Selector: selector,
			Template: defaultedTemplate("agent:2", corev1.PullIfNotPresent),
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
				Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{
					MaxUnavailable: new(intstr.FromInt32(1)),
					MaxSurge:       new(intstr.FromInt32(0)),
				},
			},
			RevisionHistoryLimit: new(int32(10)),
		},
	}, {
		name: "on delete",
		in: appsv1.DaemonSetSpec{
			Selector: selector, Template: template("agent:2"),
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType},
		},
		want: appsv1.DaemonSetSpec{
			Selector:             selector,
			Template:             defaultedTemplate("agent:2", corev1.PullIfNotPresent),
			UpdateStrategy:       appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType},
			RevisionHistoryLimit: new(int32(10)),
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appsv1.DaemonSet{Spec: *tt.in.DeepCopy()}
			defaults.DaemonSet(&got)
			if diff := cmp.Diff(appsv1.DaemonSet{Spec: tt.want}, got); diff != "" {
				t.Errorf("DaemonSet (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatefulSet(t *testing.T) {
	claim := corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			},
		},
	}
	defaultedClaim := *claim.DeepCopy()
	defaultedClaim.Spec.VolumeMode = new(corev1.PersistentVolumeFilesystem)
	defaultedClaim.Status.Phase = corev1.ClaimPending
	retain := &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
		WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
		WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
	}
	tests := []struct {
		name string
		in   appsv1.StatefulSetSpec
		want appsv1.StatefulSetSpec
	}{{
		name: "sparse",
		in: appsv1.StatefulSetSpec{
			Selector: selector, Template: template("db:16"), ServiceName: "db",
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{claim},
		},
		want: appsv1.StatefulSetSpec{
			Replicas:             new(int32(1)),
			Selector:             selector,
			Template:             defaultedTemplate("db:16", corev1.PullIfNotPresent),
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{defaultedClaim},
			ServiceName:          "db",
			PodManagementPolicy:  appsv1.OrderedReadyPodManagement,
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{
				Type:          appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: new(int32(0))},
			},
			RevisionHistoryLimit:                 new(int32(10)),
			PersistentVolumeClaimRetentionPolicy: retain,
		},
	}, {
		name: "explicit rolling update without parameters stays without",
		in: appsv1.StatefulSetSpec{
			Selector: selector, Template: template("db:16"), ServiceName: "db",
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
			},
		},
		want: appsv1.StatefulSetSpec{
			Replicas:             new(int32(1)),
			Selector:             selector,
			Template:             defaultedTemplate("db:16", corev1.PullIfNotPresent),
			ServiceName:          "db",
			PodManagementPolicy:  appsv1.OrderedReadyPodManagement,
			UpdateStrategy:       appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
			RevisionHistoryLimit: new(int32(10)),
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			},
		},
	}, {
		name: "partition filled in",
		in: appsv1.StatefulSetSpec{
			Selector: selector, Template: template("db:16"), ServiceName: "db",
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{
				Type:          appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{MaxUnavailable: new(intstr.FromInt32(2))},
			},
		},
		want: appsv1.StatefulSetSpec{
			Replicas:            new(int32(1)),
			Selector:            selector,
			Template:            defaultedTemplate("db:16", corev1.PullIfNotPresent),
			ServiceName:         "db",
			PodManagementPolicy: appsv1.OrderedReadyPodManagement,
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{
				Type: appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{
					Partition: new(int32(0)), MaxUnavailable: new(intstr.FromInt32(2)),
				},
			},
			RevisionHistoryLimit:                 new(int32(10)),
			PersistentVolumeClaimRetentionPolicy: retain,
		},
	}, {
		name: "on delete",
		in: appsv1.StatefulSetSpec{
			Selector: selector, Template: template("db:16"), ServiceName: "db",
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType},
		},
		want: appsv1.StatefulSetSpec{
			Replicas:                             new(int32(1)),
			Selector:                             selector,
			Template:                             defaultedTemplate("db:16", corev1.PullIfNotPresent),
			ServiceName:                          "db",
			PodManagementPolicy:                  appsv1.OrderedReadyPodManagement,
			UpdateStrategy:                       appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType},
			RevisionHistoryLimit:                 new(int32(10)),
			PersistentVolumeClaimRetentionPolicy: retain,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := appsv1.StatefulSet{Spec: *tt.in.DeepCopy()}
			defaults.StatefulSet(&got)
			if diff := cmp.Diff(appsv1.StatefulSet{Spec: tt.want}, got); diff != "" {
				t.Errorf("StatefulSet (-want +got):\n%s", diff)
			}
		})
	}
}
