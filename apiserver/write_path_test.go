package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/fields"
	quantity "github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/store"
)

// referencePodQOS is podQOS as it was written first, with maps: the
// reference the allocation-free one is checked against.
func referencePodQOS(p *corev1.Pod) corev1.PodQOSClass {
	requests, limits := corev1.ResourceList{}, corev1.ResourceList{}
	guaranteed := true
	containers := append(append([]corev1.Container(nil), p.Spec.InitContainers...), p.Spec.Containers...)
	for _, c := range containers {
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if q, ok := c.Resources.Requests[name]; ok && q.Sign() > 0 {
				sum := requests[name]
				sum.Add(q)
				requests[name] = sum
			}
			if q, ok := c.Resources.Limits[name]; ok && q.Sign() > 0 {
				sum := limits[name]
				sum.Add(q)
				limits[name] = sum
			} else {
				guaranteed = false
			}
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return corev1.PodQOSBestEffort
	}
	if guaranteed && len(requests) == len(limits) {
		for name, q := range requests {
			if l := limits[name]; l.Cmp(q) != 0 {
				guaranteed = false
			}
		}
		if guaranteed {
			return corev1.PodQOSGuaranteed
		}
	}
	return corev1.PodQOSBurstable
}

func TestPodQOS(t *testing.T) {
	res := func(kv ...string) corev1.ResourceList {
		if len(kv) == 0 {
			return nil
		}
		l := corev1.ResourceList{}
		for i := 0; i+1 < len(kv); i += 2 {
			l[corev1.ResourceName(kv[i])] = quantity.MustParse(kv[i+1])
		}
		return l
	}
	ctr := func(req, lim corev1.ResourceList) corev1.Container {
		return corev1.Container{Name: "c", Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}
	}
	for _, tc := range []struct {
		name       string
		init, main []corev1.Container
		want       corev1.PodQOSClass
	}{
		{"no containers", nil, nil, corev1.PodQOSBestEffort},
		{"nothing set", nil, []corev1.Container{ctr(nil, nil)}, corev1.PodQOSBestEffort},
		{"zero quantities", nil, []corev1.Container{ctr(res("cpu", "0"), res("memory", "0"))}, corev1.PodQOSBestEffort},
		{"other resources only", nil, []corev1.Container{ctr(res("ephemeral-storage", "1Gi"), nil)}, corev1.PodQOSBestEffort},
		{"equal requests and limits", nil, []corev1.Container{ctr(res("cpu", "1", "memory", "1Gi"), res("cpu", "1", "memory", "1Gi"))}, corev1.PodQOSGuaranteed},
		{"limits only", nil, []corev1.Container{ctr(nil, res("cpu", "1", "memory", "1Gi"))}, corev1.PodQOSBurstable},
		{"same value, other unit", nil, []corev1.Container{ctr(res("cpu", "1000m", "memory", "1024Mi"), res("cpu", "1", "memory", "1Gi"))}, corev1.PodQOSGuaranteed},
		{"requests below limits", nil, []corev1.Container{ctr(res("cpu", "100m", "memory", "128Mi"), res("cpu", "500m", "memory", "256Mi"))}, corev1.PodQOSBurstable},
		{"cpu limit missing", nil, []corev1.Container{ctr(res("cpu", "1", "memory", "1Gi"), res("memory", "1Gi"))}, corev1.PodQOSBurstable},
		{"request of one, limits of both", nil, []corev1.Container{ctr(res("cpu", "1"), res("cpu", "1", "memory", "1Gi"))}, corev1.PodQOSBurstable},
		{"request cpu, limit memory", nil, []corev1.Container{ctr(res("cpu", "1"), res("memory", "1Gi"))}, corev1.PodQOSBurstable},
		{"two guaranteed containers", nil, []corev1.Container{
			ctr(res("cpu", "1", "memory", "1Gi"), res("cpu", "1", "memory", "1Gi")),
			ctr(res("cpu", "2", "memory", "2Gi"), res("cpu", "2", "memory", "2Gi"))}, corev1.PodQOSGuaranteed},
		{"sums equal, containers not", nil, []corev1.Container{
			ctr(res("cpu", "2", "memory", "1Gi"), res("cpu", "1", "memory", "1Gi")),
			ctr(res("cpu", "1", "memory", "1Gi"), res("cpu", "2", "memory", "1Gi"))}, corev1.PodQOSGuaranteed},
		{"best-effort init container", []corev1.Container{ctr(nil, nil)},
			[]corev1.Container{ctr(res("cpu", "1", "memory", "1Gi"), res("cpu", "1", "memory", "1Gi"))}, corev1.PodQOSBurstable},
		{"guaranteed init container", []corev1.Container{ctr(res("cpu", "1", "memory", "1Gi"), res("cpu", "1", "memory", "1Gi"))},
			[]corev1.Container{ctr(res("cpu", "1", "memory", "1Gi"), res("cpu", "1", "memory", "1Gi"))}, corev1.PodQOSGuaranteed},
	} {
		p := &corev1.Pod{Spec: corev1.PodSpec{InitContainers: tc.init, Containers: tc.main}}
		if got := podQOS(p); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
		if ref := referencePodQOS(p); ref != tc.want {
			t.Errorf("%s: reference %s, want %s", tc.name, ref, tc.want)
		}
	}
	// Every combination of these containers, one to three of them, agrees
	// with the reference.
	choices := []corev1.Container{
		ctr(nil, nil),
		ctr(res("cpu", "1"), nil),
		ctr(nil, res("memory", "1Gi")),
		ctr(res("cpu", "1", "memory", "1Gi"), res("cpu", "1", "memory", "1Gi")),
		ctr(res("cpu", "500m", "memory", "1Gi"), res("cpu", "1", "memory", "1Gi")),
		ctr(res("cpu", "1", "memory", "2Gi"), res("cpu", "1", "memory", "1Gi")),
		ctr(res("memory", "1Gi"), res("cpu", "1")),
	}
	n := len(choices)
	for a := range n {
		for b := range n + 1 {
			for c := range n + 1 {
				cs := []corev1.Container{choices[a]}
				if b < n {
					cs = append(cs, choices[b])
				}
				var init []corev1.Container
				if c < n {
					init = append(init, choices[c])
				}
				p := &corev1.Pod{Spec: corev1.PodSpec{InitContainers: init, Containers: cs}}
				if got, want := podQOS(p), referencePodQOS(p); got != want {
					t.Errorf("containers %d,%d init %d: %s, reference %s", a, b, c, got, want)
				}
			}
		}
	}
}

