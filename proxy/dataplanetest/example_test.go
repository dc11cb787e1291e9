package dataplanetest_test

import (
	"context"
	"testing"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/dataplanetest"
)

// ExampleRun shows a dataplane's test running the suite; the dataplane
// here is a stand-in that programs nothing, so the suite would fail it
// (compiled, not run).
func ExampleRun() {
	_ = func(t *testing.T) {
		dataplanetest.Run(t, func(t *testing.T, env *dataplanetest.Env) proxy.Dataplane {
			// A real dataplane programs env.NetNS or attaches to env.Cgroup.
			return proxy.DataplaneFunc(func(ctx context.Context, st *proxy.State) error { return nil })
		})
	}
}
