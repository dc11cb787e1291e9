package keytable_test

import (
	"fmt"

	"github.com/rigging-dev/rigging/internal/keytable"
)

type pod struct {
	key  string // namespace/name
	node string
}

func ExampleTable() {
	pods := keytable.New(func(p *pod) string { return p.key }, 0)
	pods.Set(&pod{key: "default/web-1", node: "node-a"})
	pods.Set(&pod{key: "default/web-2", node: "node-b"})
	pods.Set(&pod{key: "default/web-1", node: "node-c"}) // replaces
	fmt.Println(pods.Len(), pods.Get("default/web-1").node)
	pods.Delete("default/web-2")
	fmt.Println(pods.Len(), pods.Get("default/web-2") == nil)
	// Output:
	// 2 node-c
	// 1 true
}

func ExampleMap() {
	nodes := keytable.NewMap[int](0)
	nodes.Set("node-a", 3)
	nodes.Set("node-b", 5)
	v, ok := nodes.Get("node-b")
	fmt.Println(v, ok)
	sum := 0
	nodes.All(func(_ string, n int) bool { sum += n; return true })
	fmt.Println(sum)
	// Output:
	// 5 true
	// 8
}
