package process

import (
	"testing"

	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtimetest"
)

// TestConformance runs the kubelet.Runtime conformance suite against the
// process runtime, one fresh runtime (own state directory and cgroup
// root) per subtest, with the suite's /bin/sh workloads run as host
// commands.
func TestConformance(t *testing.T) {
	requireRoot(t)
	runtimetest.Run(t, func(t *testing.T) kubelet.Runtime {
		return newTestRuntime(t, Options{})
	}, runtimetest.Options{Workloads: runtimetest.ShellWorkloads{}})
}