func TestObjectFields(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      objectFields
		field  string
		has    bool
		wanted string
	}{
		{"name", objectFields{name: "n", namespace: "ns", namespaced: true}, "metadata.name", true, "n"},
		{"namespace", objectFields{name: "n", namespace: "ns", namespaced: true}, "metadata.namespace", true, "ns"},
		{"cluster-scoped namespace", objectFields{name: "n"}, "metadata.namespace", false, ""},
		{"strategy field", objectFields{name: "n", strategy: fields.Set{"spec.nodeName": "node"}}, "spec.nodeName", true, "node"},
		{"empty strategy field", objectFields{name: "n", strategy: fields.Set{"spec.nodeName": ""}}, "spec.nodeName", true, ""},
		{"strategy wins", objectFields{name: "n", strategy: fields.Set{"metadata.name": "s"}}, "metadata.name", true, "s"},
		{"unknown", objectFields{name: "n", namespaced: true}, "spec.x", false, ""},
	} {
		if got := tc.f.Has(tc.field); got != tc.has {
			t.Errorf("%s: Has(%s) = %v", tc.name, tc.field, got)
		}
		if got := tc.f.Get(tc.field); got != tc.wanted {
			t.Errorf("%s: Get(%s) = %q, want %q", tc.name, tc.field, got, tc.wanted)
		}
	}
	sel, err := fields.ParseSelector("metadata.namespace=ns,spec.nodeName!=other")
	if err != nil {
		t.Fatal(err)
	}
	f := objectFields{name: "n", namespace: "ns", namespaced: true, strategy: fields.Set{"spec.nodeName": "node"}}
	if !sel.Matches(&f) {
		t.Errorf("%v does not match %+v", sel, f)
	}
}

