package validation_test

import (
	"encoding/json"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/defaults"
	"github.com/rigging-dev/rigging/api/validation"
	"github.com/rigging-dev/rigging/internal/testpods"
)

// benchPodJSON is the pod bench/apiserver creates: nginx with labels,
// annotations, resources, ports, probes, env and a volume.
const benchPodJSON = testpods.Bench

// richPodJSON is a bigger pod: an init container, a sidecar and two
// application containers with ports, environment from several sources,
// probes, lifecycle hooks, resources, security contexts, several kinds of
// volume, tolerations, affinity and topology spread constraints.
const richPodJSON = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"shop-frontend-6f7c9d8b5-x2x9q","namespace":"shop",` +
	`"labels":{"app.kubernetes.io/name":"frontend","app.kubernetes.io/part-of":"shop","app.kubernetes.io/version":"2.14.0","pod-template-hash":"6f7c9d8b5","tier":"web"},` +
	`"annotations":{"kubectl.kubernetes.io/default-container":"app","prometheus.io/scrape":"true","prometheus.io/port":"9090","cluster-autoscaler.kubernetes.io/safe-to-evict":"true"},` +
	`"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"shop-frontend-6f7c9d8b5","uid":"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0","controller":true,"blockOwnerDeletion":true}]},` +
	`"spec":{"serviceAccountName":"frontend","priorityClassName":"high","enableServiceLinks":false,` +
	`"securityContext":{"runAsUser":1000,"runAsGroup":3000,"fsGroup":2000,"runAsNonRoot":true,"supplementalGroups":[4000],"seccompProfile":{"type":"RuntimeDefault"},` +
	`"sysctls":[{"name":"net.ipv4.ip_local_port_range","value":"1024 65535"}]},` +
	`"initContainers":[{"name":"migrate","image":"registry.example.com/shop/migrate:2.14.0","command":["/bin/migrate","up"],` +
	`"env":[{"name":"DB_URL","valueFrom":{"secretKeyRef":{"name":"db","key":"url"}}}],` +
	`"resources":{"requests":{"cpu":"50m","memory":"64Mi"},"limits":{"memory":"128Mi"}}},` +
	`{"name":"log-shipper","image":"registry.example.com/fluent-bit:3.1","restartPolicy":"Always",` +
	`"volumeMounts":[{"name":"logs","mountPath":"/var/log/app","readOnly":true},{"name":"shipper-config","mountPath":"/fluent-bit/etc"}],` +
	`"readinessProbe":{"tcpSocket":{"port":2020},"periodSeconds":10},` +
	`"resources":{"requests":{"cpu":"20m","memory":"32Mi"},"limits":{"cpu":"100m","memory":"64Mi"}}}],` +
	`"containers":[{"name":"app","image":"registry.example.com/shop/frontend:2.14.0","args":["--listen=:8080","--metrics=:9090"],` +
	`"ports":[{"name":"http","containerPort":8080,"protocol":"TCP"},{"name":"metrics","containerPort":9090,"protocol":"TCP"},{"name":"grpc","containerPort":9000,"protocol":"TCP"}],` +
	`"env":[{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},{"name":"POD_NAMESPACE","valueFrom":{"fieldRef":{"fieldPath":"metadata.namespace"}}},` +
	`{"name":"POD_IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}},{"name":"GOMAXPROCS","valueFrom":{"resourceFieldRef":{"resource":"limits.cpu","divisor":"1"}}},` +
	`{"name":"FEATURE_FLAGS","valueFrom":{"configMapKeyRef":{"name":"frontend-flags","key":"flags"}}},{"name":"LOG_LEVEL","value":"info"}],` +
	`"envFrom":[{"configMapRef":{"name":"frontend-env"}},{"prefix":"SECRET_","secretRef":{"name":"frontend-secrets"}}],` +
	`"resources":{"requests":{"cpu":"250m","memory":"256Mi","ephemeral-storage":"1Gi"},"limits":{"cpu":"1","memory":"512Mi","ephemeral-storage":"2Gi"}},` +
	`"livenessProbe":{"httpGet":{"path":"/healthz","port":"http","httpHeaders":[{"name":"X-Probe","value":"liveness"}]},"initialDelaySeconds":15,"periodSeconds":10,"failureThreshold":3},` +
	`"readinessProbe":{"httpGet":{"path":"/ready","port":8080},"periodSeconds":5},` +
	`"startupProbe":{"exec":{"command":["/bin/check","--startup"]},"periodSeconds":2,"failureThreshold":30},` +
	`"lifecycle":{"preStop":{"sleep":{"seconds":5}}},` +
	`"volumeMounts":[{"name":"config","mountPath":"/etc/frontend","readOnly":true},{"name":"logs","mountPath":"/var/log/app"},{"name":"cache","mountPath":"/cache"},` +
	`{"name":"token","mountPath":"/var/run/secrets/tokens","readOnly":true},{"name":"tls","mountPath":"/etc/tls","readOnly":true}],` +
	`"securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}},` +
	`{"name":"proxy","image":"registry.example.com/envoy:1.31","ports":[{"name":"proxy","containerPort":15001,"protocol":"TCP"},{"name":"admin","containerPort":15000,"protocol":"TCP"}],` +
	`"env":[{"name":"ENVOY_UID","value":"1337"}],` +
	`"resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},` +
	`"readinessProbe":{"httpGet":{"path":"/ready","port":15000},"periodSeconds":5},` +
	`"volumeMounts":[{"name":"tls","mountPath":"/etc/envoy/tls","readOnly":true}],` +
	`"securityContext":{"runAsUser":1337,"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"],"add":["NET_BIND_SERVICE"]}}}],` +
	`"volumes":[{"name":"config","configMap":{"name":"frontend-config","items":[{"key":"config.yaml","path":"config.yaml"}]}},` +
	`{"name":"logs","emptyDir":{}},{"name":"cache","emptyDir":{"medium":"Memory","sizeLimit":"256Mi"}},` +
	`{"name":"shipper-config","configMap":{"name":"fluent-bit"}},{"name":"tls","secret":{"secretName":"frontend-tls"}},` +
	`{"name":"token","projected":{"sources":[{"serviceAccountToken":{"audience":"vault","expirationSeconds":3600,"path":"vault-token"}},` +
	`{"downwardAPI":{"items":[{"path":"labels","fieldRef":{"fieldPath":"metadata.labels"}}]}}]}}],` +
	`"tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},` +
	`{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"dedicated","operator":"Equal","value":"web","effect":"NoSchedule"}],` +
	`"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"kubernetes.io/arch","operator":"In","values":["amd64","arm64"]}]}]}},` +
	`"podAntiAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":100,"podAffinityTerm":{"labelSelector":{"matchLabels":{"app.kubernetes.io/name":"frontend"}},"topologyKey":"kubernetes.io/hostname"}}]}},` +
	`"topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"ScheduleAnyway","labelSelector":{"matchLabels":{"app.kubernetes.io/name":"frontend"}}}],` +
	`"nodeSelector":{"kubernetes.io/os":"linux"},` +
	`"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst"}}`

