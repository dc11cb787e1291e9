package patch_test

import (
	"errors"
	"fmt"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/apiserver/patch"
)

func ExampleStrategicMergePatch() {
	pod := `{"metadata":{"name":"web","labels":{"app":"web"}},
		"spec":{"containers":[{"name":"nginx","image":"nginx:1.25"},{"name":"log","image":"fluent-bit:3"}]}}`
	// Update one container's image, add a label: the other container stays,
	// because Pod containers merge by name.
	p := `{"metadata":{"labels":{"tier":"frontend"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}`

	out, err := patch.StrategicMergePatch([]byte(pod), []byte(p), patch.SchemaOf[corev1.Pod]())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {"metadata":{"labels":{"app":"web","tier":"frontend"},"name":"web"},"spec":{"containers":[{"image":"nginx:1.27","name":"nginx"},{"image":"fluent-bit:3","name":"log"}]}}
}

func ExampleStrategicMergePatch_directives() {
	pod := `{"metadata":{"finalizers":["a","b"]},
		"spec":{"containers":[{"name":"app"},{"name":"sidecar"}]}}`
	p := `{"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]},
		"spec":{"containers":[{"name":"sidecar","$patch":"delete"},{"name":"init"}],
			"$setElementOrder/containers":[{"name":"init"},{"name":"app"}]}}`

	out, err := patch.StrategicMergePatch([]byte(pod), []byte(p), patch.SchemaOf[corev1.Pod]())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {"metadata":{"finalizers":["b"]},"spec":{"containers":[{"name":"init"},{"name":"app"}]}}
}

func ExampleMergePatch() {
	doc := `{"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"]}`
	p := `{"title":"Hello!","author":{"familyName":null},"tags":["example"]}`

	out, err := patch.MergePatch([]byte(doc), []byte(p))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {"author":{"givenName":"John"},"tags":["example"],"title":"Hello!"}
}

func ExampleCreateMergePatch() {
	p, err := patch.CreateMergePatch(
		[]byte(`{"replicas":1,"labels":{"app":"web","old":"x"}}`),
		[]byte(`{"replicas":3,"labels":{"app":"web"}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(p))
	// Output:
	// {"labels":{"old":null},"replicas":3}
}

func ExampleJSONPatch() {
	doc := `{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"a:1"}]}}`
	p := `[
		{"op":"test","path":"/spec/containers/0/name","value":"app"},
		{"op":"replace","path":"/spec/containers/0/image","value":"a:2"},
		{"op":"add","path":"/metadata/labels/example.com~1tier","value":"web"}
	]`

	out, err := patch.JSONPatch([]byte(doc), []byte(p))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {"metadata":{"labels":{"app":"web","example.com/tier":"web"}},"spec":{"containers":[{"image":"a:2","name":"app"}]}}
}

func ExampleJSONPatch_errors() {
	doc := []byte(`{"spec":{"replicas":2}}`)
	for _, p := range []string{
		`[{"op":"test","path":"/spec/replicas","value":3}]`,
		`[{"op":"remove","path":"/spec/paused"}]`,
		`[{"op":"remove","path":"spec"}]`,
	} {
		_, err := patch.JSONPatch(doc, []byte(p))
		status := 0
		switch {
		case errors.Is(err, patch.ErrInvalidPatch):
			status = 400
		case errors.Is(err, patch.ErrTestFailed), errors.Is(err, patch.ErrPathNotFound):
			status = 422
		}
		fmt.Println(status, err)
	}
	// Output:
	// 422 json patch operation 0 ("test" at "/spec/replicas"): patch: test failed: value at "/spec/replicas" is not the one expected
	// 422 json patch operation 0 ("remove" at "/spec/paused"): patch: path not found: no member "paused" in the object at "/spec"
	// 400 json patch operation 0 ("remove" at "spec"): patch: invalid patch: "path" member: JSON pointer "spec" does not start with "/"
}

func ExampleSchemaOf() {
	s := patch.SchemaOf[corev1.Pod]()
	containers := s.Field("spec").Schema.Field("containers")
	env := containers.Schema.Field("env")
	fmt.Println(containers.Strategy, containers.MergeKey)
	fmt.Println(env.Strategy, env.MergeKey)
	// Output:
	// merge name
	// merge name
}

func ExampleFields() {
	// A schema written by hand, as one might build from OpenAPI's
	// x-kubernetes-patch-strategy and x-kubernetes-patch-merge-key.
	schema := patch.Fields{
		"rules": {Strategy: patch.StrategyMerge, MergeKey: "host"},
	}
	out, err := patch.StrategicMergePatch(
		[]byte(`{"rules":[{"host":"a","port":1},{"host":"b","port":2}]}`),
		[]byte(`{"rules":[{"host":"b","port":3}]}`),
		schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {"rules":[{"host":"a","port":1},{"host":"b","port":3}]}
}