func TestSpecEqual(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.s.lookup("", "pods")
	base := func() *corev1.Pod {
		p := testPod("default", "p")
		p.Spec.NodeSelector = map[string]string{"a": "b"}
		return p
	}
	for _, tc := range []struct {
		name   string
		change func(p *corev1.Pod)
		want   bool
	}{
		{"same", func(*corev1.Pod) {}, true},
		{"metadata and status differ", func(p *corev1.Pod) { p.Labels = nil; p.Status.Phase = corev1.PodRunning }, true},
		{"nil and empty slice encode alike", func(p *corev1.Pod) { p.Spec.Volumes = []corev1.Volume{} }, true},
		{"quantity in another unit", func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: quantity.MustParse("1")}
		}, false},
		{"image", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "other" }, false},
		{"map value", func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{"a": "c"} }, false},
	} {
		a, b := base(), base()
		tc.change(b)
		if got := r.specEqual(a, b); got != tc.want {
			t.Errorf("%s: specEqual %v, want %v", tc.name, got, tc.want)
		}
	}
	// Quantities compare by their encoding, as before.
	a, b := base(), base()
	a.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: quantity.MustParse("1")}
	b.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: quantity.MustParse("1000m")}
	ja, _ := json.Marshal(a.Spec)
	jb, _ := json.Marshal(b.Spec)
	if got, want := r.specEqual(a, b), string(ja) == string(jb); got != want {
		t.Errorf("1 and 1000m cpu: specEqual %v, encodings equal %v", got, want)
	}
}

// TestJSONResponsesHaveLength checks that JSON answers carry their
// Content-Length, so that they are not chunked, for objects and Status
// errors alike, and that the length is right.
func TestJSONResponsesHaveLength(t *testing.T) {
	e := newEnv(t, Options{})
	for _, tc := range []struct {
		method, path string
		body         any
		code         int
	}{
		{http.MethodPost, podsPath("default"), testPod("", "web"), http.StatusCreated},
		{http.MethodGet, podsPath("default") + "/web", nil, http.StatusOK},
		{http.MethodGet, podsPath("default"), nil, http.StatusOK},
		{http.MethodGet, podsPath("default") + "/missing", nil, http.StatusNotFound},
		{http.MethodPost, podsPath("default"), testPod("", "web"), http.StatusConflict},
	} {
		var r io.Reader
		if tc.body != nil {
			b, _ := json.Marshal(tc.body)
			r = strings.NewReader(string(b))
		}
		req, _ := http.NewRequest(tc.method, e.ts.URL+tc.path, r)
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.ts.Client().Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: read: %v", tc.method, tc.path, err)
		}
		if resp.StatusCode != tc.code {
			t.Errorf("%s %s: %d, want %d: %s", tc.method, tc.path, resp.StatusCode, tc.code, b)
		}
		if resp.ContentLength != int64(len(b)) || len(resp.TransferEncoding) != 0 {
			t.Errorf("%s %s: Content-Length %d, transfer encoding %v, body %d bytes", tc.method, tc.path, resp.ContentLength, resp.TransferEncoding, len(b))
		}
		if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(b)) {
			t.Errorf("%s %s: Content-Length header %q, body %d bytes", tc.method, tc.path, got, len(b))
		}
		if ct, cc := resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"); ct != "application/json" || cc != "no-cache, private" {
			t.Errorf("%s %s: Content-Type %q, Cache-Control %q", tc.method, tc.path, ct, cc)
		}
		if !json.Valid(b) {
			t.Errorf("%s %s: invalid JSON %s", tc.method, tc.path, b)
		}
	}
}

// interferingStore changes key behind the server's back just before the
// server's first Update of it, so that the update conflicts and is tried
// again.
type interferingStore struct {
	store.Store
	key     string
	updates atomic.Int32
}

