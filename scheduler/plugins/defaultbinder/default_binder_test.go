package defaultbinder_test

import (
	"context"
	"errors"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	ft "github.com/rigging-dev/rigging/scheduler/framework/frameworktest"
	"github.com/rigging-dev/rigging/scheduler/framework/runtime"
	"github.com/rigging-dev/rigging/scheduler/plugins/defaultbinder"
	"github.com/rigging-dev/rigging/scheduler/plugins/names"
)

func TestBind(t *testing.T) {
	var got string
	ok := framework.PodBinderFunc(func(_ context.Context, p *corev1.Pod, node string) error {
		got = p.Name + "->" + node
		return nil
	})
	reg := framework.Registry{names.DefaultBinder: defaultbinder.New}
	f, _ := ft.Framework(t.Context(), t.Fatal, reg, []runtime.PluginConfig{{Name: names.DefaultBinder}}, nil, nil, runtime.WithPodBinder(ok))
	if s := f.RunBindPlugins(t.Context(), framework.NewCycleState(), ft.Pod("p"), "n1"); !s.IsSuccess() || got != "p->n1" {
		t.Errorf("Bind = %v, binder saw %q", s, got)
	}
	failing := framework.PodBinderFunc(func(context.Context, *corev1.Pod, string) error { return errors.New("conflict") })
	f, _ = ft.Framework(t.Context(), t.Fatal, reg, []runtime.PluginConfig{{Name: names.DefaultBinder}}, nil, nil, runtime.WithPodBinder(failing))
	s := f.RunBindPlugins(t.Context(), framework.NewCycleState(), ft.Pod("p"), "n1")
	if want := `running Bind plugin "DefaultBinder": bind pod default/p to node n1: conflict`; s.Code() != framework.Error || s.Message() != want {
		t.Errorf("Bind = %v, want Error %q", s, want)
	}
}
