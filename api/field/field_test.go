package field

import (
	"errors"
	"fmt"
	"testing"
)

func TestPathString(t *testing.T) {
	tests := []struct {
		path *Path
		want string
	}{
		{NewPath("spec"), "spec"},
		{NewPath("spec", "containers"), "spec.containers"},
		{NewPath("spec").Child("containers").Index(0).Child("ports").Index(1).Child("containerPort"),
			"spec.containers[0].ports[1].containerPort"},
		{NewPath("metadata").Child("labels").Key("app.kubernetes.io/name"), "metadata.labels[app.kubernetes.io/name]"},
		{NewPath("spec").Child("template", "spec"), "spec.template.spec"},
		{nil, "<nil>"},
	}
	for _, tt := range tests {
		if got := tt.path.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestPathImmutable(t *testing.T) {
	base := NewPath("spec")
	a := base.Child("a")
	b := base.Child("b")
	if a.String() != "spec.a" || b.String() != "spec.b" || base.String() != "spec" {
		t.Fatalf("paths share state: %s %s %s", a, b, base)
	}
}

func TestErrorMessages(t *testing.T) {
	ports := NewPath("spec").Child("containers").Index(0).Child("ports").Index(1)
	port := int32(70000)
	tests := []struct {
		err  *Error
		want string
	}{
		{Invalid(ports.Child("containerPort"), port, "must be between 1 and 65535, inclusive"),
			"spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"},
		{Invalid(NewPath("metadata", "name"), "Foo_Bar", "bad name"),
			`metadata.name: Invalid value: "Foo_Bar": bad name`},
		{Invalid(NewPath("x"), &port, "ptr"), "x: Invalid value: 70000: ptr"},
		{Required(NewPath("spec", "containers").Index(0).Child("name"), ""),
			"spec.containers[0].name: Required value"},
		{Duplicate(NewPath("spec", "containers").Index(1).Child("name"), "web"),
			`spec.containers[1].name: Duplicate value: "web"`},
		{NotFound(NewPath("spec", "containers").Index(0).Child("volumeMounts").Index(0).Child("name"), "data"),
			`spec.containers[0].volumeMounts[0].name: Not found: "data"`},
		{NotSupported(NewPath("spec", "restartPolicy"), "Sometimes", []string{"Always", "OnFailure", "Never"}),
			`spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"`},
		{Forbidden(NewPath("spec", "nodeName"), "may not be changed"), "spec.nodeName: Forbidden: may not be changed"},
		{TooLong(NewPath("metadata", "name"), "x", 63), "metadata.name: Too long: may not be more than 63 bytes"},
		{TooMany(NewPath("spec", "items"), 5, 3), "spec.items: Too many: 5: must have at most 3 items"},
		{Invalid(NewPath("spec", "selector"), map[string]string{"a": "b"}, "bad"), `spec.selector: Invalid value: {"a":"b"}: bad`},
		{Invalid(NewPath("x"), OmitValue, "hidden"), "x: Invalid value: hidden"},
		{InternalError(NewPath("x"), errors.New("boom")), "x: Internal error: boom"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

func TestAggregate(t *testing.T) {
	var l ErrorList
	if l.ToAggregate() != nil {
		t.Fatal("empty list must aggregate to nil")
	}
	l = append(l, Required(NewPath("a"), ""))
	if got := l.ToAggregate().Error(); got != "a: Required value" {
		t.Fatalf("one error: %q", got)
	}
	l = append(l, Required(NewPath("b"), ""), Required(NewPath("a"), ""))
	agg := l.ToAggregate()
	if got := agg.Error(); got != "[a: Required value, b: Required value]" {
		t.Fatalf("several errors: %q", got)
	}
	var fe *Error
	if !errors.As(agg, &fe) || fe.Field != "a" {
		t.Fatalf("errors.As did not find the first field error: %v", fe)
	}
	if got := l.Filter(func(e *Error) bool { return e.Field == "b" }); len(got) != 1 {
		t.Fatalf("filter kept %d", len(got))
	}
}

func ExampleErrorList_ToAggregate() {
	p := NewPath("spec").Child("containers").Index(0)
	var errs ErrorList
	errs = append(errs, Required(p.Child("name"), ""))
	errs = append(errs, Invalid(p.Child("ports").Index(1).Child("containerPort"), 70000, "must be between 1 and 65535, inclusive"))
	fmt.Println(errs.ToAggregate())
	// Output: [spec.containers[0].name: Required value, spec.containers[0].ports[1].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive]
}

func TestPathStringSteps(t *testing.T) {
	spec := NewPath("spec")
	tests := []struct {
		path *Path
		want string
	}{
		{spec.Child("containers").Index(1).Child("ports").Index(0).Child("containerPort"), "spec.containers[1].ports[0].containerPort"},
		{NewPath("metadata").Child("labels").Key("app"), "metadata.labels[app]"},
		{NewPath("metadata", "annotations").Key(""), "metadata.annotations[]"},
		{spec.Child("template", "spec", "containers").Index(12).Child("resources", "limits").Key("cpu"),
			"spec.template.spec.containers[12].resources.limits[cpu]"},
		{spec.Child("items").Index(-3), "spec.items[-3]"},
		{spec.Index(0).Index(10).Key("a.b/c").Index(999), "spec[0][10][a.b/c][999]"},
		{(*Path)(nil).Child("a"), "a"},
		{(*Path)(nil).Index(2).Child("a"), "[2].a"},
		{(*Path)(nil).Key("k").Child("a", "b"), "[k].a.b"},
		{NewPath("", "x"), "x"},
		{NewPath("", ""), ""},
		{NewPath("").Child("", "y").Index(0), "y[0]"},
		{(*Path)(nil).Index(0).Child(""), "[0]."},
		{NewPath("a").Child(""), "a."},
	}
	for _, tt := range tests {
		if got := tt.path.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
		if got := tt.path.Copy().String(); got != tt.want {
			t.Errorf("copy: got %q, want %q", got, tt.want)
		}
	}
}

func TestPathRoot(t *testing.T) {
	p := NewPath("spec", "template").Child("containers").Index(0)
	if got := p.Root().String(); got != "spec" {
		t.Errorf("Root of a NewPath with several names: got %q, want %q", got, "spec")
	}
	if got := NewPath("metadata").Child("name").Root().String(); got != "metadata" {
		t.Errorf("Root: got %q, want %q", got, "metadata")
	}
}

func TestPathCopyIndependent(t *testing.T) {
	more := []string{"b", "c"}
	p := NewPath("a", more...).Index(1)
	c := p.Copy()
	more[0] = "changed"
	if got := c.String(); got != "a.b.c[1]" {
		t.Errorf("copy follows its original: got %q", got)
	}
	if (*Path)(nil).Copy() != nil {
		t.Error("copy of nil is not nil")
	}
}

// consume reads a path as the error constructors do; it does not keep it.
//
//go:noinline
func consume(p *Path) int { return len(p.String()) * 0 }

// TestPathNoAllocs checks that building a path that is passed down but
// never printed allocates nothing: the steps live on the stack.
func TestPathNoAllocs(t *testing.T) {
	base := NewPath("spec")
	allocs := testing.AllocsPerRun(100, func() {
		for i := range 3 {
			p := base.Child("containers").Index(i)
			_ = consume(p.Child("ports").Index(i).Child("containerPort"))
			_ = consume(p.Child("resources").Child("limits").Key("cpu"))
		}
	})
	// consume prints the paths: one string each, two per iteration.
	if allocs > 6 {
		t.Errorf("building and printing 6 paths: %v allocations, want at most 6 (the strings)", allocs)
	}
	allocs = testing.AllocsPerRun(100, func() {
		for i := range 3 {
			p := base.Child("containers").Index(i)
			_ = p.Child("ports").Index(i).Child("containerPort")
		}
	})
	if allocs != 0 {
		t.Errorf("building paths: %v allocations, want 0", allocs)
	}
}
