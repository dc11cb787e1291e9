package apiserver

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// expiryEnv is a server whose events expire after 1 s, on a store whose
// lease expiry runs on fc; the server's clock is fc's plus skew. Every
// release of an expired object is recorded in released, by name.
type expiryEnv struct {
	*env
	fc   *mvcc.FakeClock
	skew atomic.Int64 // ns

	mu       sync.Mutex // guards released
	released []string
	// releasedCh gets a value after each release.
	releasedCh chan struct{}
}

func newExpiryEnv(t *testing.T) *expiryEnv {
	t.Helper()
	return newExpiryEnvCache(t, 0)
}

// newExpiryEnvCache is newExpiryEnv with Options.WatchCacheSize
// cacheSize (0: the default).
func newExpiryEnvCache(t *testing.T, cacheSize int) *expiryEnv {
	t.Helper()
	x := &expiryEnv{releasedCh: make(chan struct{}, 100)}
	x.fc = mvcc.NewFakeClock(time.Date(2026, 11, 28, 7, 0, 0, 0, time.UTC))
	st, err := mvcc.Open(context.Background(), mvcc.Options{Dir: t.TempDir(), Clock: x.fc})
	if err != nil {
		t.Fatalf("mvcc.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	s, err := New(st, Options{EventTTL: time.Second, Now: func() time.Time { return x.fc.Now().Add(time.Duration(x.skew.Load())) }, WatchCacheSize: cacheSize})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	release := s.expiry.release
	s.expiry.release = func(ctx context.Context, r *resource, obj metav1.Object) {
		release(ctx, r, obj)
		x.mu.Lock()
		x.released = append(x.released, obj.GetObjectMeta().Name)
		x.mu.Unlock()
		x.releasedCh <- struct{}{}
	}
	x.env = startEnv(t, s, st)
	return x
}

// waitReleased waits until n releases happened and returns their names.
func (x *expiryEnv) waitReleased(n int) []string {
	x.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		x.mu.Lock()
		got := append([]string(nil), x.released...)
		x.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-x.releasedCh:
		case <-deadline:
			x.t.Fatalf("released %v within 10 s, want %d releases", got, n)
		}
	}
}

// quotaUsed returns status.used[name] of quota q in default.
func (x *expiryEnv) quotaUsed(q string, name corev1.ResourceName) string {
	x.t.Helper()
	var rq corev1.ResourceQuota
	x.must(http.StatusOK, http.MethodGet, "/api/v1/namespaces/default/resourcequotas/"+q, nil, &rq)
	v := rq.Status.Used[name]
	return v.String()
}

// TestEventExpiryReleasesQuota checks that events the store deletes when
// their lease expires give their quota back, as deleted ones do: with the
// default watch cache, where both events are still decoded when they
// expire, and with a window of one event, where a is packed by then (see
// watchcache_packed.go) and its last state is decoded from its JSON.
func TestEventExpiryReleasesQuota(t *testing.T) {
	for _, size := range []int{0, 1} {
		t.Run("WatchCacheSize="+strconv.Itoa(size), func(t *testing.T) { testEventExpiryReleasesQuota(t, size) })
	}
}

func testEventExpiryReleasesQuota(t *testing.T, cacheSize int) {
	x := newExpiryEnvCache(t, cacheSize)
	x.must(http.StatusCreated, http.MethodPost, "/api/v1/namespaces/default/resourcequotas",
		`{"metadata":{"name":"q"},"spec":{"hard":{"count/events":"2"}}}`, nil)
	x.createEvent("a")
	x.createEvent("b")
	if got := x.quotaUsed("q", "count/events"); got != "2" {
		t.Fatalf("used count/events after two creates: %s, want 2", got)
	}
	code, b := x.do(http.MethodPost, eventsPath, testEvent("c"))
	if code != http.StatusForbidden {
		t.Fatalf("third event over the quota: %d %s, want 403", code, b)
	}
	if cacheSize == 1 {
		r := x.s.lookup("", "events")
		if co, _ := r.cache.get(r.key("default", "a")); co == nil || co.obj != nil {
			t.Fatalf("event a is not cached packed: %+v", co)
		}
	}

	x.fc.Advance(2 * time.Second)
	if diff := cmp.Diff([]string{"a", "b"}, x.waitReleased(2)); diff != "" {
		t.Fatalf("released (-want +got):\n%s", diff)
	}
	if got := x.quotaUsed("q", "count/events"); got != "0" {
		t.Fatalf("used count/events after both expired: %s, want 0", got)
	}
	x.createEvent("c")
	if got := x.quotaUsed("q", "count/events"); got != "1" {
		t.Errorf("used count/events after a new create: %s, want 1", got)
	}
}

