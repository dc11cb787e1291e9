package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/store"
)

// ownedRecorder serves a store with its owned writes, counting them.
type ownedRecorder struct {
	store.Store
	owned            ownedWriter
	creates, updates atomic.Int64
}

func (o *ownedRecorder) CreateOwned(ctx context.Context, key string, value []byte, opts store.PutOptions) (store.WriteResponse, error) {
	o.creates.Add(1)
	return o.owned.CreateOwned(ctx, key, value, opts)
}

func (o *ownedRecorder) UpdateOwned(ctx context.Context, key string, value []byte, opts store.UpdateOptions) (store.WriteResponse, error) {
	o.updates.Add(1)
	return o.owned.UpdateOwned(ctx, key, value, opts)
}

// objectMetadata is the metadata of any object's JSON.
type objectMetadata struct {
	Metadata metav1.ObjectMeta `json:"metadata"`
}

// plainStore hides every ability of a store but store.Store's methods.
type plainStore struct{ store.Store }

// withoutRV returns an object's JSON with its resourceVersion member
// (which the stored JSON lacks) removed.
func withoutRV(t *testing.T, b []byte, rv string) []byte {
	t.Helper()
	member := []byte(`,"resourceVersion":"` + rv + `"`)
	if bytes.Count(b, member) != 1 {
		t.Fatalf("%s has not one %s", b, member)
	}
	return bytes.Replace(b, member, nil, 1)
}

// TestStoreOwnsWrittenJSON writes a pod (create, status update) through a
// store with owned writes and through one without, changes the request
// bodies' buffers after each call, and checks after all of it that the
// store holds at each revision exactly the JSON the server answered
// (without the resourceVersion): the server hands the store buffers that
// nothing modifies afterwards, and the store's copy (or its lack) makes no
// difference to what is stored or answered.
func TestStoreOwnsWrittenJSON(t *testing.T) {
	for _, owned := range []bool{true, false} {
		t.Run("owned="+strconv.FormatBool(owned), func(t *testing.T) {
			var rec *ownedRecorder
			e := newEnvWith(t, Options{}, func(st store.Store) store.Store {
				if owned {
					rec = &ownedRecorder{Store: st, owned: st.(ownedWriter)}
					return rec
				}
				return plainStore{st}
			})
			if _, ok := e.s.store.(ownedWriter); ok != owned {
				t.Fatalf("store has owned writes: %v, want %v", ok, owned)
			}
			e.must(http.StatusCreated, "POST", "/api/v1/namespaces", `{"metadata":{"name":"bench"}}`, nil)
			type answer struct {
				body []byte
				rv   string
			}
			var answers []answer
			send := func(method, path string, body []byte, code int) {
				c := newBenchClient(e.s, method, path)
				if got := c.do(body); got != code {
					t.Fatalf("%s %s: %d, want %d: %s", method, path, got, code, c.w.body.Bytes())
				}
				clear(body) // the caller's buffer, reused
				var m objectMetadata
				if err := json.Unmarshal(c.w.body.Bytes(), &m); err != nil {
					t.Fatal(err)
				}
				answers = append(answers, answer{bytes.Clone(c.w.body.Bytes()), m.Metadata.ResourceVersion})
			}
			var creates0, updates0 int64
			if owned {
				creates0, updates0 = rec.creates.Load(), rec.updates.Load()
			}
			pod := benchPodBefore + "p" + benchPodAfter
			send("POST", podsPath("bench"), []byte(pod+"}"), http.StatusCreated)
			send("PUT", podsPath("bench")+"/p/status", []byte(pod+`,"status":{"phase":"Running"}}`), http.StatusOK)
			send("PUT", podsPath("bench")+"/p/status", []byte(pod+`,"status":{"phase":"Succeeded"}}`), http.StatusOK)
			if owned {
				if c, u := rec.creates.Load()-creates0, rec.updates.Load()-updates0; c != 1 || u != 2 {
					t.Errorf("owned creates %d, updates %d; want 1 and 2", c, u)
				}
			}
			for _, a := range answers {
				rev, _ := strconv.ParseInt(a.rv, 10, 64)
				g, err := e.st.Get(t.Context(), "/registry/core/pods/bench/p", store.ReadOptions{Revision: rev})
				if err != nil {
					t.Fatal(err)
				}
				if want := withoutRV(t, a.body, a.rv); !bytes.Equal(g.KV.Value, want) {
					t.Errorf("stored at %d:\n%s\nwant\n%s", rev, g.KV.Value, want)
				}
			}
		})
	}
}

// TestCachedJSONFromOffer checks the JSON the watch cache makes for an
// object a write handed over before the writer answered: the offered
// bytes with the resourceVersion spliced in, shared rather than copied,
// and byte for byte what encoding the object gives.
func TestCachedJSONFromOffer(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.s.lookup("", "pods")
	obj, err := r.decodeBody([]byte(benchPodBefore+"offered"+benchPodAfter+"}"), false)
	if err != nil {
		t.Fatal(err)
	}
	obj.GetObjectMeta().UID = "0b2c3d4e-0000-4000-8000-000000000001"
	raw, err := r.encodeForStore(obj)
	if err != nil {
		t.Fatal(err)
	}
	// A key no write touches, so that no event of the cache claims the
	// offer first.
	key := r.key("bench", "offered")
	h := r.cache.offer(key, raw, obj)
	const rev = 1 << 40
	claimed, at := r.cache.claim(key, bytes.Clone(raw), rev)
	if claimed != h {
		t.Fatal("the offer was not claimed")
	}
	co := r.newCachedObjectFromHandoff(h, at, rev)
	sp, err := co.encoded()
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(at)
	if err != nil {
		t.Fatal(err)
	}
	if got := sp.bytes(); !bytes.Equal(got, want) {
		t.Errorf("cached JSON:\n%s\nwant\n%s", got, want)
	}
	if len(sp.json) == 0 || &sp.json[0] != &raw[0] {
		t.Error("the cached JSON does not share the offered bytes")
	}
	if r.cache.settle(h, 0, splicedJSON{}) != true {
		t.Error("settle of a claimed offer reported it unclaimed")
	}
}

