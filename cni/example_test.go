package cni_test

import (
	"errors"
	"fmt"

	"github.com/rigging-dev/rigging/cni"
)

// Example shows how a caller validates an attachment and tells a transient
// plugin error from a permanent one.
func Example() {
	att := cni.Attachment{ContainerID: "sandbox-1", IfName: cni.DefaultIfName,
		Pod: cni.PodArgs{Namespace: "default", Name: "web", UID: "u1"}}
	fmt.Println(att.Validate("ADD"))

	var err error = fmt.Errorf("add: %w", &cni.Error{Code: cni.ErrTryAgainLater, Msg: "address pool busy"})
	var ce *cni.Error
	if errors.As(err, &ce) {
		fmt.Println(ce.Code, ce.Temporary())
	}
	// Output:
	// cni error 4: CNI_NETNS is required; ADD
	// 11 true
}
