package kubelet_test

import (
	"math"
	"strings"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/controller/envtest"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

func TestNewValidatesConfig(t *testing.T) {
	env := envtest.Start(t)
	rt := fake.New(fake.Options{})
	good := func() kubelet.Config {
		return kubelet.Config{NodeName: "n1", Client: env.Client, Runtime: rt, RootDir: t.TempDir()}
	}
	cases := []struct {
		name   string
		mutate func(*kubelet.Config)
		want   string
	}{
		{"no name", func(c *kubelet.Config) { c.NodeName = "" }, "invalid NodeName"},
		{"bad name", func(c *kubelet.Config) { c.NodeName = "Bad_Name" }, "invalid NodeName"},
		{"no client", func(c *kubelet.Config) { c.Client = nil }, "Client is required"},
		{"no runtime", func(c *kubelet.Config) { c.Runtime = nil }, "Runtime is required"},
		{"bad ip", func(c *kubelet.Config) {
			c.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "nope"}}
		}, "is not an IP address"},
		{"no internal ip", func(c *kubelet.Config) {
			c.Addresses = []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: "h"}}
		}, "must include an InternalIP"},
		{"negative capacity", func(c *kubelet.Config) { c.Capacity = corev1.ResourceList{corev1.ResourceCPU: mustQ("-1")} }, "negative"},
		{"negative period", func(c *kubelet.Config) { c.LeaseRenewInterval = -1 }, "must not be negative"},
		{"bad listen address", func(c *kubelet.Config) { c.ListenAddress = "not an address" }, "listen"},
		{"negative event burst", func(c *kubelet.Config) { c.EventBurst = -1 }, "EventBurst must not be negative"},
		{"NaN event qps", func(c *kubelet.Config) { c.EventRecordQPS = math.NaN() }, "EventRecordQPS must be a number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := good()
			c.mutate(&cfg)
			k, err := kubelet.New(cfg)
			if err == nil {
				k.Close()
				t.Fatalf("New accepted the config")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
	k, err := kubelet.New(good())
	if err != nil {
		t.Fatal(err)
	}
	if k.Port() == 0 || !strings.HasPrefix(k.Addr(), "127.0.0.1:") {
		t.Errorf("default listen address: %s", k.Addr())
	}
	if err := k.Close(); err != nil {
		t.Error(err)
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "a", "B": "b", "EMPTY": ""}
	mapping := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	cases := []struct{ in, want string }{
		{"$(A)", "a"},
		{"x$(A)y$(B)z", "xaybz"},
		{"$(EMPTY)", ""},
		{"$(MISSING)", "$(MISSING)"},
		{"$$(A)", "$(A)"},
		{"$$$(A)", "$a"},
		{"$(A", "$(A"},
		{"$A", "$A"},
		{"$", "$"},
		{"a$", "a$"},
		{"$()", "$()"},
		{"$(A)$(B)", "ab"},
	}
	for _, c := range cases {
		if got := kubelet.Expand(c.in, mapping); got != c.want {
			t.Errorf("Expand(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
