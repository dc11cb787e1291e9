package validation_test

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/defaults"
	"github.com/rigging-dev/rigging/api/validation"
)

// FuzzPod decodes arbitrary JSON into a pod and validates it, as created,
// as updated from itself and from a valid pod, and after defaulting:
// validation must never panic, whatever the input.
func FuzzPod(f *testing.F) {
	for _, doc := range corpusDocuments(f) {
		if strings.Contains(string(doc), `"kind":"Pod"`) {
			f.Add(doc)
		}
	}
	seed, err := json.Marshal(validPod())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"spec":{"containers":[{"ports":[{"containerPort":70000}],"env":[{"valueFrom":{}}],"livenessProbe":{"httpGet":{"port":"x"},"grpc":{"port":0}}}],"volumes":[{"projected":{"sources":[{}]}}]}}`))
	f.Add([]byte(`{"spec":{"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{}},"podAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{}]}},"tolerations":[{}],"topologySpreadConstraints":[{"matchLabelKeys":[""]}]}}`))
	f.Add([]byte(`{"metadata":{"ownerReferences":[{"controller":true},{"controller":true}],"finalizers":["orphan","foregroundDeletion"]},"spec":{"initContainers":[{"restartPolicy":"Always","lifecycle":{"preStop":{"sleep":{}}}}],"dnsPolicy":"None","os":{"name":"windows"},"hostUsers":false,"hostPID":true}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var pod corev1.Pod
		if json.Unmarshal(data, &pod) != nil {
			return
		}
		for _, e := range validation.Pod(&pod) {
			_ = e.Error()
		}
		_ = validation.PodUpdate(&pod, &pod)
		_ = validation.PodUpdate(&pod, validPod())
		_ = validation.PodUpdate(validPod(), &pod)
		defaulted := pod.DeepCopy()
		defaults.Pod(defaulted)
		_ = validation.Pod(defaulted)
		_, _ = validation.Object(&pod)
	})
}

// FuzzObject decodes arbitrary JSON into each kind the package validates
// and validates it, as created and as updated from itself: validation
// must never panic.
func FuzzObject(f *testing.F) {
	for _, doc := range corpusDocuments(f) {
		f.Add(doc)
	}
	f.Add([]byte(`{"spec":{"ports":[{}],"clusterIPs":["None","x"],"type":"LoadBalancer","sessionAffinity":"ClientIP","sessionAffinityConfig":{}}}`))
	f.Add([]byte(`{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{}},"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"x%"}},"selector":{"matchExpressions":[{}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, newObj := range corpusKinds {
			obj := newObj()
			if json.Unmarshal(data, obj) != nil {
				continue
			}
			if errs, ok := validation.Object(obj); ok {
				for _, e := range errs {
					_ = e.Error()
				}
			}
			_, _ = validation.ObjectUpdate(obj, obj)
			_, _ = validation.ObjectUpdate(obj, newObj())
		}
	})
}
