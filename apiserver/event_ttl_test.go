package apiserver

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// eventsPath is the events collection of the default namespace.
const eventsPath = "/api/v1/namespaces/default/events"

// newTTLEnv starts a server with opts on a store whose lease expiry runs
// on a fake clock, which is also the server's clock; it returns the env
// and the clock.
func newTTLEnv(t *testing.T, opts Options) (*env, *mvcc.FakeClock) {
	t.Helper()
	fc := mvcc.NewFakeClock(time.Date(2026, 11, 28, 7, 0, 0, 0, time.UTC))
	st, err := mvcc.Open(context.Background(), mvcc.Options{Dir: t.TempDir(), Clock: fc})
	if err != nil {
		t.Fatalf("mvcc.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	opts.Now = fc.Now
	s, err := New(st, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return startEnv(t, s, st), fc
}

// testEvent returns a minimal valid event about pod web in default.
func testEvent(name string) corev1.Event {
	return corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: name, Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: "default", Name: "web", UID: "u1"},
		Type:           corev1.EventTypeNormal, Reason: "Started", Message: "started",
		Source: corev1.EventSource{Component: "kubelet"}, Count: 1,
	}
}

// createEvent creates the event name over HTTP.
func (e *env) createEvent(name string) {
	e.t.Helper()
	e.must(http.StatusCreated, http.MethodPost, eventsPath, testEvent(name), nil)
}

// leaseOf returns the lease the stored object key is attached to.
func (e *env) leaseOf(key string) store.LeaseID {
	e.t.Helper()
	resp, err := e.st.Get(context.Background(), key, store.ReadOptions{})
	if err != nil {
		e.t.Fatalf("Get %s: %v", key, err)
	}
	return resp.KV.Lease
}

// eventKey and podKey are the store keys of default/name.
func eventKey(name string) string { return "/registry/core/events/default/" + name }
func podKey(name string) string   { return "/registry/core/pods/default/" + name }

// TestEventTTLOptions checks EventTTL's default and validation.
func TestEventTTLOptions(t *testing.T) {
	tests := []struct {
		name    string
		ttl     time.Duration
		want    time.Duration
		wantErr string
	}{
		{name: "default", ttl: 0, want: time.Hour},
		{name: "set", ttl: 5 * time.Second, want: 5 * time.Second},
		{name: "negative", ttl: -time.Second, wantErr: "apiserver: negative EventTTL -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(newEnvStoreOnly(t), Options{EventTTL: tt.ttl})
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("New: error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if diff := cmp.Diff(tt.want, s.opts.EventTTL); diff != "" {
				t.Errorf("EventTTL (-want +got):\n%s", diff)
			}
			if got := s.lookup("", "events").leases.ttl; got != tt.want {
				t.Errorf("events TTL %v, want %v", got, tt.want)
			}
			if got := s.lookup("", "pods").leases; got != nil {
				t.Errorf("pods have a lease manager %+v, want none", got)
			}
		})
	}
}

