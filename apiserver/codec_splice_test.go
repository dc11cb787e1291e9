package apiserver

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
)

// splicePod is a pod with everything that could confuse the splice: an
// owner reference with its own uid, labels and annotations naming uid and
// resourceVersion, and quoted text in its spec.
const splicePod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"default",` +
	`"labels":{"uid":"x","resourceVersion":"y"},"annotations":{"note":"\"uid\":\"0\" <&>"},` +
	`"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web","uid":"1b4e28ba-2fa1-11d2-883f-0016d3cca427","controller":true}],` +
	`"finalizers":["example.com/f"]},"spec":{"containers":[{"name":"c","image":"nginx","args":["\"uid\":\"z\""]}]}}`

// TestWithResourceVersion checks that splicing a resourceVersion into an
// object's stored JSON gives encoding/json's own bytes, for every
// registered kind and for a busy pod.
func TestWithResourceVersion(t *testing.T) {
	s, err := New(newEnvStoreOnly(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	type sample struct {
		res *resource
		obj metav1.Object
	}
	var samples []sample
	for _, r := range s.resources {
		obj := r.newObject()
		m := obj.GetObjectMeta()
		m.Name, m.UID, m.Generation = "x", newUID(), 1
		m.CreationTimestamp = metav1.Unix(1700000000, 0)
		m.Labels = map[string]string{"a": "b"}
		if r.info.Namespaced {
			m.Namespace = "default"
		}
		samples = append(samples, sample{r, obj})
	}
	pods := s.lookup("", "pods")
	pod := &corev1.Pod{}
	if err := json.Unmarshal([]byte(splicePod), pod); err != nil {
		t.Fatal(err)
	}
	pod.UID = newUID()
	samples = append(samples, sample{pods, pod})
	for _, c := range samples {
		r, obj := c.res, c.obj
		stored, err := r.encodeForStore(obj)
		if err != nil {
			t.Fatalf("%s: %v", r.info.Kind, err)
		}
		obj.GetObjectMeta().ResourceVersion = "1234567"
		want, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // the first splice is checked, the second not
			got, ok := r.withResourceVersion(stored, obj)
			if !ok {
				t.Fatalf("%s: withResourceVersion refused (spliceRV %v, off %v)", r.info.Kind, r.spliceRV, r.spliceOff.Load())
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s: spliced JSON differs from encoding/json's (-want +got):\n%s", r.info.Kind, diff)
			}
		}
	}
}

// TestWithResourceVersionRefuses checks the cases the splice leaves to
// encoding/json.
func TestWithResourceVersionRefuses(t *testing.T) {
	s, err := New(newEnvStoreOnly(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pods := s.lookup("", "pods")
	for _, c := range []struct {
		name    string
		uid, rv string
		stored  string // "" for the pod's own encoding
	}{
		{name: "no uid", uid: "", rv: "5"},
		{name: "no resourceVersion", uid: "abc", rv: ""},
		{name: "uid that JSON escapes", uid: "a<b", rv: "5"},
		{name: "resourceVersion that JSON escapes", uid: "abc", rv: `5"`},
		{name: "uid not in the bytes", uid: "abc", rv: "5", stored: `{"metadata":{"uid":"abd"}}`},
	} {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: types.UID(c.uid)}}
		stored, err := pods.encodeForStore(pod)
		if err != nil {
			t.Fatal(err)
		}
		if c.stored != "" {
			stored = []byte(c.stored)
		}
		pod.ResourceVersion = c.rv
		if got, ok := pods.withResourceVersion(stored, pod); ok {
			t.Errorf("%s: withResourceVersion = %s, want a refusal", c.name, got)
		}
	}
	if pods.spliceOff.Load() {
		t.Errorf("a refusal turned splicing off")
	}

	// A first splice that encoding/json contradicts turns it off.
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: "abc", ResourceVersion: "5"}}
	fresh, err := newResource(pods.info, pods.typ)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fresh.withResourceVersion([]byte(`{"metadata":{"uid":"abc","name":"p"}}`), pod); ok {
		t.Errorf("a wrong first splice was accepted")
	}
	if !fresh.spliceOff.Load() {
		t.Errorf("a wrong first splice did not turn splicing off")
	}
	stored, _ := fresh.encodeForStore(pod)
	pod.ResourceVersion = "5"
	if _, ok := fresh.withResourceVersion(stored, pod); ok {
		t.Errorf("splicing went on after it was turned off")
	}
}
