package v1_test

import (
	"encoding/json"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/internal/testpods"
)

// benchPod is a pod as a client creates it, with a status as the kubelet
// writes it.
const benchPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-5d8f7c9b6-x2k4p","generateName":"web-5d8f7c9b6-",` +
	`"namespace":"default","uid":"1b4e28ba-2fa1-11d2-883f-0016d3cca427","creationTimestamp":"2024-05-01T10:00:00Z",` +
	`"labels":{"app":"web","pod-template-hash":"5d8f7c9b6"},"annotations":{"kubernetes.io/config.seen":"2024-05-01T10:00:00Z"},` +
	`"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-5d8f7c9b6","uid":"2c4e28ba-2fa1-11d2-883f-0016d3cca427","controller":true,"blockOwnerDeletion":true}]},` +
	`"spec":{"containers":[{"name":"web","image":"nginx:1.27","ports":[{"name":"http","containerPort":80,"protocol":"TCP"}],` +
	`"env":[{"name":"MODE","value":"production"}],"resources":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"250m","memory":"128Mi"}},` +
	`"readinessProbe":{"httpGet":{"path":"/healthz","port":"http","scheme":"HTTP"},"periodSeconds":10},"imagePullPolicy":"IfNotPresent"}],` +
	`"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default",` +
	`"nodeName":"node-7","schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]},` +
	`"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2024-05-01T10:00:05Z"}],` +
	`"hostIP":"10.0.0.7","podIP":"10.244.1.9","startTime":"2024-05-01T10:00:01Z",` +
	`"containerStatuses":[{"name":"web","state":{"running":{"startedAt":"2024-05-01T10:00:03Z"}},"ready":true,"restartCount":0,"image":"nginx:1.27","imageID":"sha256:abc","containerID":"containerd://def"}]}}`

// createPod is the body bench/apiserver posts for each pod it creates:
// what the API server decodes, defaults, validates and encodes on every
// create.
const createPod = testpods.Bench

func benchPodValue(b *testing.B) *corev1.Pod {
	var p corev1.Pod
	if err := json.Unmarshal([]byte(benchPod), &p); err != nil {
		b.Fatal(err)
	}
	return &p
}

func BenchmarkPodDecode(b *testing.B) {
	data := []byte(benchPod)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var p corev1.Pod
			if err := p.UnmarshalJSONFast(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var p corev1.Pod
			if err := json.Unmarshal(data, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
	create := []byte(createPod)
	b.Run("create", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(create)))
		for b.Loop() {
			var p corev1.Pod
			if err := p.UnmarshalJSONFast(create); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkPodEncode(b *testing.B) {
	p := benchPodValue(b)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 4096)
		for b.Loop() {
			var err error
			if buf, err = p.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := json.Marshal(p)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(out)))
		}
	})
}
