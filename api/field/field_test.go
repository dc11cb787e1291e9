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