// TestRegisterNegativeTTL checks that a strategy's negative TTL is refused.
func TestRegisterNegativeTTL(t *testing.T) {
	s, err := New(newEnvStoreOnly(t), Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	err = Register(s, Resource{Group: "example.com", Version: "v1", Kind: "Widget", Plural: "widgets", Namespaced: true},
		Strategy[*corev1.ConfigMap]{TTL: -time.Second})
	if want := "apiserver: register Widget: negative TTL -1s"; err == nil || err.Error() != want {
		t.Fatalf("Register: error %v, want %q", err, want)
	}
}

// TestEventTTLDefaultLease checks that, by default, an event's lease is
// granted for 1 h plus the 60 s reuse window.
func TestEventTTLDefaultLease(t *testing.T) {
	e, _ := newTTLEnv(t, Options{})
	e.createEvent("a")
	ls, err := e.st.TimeToLive(context.Background(), e.leaseOf(eventKey("a")))
	if err != nil {
		t.Fatalf("TimeToLive: %v", err)
	}
	if diff := cmp.Diff(store.LeaseStatus{ID: ls.ID, TTL: time.Hour + time.Minute, Remaining: time.Hour + time.Minute,
		Keys: []string{eventKey("a")}}, ls); diff != "" {
		t.Errorf("lease (-want +got):\n%s", diff)
	}
}

// TestEventTTLExpiry checks that an event is gone once its TTL has passed,
// that a watcher sees its DELETED, and that a pod created with it has no
// lease and stays.
func TestEventTTLExpiry(t *testing.T) {
	e, fc := newTTLEnv(t, Options{EventTTL: time.Second})
	evw := e.watch(eventsPath + "?watch=1")
	podw := e.watch(podsPath("default") + "?watch=1")
	e.createEvent("a")
	e.must(http.StatusCreated, http.MethodPost, podsPath("default"), testPod("default", "web"), nil)
	if got := e.leaseOf(eventKey("a")); got == store.NoLease {
		t.Fatalf("event a has no lease")
	}
	if got := e.leaseOf(podKey("web")); got != store.NoLease {
		t.Fatalf("pod web has lease %d, want none", got)
	}
	if diff := cmp.Diff([]string{"ADDED a"}, strs(evw.nextN(1))); diff != "" {
		t.Fatalf("event watch before expiry (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"ADDED web"}, strs(podw.nextN(1))); diff != "" {
		t.Fatalf("pod watch (-want +got):\n%s", diff)
	}

	fc.Advance(2 * time.Second)
	deleted := evw.nextN(1)
	if diff := cmp.Diff([]string{"DELETED a"}, strs(deleted)); diff != "" {
		t.Fatalf("event watch after expiry (-want +got):\n%s", diff)
	}
	e.must(http.StatusNotFound, http.MethodGet, eventsPath+"/a", nil, nil)
	// The watch cache saw the deletion too.
	e.waitCache("", "events", deleted[0].RV)
	e.must(http.StatusNotFound, http.MethodGet, eventsPath+"/a?resourceVersion=0", nil, nil)
	var list corev1.EventList
	e.must(http.StatusOK, http.MethodGet, eventsPath+"?resourceVersion=0", nil, &list)
	if len(list.Items) != 0 {
		t.Errorf("events listed from the cache after expiry: %d, want 0", len(list.Items))
	}
	e.must(http.StatusOK, http.MethodGet, podsPath("default")+"/web", nil, nil)
	select {
	case ev := <-podw.events:
		t.Errorf("pod watch after expiry: unexpected %v", ev)
	default:
	}
}

// TestEventTTLLeaseReuse checks that events written within the reuse
// window share a lease, that a later one gets a new lease, and that a
// create whose reused lease was revoked gets a new one.
func TestEventTTLLeaseReuse(t *testing.T) {
	e, fc := newTTLEnv(t, Options{}) // 1 h, reuse window 60 s
	steps := []struct {
		advance time.Duration
		name    string
	}{
		{0, "a"},
		{30 * time.Second, "b"}, // within a's window: a's lease
		{40 * time.Second, "c"}, // 70 s after a: a new lease
		{0, "d"},                // c's lease
	}
	firstOf := map[store.LeaseID]string{}
	var got []string
	for _, st := range steps {
		fc.Advance(st.advance)
		e.createEvent(st.name)
		id := e.leaseOf(eventKey(st.name))
		if _, ok := firstOf[id]; !ok {
			firstOf[id] = st.name
		}
		got = append(got, firstOf[id])
	}
	if diff := cmp.Diff([]string{"a", "a", "c", "c"}, got); diff != "" {
		t.Fatalf("first event on each event's lease (-want +got):\n%s", diff)
	}

	// Revoking c's lease deletes c and d; the next event gets a new lease.
	lc := e.leaseOf(eventKey("c"))
	if err := e.st.Revoke(context.Background(), lc); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	e.must(http.StatusNotFound, http.MethodGet, eventsPath+"/d", nil, nil)
	e.createEvent("e")
	if le := e.leaseOf(eventKey("e")); le == lc || le == store.NoLease {
		t.Errorf("event e on lease %d after lease %d was revoked, want a new one", le, lc)
	}
}

// TestEventTTLUpdateRenews checks that an update of an event keeps it
// alive for the TTL from the update.
func TestEventTTLUpdateRenews(t *testing.T) {
	e, fc := newTTLEnv(t, Options{EventTTL: 10 * time.Second}) // no reuse window
	w := e.watch(eventsPath + "?watch=1")
	e.createEvent("old")
	e.createEvent("upd")
	first := e.leaseOf(eventKey("upd"))
	if got := e.leaseOf(eventKey("old")); got != first {
		t.Fatalf("events created together on leases %d and %d, want one", got, first)
	}

	fc.Advance(8 * time.Second)
	var ev corev1.Event
	e.must(http.StatusOK, http.MethodGet, eventsPath+"/upd", nil, &ev)
	ev.Message, ev.Count = "started again", 2
	e.must(http.StatusOK, http.MethodPut, eventsPath+"/upd", ev, nil)
	renewed := e.leaseOf(eventKey("upd"))
	if renewed == first {
		t.Fatalf("updated event still on its first lease %d", first)
	}
	ls, err := e.st.TimeToLive(context.Background(), renewed)
	if err != nil {
		t.Fatalf("TimeToLive: %v", err)
	}
	if ls.Remaining < 10*time.Second {
		t.Errorf("lease of the updated event expires in %v, want at least 10s", ls.Remaining)
	}

	// 12 s after the creates: the first lease expired with old, upd stays.
	fc.Advance(4 * time.Second)
	if diff := cmp.Diff([]string{"ADDED old", "ADDED upd", "MODIFIED upd", "DELETED old"}, strs(w.nextN(4))); diff != "" {
		t.Fatalf("watch after the first expiry (-want +got):\n%s", diff)
	}
	e.must(http.StatusOK, http.MethodGet, eventsPath+"/upd", nil, nil)

	// 9 s after the update it is still there; 11 s after, it is gone.
	fc.Advance(5 * time.Second)
	e.must(http.StatusOK, http.MethodGet, eventsPath+"/upd", nil, nil)
	fc.Advance(2 * time.Second)
	if diff := cmp.Diff([]string{"DELETED upd"}, strs(w.nextN(1))); diff != "" {
		t.Fatalf("watch after the second expiry (-want +got):\n%s", diff)
	}
	e.must(http.StatusNotFound, http.MethodGet, eventsPath+"/upd", nil, nil)
}

// grantFailingStore is a store that cannot grant leases.
type grantFailingStore struct{ store.Store }

// errNoLeases is grantFailingStore's Grant failure.
var errNoLeases = errors.New("leases unavailable")

func (grantFailingStore) Grant(context.Context, time.Duration) (store.Lease, error) {
	return store.Lease{}, errNoLeases
}

// TestEventTTLGrantFails checks that an event create fails cleanly when
// the store cannot grant a lease, and that other kinds are unaffected.
func TestEventTTLGrantFails(t *testing.T) {
	e := newEnvWith(t, Options{}, func(st store.Store) store.Store { return grantFailingStore{st} })
	b := e.must(http.StatusInternalServerError, http.MethodPost, eventsPath, testEvent("a"), nil)
	msg := status(t, b).Message
	for _, want := range []string{`events "a"`, "1h0m0s", "grant a lease of 1h1m0s", errNoLeases.Error()} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	e.must(http.StatusNotFound, http.MethodGet, eventsPath+"/a", nil, nil)
	e.must(http.StatusCreated, http.MethodPost, podsPath("default"), testPod("default", "web"), nil)
}

// countingLessor grants leases with IDs 1, 2, ... and the TTL asked for,
// rounded up to whole seconds as store/mvcc does.
type countingLessor struct {
	store.Lessor
	granted []time.Duration
}

func (l *countingLessor) Grant(_ context.Context, ttl time.Duration) (store.Lease, error) {
	l.granted = append(l.granted, ttl)
	return store.Lease{ID: store.LeaseID(len(l.granted)), TTL: (ttl + time.Second - 1).Truncate(time.Second)}, nil
}

// TestLeaseManagerWindow checks the reuse window for several TTLs: the
// lease granted, and which writes at which offsets share it.
func TestLeaseManagerWindow(t *testing.T) {
	tests := []struct {
		ttl       time.Duration
		wantReuse time.Duration
		// offsets are the times of successive writes from the start;
		// want the lease each gets.
		offsets []time.Duration
		want    []store.LeaseID
	}{
		{ttl: time.Second, wantReuse: 0,
			offsets: []time.Duration{0, 0, time.Millisecond}, want: []store.LeaseID{1, 1, 2}},
		{ttl: 10 * time.Minute, wantReuse: 30 * time.Second,
			offsets: []time.Duration{0, 30 * time.Second, 31 * time.Second}, want: []store.LeaseID{1, 1, 2}},
		{ttl: time.Hour, wantReuse: time.Minute,
			offsets: []time.Duration{0, time.Minute, time.Minute + time.Millisecond}, want: []store.LeaseID{1, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.ttl.String(), func(t *testing.T) {
			m := newLeaseManager(tt.ttl)
			l := &countingLessor{}
			start := time.Date(2026, 11, 28, 7, 0, 0, 0, time.UTC)
			var got []store.LeaseID
			for _, off := range tt.offsets {
				id, err := m.lease(t.Context(), l, start.Add(off))
				if err != nil {
					t.Fatalf("lease at %v: %v", off, err)
				}
				got = append(got, id)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("leases (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.ttl+tt.wantReuse, l.granted[0]); diff != "" {
				t.Errorf("granted TTL (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLeaseManagerMaxObjects checks that one lease serves at most 1000
// writes.
func TestLeaseManagerMaxObjects(t *testing.T) {
	m := newLeaseManager(time.Hour)
	l := &countingLessor{}
	now := time.Date(2026, 11, 28, 7, 0, 0, 0, time.UTC)
	counts := map[store.LeaseID]int{}
	for range leaseMaxObjects + 1 {
		id, err := m.lease(t.Context(), l, now)
		if err != nil {
			t.Fatalf("lease: %v", err)
		}
		counts[id]++
	}
	if diff := cmp.Diff(map[store.LeaseID]int{1: 1000, 2: 1}, counts); diff != "" {
		t.Errorf("writes per lease (-want +got):\n%s", diff)
	}
}
