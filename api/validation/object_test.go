package validation_test

import (
	"testing"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	autoscalingv1 "github.com/rigging-dev/rigging/api/autoscaling/v1"
	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
	"github.com/rigging-dev/rigging/api/validation"
)

func TestObjectDispatch(t *testing.T) {
	pod := validPod()
	pod.Spec.Containers[0].Ports[0].ContainerPort = 70000
	const portErr = "spec.containers[0].ports[0].containerPort: Invalid value: 70000: " + msgRange
	for _, tc := range []struct {
		name string
		obj  any
		want []string
		ok   bool
	}{
		{"pointer", pod, []string{portErr}, true},
		{"value", *pod, []string{portErr}, true},
		{"list", &corev1.PodList{Items: []corev1.Pod{*validPod(), *pod}}, []string{"items[1]." + portErr}, true},
		{"deployment", validDeployment(), nil, true},
		{"nil pointer", (*corev1.ConfigMap)(nil), []string{"metadata.name: Required value: name or generateName is required", "metadata.namespace: Required value"}, true},
		{"nil list", (*appsv1.DeploymentList)(nil), nil, true},
		{"unknown kind", &autoscalingv1.Scale{}, nil, false},
		{"not an object", 42, nil, false},
		{"nil", nil, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs, ok := validation.Object(tc.obj)
			if ok != tc.ok {
				t.Fatalf("Object(%T) known = %v, want %v", tc.obj, ok, tc.ok)
			}
			checkErrors(t, tc.want, errs)
		})
	}
}

// TestObjectKnowsEveryKind checks that Object and ObjectUpdate accept a
// zero value of every kind the package validates.
func TestObjectKnowsEveryKind(t *testing.T) {
	kinds := []any{
		&corev1.Pod{}, &corev1.Service{}, &corev1.Endpoints{}, &corev1.Namespace{}, &corev1.Node{}, &corev1.ConfigMap{},
		&corev1.Secret{}, &corev1.ServiceAccount{}, &corev1.PersistentVolume{}, &corev1.PersistentVolumeClaim{},
		&corev1.Event{}, &corev1.ResourceQuota{}, &corev1.LimitRange{},
		&appsv1.Deployment{}, &appsv1.ReplicaSet{}, &appsv1.DaemonSet{}, &appsv1.StatefulSet{}, &appsv1.ControllerRevision{},
		&discoveryv1.EndpointSlice{}, &storagev1.StorageClass{}, &networkingv1.NetworkPolicy{}, &networkingv1.Ingress{},
		&networkingv1.IngressClass{}, &autoscalingv2.HorizontalPodAutoscaler{}, &coordinationv1.Lease{},
		&rbacv1.Role{}, &rbacv1.ClusterRole{}, &rbacv1.RoleBinding{}, &rbacv1.ClusterRoleBinding{}, &schedulingv1.PriorityClass{},
	}
	for _, obj := range kinds {
		if errs, ok := validation.Object(obj); !ok || len(errs) == 0 {
			t.Errorf("Object(zero %T) = %d errors, known %v; want errors for the missing name", obj, len(errs), ok)
		}
		if errs, ok := validation.ObjectUpdate(obj, obj); !ok || len(errs) == 0 {
			t.Errorf("ObjectUpdate(zero %T) = %d errors, known %v; want errors", obj, len(errs), ok)
		}
	}
	lists := []any{
		&corev1.PodList{}, &corev1.ServiceList{}, &corev1.EndpointsList{}, &corev1.NamespaceList{}, &corev1.NodeList{},
		&corev1.ConfigMapList{}, &corev1.SecretList{}, &corev1.ServiceAccountList{}, &corev1.PersistentVolumeList{},
		&corev1.PersistentVolumeClaimList{}, &corev1.EventList{}, &corev1.ResourceQuotaList{}, &corev1.LimitRangeList{},
		&appsv1.DeploymentList{}, &appsv1.ReplicaSetList{}, &appsv1.DaemonSetList{}, &appsv1.StatefulSetList{},
		&appsv1.ControllerRevisionList{}, &discoveryv1.EndpointSliceList{}, &storagev1.StorageClassList{},
		&networkingv1.NetworkPolicyList{}, &networkingv1.IngressList{}, &networkingv1.IngressClassList{},
		&autoscalingv2.HorizontalPodAutoscalerList{}, &coordinationv1.LeaseList{}, &rbacv1.RoleList{}, &rbacv1.ClusterRoleList{},
		&rbacv1.RoleBindingList{}, &rbacv1.ClusterRoleBindingList{}, &schedulingv1.PriorityClassList{},
	}
	for _, list := range lists {
		if errs, ok := validation.Object(list); !ok || len(errs) != 0 {
			t.Errorf("Object(empty %T) = %v, known %v; want no errors", list, messages(errs), ok)
		}
		if _, ok := validation.ObjectUpdate(list, list); ok {
			t.Errorf("ObjectUpdate(%T) is known; lists are not updated", list)
		}
	}
}

func TestObjectUpdate(t *testing.T) {
	old := validPod()
	upd := validPod()
	upd.Spec.Containers[0].Image = "registry.example.com/web:2.0"
	if errs, ok := validation.ObjectUpdate(upd, old); !ok || len(errs) != 0 {
		t.Errorf("image update: %v, known %v", messages(errs), ok)
	}
	upd.Name = "other"
	errs, _ := validation.ObjectUpdate(*upd, *old)
	checkErrors(t, []string{`metadata.name: Invalid value: "other": field is immutable`}, errs)

	errs, ok := validation.ObjectUpdate(validPod(), validService())
	if !ok {
		t.Fatal("update with a mismatched old object is not known")
	}
	checkErrors(t, []string{": Internal error: old object is *v1.Service, not *v1.Pod"}, errs)

	if _, ok := validation.ObjectUpdate(&autoscalingv1.Scale{}, &autoscalingv1.Scale{}); ok {
		t.Error("ObjectUpdate(Scale) is known")
	}
	if _, ok := validation.ObjectUpdate(&corev1.Binding{}, &corev1.Binding{}); ok {
		t.Error("ObjectUpdate(Binding) is known; bindings are not updated")
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", ResourceVersion: "1"}}
	if errs, ok := validation.ObjectUpdate(ns, (*corev1.Namespace)(nil)); !ok || len(errs) == 0 {
		t.Errorf("update from a nil namespace: %v, known %v; want the immutable name reported", messages(errs), ok)
	}
}
