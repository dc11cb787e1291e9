package nodelifecycle

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/controller"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func secs(n int64) *int64 { return &n }

func TestMarkUnknown(t *testing.T) {
	created, now := t0.Add(-time.Hour), t0
	hb := metav1.NewTime(t0.Add(-time.Minute))
	status := corev1.NodeStatus{Conditions: []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "ok", LastHeartbeatTime: hb, LastTransitionTime: metav1.NewTime(created)},
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionUnknown, Reason: "Other", LastHeartbeatTime: hb, LastTransitionTime: metav1.NewTime(created)},
		{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionFalse},
	}}
	if !MarkUnknown(&status, created, now) {
		t.Fatal("MarkUnknown reported no change")
	}
	ts := metav1.NewTime(now)
	want := []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: ReasonNodeStatusUnknown, Message: MessageNodeStatusUnknown, LastHeartbeatTime: hb, LastTransitionTime: ts},
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionUnknown, Reason: "Other", LastHeartbeatTime: hb, LastTransitionTime: metav1.NewTime(created)},
		{Type: corev1.NodeNetworkUnavailable, Status: corev1.ConditionFalse},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionUnknown, Reason: ReasonNodeStatusNeverUpdated, Message: MessageNodeStatusNeverUpdate, LastHeartbeatTime: metav1.NewTime(created), LastTransitionTime: ts},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionUnknown, Reason: ReasonNodeStatusNeverUpdated, Message: MessageNodeStatusNeverUpdate, LastHeartbeatTime: metav1.NewTime(created), LastTransitionTime: ts},
	}
	if diff := cmp.Diff(want, status.Conditions); diff != "" {
		t.Errorf("conditions (-want +got):\n%s", diff)
	}
	if MarkUnknown(&status, created, now.Add(time.Minute)) {
		t.Error("MarkUnknown changed conditions that were all Unknown already")
	}
}

func TestMarkPodNotReady(t *testing.T) {
	st := corev1.PodStatus{Conditions: []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, Reason: "r"},
	}}
	if !markPodNotReady(&st, t0) {
		t.Fatal("no change")
	}
	want := corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "r", LastTransitionTime: metav1.NewTime(t0)}
	if diff := cmp.Diff(want, st.Conditions[1]); diff != "" {
		t.Errorf("Ready (-want +got):\n%s", diff)
	}
	if markPodNotReady(&st, t0) {
		t.Error("changed a pod already not ready")
	}
	if markPodNotReady(&corev1.PodStatus{}, t0) {
		t.Error("changed a pod without a Ready condition")
	}
}

func cond(t corev1.NodeConditionType, s corev1.ConditionStatus) corev1.NodeCondition {
	return corev1.NodeCondition{Type: t, Status: s}
}

func noSched(key string) corev1.Taint {
	return corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule}
}

