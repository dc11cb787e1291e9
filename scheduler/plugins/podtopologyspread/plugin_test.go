package podtopologyspread_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
	"github.com/rigging-dev/rigging/scheduler/plugins/podtopologyspread"
)

func TestArgsValidate(t *testing.T) {
	c := func(skew int32, key string, action corev1.UnsatisfiableConstraintAction) corev1.TopologySpreadConstraint {
		return corev1.TopologySpreadConstraint{MaxSkew: skew, TopologyKey: key, WhenUnsatisfiable: action}
	}
	tests := []struct {
		name    string
		args    podtopologyspread.Args
		wantErr string
	}{
		{name: "zero value", args: podtopologyspread.Args{}},
		{name: "system", args: podtopologyspread.Args{DefaultingType: podtopologyspread.SystemDefaulting}},
		{name: "empty list", args: podtopologyspread.Args{DefaultingType: podtopologyspread.ListDefaulting}},
		{
			name: "valid list",
			args: podtopologyspread.Args{DefaultingType: podtopologyspread.ListDefaulting, DefaultConstraints: []corev1.TopologySpreadConstraint{
				c(1, "zone", corev1.DoNotSchedule), c(2, "zone", corev1.ScheduleAnyway),
			}},
		},
		{
			name:    "system with constraints",
			args:    podtopologyspread.Args{DefaultConstraints: []corev1.TopologySpreadConstraint{c(1, "zone", corev1.DoNotSchedule)}},
			wantErr: `podtopologyspread args: defaultingType: Invalid value: "System": when .defaultConstraints are not empty`,
		},
		{
			name:    "unknown defaulting type",
			args:    podtopologyspread.Args{DefaultingType: "Sometimes"},
			wantErr: `defaultingType: Unsupported value: "Sometimes": supported values: "System", "List"`,
		},
		{
			name:    "maxSkew zero",
			args:    podtopologyspread.Args{DefaultingType: podtopologyspread.ListDefaulting, DefaultConstraints: []corev1.TopologySpreadConstraint{c(0, "zone", corev1.DoNotSchedule)}},
			wantErr: `defaultConstraints[0].maxSkew: Invalid value: 0: not in valid range (0, inf)`,
		},
		{
			name:    "empty topology key",
			args:    podtopologyspread.Args{DefaultingType: podtopologyspread.ListDefaulting, DefaultConstraints: []corev1.TopologySpreadConstraint{c(1, "", corev1.DoNotSchedule)}},
			wantErr: `defaultConstraints[0].topologyKey: Required value: can not be empty`,
		},
		{
			name:    "invalid topology key",
			args:    podtopologyspread.Args{DefaultingType: podtopologyspread.ListDefaulting, DefaultConstraints: []corev1.TopologySpreadConstraint{c(1, "not a key", corev1.DoNotSchedule)}},
			wantErr: `defaultConstraints[0].topologyKey: Invalid value: "not a key"`,
		},
		{
			name:    "unknown action",
			args:    podtopologyspread.Args{DefaultingType: podtopologyspread.ListDefaulting, DefaultConstraints: []corev1.TopologySpreadConstraint{c(1, "zone", "Maybe")}},
			wantErr: `defaultConstraints[0].whenUnsatisfiable: Unsupported value: "Maybe"`,
		},
		{
			name:    "missing action",
			args:    podtopologyspread.Args{DefaultingType: podtopologyspread.ListDefaulting, DefaultConstraints: []corev1.TopologySpreadConstraint{c(1, "zone", "")}},
			wantErr: `defaultConstraints[0].whenUnsatisfiable: Required value: can not be empty`,
		},
		{
			name: "selector set",
			args: podtopologyspread.Args{DefaultingType: podtopologyspread.ListDefaulting, DefaultConstraints: []corev1.TopologySpreadConstraint{
				{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{}},
			}},
			wantErr: `defaultConstraints[0].labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod`,
		},
		{
			name: "duplicate",
			args: podtopologyspread.Args{DefaultingType: podtopologyspread.ListDefaulting, DefaultConstraints: []corev1.TopologySpreadConstraint{
				c(1, "zone", corev1.DoNotSchedule), c(2, "zone", corev1.DoNotSchedule),
			}},
			wantErr: `defaultConstraints[1]: Duplicate value: "{zone, DoNotSchedule}"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.args.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tc.wantErr)
			}
			if _, err := podtopologyspread.New(context.Background(), tc.args, &handle{}); err == nil {
				t.Errorf("New accepted args that Validate rejects")
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	if _, err := podtopologyspread.New(context.Background(), nil, nil); err == nil {
		t.Error("New with a nil Handle succeeded")
	}
	if _, err := podtopologyspread.New(context.Background(), "args", &handle{}); err == nil || !strings.Contains(err.Error(), "args of type string") {
		t.Errorf("New with string args = %v, want an error naming the type", err)
	}
	for _, args := range []any{nil, podtopologyspread.Args{}, &podtopologyspread.Args{}, (*podtopologyspread.Args)(nil)} {
		if _, err := podtopologyspread.New(context.Background(), args, &handle{}); err != nil {
			t.Errorf("New(%#v) = %v", args, err)
		}
	}
}

func TestEventsToRegister(t *testing.T) {
	pl := newPlugin(t, nil, newSnapshot(nil, nil))
	evs, err := pl.EventsToRegister(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []framework.ClusterEvent
	for _, e := range evs {
		got = append(got, e.Event)
		if e.QueueingHintFn == nil {
			t.Errorf("event %v has no hint", e.Event)
		}
	}
	want := []framework.ClusterEvent{
		{Resource: framework.Pod, ActionType: framework.Add | framework.UpdatePodLabel | framework.UpdatePodToleration | framework.Delete},
		{Resource: framework.Node, ActionType: framework.Add | framework.Delete | framework.UpdateNodeLabel | framework.UpdateNodeTaint},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestQueueingHints(t *testing.T) {
	pl := newPlugin(t, nil, newSnapshot(nil, nil))
	evs, _ := pl.EventsToRegister(context.Background())
	podHint, nodeHint := evs[0].QueueingHintFn, evs[1].QueueingHintFn

	honor := spread(1, "zone", corev1.DoNotSchedule, exists("foo"))
	honor.NodeTaintsPolicy = ptr(corev1.NodeInclusionPolicyHonor)
	target := withConstraints(pod("p", "", fooLabel), honor)
	bound := func(name string, labels map[string]string) *corev1.Pod { return pod(name, "node-a", labels) }
	otherNS := bound("o", fooLabel)
	otherNS.Namespace = "other"
	tolerating := withConstraints(pod("p", "", fooLabel), honor)
	tolerating.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}

	podTests := []struct {
		name     string
		old, new any
		want     framework.QueueingHint
	}{
		{"matching bound pod added", nil, bound("a", fooLabel), framework.Queue},
		{"non-matching bound pod added", nil, bound("a", map[string]string{"bar": ""}), framework.QueueSkip},
		{"unscheduled pod added", nil, pod("u", "", fooLabel), framework.QueueSkip},
		{"pod of another namespace added", nil, otherNS, framework.QueueSkip},
		{"matching pod deleted", bound("a", fooLabel), nil, framework.Queue},
		{"non-matching pod deleted", bound("a", nil), nil, framework.QueueSkip},
		{"label update makes a pod match", bound("a", nil), bound("a", fooLabel), framework.Queue},
		{"label update keeps a pod matching", bound("a", map[string]string{"foo": "1"}), bound("a", map[string]string{"foo": "2"}), framework.QueueSkip},
		{"update without label change", bound("a", fooLabel), bound("a", fooLabel), framework.QueueSkip},
		{"the pod itself gets a toleration, taints honoured", target, tolerating, framework.Queue},
	}
	for _, tc := range podTests {
		t.Run("pod/"+tc.name, func(t *testing.T) {
			got, err := podHint(target, tc.old, tc.new)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("hint = %v, want %v", got, tc.want)
			}
		})
	}

	zoneNode := func(zone string) *corev1.Node { return zoned("n", zone) }
	bare := node("n", map[string]string{"node": "n"})
	retainted := tainted(zoned("n", "zone1"), corev1.TaintEffectNoSchedule)
	relabelled := zoned("n", "zone1")
	relabelled.Labels["other"] = "x"
	nodeTests := []struct {
		name     string
		old, new any
		want     framework.QueueingHint
	}{
		{"node with the key added", nil, zoneNode("zone1"), framework.Queue},
		{"node without the key added", nil, bare, framework.QueueSkip},
		{"node with the key deleted", zoneNode("zone1"), nil, framework.Queue},
		{"node without the key deleted", bare, nil, framework.QueueSkip},
		{"node gains the key", bare, zoneNode("zone1"), framework.Queue},
		{"node changes zone", zoneNode("zone1"), zoneNode("zone2"), framework.Queue},
		{"node gains a taint", zoneNode("zone1"), retainted, framework.Queue},
		{"node gains an unrelated label", zoneNode("zone1"), relabelled, framework.QueueSkip},
	}
	for _, tc := range nodeTests {
		t.Run("node/"+tc.name, func(t *testing.T) {
			got, err := nodeHint(target, tc.old, tc.new)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("hint = %v, want %v", got, tc.want)
			}
		})
	}

	if _, err := podHint(target, nil, zoneNode("zone1")); err == nil {
		t.Error("pod hint accepted a node")
	}
	if _, err := nodeHint(target, nil, nil); err == nil {
		t.Error("node hint accepted an event without objects")
	}
}
