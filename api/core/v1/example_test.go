package v1_test

import (
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

// A pod built in Go encodes to the JSON a Kubernetes client sends; fields
// left zero are absent.
func ExamplePod() {
	pod := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:  "web",
				Image: "nginx:1.27",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{
						corev1.ResourceCPU:    resource.MustParse("250m"),
						corev1.ResourceMemory: resource.MustParse("64Mi"),
					},
				},
				ReadinessProbe: &corev1.Probe{
					ProbeHandler: corev1.ProbeHandler{
						HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromString("http")},
					},
				},
			}},
			RestartPolicy: corev1.RestartPolicyAlways,
		},
	}
	b, err := json.MarshalIndent(pod, "", "  ")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))
	// Output:
	// {
	//   "kind": "Pod",
	//   "apiVersion": "v1",
	//   "metadata": {
	//     "name": "web",
	//     "namespace": "shop"
	//   },
	//   "spec": {
	//     "containers": [
	//       {
	//         "name": "web",
	//         "image": "nginx:1.27",
	//         "ports": [
	//           {
	//             "name": "http",
	//             "containerPort": 80
	//           }
	//         ],
	//         "resources": {
	//           "requests": {
	//             "cpu": "250m",
	//             "memory": "64Mi"
	//           }
	//         },
	//         "readinessProbe": {
	//           "httpGet": {
	//             "path": "/",
	//             "port": "http"
	//           }
	//         }
	//       }
	//     ],
	//     "restartPolicy": "Always"
	//   }
	// }
}

// A manifest written for Kubernetes decodes into the types; with unknown
// fields disallowed, a field Rigging does not carry is an error.
func ExampleService_decode() {
	manifest := []byte(`
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  sessionAffinity: ClientIP
  ports:
  - name: http
    port: 80
    targetPort: http
`)
	var svc corev1.Service
	if err := yaml.Unmarshal(manifest, &svc, yaml.DisallowUnknownFields); err != nil {
		fmt.Println(err)
		return
	}
	p := svc.Spec.Ports[0]
	fmt.Println(svc.Name, svc.Spec.SessionAffinity == corev1.ServiceAffinityClientIP, p.Port, p.TargetPort.String())
	// Output:
	// web true 80 http
}

// Cpu and Memory read a container's requests; an absent entry reads as
// zero.
func ExampleResourceList_Cpu() {
	requests := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1500m")}
	fmt.Println(requests.Cpu(), requests.Memory())
	// Output:
	// 1500m 0
}
