package patch

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// fieldView is what a test checks of a Field.
type fieldView struct {
	Strategy  string
	MergeKey  string
	HasSchema bool
}

func view(f Field) fieldView {
	return fieldView{f.Strategy.String(), f.MergeKey, f.Schema != nil}
}

// lookup follows a path of member names through a schema.
func lookup(t *testing.T, s Schema, path ...string) Field {
	t.Helper()
	var f Field
	for i, name := range path {
		if s == nil {
			t.Fatalf("no schema at %v", path[:i])
		}
		f = s.Field(name)
		s = f.Schema
	}
	return f
}

func TestSchemaOfKubernetesTypes(t *testing.T) {
	pod := SchemaOf[corev1.Pod]()
	deployment := SchemaOf[appsv1.Deployment]()
	node := SchemaOf[corev1.Node]()
	service := SchemaOf[corev1.Service]()
	tests := []struct {
		schema Schema
		path   []string
		want   fieldView
	}{
		{pod, []string{"spec", "containers"}, fieldView{"merge", "name", true}},
		{pod, []string{"spec", "initContainers"}, fieldView{"merge", "name", true}},
		{pod, []string{"spec", "containers", "env"}, fieldView{"merge", "name", true}},
		{pod, []string{"spec", "containers", "ports"}, fieldView{"merge", "containerPort", true}},
		{pod, []string{"spec", "containers", "volumeMounts"}, fieldView{"merge", "mountPath", true}},
		{pod, []string{"spec", "containers", "args"}, fieldView{}},
		{pod, []string{"spec", "containers", "envFrom"}, fieldView{"", "", true}},
		{pod, []string{"spec", "volumes"}, fieldView{"merge,retainKeys", "name", true}},
		// VolumeSource is inlined into Volume.
		{pod, []string{"spec", "volumes", "configMap"}, fieldView{"", "", true}},
		{pod, []string{"spec", "volumes", "name"}, fieldView{}},
		{pod, []string{"spec", "imagePullSecrets"}, fieldView{"merge", "name", true}},
		{pod, []string{"spec", "tolerations"}, fieldView{"", "", true}},
		{pod, []string{"spec", "hostAliases"}, fieldView{"merge", "ip", true}},
		{pod, []string{"status", "conditions"}, fieldView{"merge", "type", true}},
		{pod, []string{"metadata", "finalizers"}, fieldView{"merge", "", false}},
		{pod, []string{"metadata", "ownerReferences"}, fieldView{"merge", "uid", true}},
		// Time writes its own JSON: no schema below it.
		{pod, []string{"metadata", "creationTimestamp"}, fieldView{}},
		{pod, []string{"metadata", "labels"}, fieldView{}},
		// TypeMeta is inlined.
		{pod, []string{"kind"}, fieldView{}},
		{pod, []string{"nonexistent"}, fieldView{}},
		{deployment, []string{"spec", "strategy"}, fieldView{"retainKeys", "", true}},
		{deployment, []string{"spec", "template", "spec", "containers"}, fieldView{"merge", "name", true}},
		{deployment, []string{"status", "conditions"}, fieldView{"merge", "type", true}},
		{node, []string{"status", "addresses"}, fieldView{"merge", "type", true}},
		{node, []string{"spec", "podCIDRs"}, fieldView{"merge", "", false}},
		{node, []string{"spec", "taints"}, fieldView{"", "", true}},
		{service, []string{"spec", "ports"}, fieldView{"merge", "port", true}},
	}
	for _, tt := range tests {
		got := view(lookup(t, tt.schema, tt.path...))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tt.path, diff)
		}
	}
}

type schemaInner struct {
	Items []schemaItem `json:"items,omitempty" patchStrategy:"merge" patchMergeKey:"id"`
	Deep  string       `json:"deep"`
}

type schemaItem struct {
	ID   string      `json:"id"`
	Tree *schemaTree `json:"tree,omitempty"`
}

// schemaTree refers to itself.
type schemaTree struct {
	Children []*schemaTree `json:"children" patchStrategy:"merge" patchMergeKey:"name"`
}

type schemaOther struct {
	Deep string `json:"deep" patchStrategy:"merge"`
	Same int
}

type schemaEmbedded struct {
	Same string
}

type schemaOuter struct {
	schemaInner                             // inlined, though unexported
	*schemaOther                            // inlined through a pointer; "deep" conflicts
	Named          schemaEmbedded           `json:"named"`
	schemaEmbedded                          // "Same" conflicts with schemaOther.Same: dropped
	ByName         map[string]schemaInner   `json:"byName"`
	ListOfMaps     []map[string]schemaInner `json:"listOfMaps" patchStrategy:"replace"`
	Skipped        []string                 `json:"-"`
	Dash           []string                 `json:"-," patchStrategy:"merge"`
	Untagged       []string                 `patchStrategy:"merge"`
	Raw            []byte                   `json:"raw"`
	Time           time.Time                `json:"time"`
	unexported     []string
}

