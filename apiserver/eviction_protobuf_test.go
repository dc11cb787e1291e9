package apiserver

import (
	"net/http"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	policyv1 "github.com/rigging-dev/rigging/api/policy/v1"
	"github.com/rigging-dev/rigging/api/protobuf"
)

// pbField appends a length-delimited protobuf field.
func pbField(b []byte, num int, v []byte) []byte {
	b = append(b, byte(num<<3|2), byte(len(v)))
	return append(b, v...)
}

func TestEvictionProtobuf(t *testing.T) {
	grace := int64(5)
	// What client-go's generated code writes for
	// Eviction{metadata: {name: p, namespace: default}, deleteOptions:
	// {gracePeriodSeconds: 5}}, built by hand from policy/v1's
	// generated.proto (metadata = 1, deleteOptions = 2) and meta/v1's
	// (ObjectMeta name = 1, namespace = 3; DeleteOptions
	// gracePeriodSeconds = 1), so that it does not depend on our encoder.
	meta := pbField(pbField(nil, 1, []byte("p")), 3, []byte("default"))
	handMade := protobuf.EncodeEnvelope("policy/v1", "Eviction",
		pbField(pbField(nil, 1, meta), 2, []byte{1 << 3, byte(grace)}))

	tests := []struct {
		name      string
		pod       string
		body      []byte
		wantCode  int
		wantGrace *int64 // nil: the pod is gone
	}{
		{"hand-made, graceful", "p", handMade, http.StatusCreated, &grace},
		{"encoded, immediate", "q", pbBody(t, "policy/v1", "Eviction", &policyv1.Eviction{
			ObjectMeta:    metav1.ObjectMeta{Name: "q", Namespace: "default"},
			DeleteOptions: &metav1.DeleteOptions{GracePeriodSeconds: new(int64)},
		}), http.StatusCreated, nil},
		{"encoded, no delete options", "r", pbBody(t, "policy/v1", "Eviction", &policyv1.Eviction{
			ObjectMeta: metav1.ObjectMeta{Name: "r"},
		}), http.StatusCreated, evictPtr(int64(30))},
		{"name mismatch", "s", pbBody(t, "policy/v1", "Eviction", &policyv1.Eviction{
			ObjectMeta: metav1.ObjectMeta{Name: "other"},
		}), http.StatusBadRequest, nil},
	}
	e := newEnv(t, Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := testPod("", tc.pod)
			p.Spec.NodeName = "n1"
			e.must(http.StatusCreated, "POST", podsPath("default"), p, nil)
			code, b := e.do("POST", podsPath("default")+"/"+tc.pod+"/eviction", tc.body,
				"Content-Type", pbCT, "Accept", pbCT+", application/json")
			var st metav1.Status
			pbDecode(t, b, "v1", "Status", &st)
			if code != tc.wantCode || st.Code != int32(tc.wantCode) {
				t.Fatalf("evict: %d %+v, want %d", code, st, tc.wantCode)
			}
			if tc.wantCode != http.StatusCreated {
				if st.Reason != metav1.StatusReasonBadRequest {
					t.Errorf("reason %q, want BadRequest", st.Reason)
				}
				e.must(http.StatusOK, "GET", podsPath("default")+"/"+tc.pod, nil, nil)
				return
			}
			if st.Status != metav1.StatusSuccess {
				t.Errorf("status %q, want Success", st.Status)
			}
			if tc.wantGrace == nil {
				e.must(http.StatusNotFound, "GET", podsPath("default")+"/"+tc.pod, nil, nil)
				return
			}
			var got corev1.Pod
			e.must(http.StatusOK, "GET", podsPath("default")+"/"+tc.pod, nil, &got)
			if got.DeletionTimestamp == nil || got.DeletionGracePeriodSeconds == nil || *got.DeletionGracePeriodSeconds != *tc.wantGrace {
				t.Errorf("evicted pod: deletionTimestamp %v grace %v, want grace %d", got.DeletionTimestamp, got.DeletionGracePeriodSeconds, *tc.wantGrace)
			}
		})
	}
}

// evictPtr returns a pointer to v.
func evictPtr[T any](v T) *T { return &v }
