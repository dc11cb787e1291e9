package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// referenceDecodePod is decodeInto as it was before the generated code,
// for a pod: encoding/json only.
func referenceDecodePod(body []byte, strict bool) (*corev1.Pod, error) {
	const apiVersion, kind = "v1", "Pod"
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errBadRequest(fmt.Sprintf("the body of the request is empty: expected a %s object", kind))
	}
	obj := &corev1.Pod{}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(obj); err != nil {
		msg := fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", kind, apiVersion, kind, err)
		if strict && strings.HasPrefix(err.Error(), "json: unknown field") {
			msg = "strict decoding error: " + strings.TrimPrefix(err.Error(), "json: ")
		}
		return nil, errBadRequest(msg)
	}
	if dec.More() {
		return nil, errBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: unexpected data after the object", kind, apiVersion, kind))
	}
	if obj.APIVersion != "" && obj.APIVersion != apiVersion {
		return nil, errBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", obj.APIVersion, apiVersion))
	}
	if obj.Kind != "" && obj.Kind != kind {
		return nil, errBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (%s)", obj.Kind, kind))
	}
	obj.TypeMeta = metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
	return obj, nil
}

// TestDecodeIntoFast checks that decoding a request body with the
// generated code gives the same object, or the same error message, as
// encoding/json, strict or not.
func TestDecodeIntoFast(t *testing.T) {
	bodies := []string{
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","labels":{"a":"<b>"}},` +
			`"spec":{"containers":[{"name":"c","image":"nginx","resources":{"limits":{"cpu":"500m","memory":"1Gi"}},"ports":[{"containerPort":80}]}]}}`,
		` {"metadata":{"name":"p","creationTimestamp":"2024-05-01T10:00:00+02:00"},"spec":{"containers":[]}} ` + "\n",
		`{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]},"unknownField":1}`,
		`{"metadata":{"name":"p","Namespace":"folded"}}`,
		`{"metadata":{"name":"p","name":"q"}}`,
		`{"metadata":{"name":"p"}} {"metadata":{}}`,
		`{"metadata":{"name":"p"}} }`,
		`{"metadata":{"name":1}}`,
		`{"spec":{"priority":2147483648}}`,
		`{"spec":{"priority":1.0}}`,
		`{"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"lots"}}}]}}`,
		`{"kind":"Service"}`,
		`{"apiVersion":"v2"}`,
		`{"metadata":{"name":"\ud83d\ude00\u2028 \ud800"}}`,
		`{"metadata":`,
		`null`,
		`[]`,
		`{"metadata":{"labels":null,"annotations":{}},"spec":{"containers":null}}`,
		"",
		"  \n",
	}
	// The well-formed bodies must take the fast path.
	for _, i := range []int{0, 1, 17} {
		if err := new(corev1.Pod).UnmarshalJSONFast([]byte(bodies[i])); err != nil {
			t.Errorf("UnmarshalJSONFast(%s): %v", bodies[i], err)
		}
	}
	for _, strict := range []bool{false, true} {
		for _, body := range bodies {
			fast, fastErr := decodeInto(&corev1.Pod{}, "v1", "Pod", []byte(body), strict,
				func(p *corev1.Pod) { p.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"} },
				func(p *corev1.Pod) metav1.TypeMeta { return p.TypeMeta })
			slow, slowErr := referenceDecodePod([]byte(body), strict)
			if (fastErr == nil) != (slowErr == nil) || (fastErr != nil && fastErr.Error() != slowErr.Error()) {
				t.Errorf("strict=%v %s:\nerror %v\nwant  %v", strict, body, fastErr, slowErr)
				continue
			}
			if fastErr == nil && !reflect.DeepEqual(fast, slow) {
				t.Errorf("strict=%v %s: %s", strict, body, cmp.Diff(slow, fast))
			}
		}
	}
}

// TestRegistryCodecFast checks encodeForStore, decode and copyObject of
// every registered kind against encoding/json.
func TestRegistryCodecFast(t *testing.T) {
	s, err := New(newEnvStoreOnly(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.resources {
		obj := r.newObject()
		m := obj.GetObjectMeta()
		m.Name, m.UID, m.Generation, m.ResourceVersion = "x<&>", newUID(), 1, "5"
		m.CreationTimestamp = metav1.Unix(1700000000, 0)
		m.Labels = map[string]string{"b": "2", "a": "1"}
		stored, err := r.encodeForStore(obj)
		if err != nil {
			t.Fatalf("%s: %v", r.info.Kind, err)
		}
		want, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		if string(stored) != string(want) {
			t.Errorf("%s: encodeForStore = %s, want %s", r.info.Kind, stored, want)
		}
		got, err := r.decode(stored, 7)
		if err != nil {
			t.Fatalf("%s: %v", r.info.Kind, err)
		}
		ref := r.newObject()
		if err := json.Unmarshal(stored, ref); err != nil {
			t.Fatal(err)
		}
		r.setTypeMeta(ref)
		ref.GetObjectMeta().ResourceVersion = "7"
		if !reflect.DeepEqual(got, ref) {
			t.Errorf("%s: decode: %s", r.info.Kind, cmp.Diff(ref, got))
		}
		cp, err := r.copyObject(got)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(cp, got) {
			t.Errorf("%s: copyObject: %s", r.info.Kind, cmp.Diff(got, cp))
		}
		if _, err := r.decode([]byte(`{"metadata":{"name":1}}`), 1); err == nil {
			t.Errorf("%s: decode of a bad value succeeded", r.info.Kind)
		}
	}
}
