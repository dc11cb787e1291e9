package kubelet_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/client/events"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

// recorded is an event without what varies from run to run (the uid).
type recorded struct {
	Kind, Name, FieldPath, Type, Reason, Message string
}

// waitEvent waits until rec holds an event whose reason is reason about
// the object named name, and returns it.
func (h *harness) waitEvent(rec *events.FakeRecorder, name, reason string, step func()) recorded {
	h.t.Helper()
	var got recorded
	h.eventually("event "+reason+" on "+name, func() (bool, string) {
		var seen []string
		for _, e := range rec.Events() {
			if e.Object.Name == name && e.Reason == reason {
				got = recorded{e.Object.Kind, e.Object.Name, e.Object.FieldPath, e.Type, e.Reason, e.Message}
				return true, ""
			}
			seen = append(seen, e.Object.Name+": "+e.String())
		}
		return false, strings.Join(seen, "; ")
	}, step)
	return got
}

func withRecorder(rec *events.FakeRecorder) func(*kubelet.Config) {
	return func(c *kubelet.Config) { c.Recorder = rec }
}

func TestEventsOfAPodThatStartsAndIsDeleted(t *testing.T) {
	rec := &events.FakeRecorder{}
	h := newHarness(t, harnessOpts{cfg: withRecorder(rec)})
	h.createPod(simplePod("web", ctr("app", "server")))
	want := []recorded{
		{"Pod", "web", "spec.containers{app}", corev1.EventTypeNormal, "Created", "Created container: app"},
		{"Pod", "web", "spec.containers{app}", corev1.EventTypeNormal, "Started", "Started container app"},
	}
	var got []recorded
	for _, w := range want {
		got = append(got, h.waitEvent(rec, "web", w.Reason, nil))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	node := h.waitEvent(rec, testNode, "Starting", nil)
	if d := cmp.Diff(recorded{"Node", testNode, "", corev1.EventTypeNormal, "Starting", "Starting kubelet."}, node); d != "" {
		t.Errorf("node event (-want +got):\n%s", d)
	}
	if err := h.pods.Delete(context.Background(), "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	kill := h.waitEvent(rec, "web", "Killing", func() { h.clock.Step(time.Second) })
	if d := cmp.Diff(recorded{"Pod", "web", "spec.containers{app}", corev1.EventTypeNormal, "Killing", "Stopping container app"}, kill); d != "" {
		t.Errorf("kill event (-want +got):\n%s", d)
	}
}

func TestEventsOfFailures(t *testing.T) {
	tests := []struct {
		name   string
		fake   fake.Options
		pod    func() *corev1.Pod
		step   time.Duration // the fake clock's move between checks
		reason string
		want   recorded
		prefix bool // want.Message is a prefix of the message
	}{
		{
			name: "liveness probe fails",
			fake: func() fake.Options {
				f := &probeFlags{}
				f.liveFails.Store(true)
				return probeOptions(f)
			}(),
			pod: func() *corev1.Pod {
				c := ctr("app", "server")
				c.LivenessProbe = execProbe("live", 1, 3)
				return simplePod("live", c)
			},
			step:   time.Second,
			reason: "Unhealthy",
			want: recorded{"Pod", "live", "spec.containers{app}", corev1.EventTypeWarning, "Unhealthy",
				"Liveness probe failed: command exited with 1: probe says no"},
		},
		{
			name: "liveness failure restarts",
			fake: func() fake.Options {
				f := &probeFlags{}
				f.liveFails.Store(true)
				return probeOptions(f)
			}(),
			pod: func() *corev1.Pod {
				c := ctr("app", "server")
				c.LivenessProbe = execProbe("live", 1, 3)
				return simplePod("live", c)
			},
			step:   time.Second,
			reason: "Killing",
			want: recorded{"Pod", "live", "spec.containers{app}", corev1.EventTypeNormal, "Killing",
				"Container app failed liveness probe, will be restarted"},
		},
		{
			name: "crash loop",
			fake: fake.Options{Behavior: func(*kubelet.ContainerConfig) fake.Behavior {
				return fake.Behavior{Mode: fake.Exit, ExitCode: 2}
			}},
			pod:    func() *corev1.Pod { return simplePod("crash", ctr("app", "crasher")) },
			reason: "BackOff",
			want: recorded{"Pod", "crash", "spec.containers{app}", corev1.EventTypeWarning, "BackOff",
				"Back-off restarting failed container app in pod crash_default("},
			prefix: true,
		},
		{
			name: "start fails",
			fake: fake.Options{Images: map[string]fake.Behavior{"broken": {Mode: fake.FailStart}}},
			pod: func() *corev1.Pod {
				p := simplePod("broken", ctr("app", "broken"))
				p.Spec.RestartPolicy = corev1.RestartPolicyNever
				return p
			},
			reason: "Failed",
			want:   recorded{"Pod", "broken", "spec.containers{app}", corev1.EventTypeWarning, "Failed", "Error: start container "},
			prefix: true,
		},
		{
			name: "configMap volume missing",
			pod: func() *corev1.Pod {
				p := simplePod("nomount", ctr("app", "server"))
				p.Spec.Volumes = []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{
					ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}}}}}
				return p
			},
			reason: "FailedMount",
			want: recorded{"Pod", "nomount", "", corev1.EventTypeWarning, "FailedMount",
				`MountVolume.SetUp failed for volume "cfg" : configmap "missing" not found`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &events.FakeRecorder{}
			h := newHarness(t, harnessOpts{fake: tt.fake, cfg: withRecorder(rec)})
			p := h.createPod(tt.pod())
			var step func()
			if tt.step > 0 {
				step = func() { h.clock.Step(tt.step) }
			}
			got := h.waitEvent(rec, p.Name, tt.reason, step)
			if tt.prefix && strings.HasPrefix(got.Message, tt.want.Message) {
				got.Message = tt.want.Message
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("event (-want +got):\n%s", d)
			}
		})
	}
}

// TestDefaultRecorderWritesEvents runs the kubelet with no Recorder: its
// own writes the events through the API, with source kubelet on the node.
func TestDefaultRecorderWritesEvents(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	p := h.createPod(simplePod("web", ctr("app", "server")))
	evs, err := client.For[corev1.Event](h.env.Client)
	if err != nil {
		t.Fatal(err)
	}
	var got *corev1.Event
	h.eventually("a Started event in the API", func() (bool, string) {
		l, err := evs.Namespace("default").List(context.Background(), client.ListOptions{
			FieldSelector: "involvedObject.name=web,reason=Started"})
		if err != nil {
			return false, err.Error()
		}
		if len(l.Items) == 0 {
			return false, "none yet"
		}
		got = &l.Items[0]
		return true, ""
	}, nil)
	want := corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: "default", Name: "web", UID: p.UID,
		ResourceVersion: got.InvolvedObject.ResourceVersion, FieldPath: "spec.containers{app}"}
	if d := cmp.Diff(want, got.InvolvedObject); d != "" {
		t.Errorf("involvedObject (-want +got):\n%s", d)
	}
	if d := cmp.Diff(corev1.EventSource{Component: "kubelet", Host: testNode}, got.Source); d != "" {
		t.Errorf("source (-want +got):\n%s", d)
	}
	if got.Message != "Started container app" || got.Type != corev1.EventTypeNormal {
		t.Errorf("event %s %q, want Normal %q", got.Type, got.Message, "Started container app")
	}
}
