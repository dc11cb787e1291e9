package csi_test

import (
	"errors"
	"fmt"

	"github.com/rigging-dev/rigging/csi"
)

// Example shows how a caller reads the code of a plugin's error.
func Example() {
	err := fmt.Errorf("stage pvc-1: %w", csi.Errorf(csi.NotFound, "volume %s not found", "vol-7"))
	var ce *csi.Error
	if errors.As(err, &ce) && ce.Code == csi.NotFound {
		fmt.Println("not found:", ce.Msg)
	}
	// Output: not found: volume vol-7 not found
}
