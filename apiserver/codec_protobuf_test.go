package apiserver

import (
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/protobuf"
)

// pbBody encodes obj as an enveloped protobuf body.
func pbBody(t *testing.T, apiVersion, kind string, obj any) []byte {
	t.Helper()
	raw, err := protobuf.Marshal(obj)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	return protobuf.EncodeEnvelope(apiVersion, kind, raw)
}

// pbDecode decodes an enveloped protobuf answer, checking its kind.
func pbDecode(t *testing.T, b []byte, apiVersion, kind string, obj any) {
	t.Helper()
	av, k, raw, err := protobuf.DecodeEnvelope(b)
	if err != nil {
		t.Fatalf("DecodeEnvelope(%q): %v", b, err)
	}
	if av != apiVersion || k != kind {
		t.Fatalf("envelope names %s %s, want %s %s", av, k, apiVersion, kind)
	}
	if err := protobuf.Unmarshal(raw, obj); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
}

const pbCT = "application/vnd.kubernetes.protobuf"

func TestProtobufCreateGetList(t *testing.T) {
	e := newEnv(t, Options{})
	pod := testPod("default", "web")
	body := pbBody(t, "v1", "Pod", pod)

	// Create with a protobuf body, answered in JSON.
	var created corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), body, &created, "Content-Type", pbCT)
	if created.Name != "web" || created.ResourceVersion == "" || created.Kind != "Pod" {
		t.Fatalf("created = %+v", created.ObjectMeta)
	}
	if diff := cmp.Diff(pod.Spec.Containers[0].Image, created.Spec.Containers[0].Image); diff != "" {
		t.Errorf("image (-want +got):\n%s", diff)
	}

	// Get in protobuf, as client-go asks.
	code, b := e.do("GET", podsPath("default")+"/web", nil, "Accept", pbCT+", application/json")
	if code != http.StatusOK {
		t.Fatalf("GET: %d %s", code, b)
	}
	var got corev1.Pod
	pbDecode(t, b, "v1", "Pod", &got)
	got.TypeMeta = created.TypeMeta
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("GET in protobuf differs from the created object (-json +protobuf):\n%s", diff)
	}

	// Update with protobuf in and out.
	got.Labels = map[string]string{"tier": "front"}
	code, b = e.do("PUT", podsPath("default")+"/web", pbBody(t, "v1", "Pod", &got), "Content-Type", pbCT, "Accept", pbCT)
	if code != http.StatusOK {
		t.Fatalf("PUT: %d %s", code, b)
	}
	var updated corev1.Pod
	pbDecode(t, b, "v1", "Pod", &updated)
	if diff := cmp.Diff(map[string]string{"tier": "front"}, updated.Labels); diff != "" {
		t.Errorf("labels after update (-want +got):\n%s", diff)
	}

	// List in protobuf.
	code, b = e.do("GET", podsPath("default"), nil, "Accept", pbCT)
	if code != http.StatusOK {
		t.Fatalf("LIST: %d %s", code, b)
	}
	var list corev1.PodList
	pbDecode(t, b, "v1", "PodList", &list)
	if len(list.Items) != 1 || list.Items[0].Name != "web" || list.ResourceVersion == "" {
		t.Errorf("list = %+v", list)
	}

	// Errors are a Status in protobuf.
	code, b = e.do("GET", podsPath("default")+"/nope", nil, "Accept", pbCT)
	if code != http.StatusNotFound {
		t.Fatalf("GET missing: %d %s", code, b)
	}
	var st metav1.Status
	pbDecode(t, b, "v1", "Status", &st)
	if st.Reason != metav1.StatusReasonNotFound || st.Code != http.StatusNotFound {
		t.Errorf("status = %+v", st)
	}
}

