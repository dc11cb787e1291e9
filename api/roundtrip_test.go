package api_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// kinds maps "apiVersion/kind" to a constructor of the Go type that decodes
// it. Each group's roundtrip_<group>_test.go adds its kinds in init.
var kinds = map[string]func() any{}

func register(apiVersion, kind string, newObj func() any) {
	kinds[apiVersion+"/"+kind] = newObj
}

// splitDocuments splits a YAML stream on "---" lines.
func splitDocuments(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range bytes.Split(data, []byte("\n---")) {
		d = bytes.TrimPrefix(bytes.TrimSpace(d), []byte("---"))
		if len(bytes.TrimSpace(d)) > 0 {
			docs = append(docs, d)
		}
	}
	return docs
}

// TestManifestRoundTrip decodes every manifest under testdata (YAML and JSON,
// as Kubernetes users write them) into our types and re-encodes it to JSON:
// the result must be semantically equal to the input, so no field we carry
// is lost or renamed. Every manifest must use only fields we carry.
func TestManifestRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	seen := map[string]bool{}
	for _, file := range files {
		ext := filepath.Ext(file)
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		docs := [][]byte{data}
		if ext != ".json" {
			docs = splitDocuments(data)
		}
		for i, doc := range docs {
			jsonDoc, err := yaml.YAMLToJSON(doc)
			if err != nil {
				t.Fatalf("%s document %d: %v", file, i, err)
			}
			var want map[string]any
			if err := json.Unmarshal(jsonDoc, &want); err != nil {
				t.Fatalf("%s document %d: %v", file, i, err)
			}
			key, _ := want["apiVersion"].(string)
			kind, _ := want["kind"].(string)
			key += "/" + kind
			newObj, ok := kinds[key]
			if !ok {
				t.Errorf("%s document %d: no Go type registered for %s", file, i, key)
				continue
			}
			seen[key] = true
			t.Run(strings.TrimPrefix(file, "testdata/")+"/"+kind, func(t *testing.T) {
				obj := newObj()
				dec := json.NewDecoder(bytes.NewReader(jsonDoc))
				dec.DisallowUnknownFields()
				if err := dec.Decode(obj); err != nil {
					t.Fatalf("decode (every field in the corpus must be carried): %v", err)
				}
				out, err := json.Marshal(obj)
				if err != nil {
					t.Fatalf("encode: %v", err)
				}
				var got map[string]any
				if err := json.Unmarshal(out, &got); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("round trip changed the manifest (-input +re-encoded):\n%s", diff)
				}
			})
		}
	}
	if len(seen) == 0 {
		t.Fatal("no manifests decoded from testdata")
	}
}
