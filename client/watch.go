package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/rigging-dev/rigging/api/jsoncodec"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/internal/jsontext"
)

// Event is one change seen by a watch.
type Event[T any] struct {
	// Type is ADDED, MODIFIED, DELETED, BOOKMARK or ERROR (the constants
	// metav1.Added and so on).
	Type metav1.EventType
	// Object is the object after the change for ADDED and MODIFIED, its
	// last state for DELETED, and for BOOKMARK an object with only its
	// kind and metadata.resourceVersion set. Nil for ERROR.
	Object *T
	// Err, for ERROR only, is why the watch failed: an *APIError carrying
	// the Status the server sent (410 Expired when the resourceVersion
	// watched from is no longer kept: IsResourceExpired, IsGone), or one
	// the client made when a frame could not be decoded.
	Err error
}

// Watcher delivers the events of one watch stream, in the order the server
// sent them. The stream ends, and ResultChan is closed, when the server ends
// it (at its timeout, or after an ERROR event), when the context given to
// Watch is done, or on Stop. A clean end of stream is not an error: resume
// with a new watch from the last resourceVersion seen.
type Watcher[T any] struct {
	ch     chan Event[T]
	body   io.ReadCloser
	done   chan struct{} // closed by Stop
	exited chan struct{} // closed when the decoding goroutine has returned
	once   sync.Once
	// r decodes the objects: r.decode a whole input, r.decodeFrom the
	// next value of a frame.
	r *Resource[T]
	// dec is fastEvent's, reset for each frame: it and its scratch buffer
	// are made once per watch, not once per event.
	dec jsontext.Decoder
}

// ResultChan returns the channel of events. It is closed when the watch
// ends; receive from it until then, or call Stop.
func (w *Watcher[T]) ResultChan() <-chan Event[T] { return w.ch }

// Stop ends the watch, closing the connection, and returns once the
// decoding goroutine has ended; ResultChan is closed then. Events not yet
// received are dropped. Stop may be called more than once, from any
// goroutine.
func (w *Watcher[T]) Stop() {
	w.once.Do(func() {
		close(w.done)
		w.body.Close()
	})
	<-w.exited
}

// Watch starts a watch of the objects in r's namespace (all namespaces when
// r has none) that opts selects, from opts.ResourceVersion. It returns once
// the server has accepted the watch; a failure to start is an error, as from
// List (a 410 for a compacted resourceVersion may come either way: as this
// error or as the first ERROR event). The watch lasts until ctx is done,
// Stop, or the server ends it.
func (r *Resource[T]) Watch(ctx context.Context, opts WatchOptions) (*Watcher[T], error) {
	p, err := r.path(r.ns, "")
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", r.info.Resource, err)
	}
	resp, err := r.c.Do(ctx, Request{Method: http.MethodGet, Path: p, Query: opts.query()})
	if err != nil {
		return nil, err
	}
	return newWatcher(resp.Body, r), nil
}

// newWatcher decodes the watch frames in body into events of r's objects.
func newWatcher[T any](body io.ReadCloser, r *Resource[T]) *Watcher[T] {
	w := &Watcher[T]{
		ch:     make(chan Event[T]),
		body:   body,
		done:   make(chan struct{}),
		exited: make(chan struct{}),
		r:      r,
	}
	go w.run()
	return w
}

func (w *Watcher[T]) run() {
	defer close(w.exited)
	defer close(w.ch)
	defer w.body.Close()
	// Kubernetes frames JSON watch events as concatenated JSON objects
	// (in practice one a line). frameReader splits them, and the generated
	// code decodes each; json.Decoder takes over from the first thing
	// frameReader does not handle (the stream's end among them), so that
	// errors stay what they always were.
	fr := newFrameReader(w.body)
	for {
		data, ok := fr.next()
		if !ok {
			break
		}
		ev, ok := w.fastEvent(data)
		if !ok {
			var frame metav1.WatchEvent
			if err := jsoncodec.Unmarshal(data, &frame); err != nil {
				w.fail(err)
				return
			}
			ev, ok = w.event(frame)
		}
		if !w.send(ev) || !ok {
			return
		}
	}
	w.decodeStream(json.NewDecoder(fr.rest()))
}