func TestSchemaForReflection(t *testing.T) {
	s := SchemaOf[*schemaOuter]()
	if s == nil {
		t.Fatal("SchemaOf[*schemaOuter] is nil")
	}
	tests := []struct {
		path []string
		want fieldView
	}{
		{[]string{"items"}, fieldView{"merge", "id", true}},
		{[]string{"items", "tree", "children"}, fieldView{"merge", "name", true}},
		{[]string{"items", "tree", "children", "children", "children"}, fieldView{"merge", "name", true}},
		// Equally deep "deep" members, both tagged: dropped.
		{[]string{"deep"}, fieldView{}},
		{[]string{"Same"}, fieldView{}},
		{[]string{"named"}, fieldView{"", "", true}},
		{[]string{"byName"}, fieldView{"", "", true}},
		{[]string{"byName", "anyKey", "items"}, fieldView{"merge", "id", true}},
		{[]string{"listOfMaps"}, fieldView{"replace", "", true}},
		{[]string{"listOfMaps", "k", "items"}, fieldView{"merge", "id", true}},
		{[]string{"Skipped"}, fieldView{}},
		{[]string{"-"}, fieldView{"merge", "", false}},
		{[]string{"Untagged"}, fieldView{"merge", "", false}},
		{[]string{"raw"}, fieldView{}},
		{[]string{"time"}, fieldView{}},
		{[]string{"unexported"}, fieldView{}},
	}
	for _, tt := range tests {
		got := view(lookup(t, s, tt.path...))
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tt.path, diff)
		}
	}
}

func TestSchemaForShallowerWins(t *testing.T) {
	type deeper struct {
		Name []string `json:"name" patchStrategy:"merge"`
	}
	type outer struct {
		deeper
		Name []string `json:"name"`
	}
	if got := view(SchemaOf[outer]().Field("name")); got != (fieldView{}) {
		t.Errorf("name = %+v, want the outer field's (no strategy)", got)
	}
	type tagged struct {
		Name []string `json:"name" patchStrategy:"merge"`
	}
	type untagged struct {
		Name []string
	}
	type both struct {
		tagged
		untagged
	}
	if got := view(SchemaOf[both]().Field("name")); got != (fieldView{"merge", "", false}) {
		t.Errorf("name = %+v, want the tagged field's", got)
	}
}

func TestSchemaForNoSchema(t *testing.T) {
	for _, typ := range []reflect.Type{
		nil,
		reflect.TypeFor[string](),
		reflect.TypeFor[[]string](),
		reflect.TypeFor[map[string]string](),
		reflect.TypeFor[metav1.Time](),
		reflect.TypeFor[*metav1.Time](),
		reflect.TypeFor[any](),
	} {
		if s := SchemaFor(typ); s != nil {
			t.Errorf("SchemaFor(%v) = %v, want nil", typ, s)
		}
	}
	if s := SchemaOf[[]corev1.Container](); s == nil || view(s.Field("env")).MergeKey != "name" {
		t.Error("SchemaOf[[]Container] is not the schema of a Container")
	}
	if s := SchemaOf[map[string]corev1.Container](); s == nil || view(lookup(t, s, "any", "env")).MergeKey != "name" {
		t.Error("SchemaOf[map[string]Container] is not a Map of Container schemas")
	}
}

func TestSchemaForCaches(t *testing.T) {
	a := SchemaOf[corev1.Pod]()
	var wg sync.WaitGroup
	results := make([]Schema, 8)
	for i := range results {
		wg.Go(func() { results[i] = SchemaOf[corev1.Pod]() })
	}
	wg.Wait()
	for i, b := range results {
		if a != b {
			t.Errorf("call %d returned another schema", i)
		}
	}
	// Pod and PodTemplateSpec share the PodSpec schema.
	if lookup(t, a, "spec").Schema != lookup(t, SchemaOf[appsv1.Deployment](), "spec", "template", "spec").Schema {
		t.Error("PodSpec schema built twice")
	}
}

func TestStrategyString(t *testing.T) {
	tests := []struct {
		tag  string
		want Strategy
		str  string
	}{
		{"", 0, ""},
		{"merge", StrategyMerge, "merge"},
		{"retainKeys", StrategyRetainKeys, "retainKeys"},
		{"merge,retainKeys", StrategyMerge | StrategyRetainKeys, "merge,retainKeys"},
		{"retainKeys, merge", StrategyMerge | StrategyRetainKeys, "merge,retainKeys"},
		{"replace", StrategyReplace, "replace"},
		{"merge,unknown", StrategyMerge, "merge"},
	}
	for _, tt := range tests {
		got := ParseStrategy(tt.tag)
		if got != tt.want || got.String() != tt.str {
			t.Errorf("ParseStrategy(%q) = %v (%q), want %v (%q)", tt.tag, uint8(got), got, uint8(tt.want), tt.str)
		}
	}
}

func TestFieldsAndMap(t *testing.T) {
	item := Fields{"ports": {Strategy: StrategyMerge, MergeKey: "port"}}
	s := Fields{"items": {Strategy: StrategyMerge, MergeKey: "name", Schema: item}, "byName": {Schema: Map{Schema: item}}}
	if got := view(lookup(t, s, "items", "ports")); got != (fieldView{"merge", "port", false}) {
		t.Errorf("items.ports = %+v", got)
	}
	if got := view(lookup(t, s, "byName", "x", "ports")); got != (fieldView{"merge", "port", false}) {
		t.Errorf("byName.x.ports = %+v", got)
	}
	if got := view(s.Field("missing")); got != (fieldView{}) {
		t.Errorf("missing = %+v, want zero", got)
	}
}