func (s *interferingStore) Update(ctx context.Context, key string, value []byte, opts store.UpdateOptions) (store.WriteResponse, error) {
	if key == s.key && s.updates.Add(1) == 1 {
		resp, err := s.Store.Get(ctx, key, store.ReadOptions{})
		if err != nil {
			return store.WriteResponse{}, err
		}
		var p corev1.Pod
		if err := json.Unmarshal(resp.KV.Value, &p); err != nil {
			return store.WriteResponse{}, err
		}
		p.Labels["other"] = "writer"
		p.Status.Message = "other writer"
		b, _ := json.Marshal(&p)
		if _, err := s.Store.Update(ctx, key, b, store.UpdateOptions{}); err != nil {
			return store.WriteResponse{}, err
		}
	}
	return s.Store.Update(ctx, key, value, opts)
}

// TestUpdateAfterConflictStartsFromBody checks that an unconditional
// update that loses a race writes the client's object again, decoded
// anew from the request body, over the other writer's.
func TestUpdateAfterConflictStartsFromBody(t *testing.T) {
	for _, sub := range []string{"", "/status"} {
		t.Run("path "+sub, func(t *testing.T) {
			is := &interferingStore{key: podKey("web")}
			e := newEnvWith(t, Options{}, func(st store.Store) store.Store { is.Store = st; return is })
			var created corev1.Pod
			e.must(http.StatusCreated, http.MethodPost, podsPath("default"), testPod("", "web"), &created)
			next := created.DeepCopy()
			next.ResourceVersion = "" // unconditional
			next.Labels = map[string]string{"app": "web", "tier": "front"}
			next.Status.Message = "mine"
			var got corev1.Pod
			e.must(http.StatusOK, http.MethodPut, podsPath("default")+"/web"+sub, next, &got)
			if n := is.updates.Load(); n != 2 {
				t.Fatalf("store updates: %d, want 2 (a conflict, then the write)", n)
			}
			var stored corev1.Pod
			e.must(http.StatusOK, http.MethodGet, podsPath("default")+"/web", nil, &stored)
			if diff := cmp.Diff(stored, got); diff != "" {
				t.Errorf("answer differs from the stored object (-stored +answer):\n%s", diff)
			}
			wantLabels, wantMessage := map[string]string{"app": "web", "tier": "front"}, "other writer"
			if sub == "/status" {
				// A status update keeps the stored metadata, the other
				// writer's.
				wantLabels, wantMessage = map[string]string{"app": "web", "other": "writer"}, "mine"
			}
			if diff := cmp.Diff(wantLabels, got.Labels); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			if got.Status.Message != wantMessage {
				t.Errorf("status message %q, want %q", got.Status.Message, wantMessage)
			}
		})
	}
}

// TestHandoffObjectAt checks who sets the resourceVersion of an offered
// object, and that a claim for another revision than the write's gives
// each side its own copy.
func TestHandoffObjectAt(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.s.lookup("", "pods")
	c := r.cache
	const key = "/registry/core/pods/nowhere/x" // no event will claim it
	value := []byte(`{"x":1}`)

	// The writer first: the cache then shares its object.
	obj := testPod("nowhere", "x")
	h := c.offer(key, value, obj)
	if got := c.objectAt(r, h, obj, 100); got != obj || got.GetObjectMeta().ResourceVersion != "100" {
		t.Fatalf("writer's object at 100: %p (rv %q), want %p", got, got.GetObjectMeta().ResourceVersion, obj)
	}
	if ch, cobj := c.claim(key, value, 100); ch != h || cobj != obj {
		t.Fatalf("claim at 100: %p %p, want the offer and its object", ch, cobj)
	}
	if c.settle(h, 100, splicedJSON{}) != true {
		t.Errorf("settle of a claimed offer reports it unclaimed")
	}

	// The cache first, at another revision: the writer gets a copy.
	obj = testPod("nowhere", "x")
	h = c.offer(key, value, obj)
	ch, cobj := c.claim(key, value, 200)
	if ch != h || cobj != obj || obj.ResourceVersion != "200" {
		t.Fatalf("claim at 200: %p %p rv %q", ch, cobj, obj.ResourceVersion)
	}
	got := c.objectAt(r, h, obj, 201)
	if got == obj || got.GetObjectMeta().ResourceVersion != "201" || obj.ResourceVersion != "200" {
		t.Errorf("writer's object at 201: same %v, rv %q; cache's rv %q", got == obj, got.GetObjectMeta().ResourceVersion, obj.ResourceVersion)
	}
	c.settle(h, 201, splicedJSON{})

	// A failed write whose offer was not claimed: the writer keeps its
	// object.
	obj = testPod("nowhere", "x")
	h = c.offer(key, value, obj)
	if c.settle(h, 0, splicedJSON{}) {
		t.Errorf("settle of an unclaimed failed write reports a claim")
	}
	if ch, _ := c.claim(key, value, 300); ch != nil {
		t.Errorf("a failed write's offer was claimed after it settled")
	}
}

