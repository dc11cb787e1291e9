package v1_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// FuzzPodJSON decodes arbitrary JSON into a Pod and checks that whatever
// decodes also survives our own encoding: the encoding decodes again, and
// a second round trip reaches a fixed point (the same bytes on every later
// trip). The first trip may normalise: times become UTC seconds, and a
// struct holding only empty maps (resources: {limits: {}}) encodes as {}
// once, because omitzero sees a non-nil map, and is absent after that.
func FuzzPodJSON(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","creationTimestamp":"2024-05-01T10:00:00+02:00"}}`))
	f.Add([]byte(`{"spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":"1.5","memory":"1e3"}},"ports":[{"containerPort":80}]}]}}`))
	f.Add([]byte(`{"spec":{"containers":[{"name":"a","livenessProbe":{"httpGet":{"port":"http"},"grpc":{"port":1}}}],"volumes":[{"name":"v","emptyDir":{"sizeLimit":"1Gi"}}]}}`))
	f.Add([]byte(`{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastProbeTime":null}],"startTime":"2024-05-01T10:00:00.5Z"}}`))
	f.Add([]byte(`{"spec":{"overhead":{"cpu":"0"},"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[]}}}}}`))
	if b, err := os.ReadFile("../../testdata/core-pod-status.yaml"); err == nil {
		f.Add(b) // YAML, so it does not decode: a seed for the error path.
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var pod corev1.Pod
		if err := json.Unmarshal(data, &pod); err != nil {
			return
		}
		var enc [3][]byte
		for i := range enc {
			var err error
			if enc[i], err = json.Marshal(&pod); err != nil {
				t.Fatalf("Marshal in round trip %d failed: %v\ninput: %q", i+1, err, data)
			}
			pod = corev1.Pod{}
			if err := json.Unmarshal(enc[i], &pod); err != nil {
				t.Fatalf("Unmarshal of our own encoding failed: %v\nencoding: %s\ninput: %q", err, enc[i], data)
			}
		}
		if !bytes.Equal(enc[1], enc[2]) {
			t.Errorf("encoding does not reach a fixed point\nfirst:  %s\nsecond: %s\nthird:  %s\ninput: %q", enc[0], enc[1], enc[2], data)
		}
	})
}
