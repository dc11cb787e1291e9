package apiserver

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/client/events"
)

// TestEventFieldSelectors lists events with each field selector that
// kubectl describe and kubectl get events use.
func TestEventFieldSelectors(t *testing.T) {
	e := newEnv(t, Options{})
	mk := func(name string, ref corev1.ObjectReference, typ, reason, source string) corev1.Event {
		return corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, InvolvedObject: ref,
			Type: typ, Reason: reason, Source: corev1.EventSource{Component: source}, ReportingController: source, Count: 1}
	}
	for _, ev := range []corev1.Event{
		mk("web.1", corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: "default", Name: "web", UID: "u1",
			ResourceVersion: "5", FieldPath: "spec.containers{app}"}, corev1.EventTypeNormal, "Started", "kubelet"),
		mk("db.1", corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: "default", Name: "db", UID: "u2",
			ResourceVersion: "6"}, corev1.EventTypeWarning, "BackOff", "kubelet"),
		mk("node-1.1", corev1.ObjectReference{Kind: "Node", APIVersion: "v1", Name: "node-1", UID: "node-1"},
			corev1.EventTypeNormal, "Starting", "kubelet"),
		mk("web.2", corev1.ObjectReference{Kind: "ReplicaSet", APIVersion: "apps/v1", Namespace: "default", Name: "web", UID: "u3"},
			corev1.EventTypeNormal, "SuccessfulCreate", "replicaset-controller"),
	} {
		e.must(http.StatusCreated, http.MethodPost, "/api/v1/namespaces/default/events", ev, nil)
	}
	tests := []struct {
		selector string
		want     []string
	}{
		{"involvedObject.kind=Pod", []string{"db.1", "web.1"}},
		{"involvedObject.namespace=default", []string{"db.1", "web.1", "web.2"}},
		{"involvedObject.name=web", []string{"web.1", "web.2"}},
		{"involvedObject.uid=u2", []string{"db.1"}},
		{"involvedObject.apiVersion=apps/v1", []string{"web.2"}},
		{"involvedObject.resourceVersion=5", []string{"web.1"}},
		{"involvedObject.fieldPath=spec.containers{app}", []string{"web.1"}},
		{"reason=BackOff", []string{"db.1"}},
		{"source=replicaset-controller", []string{"web.2"}},
		{"reportingComponent=kubelet", []string{"db.1", "node-1.1", "web.1"}},
		{"type=Warning", []string{"db.1"}},
		{"type!=Normal", []string{"db.1"}},
		// What kubectl describe pod web sends.
		{"involvedObject.name=web,involvedObject.namespace=default,involvedObject.kind=Pod,involvedObject.uid=u1", []string{"web.1"}},
		{"metadata.name=node-1.1", []string{"node-1.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.selector, func(t *testing.T) {
			var list corev1.EventList
			e.must(http.StatusOK, http.MethodGet, "/api/v1/namespaces/default/events?fieldSelector="+url.QueryEscape(tt.selector), nil, &list)
			var got []string
			for _, ev := range list.Items {
				got = append(got, ev.Name)
			}
			slices.Sort(got)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("events (-want +got):\n%s", d)
			}
		})
	}
	// An unknown field is refused, naming it.
	code, body := e.do(http.MethodGet, "/api/v1/namespaces/default/events?fieldSelector="+url.QueryEscape("involvedObject.color=red"), nil)
	if code != http.StatusBadRequest || !strings.Contains(string(body), "involvedObject.color") {
		t.Errorf("unknown field: code %d, body %s; want 400 naming the field", code, body)
	}
}

// TestKubectlDescribeShowsEvents records an event with the events
// package's recorder and finds it in kubectl describe pod's Events.
func TestKubectlDescribeShowsEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kubectl")
	}
	e := newEnv(t, Options{})
	k := newKubectl(t, e)
	k.must(`apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: nginx:1.27
`, []string{"create", "-f", "-"}, "pod/web created")
	c, err := client.New(client.Config{Host: e.ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	pods, err := client.For[corev1.Pod](c)
	if err != nil {
		t.Fatal(err)
	}
	pod, err := pods.Namespace("default").Get(t.Context(), "web", client.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := events.New(c, events.Options{Component: "kubelet", Host: "node-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Close)
	msg := "Back-off restarting failed container app in pod web_default(" + string(pod.UID) + ")"
	rec.Event(events.WithFieldPath(pod, "spec.containers{app}"), corev1.EventTypeWarning, "BackOff", msg)
	evs, err := client.For[corev1.Event](c)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		l, err := evs.Namespace("default").List(t.Context(), client.ListOptions{FieldSelector: "involvedObject.uid=" + string(pod.UID)})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Items) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the recorded event never appeared: %+v", l.Items)
		}
		tm := time.NewTimer(5 * time.Millisecond) // polling a condition with a deadline
		<-tm.C
	}
	out := k.must("", []string{"describe", "pod", "web"}, "Events:", "Type", "Reason", "From", "Message")
	var row string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "BackOff") {
			row = strings.Join(strings.Fields(line), " ")
		}
	}
	// The Age column varies; the rest is fixed.
	if !strings.HasPrefix(row, "Warning BackOff ") || !strings.HasSuffix(row, " kubelet "+msg) {
		t.Errorf("kubectl describe's event row is %q, want \"Warning BackOff <age> kubelet %s\"; output:\n%s", row, msg, out)
	}
}