func TestConditionTaints(t *testing.T) {
	tests := []struct {
		name          string
		conds         []corev1.NodeCondition
		unschedulable bool
		want          []corev1.Taint
	}{
		{"no conditions", nil, false, nil},
		{"ready", []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionTrue)}, false, nil},
		{"not ready", []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionFalse)}, false, []corev1.Taint{noSched(corev1.TaintNodeNotReady)}},
		{"unknown", []corev1.NodeCondition{cond(corev1.NodeReady, corev1.ConditionUnknown)}, false, []corev1.Taint{noSched(corev1.TaintNodeUnreachable)}},
		{"pressures", []corev1.NodeCondition{
			cond(corev1.NodeReady, corev1.ConditionTrue), cond(corev1.NodeMemoryPressure, corev1.ConditionTrue),
			cond(corev1.NodeDiskPressure, corev1.ConditionTrue), cond(corev1.NodePIDPressure, corev1.ConditionTrue),
			cond(corev1.NodeNetworkUnavailable, corev1.ConditionTrue),
		}, false, []corev1.Taint{
			noSched(corev1.TaintNodeMemoryPressure), noSched(corev1.TaintNodeDiskPressure),
			noSched(corev1.TaintNodePIDPressure), noSched(corev1.TaintNodeNetworkUnavailable),
		}},
		{"pressure unknown is no taint", []corev1.NodeCondition{cond(corev1.NodeMemoryPressure, corev1.ConditionUnknown)}, false, nil},
		{"cordoned", nil, true, []corev1.Taint{noSched(corev1.TaintNodeUnschedulable)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := &corev1.Node{Spec: corev1.NodeSpec{Unschedulable: tt.unschedulable}, Status: corev1.NodeStatus{Conditions: tt.conds}}
			if diff := cmp.Diff(tt.want, ConditionTaints(n)); diff != "" {
				t.Errorf("taints (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWithNoScheduleTaints(t *testing.T) {
	user := corev1.Taint{Key: "example.com/gpu", Effect: corev1.TaintEffectNoSchedule}
	ts := metav1.NewTime(t0)
	unreachExec := corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &ts}
	in := []corev1.Taint{noSched(corev1.TaintNodeNotReady), user, unreachExec}
	got := withNoScheduleTaints(in, []corev1.Taint{noSched(corev1.TaintNodeUnreachable)})
	want := []corev1.Taint{user, unreachExec, noSched(corev1.TaintNodeUnreachable)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("taints (-want +got):\n%s", diff)
	}
	if len(in) != 3 || in[0].Key != corev1.TaintNodeNotReady {
		t.Errorf("input modified: %v", in)
	}
}

func TestTolerates(t *testing.T) {
	taint := corev1.Taint{Key: "k", Value: "v", Effect: corev1.TaintEffectNoExecute}
	tests := []struct {
		name string
		tol  corev1.Toleration
		want bool
	}{
		{"exists same key", corev1.Toleration{Key: "k", Operator: corev1.TolerationOpExists}, true},
		{"equal same value", corev1.Toleration{Key: "k", Operator: corev1.TolerationOpEqual, Value: "v"}, true},
		{"empty operator is equal", corev1.Toleration{Key: "k", Value: "v"}, true},
		{"equal other value", corev1.Toleration{Key: "k", Value: "w"}, false},
		{"other key", corev1.Toleration{Key: "x", Operator: corev1.TolerationOpExists}, false},
		{"empty key exists matches all", corev1.Toleration{Operator: corev1.TolerationOpExists}, true},
		{"empty key equal matches nothing", corev1.Toleration{Value: "v"}, false},
		{"same effect", corev1.Toleration{Key: "k", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}, true},
		{"other effect", corev1.Toleration{Key: "k", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}, false},
		{"unknown operator", corev1.Toleration{Key: "k", Operator: "Gt"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tolerates(tt.tol, taint); got != tt.want {
				t.Errorf("Tolerates(%+v) = %v, want %v", tt.tol, got, tt.want)
			}
		})
	}
}

func TestEvictionTime(t *testing.T) {
	unreach := corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}
	custom := corev1.Taint{Key: "maintenance", Effect: corev1.TaintEffectNoExecute}
	added := map[string]time.Time{unreach.Key: t0, custom.Key: t0.Add(time.Minute)}
	addedAt := func(t corev1.Taint) time.Time { return added[t.Key] }
	tol := func(key string, s *int64) corev1.Toleration {
		return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: s}
	}
	tests := []struct {
		name   string
		tols   []corev1.Toleration
		taints []corev1.Taint
		want   time.Time
		wantOK bool
	}{
		{"no taints", nil, nil, time.Time{}, false},
		{"not tolerated: at once", nil, []corev1.Taint{unreach}, time.Time{}, true},
		{"default 300 s", []corev1.Toleration{tol(unreach.Key, secs(300))}, []corev1.Taint{unreach}, t0.Add(300 * time.Second), true},
		{"for ever", []corev1.Toleration{tol(unreach.Key, nil)}, []corev1.Taint{unreach}, time.Time{}, false},
		{"negative seconds is zero", []corev1.Toleration{tol(unreach.Key, secs(-5))}, []corev1.Taint{unreach}, t0, true},
		{"first matching toleration decides", []corev1.Toleration{tol(unreach.Key, nil), tol("", secs(1))}, []corev1.Taint{unreach}, time.Time{}, false},
		{"earliest over taints", []corev1.Toleration{tol(unreach.Key, secs(300)), tol(custom.Key, secs(10))}, []corev1.Taint{unreach, custom}, t0.Add(70 * time.Second), true},
		{"one taint untolerated wins", []corev1.Toleration{tol(unreach.Key, nil)}, []corev1.Taint{unreach, custom}, time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := EvictionTime(tt.tols, tt.taints, addedAt)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("EvictionTime = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestComputeZoneState(t *testing.T) {
	tests := []struct {
		ready, notReady int
		want            ZoneState
	}{
		{0, 0, StateNormal},
		{5, 0, StateNormal},
		{0, 1, StateFullDisruption},
		{0, 10, StateFullDisruption},
		{1, 2, StateNormal},            // 2 not ready is never partial
		{2, 3, StatePartialDisruption}, // 0.6
		{3, 3, StateNormal},            // 0.5 < 0.55
		{45, 55, StatePartialDisruption},
		{46, 54, StateNormal},
	}
	for _, tt := range tests {
		if got := ComputeZoneState(tt.ready, tt.notReady, DefaultUnhealthyZoneThreshold); got != tt.want {
			t.Errorf("ComputeZoneState(%d ready, %d not ready) = %s, want %s", tt.ready, tt.notReady, got, tt.want)
		}
	}
}

func TestZoneOf(t *testing.T) {
	n := &corev1.Node{}
	if z := ZoneOf(n); z != "" {
		t.Errorf("zone of unlabelled node = %q", z)
	}
	n.Labels = map[string]string{corev1.LabelTopologyRegion: "eu", corev1.LabelTopologyZone: "eu-1a"}
	if z := ZoneOf(n); z != "eu/eu-1a" {
		t.Errorf("zone = %q, want eu/eu-1a", z)
	}
}

func TestBucket(t *testing.T) {
	b := newBucket(0.1, t0)
	if ok, _ := b.take(t0); !ok {
		t.Fatal("a new bucket has a token")
	}
	ok, wait := b.take(t0.Add(time.Second))
	if ok || wait != 9*time.Second {
		t.Errorf("take 1 s later = %v, %v; want false, 9s", ok, wait)
	}
	if ok, _ := b.take(t0.Add(10 * time.Second)); !ok {
		t.Error("no token 10 s later at 0.1/s")
	}
	// Burst 1: a long idle time does not let two through.
	if ok, _ := b.take(t0.Add(time.Hour)); !ok {
		t.Error("no token after an hour")
	}
	if ok, _ := b.take(t0.Add(time.Hour)); ok {
		t.Error("two tokens at once")
	}
	z := newBucket(0, t0)
	z.tokens = 1
	if ok, wait := z.take(t0.Add(time.Hour)); ok || wait != time.Duration(math.MaxInt64) {
		t.Errorf("zero-rate bucket: %v, %v", ok, wait)
	}
}

func TestOptions(t *testing.T) {
	o, err := Options{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	type view struct {
		Grace, Startup, Period time.Duration
		Rate, Secondary, Thr   float64
		Large                  int
	}
	got := view{o.NodeMonitorGracePeriod, o.NodeStartupGracePeriod, o.NodeMonitorPeriod, o.EvictionRate, o.SecondaryEvictionRate, o.UnhealthyZoneThreshold, o.LargeClusterSizeThreshold}
	want := view{40 * time.Second, 60 * time.Second, 5 * time.Second, 0.1, 0.01, 0.55, 50}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if _, ok := o.Clock.(controller.RealClock); !ok {
		t.Errorf("default clock %T", o.Clock)
	}
	for name, bad := range map[string]Options{
		"negative grace":     {NodeMonitorGracePeriod: -time.Second},
		"negative rate":      {EvictionRate: -1},
		"threshold above 1":  {UnhealthyZoneThreshold: 1.5},
		"period above grace": {NodeMonitorGracePeriod: time.Second, NodeMonitorPeriod: time.Minute},
		"negative large":     {LargeClusterSizeThreshold: -1},
	} {
		if _, err := bad.withDefaults(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
