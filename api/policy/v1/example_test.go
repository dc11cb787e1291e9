package v1_test

import (
	"encoding/json"
	"fmt"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	policyv1 "github.com/rigging-dev/rigging/api/policy/v1"
)

// An Eviction as kubectl drain sends it to
// /api/v1/namespaces/default/pods/web/eviction.
func ExampleEviction() {
	grace := int64(30)
	ev := policyv1.Eviction{
		TypeMeta:      metav1.TypeMeta{APIVersion: "policy/v1", Kind: "Eviction"},
		ObjectMeta:    metav1.ObjectMeta{Name: "web", Namespace: "default"},
		DeleteOptions: &metav1.DeleteOptions{GracePeriodSeconds: &grace},
	}
	b, err := json.Marshal(ev)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(b))
	// Output:
	// {"kind":"Eviction","apiVersion":"policy/v1","metadata":{"name":"web","namespace":"default"},"deleteOptions":{"gracePeriodSeconds":30}}
}