// TestRequestMetrics checks the request counters and latency histograms
// per request kind, with the per-kind cache in front of them.
func TestRequestMetrics(t *testing.T) {
	e := newEnv(t, Options{})
	for range 3 {
		e.must(http.StatusOK, http.MethodGet, podsPath("default"), nil, nil)
	}
	e.must(http.StatusNotFound, http.MethodGet, podsPath("default")+"/none", nil, nil)
	e.must(http.StatusNotFound, http.MethodGet, "/nowhere", nil, nil)
	e.must(http.StatusCreated, http.MethodPost, podsPath("default"), testPod("", "m"), nil)
	mfs, err := e.s.opts.Metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	label := func(m *dto.Metric) string {
		var parts []string
		for _, l := range m.GetLabel() {
			parts = append(parts, l.GetName()+"="+l.GetValue())
		}
		return strings.Join(parts, ",")
	}
	counts := map[string]float64{}
	observed := map[string]uint64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case "apiserver_request_total":
				counts[label(m)] = m.GetCounter().GetValue()
			case "apiserver_request_duration_seconds":
				observed[label(m)] = m.GetHistogram().GetSampleCount()
			}
		}
	}
	for lbl, want := range map[string]float64{
		"code=200,group=,resource=pods,subresource=,verb=LIST": 3,
		"code=404,group=,resource=pods,subresource=,verb=GET":  1,
		"code=404,group=,resource=,subresource=,verb=":         1,
		"code=201,group=,resource=pods,subresource=,verb=POST": 1,
	} {
		if counts[lbl] != want {
			t.Errorf("apiserver_request_total{%s} = %v, want %v", lbl, counts[lbl], want)
		}
	}
	if got := observed["group=,resource=pods,subresource=,verb=LIST"]; got != 3 {
		t.Errorf("LIST pods latency samples: %d, want 3", got)
	}
}

func TestSplicedJSON(t *testing.T) {
	for _, sp := range []splicedJSON{
		plainJSON([]byte(`{"a":1}`)),
		{json: []byte(`{"metadata":{"uid":"u"},"x":2}`), at: len(`{"metadata":{"uid":"u"`), rv: "42"},
		{json: []byte(`{"uid":"u"}`), at: len(`{"uid":"u"`), rv: "7"},
	} {
		b := sp.bytes()
		if sp.len() != len(b) || !json.Valid(b) {
			t.Errorf("%q: len %d, bytes %q", sp.json, sp.len(), b)
		}
		var w strings.Builder
		if err := sp.writeTo(&w); err != nil || w.String() != string(b) {
			t.Errorf("%q: writeTo wrote %q (%v), bytes %q", sp.json, w.String(), err, b)
		}
	}
	want := `{"metadata":{"uid":"u","resourceVersion":"42"},"x":2}`
	sp := splicedJSON{json: []byte(`{"metadata":{"uid":"u"},"x":2}`), at: len(`{"metadata":{"uid":"u"`), rv: "42"}
	if got := string(sp.bytes()); got != want {
		t.Errorf("bytes %s, want %s", got, want)
	}
	if (splicedJSON{}).valid() || !plainJSON([]byte("{}")).valid() {
		t.Errorf("valid: zero %v, plain %v", (splicedJSON{}).valid(), plainJSON([]byte("{}")).valid())
	}
}