// TestEventDeleteNotReleasedTwice checks that an event deleted through the
// API is released by its delete request only, even when the server
// already counts its lease as expired: the watch cache must not take the
// deletion for an expiry.
func TestEventDeleteNotReleasedTwice(t *testing.T) {
	x := newExpiryEnv(t)
	x.must(http.StatusCreated, http.MethodPost, "/api/v1/namespaces/default/resourcequotas",
		`{"metadata":{"name":"q"},"spec":{"hard":{"count/events":"5"}}}`, nil)
	evw := x.watch(eventsPath + "?watch=1")
	x.createEvent("a")
	x.createEvent("b")
	// The server's clock runs ahead: the lease has expired for it, not
	// yet for the store.
	x.skew.Store(int64(5 * time.Second))
	x.must(http.StatusOK, http.MethodDelete, eventsPath+"/a", nil, nil)
	if got := x.quotaUsed("q", "count/events"); got != "1" {
		t.Fatalf("used count/events after deleting a: %s, want 1", got)
	}
	if diff := cmp.Diff([]string{"ADDED a", "ADDED b", "DELETED a"}, strs(evw.nextN(3))); diff != "" {
		t.Fatalf("event watch (-want +got):\n%s", diff)
	}
	// Releases happen in the order of the deletions: once b's expiry is
	// released, a wrong release of a would have been recorded first.
	x.fc.Advance(2 * time.Second)
	if diff := cmp.Diff([]string{"b"}, x.waitReleased(1)); diff != "" {
		t.Fatalf("released (-want +got):\n%s", diff)
	}
	if got := x.quotaUsed("q", "count/events"); got != "0" {
		t.Errorf("used count/events after b expired: %s, want 0", got)
	}
}

func TestDeleteLedger(t *testing.T) {
	obj := func(name string) metav1.Object {
		return &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: name}}
	}
	names := func(objs []metav1.Object) []string {
		var out []string
		for _, o := range objs {
			out = append(out, o.GetObjectMeta().Name)
		}
		return out
	}
	t.Run("own delete seen after its request ended", func(t *testing.T) {
		l := newDeleteLedger()
		l.begin("k")
		if got := l.end("k", 7); got != nil {
			t.Fatalf("end: %v", names(got))
		}
		if l.observe("k", 7, obj("k"), true) {
			t.Errorf("own deletion released")
		}
		if len(l.own) != 0 || len(l.inflight) != 0 || len(l.parked) != 0 {
			t.Errorf("ledger not empty: %+v", l)
		}
	})
	t.Run("own delete seen while its request runs", func(t *testing.T) {
		l := newDeleteLedger()
		l.begin("k")
		if l.observe("k", 7, obj("k"), true) {
			t.Errorf("deletion released while a delete of its key runs")
		}
		if got := l.end("k", 7); got != nil {
			t.Errorf("end handed back %v", names(got))
		}
		if len(l.own) != 0 || len(l.inflight) != 0 || len(l.parked) != 0 {
			t.Errorf("ledger not empty: %+v", l)
		}
	})
	t.Run("expiry while a failing delete runs", func(t *testing.T) {
		l := newDeleteLedger()
		l.begin("k")
		l.begin("k")
		if l.observe("k", 7, obj("expired"), true) {
			t.Errorf("deletion released while deletes of its key run")
		}
		if got := l.end("k", 0); got != nil {
			t.Errorf("first end handed back %v while another delete runs", names(got))
		}
		if diff := cmp.Diff([]string{"expired"}, names(l.end("k", 0))); diff != "" {
			t.Errorf("last end (-want +got):\n%s", diff)
		}
	})
	t.Run("expiry", func(t *testing.T) {
		l := newDeleteLedger()
		if !l.observe("k", 7, obj("k"), true) {
			t.Errorf("expiry not released")
		}
	})
	t.Run("another server's delete", func(t *testing.T) {
		l := newDeleteLedger()
		l.begin("k")
		if l.observe("k", 7, obj("k"), false) {
			t.Errorf("deletion of a live lease released")
		}
		if got := l.end("k", 0); got != nil {
			t.Errorf("end handed back %v", names(got))
		}
	})
	t.Run("forget", func(t *testing.T) {
		l := newDeleteLedger()
		l.begin("a")
		l.end("a", 5)
		l.begin("b")
		l.end("b", 9)
		l.forget(5)
		if diff := cmp.Diff(map[deleteID]struct{}{{"b", 9}: {}}, l.own, cmp.AllowUnexported(deleteID{})); diff != "" {
			t.Errorf("own after forget (-want +got):\n%s", diff)
		}
	})
	t.Run("nil ledger", func(t *testing.T) {
		var l *deleteLedger
		l.begin("k")
		if got := l.end("k", 3); got != nil {
			t.Errorf("end: %v", names(got))
		}
		l.forget(3)
	})
}