// decodeStream delivers the events dec decodes until the stream ends.
func (w *Watcher[T]) decodeStream(dec *json.Decoder) {
	for {
		var frame metav1.WatchEvent
		if err := dec.Decode(&frame); err != nil {
			w.fail(err)
			return
		}
		ev, ok := w.event(frame)
		if !w.send(ev) || !ok {
			return
		}
	}
}

// fail ends the stream after an error decoding a frame: with an ERROR
// event if the frame was not valid, quietly if the stream ended (so that
// the watcher resumes) or the watch was stopped.
func (w *Watcher[T]) fail(err error) {
	select {
	case <-w.done:
		return
	default:
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errBodyClosed) {
		return
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syntax) || errors.As(err, &typ) {
		w.send(decodeErrorEvent[T](err))
	}
	// Anything else is the connection failing: end the stream quietly.
}

// fastEvent decodes a frame of the form the API server writes, type then
// object, or object then type, for the four types that carry an object,
// decoding the object in place; it reports false, for the caller to decode
// the frame as a metav1.WatchEvent, on any other frame, and when the
// generated code is unsure of the object (so that its error is the one it
// always was).
func (w *Watcher[T]) fastEvent(data []byte) (Event[T], bool) {
	d := &w.dec
	d.Reset(data)
	if d.ObjectStart() != nil {
		return Event[T]{}, false
	}
	var typ metav1.EventType
	var obj *T
	for {
		key, more, err := d.Key()
		if err != nil {
			return Event[T]{}, false
		}
		if !more {
			break
		}
		switch {
		case string(key) == "type" && typ == "":
			v, err := d.String()
			if err != nil {
				return Event[T]{}, false
			}
			switch metav1.EventType(v) {
			case metav1.Added:
				typ = metav1.Added
			case metav1.Modified:
				typ = metav1.Modified
			case metav1.Deleted:
				typ = metav1.Deleted
			case metav1.Bookmark:
				typ = metav1.Bookmark
			default:
				return Event[T]{}, false
			}
		case string(key) == "object" && obj == nil:
			if obj = w.r.decodeFrom(d); obj == nil {
				return Event[T]{}, false
			}
		default:
			return Event[T]{}, false
		}
	}
	if typ == "" || obj == nil || d.End() != nil {
		return Event[T]{}, false
	}
	return Event[T]{Type: typ, Object: obj}, true
}

// event converts a frame; ok is false when the stream must end after it.
func (w *Watcher[T]) event(frame metav1.WatchEvent) (Event[T], bool) {
	switch frame.Type {
	case metav1.Added, metav1.Modified, metav1.Deleted, metav1.Bookmark:
		obj, err := w.r.decode(frame.Object)
		if err != nil {
			return decodeErrorEvent[T](fmt.Errorf("%s event: %w", frame.Type, err)), false
		}
		return Event[T]{Type: frame.Type, Object: obj}, true
	case metav1.Error:
		var st metav1.Status
		if err := jsoncodec.Unmarshal(frame.Object, &st); err != nil || st.Kind != "Status" {
			return decodeErrorEvent[T](fmt.Errorf("ERROR event whose object is not a Status: %.200s", frame.Object)), false
		}
		if st.Code == 0 {
			st.Code = http.StatusInternalServerError
		}
		return Event[T]{Type: metav1.Error, Err: &APIError{Status: st}}, true
	default:
		return decodeErrorEvent[T](fmt.Errorf("unknown watch event type %q", frame.Type)), false
	}
}

// send delivers ev unless the watch is stopped first.
func (w *Watcher[T]) send(ev Event[T]) bool {
	select {
	case w.ch <- ev:
		return true
	case <-w.done:
		return false
	}
}

func decodeErrorEvent[T any](err error) Event[T] {
	return Event[T]{Type: metav1.Error, Err: &APIError{Status: metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Code:     http.StatusInternalServerError,
		Reason:   metav1.StatusReasonInternalError,
		Message:  "unable to decode an event from the watch stream: " + err.Error(),
	}}}
}