func TestAdmitDefaultTolerationSeconds(t *testing.T) {
	secs := defaultTolerationSeconds
	notReady := corev1.Toleration{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &secs}
	unreachable := corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &secs}
	own := corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "x", Effect: corev1.TaintEffectNoSchedule}
	all := corev1.Toleration{Operator: corev1.TolerationOpExists}
	for _, tc := range []struct {
		name      string
		have, out []corev1.Toleration
	}{
		{"none", nil, []corev1.Toleration{notReady, unreachable}},
		{"others", []corev1.Toleration{own}, []corev1.Toleration{own, notReady, unreachable}},
		{"not-ready set", []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists}},
			[]corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists}, unreachable}},
		{"everything tolerated", []corev1.Toleration{all}, []corev1.Toleration{all}},
	} {
		p := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: tc.have}}
		if err := admitDefaultTolerationSeconds(context.Background(), &Attributes{Operation: Create, Resource: "pods", Object: p}); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if diff := cmp.Diff(tc.out, p.Spec.Tolerations); diff != "" {
			t.Errorf("%s: tolerations (-want +got):\n%s", tc.name, diff)
		}
		if n := len(p.Spec.Tolerations); n == 2+len(tc.have) && p.Spec.Tolerations[n-1].TolerationSeconds == p.Spec.Tolerations[n-2].TolerationSeconds {
			t.Errorf("%s: the two added tolerations share their seconds", tc.name)
		}
	}
}

// The Accept header parsers as first written, with strings.Split and a
// map: the references of the allocation-free ones.
func referencePrefersProtobuf(accept string) bool {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(part, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		if mt == "" {
			continue
		}
		q := 1.0
		plain := true
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			switch strings.TrimSpace(k) {
			case "q":
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			case "as":
				plain = false
			}
		}
		if q > bestQ {
			best, bestQ = mt, q
			if !plain {
				best = mt + ";as"
			}
		}
	}
	return best == "application/vnd.kubernetes.protobuf" && bestQ > 0
}

func referenceAcceptsJSON(accept string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(part, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		switch mt {
		case "*/*", "application/*":
			return true
		case "application/json":
			if !strings.Contains(strings.ReplaceAll(params, " ", ""), "as=") {
				return true
			}
		}
	}
	return false
}

func referenceTableVersion(accept string) string {
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(part, ";")
		if strings.TrimSpace(strings.ToLower(mt)) != "application/json" {
			continue
		}
		p := map[string]string{}
		for _, kv := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(kv, "=")
			p[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		if p["as"] == "Table" && p["g"] == "meta.k8s.io" && (p["v"] == "v1" || p["v"] == "v1beta1") {
			return p["v"]
		}
	}
	return ""
}

func TestAcceptParsers(t *testing.T) {
	for _, accept := range []string{
		"", " ", "application/json", "application/json, */*", "*/*", "application/*", "text/plain",
		"application/vnd.kubernetes.protobuf", "application/vnd.kubernetes.protobuf, */*",
		"application/vnd.kubernetes.protobuf;q=0.5, application/json;q=0.9",
		"application/json;q=0.5, application/vnd.kubernetes.protobuf",
		"application/vnd.kubernetes.protobuf;as=Table;g=meta.k8s.io;v=v1",
		"application/vnd.kubernetes.protobuf;q=0",
		"application/json;as=Table;v=v1;g=meta.k8s.io, application/json",
		"application/json;as=Table;g=meta.k8s.io;v=v1beta1",
		"application/json; as=Table; g=meta.k8s.io; v=v1",
		"application/json;as=Table;g=meta.k8s.io;v=v2;v=v1",
		"application/json;as=Table;g=other;v=v1,application/json;as=Table;g=meta.k8s.io;v=v1",
		"APPLICATION/JSON", ",,", ";;", "application/json;as", "a;b=c;;d, ,application/json",
	} {
		if got, want := prefersProtobuf(accept), referencePrefersProtobuf(accept); got != want {
			t.Errorf("prefersProtobuf(%q) = %v, want %v", accept, got, want)
		}
		if got, want := acceptsJSON(accept), referenceAcceptsJSON(accept); got != want {
			t.Errorf("acceptsJSON(%q) = %v, want %v", accept, got, want)
		}
		if got, want := tableVersion(accept), referenceTableVersion(accept); got != want {
			t.Errorf("tableVersion(%q) = %q, want %q", accept, got, want)
		}
		for _, sep := range []byte{',', ';'} {
			var got []string
			for p := range splitSeq(accept, sep) {
				got = append(got, p)
			}
			if diff := cmp.Diff(strings.Split(accept, string(sep)), got); diff != "" {
				t.Errorf("splitSeq(%q, %q) (-strings.Split +got):\n%s", accept, sep, diff)
			}
		}
	}
}

