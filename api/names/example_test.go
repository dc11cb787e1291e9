package names_test

import (
	"fmt"

	"github.com/rigging-dev/rigging/api/names"
)

func ExampleIsDNS1123Subdomain() {
	for _, name := range []string{"web-0.example", "Web_0"} {
		if msgs := names.IsDNS1123Subdomain(name); len(msgs) > 0 {
			fmt.Printf("metadata.name: Invalid value: %q: %s\n", name, msgs[0])
			continue
		}
		fmt.Printf("%q is a valid name\n", name)
	}
	// Output:
	// "web-0.example" is a valid name
	// metadata.name: Invalid value: "Web_0": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')
}

func ExampleIsQualifiedName() {
	fmt.Println(names.IsQualifiedName("app.kubernetes.io/name"))
	fmt.Println(names.IsQualifiedName("/name"))
	// Output:
	// []
	// [prefix part must be non-empty]
}

func ExampleIsValidPortName() {
	fmt.Println(names.IsValidPortName("http"))
	fmt.Println(names.IsValidPortName("8080"))
	// Output:
	// []
	// [must contain at least one letter (a-z)]
}
