package validation_test

import (
	"fmt"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/validation"
)

// A pod with a port out of range, a mount of a volume it does not have and
// a request above its limit: every problem is reported, with its path, as
// Kubernetes prints it.
func ExamplePod() {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:                     "web",
				Image:                    "nginx:1.27",
				ImagePullPolicy:          corev1.PullIfNotPresent,
				TerminationMessagePolicy: corev1.TerminationMessageReadFile,
				Ports:                    []corev1.ContainerPort{{ContainerPort: 70000, Protocol: corev1.ProtocolTCP}},
				VolumeMounts:             []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: mustParse("2")},
					Limits:   corev1.ResourceList{corev1.ResourceCPU: mustParse("1")},
				},
			}},
			RestartPolicy:                 corev1.RestartPolicyAlways,
			DNSPolicy:                     corev1.DNSClusterFirst,
			TerminationGracePeriodSeconds: ptr(int64(30)),
		},
	}
	for _, err := range validation.Pod(pod) {
		fmt.Println(err)
	}
	// Output:
	// spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive
	// spec.containers[0].volumeMounts[0].name: Not found: "cache"
	// spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1
}

// Object validates any kind. A template that relies on defaults it has not
// been given is reported too: callers default an object (api/defaults)
// before validating it, as the API server does. The errors aggregate into
// one error as the API server reports them.
func ExampleObject() {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(-1)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "api"}}},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
		},
	}
	errs, ok := validation.Object(d)
	fmt.Println(ok)
	fmt.Println(errs.ToAggregate())
	// Output:
	// true
	// [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.metadata.labels: Invalid value: {"app":"api"}: `selector` does not match template `labels`, spec.template.spec.terminationGracePeriodSeconds: Required value, spec.template.spec.containers: Required value, spec.template.spec.restartPolicy: Required value, spec.template.spec.dnsPolicy: Required value, spec.template.spec.restartPolicy: Unsupported value: "": supported values: "Always"]
}
