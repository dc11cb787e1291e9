package jsoncodec

import (
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// widget is a user kind that embeds metav1.TypeMeta without declaring its
// own generated JSON code: the methods promoted from TypeMeta would encode
// only apiVersion and kind.
type widget struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Size            int               `json:"size"`
}

// slowPod encodes and decodes like corev1.Pod (its only field is embedded
// without a name, so its members are Pod's), but through encoding/json.
type slowPod struct{ corev1.Pod }

// TestAs checks which types the hot paths trust with generated
// code: the api types, not a user kind that only inherits the methods.
func TestAs(t *testing.T) {
	if _, ok := As(&corev1.Pod{}); !ok {
		t.Error("*corev1.Pod: no fast JSON")
	}
	if _, ok := any(&widget{}).(Fast); !ok {
		t.Fatal("*widget does not inherit the fast JSON methods; the test needs them")
	}
	for _, obj := range []any{&widget{}, &slowPod{}, corev1.Pod{}, new(int)} {
		if _, ok := As(obj); ok {
			t.Errorf("%T: fast JSON trusted", obj)
		}
	}
	w := &widget{TypeMeta: metav1.TypeMeta{Kind: "Widget"}, Size: 3}
	w.Metadata.Name = "w"
	got, err := Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(w)
	if string(got) != string(want) {
		t.Errorf("Marshal(widget) = %s, want %s", got, want)
	}
	var back widget
	if err := Unmarshal(got, &back); err != nil || !reflect.DeepEqual(&back, w) {
		t.Errorf("Unmarshal(widget) = %+v, %v; want %+v", back, err, w)
	}
}

// TestGeneratedPackages checks that the packages As trusts are exactly the
// ones the go:generate line in api/doc.go runs jsongen on.
func TestGeneratedPackages(t *testing.T) {
	doc, err := os.ReadFile("../doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for l := range strings.Lines(string(doc)) {
		if strings.HasPrefix(l, "//go:generate go run ./internal/jsongen ") {
			line = strings.TrimSpace(strings.TrimPrefix(l, "//go:generate go run ./internal/jsongen "))
		}
	}
	if line == "" {
		t.Fatal("api/doc.go has no go:generate line for jsongen")
	}
	want := map[string]bool{}
	for _, dir := range strings.Fields(line) {
		want["github.com/rigging-dev/rigging/api/"+strings.TrimPrefix(dir, "./")] = true
	}
	if !maps.Equal(generated, want) {
		t.Errorf("generated = %v, want the go:generate line's packages %v", slices.Sorted(maps.Keys(generated)), slices.Sorted(maps.Keys(want)))
	}
}