func TestProtobufRequestErrors(t *testing.T) {
	e := newEnv(t, Options{})
	cases := []struct {
		name   string
		body   []byte
		ct     string
		accept string
		code   int
		reason metav1.StatusReason
	}{
		{"no envelope", []byte("\x0a\x03abc"), pbCT, "", http.StatusBadRequest, metav1.StatusReasonBadRequest},
		{"truncated message", append(protobuf.EncodeEnvelope("v1", "Pod", nil)[:6], 0x7f), pbCT, "", http.StatusBadRequest, metav1.StatusReasonBadRequest},
		{"bad message", protobuf.EncodeEnvelope("v1", "Pod", []byte("\x0a\x05ab")), pbCT, "", http.StatusBadRequest, metav1.StatusReasonBadRequest},
		{"wrong kind", pbBody(t, "v1", "ConfigMap", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}), pbCT, "", http.StatusBadRequest, metav1.StatusReasonBadRequest},
		{"yaml", []byte("kind: Pod"), "application/yaml", "", http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType},
		{"cbor", []byte{0xa0}, "application/cbor", "", http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, b := e.do("POST", podsPath("default"), tc.body, "Content-Type", tc.ct)
			if code != tc.code {
				t.Fatalf("code %d, want %d: %s", code, tc.code, b)
			}
			st := status(t, b)
			if st.Reason != tc.reason {
				t.Errorf("reason %q, want %q: %s", st.Reason, tc.reason, st.Message)
			}
		})
	}
	// The same error, asked for in protobuf.
	code, b := e.do("POST", podsPath("default"), []byte("garbage"), "Content-Type", pbCT, "Accept", pbCT)
	if code != http.StatusBadRequest {
		t.Fatalf("code %d: %s", code, b)
	}
	var st metav1.Status
	pbDecode(t, b, "v1", "Status", &st)
	if st.Reason != metav1.StatusReasonBadRequest {
		t.Errorf("status = %+v", st)
	}
}

// readWatchFrame reads one length-prefixed protobuf WatchEvent and
// decodes its object into obj.
func readWatchFrame(t *testing.T, r io.Reader, obj any) (metav1.EventType, string) {
	t.Helper()
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		t.Fatalf("read frame length: %v", err)
	}
	msg := make([]byte, binary.BigEndian.Uint32(n[:]))
	if _, err := io.ReadFull(r, msg); err != nil {
		t.Fatalf("read frame: %v", err)
	}
	var ev metav1.WatchEvent
	if err := protobuf.Unmarshal(msg, &ev); err != nil {
		t.Fatalf("Unmarshal WatchEvent: %v", err)
	}
	_, kind, raw, err := protobuf.DecodeEnvelope(ev.Object)
	if err != nil {
		t.Fatalf("DecodeEnvelope of the event's object: %v", err)
	}
	if err := protobuf.Unmarshal(raw, obj); err != nil {
		t.Fatalf("Unmarshal %s: %v", kind, err)
	}
	return ev.Type, kind
}

func TestProtobufWatch(t *testing.T) {
	e := newEnv(t, Options{})
	var created corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("default", "web"), &created)
	for _, accept := range []string{pbCT + ";stream=watch", pbCT + ", application/json"} {
		t.Run(accept, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, "GET", e.ts.URL+podsPath("default")+"?watch=true&resourceVersion=0", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Accept", accept)
			resp, err := e.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != pbCT+";stream=watch" {
				t.Fatalf("watch: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			var pod corev1.Pod
			typ, kind := readWatchFrame(t, resp.Body, &pod)
			if typ != metav1.Added || kind != "Pod" || pod.Name != "web" || pod.ResourceVersion != created.ResourceVersion {
				t.Errorf("first event %s %s %s rv %s, want ADDED Pod web rv %s", typ, kind, pod.Name, pod.ResourceVersion, created.ResourceVersion)
			}
		})
	}
	// A watch that allows JSON first stays JSON.
	req, err := http.NewRequestWithContext(t.Context(), "GET", e.ts.URL+podsPath("default")+"?watch=true&timeoutSeconds=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json, "+pbCT)
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("watch preferring JSON: %d %q, want 200 application/json", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// An error before the stream begins is a protobuf Status.
	code, b := e.do("GET", podsPath("default")+"?watch=true&resourceVersion=x", nil, "Accept", pbCT)
	if code != http.StatusBadRequest {
		t.Fatalf("bad watch: %d %s", code, b)
	}
	var st metav1.Status
	pbDecode(t, b, "v1", "Status", &st)
	if st.Reason != metav1.StatusReasonBadRequest {
		t.Errorf("status = %+v", st)
	}
}

func TestPrefersProtobuf(t *testing.T) {
	cases := map[string]bool{
		"":                                     false,
		"application/json":                     false,
		pbCT:                                   true,
		pbCT + ", application/json":            true,
		"application/json, " + pbCT:            false,
		"application/json;q=0.5, " + pbCT:      true,
		pbCT + ";q=0":                          false,
		pbCT + ";as=Table;v=v1;g=meta.k8s.io":  false,
		"APPLICATION/VND.KUBERNETES.PROTOBUF ": true,
	}
	for accept, want := range cases {
		if got := prefersProtobuf(accept); got != want {
			t.Errorf("prefersProtobuf(%q) = %v, want %v", accept, got, want)
		}
	}
}
