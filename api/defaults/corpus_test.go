package defaults_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"sigs.k8s.io/yaml"

	"github.com/rigging-dev/rigging/api/defaults"
)

// manifest is one document of the manifest corpus in api/testdata, as JSON.
type manifest struct {
	name string // file and document number
	kind kind
	json []byte
}

// corpus reads every manifest under ../testdata (YAML streams and JSON
// files, as Kubernetes users write them), the corpus that api's round-trip
// test decodes.
func corpus(tb testing.TB) []manifest {
	tb.Helper()
	files, err := filepath.Glob("../testdata/*")
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	var out []manifest
	for _, file := range files {
		ext := filepath.Ext(file)
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
		}
		docs := [][]byte{data}
		if ext != ".json" {
			docs = splitYAML(data)
		}
		for i, doc := range docs {
			js, err := yaml.YAMLToJSON(doc)
			if err != nil {
				tb.Fatalf("%s document %d: %v", file, i, err)
			}
			var head struct{ APIVersion, Kind string }
			if err := json.Unmarshal(js, &head); err != nil {
				tb.Fatalf("%s document %d: %v", file, i, err)
			}
			k, ok := kindFor(head.APIVersion, head.Kind)
			if !ok {
				tb.Fatalf("%s document %d: no Go type for %s %s", file, i, head.APIVersion, head.Kind)
			}
			name := fmt.Sprintf("%s/%d/%s", filepath.Base(file), i, head.Kind)
			out = append(out, manifest{name: name, kind: k, json: js})
		}
	}
	if len(out) == 0 {
		tb.Fatal("no manifests in ../testdata")
	}
	return out
}

// splitYAML splits a YAML stream on "---" lines.
func splitYAML(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range bytes.Split(data, []byte("\n---")) {
		d = bytes.TrimPrefix(bytes.TrimSpace(d), []byte("---"))
		if len(bytes.TrimSpace(d)) > 0 {
			docs = append(docs, d)
		}
	}
	return docs
}

// TestCorpus defaults every manifest of the corpus: Object must know its
// kind and not panic, defaulting twice must equal defaulting once, and the
// defaulted object must survive a JSON round trip (encode, decode) with
// its defaults intact, as it does through an API server's store.
func TestCorpus(t *testing.T) {
	// An empty map or list and an absent one encode alike.
	equateEmpty := cmpopts.EquateEmpty()
	for _, m := range corpus(t) {
		t.Run(m.name, func(t *testing.T) {
			obj := m.kind.new()
			if err := json.Unmarshal(m.json, obj); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !defaults.Object(obj) {
				t.Fatalf("Object(%T) = false, want true", obj)
			}
			twice := deepCopy(obj)
			defaults.Object(twice)
			if diff := cmp.Diff(obj, twice); diff != "" {
				t.Errorf("defaulting twice differs from once (-once +twice):\n%s", diff)
			}
			b, err := json.Marshal(obj)
			if err != nil {
				t.Fatalf("encode the defaulted object: %v", err)
			}
			decoded := m.kind.new()
			if err := json.Unmarshal(b, decoded); err != nil {
				t.Fatalf("decode the defaulted object: %v", err)
			}
			if diff := cmp.Diff(obj, decoded, equateEmpty); diff != "" {
				t.Errorf("the defaulted object changed in a JSON round trip (-defaulted +decoded):\n%s", diff)
			}
			defaults.Object(decoded)
			if diff := cmp.Diff(obj, decoded, equateEmpty); diff != "" {
				t.Errorf("defaulting the round-tripped object changed it (-defaulted +again):\n%s", diff)
			}
		})
	}
}
