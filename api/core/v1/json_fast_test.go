package v1_test

import (
	"strings"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/internal/jsontest"
)

// TestPodBodies decodes the benchmarks' pods, and one whose strings need
// unescaping, with the generated decoder and with encoding/json: the fast
// decoder must succeed, and give encoding/json's result even after its
// input buffer is overwritten (see jsontest.Compare).
func TestPodBodies(t *testing.T) {
	escaped := strings.NewReplacer(`"nginx"`, `"ng\u0069nx"`, `"/ready"`, `"\/ready\n"`, `"web"`, `"w\u00e9b"`).Replace(createPod)
	for name, body := range map[string]string{"create": createPod, "bench": benchPod, "escaped": escaped} {
		var pod corev1.Pod
		if err := pod.UnmarshalJSONFast([]byte(body)); err != nil {
			t.Fatalf("%s: UnmarshalJSONFast: %v", name, err)
		}
		if err := jsontest.Compare(func() jsontest.Generated { return new(corev1.Pod) }, []byte(body)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestPodJSONAllocs guards the cost of the generated code on the pod the
// API server is created with most: decoding makes one allocation per map,
// slice, pointer and chunk of strings (25: before lists of small elements
// were counted first, 27), and encoding into a large enough buffer none,
// the maps' members being sorted on the stack.
func TestPodJSONAllocs(t *testing.T) {
	data := []byte(createPod)
	decode := testing.AllocsPerRun(50, func() {
		var p corev1.Pod
		if err := p.UnmarshalJSONFast(data); err != nil {
			t.Fatal(err)
		}
	})
	if decode > 25 {
		t.Errorf("decoding the create pod: %v allocations, want at most 25", decode)
	}
	var p corev1.Pod
	if err := p.UnmarshalJSONFast(data); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 4096)
	encode := testing.AllocsPerRun(50, func() {
		var err error
		if buf, err = p.AppendJSON(buf[:0]); err != nil {
			t.Fatal(err)
		}
	})
	if encode != 0 {
		t.Errorf("encoding the create pod: %v allocations, want 0", encode)
	}
}