// defaultedPod decodes a pod and defaults it as the API server does
// before it validates.
func defaultedPod(tb testing.TB, js string) *corev1.Pod {
	tb.Helper()
	pod := new(corev1.Pod)
	if err := json.Unmarshal([]byte(js), pod); err != nil {
		tb.Fatal(err)
	}
	defaults.Object(pod)
	return pod
}

func TestBenchPodsValid(t *testing.T) {
	for _, js := range []string{benchPodJSON, richPodJSON} {
		checkErrors(t, nil, validation.Pod(defaultedPod(t, js)))
	}
}

// BenchmarkValidatePod measures validating a valid, defaulted pod, which
// the API server does on every create.
func BenchmarkValidatePod(b *testing.B) {
	for _, bc := range []struct{ name, js string }{{"bench", benchPodJSON}, {"rich", richPodJSON}} {
		b.Run(bc.name, func(b *testing.B) {
			pod := defaultedPod(b, bc.js)
			b.ReportAllocs()
			for b.Loop() {
				if errs := validation.Pod(pod); len(errs) != 0 {
					b.Fatal(errs)
				}
			}
		})
	}
}

// BenchmarkValidatePodCold validates each of coldPods distinct copies of
// a pod in turn, as the API server validates each create's freshly
// decoded pod: the pod's memory (some 50 small allocations), the
// validators' maps and the branch history are no longer warm from the
// validation before, as BenchmarkValidatePod's single pod is. The
// difference between the two is what cache misses cost, not code.
func BenchmarkValidatePodCold(b *testing.B) {
	const coldPods = 4096
	for _, bc := range []struct{ name, js string }{{"bench", benchPodJSON}, {"rich", richPodJSON}} {
		b.Run(bc.name, func(b *testing.B) {
			pods := make([]*corev1.Pod, coldPods)
			for i := range pods {
				pods[i] = defaultedPod(b, bc.js)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if errs := validation.Pod(pods[i]); len(errs) != 0 {
					b.Fatal(errs)
				}
				i = (i + 1) % coldPods
			}
		})
	}
}

// TestValidatePodAllocs guards the cost of validating a valid pod: field
// paths are built on the stack and nothing is formatted unless an error is
// reported, so only the pod's volume map and a few small maps allocate
// (before paths were built lazily: 102 and 416 allocations).
func TestValidatePodAllocs(t *testing.T) {
	for _, tc := range []struct {
		name, js  string
		maxAllocs float64
	}{{"bench", benchPodJSON, 4}, {"rich", richPodJSON, 12}} {
		pod := defaultedPod(t, tc.js)
		allocs := testing.AllocsPerRun(20, func() {
			if errs := validation.Pod(pod); len(errs) != 0 {
				t.Fatal(errs)
			}
		})
		if allocs > tc.maxAllocs {
			t.Errorf("%s pod: %v allocations per validation, want at most %v", tc.name, allocs, tc.maxAllocs)
		}
	}
}
