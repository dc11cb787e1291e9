package fields_test

import (
	"fmt"

	"github.com/rigging-dev/rigging/api/fields"
)

func ExampleParseSelector() {
	sel, err := fields.ParseSelector("status.phase!=Succeeded,spec.nodeName=node-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	pod := fields.Set{"metadata.name": "web-0", "spec.nodeName": "node-1", "status.phase": "Running"}
	fmt.Println(sel)
	fmt.Println(sel.Matches(pod))
	if node, ok := sel.RequiresExactMatch("spec.nodeName"); ok {
		fmt.Println("serve from the index of node", node)
	}
	// Output:
	// spec.nodeName=node-1,status.phase!=Succeeded
	// true
	// serve from the index of node node-1
}

func ExampleParseSelector_error() {
	_, err := fields.ParseSelector("metadata.name=a=b")
	fmt.Println(err)
	// Output:
	// invalid field selector "metadata.name=a=b" at offset 15: unescaped character in value: '='
}

func ExampleEscapeValue() {
	sel := fields.OneTermEqualSelector("metadata.annotations.note", "a=b, c")
	fmt.Println(sel)
	parsed, _ := fields.ParseSelector(sel.String())
	fmt.Println(parsed.Requirements()[0].Value)
	// Output:
	// metadata.annotations.note=a\=b\, c
	// a=b, c
}

func ExampleSelector_Transform() {
	sel, _ := fields.ParseSelector("host=node-1")
	// An API server accepts an old field name under its current one.
	sel, err := sel.Transform(func(field, value string) (string, string, error) {
		if field == "host" {
			return "spec.nodeName", value, nil
		}
		return field, value, nil
	})
	fmt.Println(sel, err)
	// Output:
	// spec.nodeName=node-1 <nil>
}
