package protobuf_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rigging-dev/rigging/api/protobuf"
)

// manifest is one document of the manifest corpus in api/testdata.
type manifest struct {
	name             string
	apiVersion, kind string
	json             []byte
}

// corpus reads every manifest under ../testdata as JSON.
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
		if ext != ".yaml" && ext != ".json" {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			tb.Fatal(err)
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
				tb.Fatalf("%s document %d: %v", file, i, err)
			}
			var head struct{ APIVersion, Kind string }
			if err := json.Unmarshal(js, &head); err != nil {
				tb.Fatalf("%s document %d: %v", file, i, err)
			}
			out = append(out, manifest{
				name:       fmt.Sprintf("%s/%d/%s", filepath.Base(file), i, head.Kind),
				apiVersion: head.APIVersion, kind: head.Kind, json: js,
			})
		}
	}
	if len(out) == 0 {
		tb.Fatal("no manifests in ../testdata")
	}
	return out
}

// decodeJSON decodes a manifest into a new object of its kind.
func decodeJSON(tb testing.TB, m manifest) any {
	tb.Helper()
	obj, ok := protobuf.New(m.apiVersion, m.kind)
	if !ok {
		tb.Fatalf("New(%q, %q): unknown kind", m.apiVersion, m.kind)
	}
	if err := json.Unmarshal(m.json, obj); err != nil {
		tb.Fatalf("decode JSON: %v", err)
	}
	return obj
}