// TestUpdateLeavesCachedObject checks that updates, which may read the
// stored object from the watch cache, leave the cache's object as it was,
// also when a mutating admission plugin changes maps of the new object in
// place.
func TestUpdateLeavesCachedObject(t *testing.T) {
	labelling := MutatingAdmissionFunc(func(_ context.Context, a *Attributes) error {
		if p, ok := a.Object.(*corev1.Pod); ok && a.Operation == Update && p.Labels != nil {
			p.Labels["admitted"] = "yes"
		}
		return nil
	})
	for _, opts := range []Options{{}, {Mutating: []MutatingAdmission{labelling}}} {
		t.Run(strconv.Itoa(len(opts.Mutating))+" plugins", func(t *testing.T) { testUpdateLeavesCachedObject(t, opts) })
	}
}

func testUpdateLeavesCachedObject(t *testing.T, opts Options) {
	e := newEnv(t, opts)
	var created corev1.Pod
	e.must(http.StatusCreated, http.MethodPost, podsPath("default"), testPod("", "web"), &created)
	e.waitCache("", "pods", created.ResourceVersion)
	r := e.s.lookup("", "pods")
	co, _ := r.cache.get(podKey("web"))
	if co == nil || co.rev == 0 {
		t.Fatalf("cached pod %+v", co)
	}
	// The pod, just written, is still cached decoded (see packEvicted);
	// neither it nor its JSON may change.
	obj, err := co.object(r)
	if err != nil {
		t.Fatal(err)
	}
	before, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := co.encoded()
	if err != nil {
		t.Fatal(err)
	}
	beforeJSON := bytes.Clone(sp.bytes())
	if r.cache.getAt(podKey("web"), co.rev) != co.obj || co.obj == nil || r.cache.getAt(podKey("web"), co.rev+1) != nil {
		t.Fatalf("getAt does not find the cached pod at its revision only")
	}
	next := created.DeepCopy()
	next.Status.Phase = corev1.PodRunning
	next.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	var got corev1.Pod
	e.must(http.StatusOK, http.MethodPut, podsPath("default")+"/web/status", next, &got)
	if got.Status.Phase != corev1.PodRunning || got.Generation != 1 {
		t.Errorf("status update: phase %q generation %d", got.Status.Phase, got.Generation)
	}
	next = got.DeepCopy()
	next.Labels["tier"] = "front"
	next.Spec.ActiveDeadlineSeconds = new(int64)
	*next.Spec.ActiveDeadlineSeconds = 30
	e.must(http.StatusOK, http.MethodPut, podsPath("default")+"/web", next, &got)
	if got.Labels["tier"] != "front" || got.Status.Phase != corev1.PodRunning || got.Generation != 2 {
		t.Errorf("update: labels %v phase %q generation %d", got.Labels, got.Status.Phase, got.Generation)
	}
	e.must(http.StatusOK, http.MethodPatch, podsPath("default")+"/web", `{"metadata":{"labels":{"patched":"yes"}}}`, &got,
		"Content-Type", "application/merge-patch+json")
	if got.Labels["patched"] != "yes" || got.Labels["tier"] != "front" {
		t.Errorf("patch: labels %v", got.Labels)
	}
	if obj, err = co.object(r); err != nil {
		t.Fatal(err)
	}
	after, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Errorf("the cached object changed:\nbefore %s\nafter  %s", before, after)
	}
	if sp, err = co.encoded(); err != nil || !bytes.Equal(sp.bytes(), beforeJSON) {
		t.Errorf("the cached JSON changed (%v):\nbefore %s\nafter  %s", err, beforeJSON, sp.bytes())
	}
}
