package nftables_test

import (
	"context"
	"testing"

	"github.com/rigging-dev/rigging/proxy"
	"github.com/rigging-dev/rigging/proxy/dataplanetest"
	"github.com/rigging-dev/rigging/proxy/nftables"
)

func newDataplane(t *testing.T, env *dataplanetest.Env) proxy.Dataplane {
	t.Helper()
	dp, err := nftables.New(nftables.Options{NetNS: env.NetNS})
	if err != nil {
		t.Fatalf("nftables.New: %v", err)
	}
	t.Cleanup(func() {
		if err := dp.Uninstall(context.Background()); err != nil {
			t.Errorf("Uninstall: %v", err)
		}
		if err := dp.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return dp
}

func TestBehaviour(t *testing.T) {
	dataplanetest.Run(t, newDataplane)
}
