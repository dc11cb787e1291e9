package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/store"
)

// initialEventsEndAnnotation marks the bookmark that ends the initial
// events of a watch with sendInitialEvents=true.
const initialEventsEndAnnotation = "k8s.io/initial-events-end"

// handleWatch serves GET of a collection with watch=true: a stream of
// newline-delimited WatchEvent objects, flushed as events happen, until
// timeoutSeconds (default Options.WatchTimeout) pass, the client goes away,
// the client cannot keep up, or the server closes.
//
// Where the stream starts follows Kubernetes:
//
//   - resourceVersion unset: ADDED events for the current state, read from
//     the store (a consistent read), then every change after it;
//   - resourceVersion "0": ADDED events for the watch cache's state, then
//     every change after it;
//   - resourceVersion N: every change after N; when N is older than the
//     watch cache's window the stream is a single ERROR event carrying a
//     410 Expired Status ("too old resource version"), and the client
//     lists again.
//
// With sendInitialEvents=true (and resourceVersionMatch=NotOlderThan) the
// stream starts with ADDED events for a state not older than
// resourceVersion (from the watch cache when it is that recent, else from
// the store; unset means the latest, read from the store), followed by a
// BOOKMARK annotated "k8s.io/initial-events-end" when bookmarks are
// allowed.
func (s *Server) handleWatch(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	res := ri.res
	lr, err := parseListRequest(res, ri.namespace, r.URL.Query(), true)
	if err != nil {
		s.writeError(w, err)
		return
	}
	rv, err := parseRV(lr.rv)
	if err != nil {
		s.writeError(w, err)
		return
	}
	req := watchRequest{namespace: lr.namespace, label: lr.label, field: lr.field, bookmarks: lr.bookmarks}
	initialEvents := lr.sendInitialEvents != nil && *lr.sendInitialEvents
	fromStore := func() bool {
		lr.limit, lr.cont = 0, ""
		list, err := s.listStore(r.Context(), res, lr, 0)
		if err == nil && list.rev < rv {
			err = storeError(res, "", fmt.Errorf("%w: resource version %d", store.ErrFutureRevision, rv))
		}
		if err != nil {
			s.writeError(w, err)
			return false
		}
		req.mode, req.rev, req.initial = fromList, list.rev, list.items
		return true
	}
	switch {
	case initialEvents && (lr.rv == "" || res.cache.revision() < rv):
		// A consistent read, or one not older than a revision the cache
		// has not reached: the initial state comes from the store.
		if !fromStore() {
			return
		}
	case initialEvents:
		req.mode = fromState
	case lr.rv == "":
		if !fromStore() {
			return
		}
	case rv == 0:
		req.mode = fromState
	default:
		req.mode, req.rev = fromRevision, rv
	}
	cw, initial, from, err := res.cache.watch(req)
	if err != nil {
		st := asStatus(err)
		if st.Reason != metav1.StatusReasonExpired {
			s.writeError(w, err)
			return
		}
		b, _ := json.Marshal(st)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(watchFrame(metav1.Error, b))
		return
	}
	defer res.cache.removeWatcher(cw)
	g := s.metrics.longRunning.WithLabelValues("WATCH", res.info.Group, res.info.Plural)
	g.Inc()
	defer g.Dec()

	timeout := s.opts.WatchTimeout
	if lr.timeoutSeconds != nil && *lr.timeoutSeconds > 0 {
		timeout = time.Duration(*lr.timeoutSeconds) * time.Second
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()

	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache, private")
	w.WriteHeader(http.StatusOK)
	write := func(it watchItem) bool {
		var frame []byte
		if it.obj == nil {
			frame = watchFrame(metav1.Bookmark, res.bookmarkObject(it.rev, nil))
		} else {
			raw, err := it.obj.encoded()
			if err != nil {
				s.log.Error(err, "cannot encode a watch event", "key", it.obj.key)
				return false
			}
			frame = watchFrameJSON(it.typ, raw)
		}
		_, err := w.Write(frame)
		return err == nil
	}
	for _, it := range initial {
		if !write(it) {
			return
		}
	}
	if initialEvents && lr.bookmarks {
		frame := watchFrame(metav1.Bookmark, res.bookmarkObject(from, map[string]string{initialEventsEndAnnotation: "true"}))
		if _, err := w.Write(frame); err != nil {
			return
		}
	}
	if rc.Flush() != nil {
		return
	}
	for {
		select {
		case it, ok := <-cw.ch:
			if !ok {
				return
			}
			if !write(it) {
				return
			}
			// Send whatever else is queued before flushing.
		drain:
			for range 100 {
				select {
				case it, ok := <-cw.ch:
					if !ok {
						_ = rc.Flush()
						return
					}
					if !write(it) {
						return
					}
				default:
					break drain
				}
			}
			if rc.Flush() != nil {
				return
			}
		case <-timer.C:
			return
		case <-r.Context().Done():
			return
		}
	}
}
