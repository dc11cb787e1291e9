package defaults_test

import (
	"fmt"

	"sigs.k8s.io/yaml"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/defaults"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

// A pod as a user writes it, and as Kubernetes would store it: the unset
// fields filled in, the request taken from the limit, the set ones kept.
func ExamplePod() {
	pod := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:  "web",
				Image: "nginx", // no tag: "latest", so pulled Always
				Ports: []corev1.ContainerPort{{ContainerPort: 80}},
				Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
				},
			}},
			RestartPolicy: corev1.RestartPolicyOnFailure,
		},
	}
	defaults.Pod(&pod)
	b, err := yaml.Marshal(pod)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(b))
	// Output:
	// apiVersion: v1
	// kind: Pod
	// metadata:
	//   name: web
	//   namespace: shop
	// spec:
	//   containers:
	//   - image: nginx
	//     imagePullPolicy: Always
	//     name: web
	//     ports:
	//     - containerPort: 80
	//       protocol: TCP
	//     resources:
	//       limits:
	//         memory: 128Mi
	//       requests:
	//         memory: 128Mi
	//     terminationMessagePath: /dev/termination-log
	//     terminationMessagePolicy: File
	//   dnsPolicy: ClusterFirst
	//   enableServiceLinks: true
	//   restartPolicy: OnFailure
	//   schedulerName: default-scheduler
	//   securityContext: {}
	//   terminationGracePeriodSeconds: 30
}

// Object defaults any kind it is given a pointer to, and reports whether it
// knew the type.
func ExampleObject() {
	d := &appsv1.Deployment{Spec: appsv1.DeploymentSpec{
		Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}},
		}},
	}}
	fmt.Println(defaults.Object(d))
	s := d.Spec.Strategy
	fmt.Println(*d.Spec.Replicas, s.Type, s.RollingUpdate.MaxSurge.String(), s.RollingUpdate.MaxUnavailable.String())
	fmt.Println(*d.Spec.RevisionHistoryLimit, *d.Spec.ProgressDeadlineSeconds)
	fmt.Println(d.Spec.Template.Spec.Containers[0].ImagePullPolicy)
	fmt.Println(defaults.Object(&corev1.Container{}))
	// Output:
	// true
	// 1 RollingUpdate 25% 25%
	// 10 600
	// IfNotPresent
	// false
}
