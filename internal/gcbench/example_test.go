package gcbench_test

import (
	"fmt"

	"github.com/rigging-dev/rigging/internal/gcbench"
)

func ExampleFullCollection() {
	// What a structure costs every collection: the time of a full
	// collection with it alive, less the time without it.
	before := gcbench.FullCollection(3)
	kept := make([]*[64]byte, 100000)
	for i := range kept {
		kept[i] = new([64]byte)
	}
	after := gcbench.FullCollection(3)
	fmt.Println(after > 0, before > 0, len(kept))
	// Output: true true 100000
}
