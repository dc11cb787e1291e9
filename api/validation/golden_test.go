package validation_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/api/defaults"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/validation"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/invalid-golden.json from the current code")

// goldenFile holds, for each document that TestInvalidGolden mutates, how
// many mutated objects it validated, how many errors they gave and
// SHA-256 digests of every error (type, field, message) in order. It was written
// by the validation code before paths were built lazily, so the test
// checks that the ErrorLists of invalid objects are unchanged.
const goldenFile = "testdata/invalid-golden.json"

type goldenDigest struct {
	Cases  int                   `json:"cases"`
	Errors int                   `json:"errors"`
	SHA256 [goldenBuckets]string `json:"sha256"` // of the cases i with i%goldenBuckets == bucket
}

// goldenBuckets is how many digests each document has: with -short or
// -race (ten times slower), only the first bucket is checked.
const goldenBuckets = 16

// badStrings, badNumbers: the values each leaf of a document is replaced
// with, one at a time (and bools are negated).
var (
	badStrings = []string{"", "Bad_Value-/..", strings.Repeat("a", 300)}
	badNumbers = []float64{-1, 70000, 1.5}
)

// eachMutation calls visit with doc changed in one place, for each such
// change: each leaf replaced with bad values, each list given a copy of
// its first element (a duplicate) or emptied, each object given a bad
// key. doc is changed in place and restored after each call.
func eachMutation(doc any, visit func()) {
	var walk func(v any, set func(any))
	walk = func(v any, set func(any)) {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if k == "apiVersion" || k == "kind" {
					continue
				}
				old := v[k]
				walk(old, func(n any) { v[k] = n; visit(); v[k] = old })
			}
			v["Bad Key/x/y"] = "-v-"
			visit()
			delete(v, "Bad Key/x/y")
		case []any:
			for i := range v {
				old := v[i]
				walk(old, func(n any) { v[i] = n; visit(); v[i] = old })
			}
			if len(v) > 0 {
				set(append(slices.Clip(v), v[0]))
				set([]any{})
			}
		case string:
			for _, s := range badStrings {
				set(s)
			}
		case float64:
			for _, n := range badNumbers {
				set(n)
			}
		case bool:
			set(!v)
		}
	}
	walk(doc, func(any) {})
}

// writeErrors writes each error of errs as one line.
func writeErrors(b *bytes.Buffer, label string, errs field.ErrorList) int {
	fmt.Fprintf(b, "%s %d\n", label, len(errs))
	for _, e := range errs {
		fmt.Fprintf(b, "%s|%s|%s\n", e.Type, e.Field, e.Error())
	}
	return len(errs)
}

// TestInvalidGolden validates many invalid objects (every document of
// api/testdata and the benchmark pods, each changed in one place, as
// decoded, defaulted, and as an update of the original) and compares the
// errors with those recorded in testdata/invalid-golden.json. To record
// them anew: go test -run TestInvalidGolden -update.
func TestInvalidGolden(t *testing.T) {
	docs := corpusDocuments(t)
	docs["bench-pod"] = []byte(benchPodJSON)
	docs["rich-pod"] = []byte(richPodJSON)
	names := make([]string, 0, len(docs))
	for name := range docs {
		names = append(names, name)
	}
	slices.Sort(names)
	// With -short or -race, only every goldenBuckets-th case is checked;
	// -update needs them all.
	quick := (testing.Short() || raceEnabled) && !*updateGolden
	got := map[string]goldenDigest{}
	for _, name := range names {
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := json.Unmarshal(docs[name], &head); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		newObj, ok := corpusKinds[head.APIVersion+"/"+head.Kind]
		if !ok {
			continue
		}
		var doc any
		if err := json.Unmarshal(docs[name], &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		orig := newObj()
		if err := json.Unmarshal(docs[name], orig); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defaults.Object(orig)
		var bufs [goldenBuckets]bytes.Buffer
		d := goldenDigest{}
		i := -1
		eachMutation(doc, func() {
			i++
			if quick && i%goldenBuckets != 0 {
				return
			}
			b := &bufs[i%goldenBuckets]
			js, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			raw, defaulted := newObj(), newObj()
			if json.Unmarshal(js, raw) != nil || json.Unmarshal(js, defaulted) != nil {
				return
			}
			defaults.Object(defaulted)
			d.Cases++
			errs, _ := validation.Object(raw)
			d.Errors += writeErrors(b, fmt.Sprintf("%d raw", i), errs)
			errs, _ = validation.Object(defaulted)
			d.Errors += writeErrors(b, fmt.Sprintf("%d defaulted", i), errs)
			errs, _ = validation.ObjectUpdate(defaulted, orig)
			d.Errors += writeErrors(b, fmt.Sprintf("%d update", i), errs)
		})
		for j := range bufs {
			sum := sha256.Sum256(bufs[j].Bytes())
			d.SHA256[j] = hex.EncodeToString(sum[:])
		}
		got[name] = d
	}
	if *updateGolden {
		data, err := json.MarshalIndent(got, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(goldenFile), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	total := 0
	for _, d := range got {
		total += d.Errors
	}
	if total == 0 {
		t.Fatal("no errors reported: the mutations made nothing invalid")
	}
	data, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]goldenDigest
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	if quick {
		// Compare the first bucket only.
		for name, d := range want {
			want[name] = goldenDigest{SHA256: [goldenBuckets]string{0: d.SHA256[0]}}
		}
		for name, d := range got {
			got[name] = goldenDigest{SHA256: [goldenBuckets]string{0: d.SHA256[0]}}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors of invalid objects differ from %s (-want +got):\n%s", goldenFile, diff)
	}
}
