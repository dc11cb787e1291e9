// Package testpods holds the pod that the project's benchmarks create:
// nginx as `kubectl run` or a Deployment would make it, with labels,
// annotations, resources, ports, probes, env and a volume. bench/apiserver
// posts it under load; the API server's write benchmarks, the JSON decode
// benchmarks and the validation benchmarks use the same bytes, so that
// their figures describe the same work.
package testpods

import "fmt"

// tail is the pod after its name and namespace: labels, annotations and
// the spec. The pod object is left open after the spec.
const tail = `"labels":{"app":"web","tier":"frontend","pod-template-hash":"7d9c6b8f5d","app.kubernetes.io/name":"nginx","app.kubernetes.io/version":"1.27.3"},` +
	`"annotations":{"kubectl.kubernetes.io/default-container":"nginx","prometheus.io/scrape":"true","prometheus.io/port":"9113"}},` +
	`"spec":{"containers":[{"name":"nginx","image":"registry.k8s.io/nginx:1.27.3","imagePullPolicy":"IfNotPresent",` +
	`"ports":[{"name":"http","containerPort":80,"protocol":"TCP"},{"name":"metrics","containerPort":9113,"protocol":"TCP"}],` +
	`"env":[{"name":"NGINX_WORKER_PROCESSES","value":"2"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],` +
	`"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},` +
	`"livenessProbe":{"httpGet":{"path":"/healthz","port":80},"initialDelaySeconds":10,"periodSeconds":10},` +
	`"readinessProbe":{"httpGet":{"path":"/ready","port":"http"},"periodSeconds":5},` +
	`"volumeMounts":[{"name":"config","mountPath":"/etc/nginx/conf.d","readOnly":true}]}],` +
	`"volumes":[{"name":"config","configMap":{"name":"nginx-config"}}],` +
	`"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst"}`

// Before and After surround the name of the pod in namespace "bench":
// Before + name + After + "}" is the pod for a name that needs no JSON
// escaping. After leaves the pod object open after its spec, so that a
// caller can add a status before the closing brace.
const (
	Before = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"`
	After  = `","namespace":"bench",` + tail
)

// Bench is the pod named nginx-000-000000 in namespace "bench".
const Bench = Before + "nginx-000-000000" + After + "}"

// JSON returns the pod with the given namespace and name, quoted as Go
// quotes strings: JSON for names of printable ASCII, as Kubernetes names
// are.
func JSON(ns, name string) []byte {
	return fmt.Appendf(nil, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q,"namespace":%q,`+tail+`}`, name, ns)
}