// TestWatchSendsAnsweredJSON creates pods concurrently while a watch
// receives their events, and checks that each event carries byte for byte
// the JSON the create answered, whether the cache took it from the
// writer's answer or made it before the writer answered.
func TestWatchSendsAnsweredJSON(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces", `{"metadata":{"name":"bench"}}`, nil)
	const writers, each = 8, 25
	w := &frameRecorder{want: writers * each, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(t.Context())
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		e.s.ServeHTTP(w, mustRequest(t, "GET", podsPath("bench")+"?watch=true&resourceVersion=0").WithContext(ctx))
	}()
	t.Cleanup(func() { cancel(); <-exited })
	var mu sync.Mutex
	answered := map[string][]byte{}
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			c := newBenchClient(e.s, "POST", podsPath("bench"))
			for i := range each {
				name := "w" + strconv.Itoa(g) + "-" + strconv.Itoa(i)
				if code := c.do([]byte(benchPodBefore + name + benchPodAfter + "}")); code != http.StatusCreated {
					t.Errorf("create %s: %d: %s", name, code, c.w.body.Bytes())
					return
				}
				mu.Lock()
				answered[name] = bytes.Clone(c.w.body.Bytes())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	select {
	case <-w.done:
	case <-time.After(time.Minute):
		t.Fatal("the watch did not receive every event within a minute")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	seen := 0
	for line := range bytes.Lines(w.buf.Bytes()) {
		var ev struct {
			Type   string          `json:"type"`
			Object json.RawMessage `json:"object"`
		}
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatalf("frame %s: %v", line, err)
		}
		var m objectMetadata
		if err := json.Unmarshal(ev.Object, &m); err != nil {
			t.Fatal(err)
		}
		if want := answered[m.Metadata.Name]; ev.Type != "ADDED" || !bytes.Equal(ev.Object, want) {
			t.Errorf("event %s %s, want ADDED %s", ev.Type, ev.Object, want)
		}
		seen++
	}
	if seen != writers*each {
		t.Errorf("%d events, want %d", seen, writers*each)
	}
}

// frameRecorder is the response writer of an in-process watch: it keeps
// the stream and closes done once want frames arrived.
type frameRecorder struct {
	mu   sync.Mutex
	h    http.Header
	buf  bytes.Buffer
	want int
	done chan struct{}
}

func (f *frameRecorder) Header() http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.h == nil {
		f.h = http.Header{}
	}
	return f.h
}

func (f *frameRecorder) WriteHeader(int) {}
func (f *frameRecorder) Flush()          {}

func (f *frameRecorder) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	before := bytes.Count(f.buf.Bytes(), []byte{'\n'})
	f.buf.Write(b)
	if n := before + bytes.Count(b, []byte{'\n'}); before < f.want && n >= f.want {
		close(f.done)
	}
	return len(b), nil
}

// TestCreateBodyBuffersReused creates pods, then updates their status, one
// after another, each body read into the buffer the one before was read
// into, and checks that every pod, as the watch cache and the store hold
// it, is still exactly what its last write answered: nothing the server
// keeps refers to a body's memory.
func TestCreateBodyBuffersReused(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces", `{"metadata":{"name":"bench"}}`, nil)
	c := newBenchClient(e.s, "POST", podsPath("bench"))
	answered := map[string][]byte{}
	for i := range 20 {
		name := "p" + strconv.Itoa(i)
		digits := strings.Repeat(strconv.Itoa(i%10), 40)
		body := []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"` + name + `","namespace":"bench",` +
			`"labels":{"run":"` + digits + `"},"annotations":{"note":"` + digits + `"}},` +
			`"spec":{"containers":[{"name":"c","image":"registry/` + digits + `","env":[{"name":"E","value":"` + digits + `"}]}]}}`)
		if code := c.do(body); code != http.StatusCreated {
			t.Fatalf("create %s: %d: %s", name, code, c.w.body.Bytes())
		}
		answered[name] = bytes.Clone(c.w.body.Bytes())
	}
	// Status updates, one after another, reuse the buffers too.
	for i := range 20 {
		name := "p" + strconv.Itoa(i)
		u := newBenchClient(e.s, "PUT", podsPath("bench")+"/"+name+"/status")
		var pod map[string]any
		if err := json.Unmarshal(answered[name], &pod); err != nil {
			t.Fatal(err)
		}
		pod["status"] = map[string]any{"phase": "Running", "message": strings.Repeat(strconv.Itoa(i%10), 60)}
		body, err := json.Marshal(pod)
		if err != nil {
			t.Fatal(err)
		}
		if code := u.do(body); code != http.StatusOK {
			t.Fatalf("update %s: %d: %s", name, code, u.w.body.Bytes())
		}
		answered[name] = bytes.Clone(u.w.body.Bytes())
	}
	for name, want := range answered {
		for _, rv := range []string{"0", ""} {
			_, got := e.do("GET", podsPath("bench")+"/"+name+"?resourceVersion="+rv, nil)
			if !bytes.Equal(got, want) {
				t.Errorf("GET %s (resourceVersion %q):\n%s\nwant\n%s", name, rv, got, want)
			}
		}
	}
}
