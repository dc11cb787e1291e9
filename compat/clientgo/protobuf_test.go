package clientgo

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/rigging-dev/rigging/api/protobuf"
)

// gogoMessage is the generated protobuf code of k8s.io/api's types.
type gogoMessage interface {
	Marshal() ([]byte, error)
	Unmarshal([]byte) error
}

// corpusDoc is one manifest of api/testdata, as JSON.
type corpusDoc struct {
	name             string
	apiVersion, kind string
	json             []byte
}

func readCorpus(t *testing.T) []corpusDoc {
	t.Helper()
	files, err := filepath.Glob("../../api/testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var out []corpusDoc
	for _, file := range files {
		ext := filepath.Ext(file)
		if ext != ".yaml" && ext != ".json" {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		docs := [][]byte{data}
		if ext == ".yaml" {
			docs = nil
			for _, d := range bytes.Split(data, []byte("\n---")) {
				d = bytes.TrimPrefix(bytes.TrimSpace(d), []byte("---"))
				if len(bytes.TrimSpace(d)) > 0 {
					docs = append(docs, d)
				}
			}
		}
		for i, doc := range docs {
			js, err := yaml.YAMLToJSON(doc)
			if err != nil {
				t.Fatalf("%s document %d: %v", file, i, err)
			}
			var head struct{ APIVersion, Kind string }
			if err := json.Unmarshal(js, &head); err != nil {
				t.Fatal(err)
			}
			out = append(out, corpusDoc{name: filepath.Base(file) + "/" + head.Kind, apiVersion: head.APIVersion, kind: head.Kind, json: js})
		}
	}
	if len(out) == 0 {
		t.Fatal("no manifests")
	}
	return out
}

// jsonForm decodes JSON, dropping nulls, zero numbers, false, "" and empty
// lists and maps (the two JSON encoders differ in which zero values they
// omit, and protobuf does not tell an empty list from none) and apiVersion
// and kind (which the envelope, not the message, carries).
func jsonForm(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode JSON: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode JSON: %v", err)
	}
	delete(out, "apiVersion")
	delete(out, "kind")
	return prune(out)
}

func prune(v any) any {
	switch v := v.(type) {
	case float64:
		if v == 0 {
			return nil
		}
	case bool:
		if !v {
			return nil
		}
	case string:
		if v == "" {
			return nil
		}
	case map[string]any:
		for k, e := range v {
			if e = prune(e); e == nil {
				delete(v, k)
			} else {
				v[k] = e
			}
		}
		if len(v) == 0 {
			return nil
		}
	case []any:
		for i, e := range v {
			v[i] = prune(e)
		}
		if len(v) == 0 {
			return nil
		}
	}
	return v
}

// TestProtobufWireCompatibility encodes every manifest of api/testdata
// with k8s.io/api's generated code and decodes it with api/protobuf, and
// the reverse, comparing the JSON forms; it also compares the bytes.
func TestProtobufWireCompatibility(t *testing.T) {
	dec := scheme.Codecs.UniversalDeserializer()
	for _, d := range readCorpus(t) {
		t.Run(d.name, func(t *testing.T) {
			kobj, _, err := dec.Decode(d.json, nil, nil)
			if err != nil {
				t.Fatalf("k8s decode: %v", err)
			}
			kmsg, ok := kobj.(gogoMessage)
			if !ok {
				t.Fatalf("%T has no generated protobuf code", kobj)
			}
			ours, ok := protobuf.New(d.apiVersion, d.kind)
			if !ok {
				t.Fatalf("protobuf.New(%q, %q): unknown kind", d.apiVersion, d.kind)
			}
			if err := json.Unmarshal(d.json, ours); err != nil {
				t.Fatalf("decode JSON into ours: %v", err)
			}

			// Kubernetes -> ours.
			kb, err := kmsg.Marshal()
			if err != nil {
				t.Fatalf("k8s Marshal: %v", err)
			}
			fromK8s, _ := protobuf.New(d.apiVersion, d.kind)
			if err := protobuf.Unmarshal(kb, fromK8s); err != nil {
				t.Fatalf("protobuf.Unmarshal of Kubernetes' encoding: %v", err)
			}
			if diff := cmp.Diff(jsonForm(t, kobj), jsonForm(t, fromK8s)); diff != "" {
				t.Errorf("Kubernetes' encoding decoded by ours (-kubernetes +ours):\n%s", diff)
			}

			// Ours -> Kubernetes.
			ob, err := protobuf.Marshal(ours)
			if err != nil {
				t.Fatalf("protobuf.Marshal: %v", err)
			}
			toK8s := kobj.DeepCopyObject()
			reset(toK8s)
			if err := toK8s.(gogoMessage).Unmarshal(ob); err != nil {
				t.Fatalf("k8s Unmarshal of our encoding: %v", err)
			}
			if diff := cmp.Diff(jsonForm(t, ours), jsonForm(t, toK8s)); diff != "" {
				t.Errorf("our encoding decoded by Kubernetes (-ours +kubernetes):\n%s", diff)
			}
			// Nothing is lost on the way: Kubernetes re-encodes what it
			// decoded from ours to the very bytes it encodes itself.
			rb, err := toK8s.(gogoMessage).Marshal()
			if err != nil {
				t.Fatalf("k8s Marshal of the decoded object: %v", err)
			}
			if !bytes.Equal(kb, rb) {
				t.Errorf("Kubernetes' encoding of the object decoded from ours differs from its own:\nown     %x\nthrough %x", kb, rb)
			}
		})
	}
}

// reset zeroes a Kubernetes object through its generated Reset.
func reset(obj runtime.Object) {
	obj.(interface{ Reset() }).Reset()
}
