package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
)

// Defaults of Options, with client-go's figures.
const (
	// DefaultComponent is the source component when Options has none.
	DefaultComponent = "rigging"
	// DefaultQueueSize is how many events may wait to be written (1000,
	// client-go's maxQueuedEvents).
	DefaultQueueSize = 1000
	// DefaultBurst is the spam filter's bucket size per object (25).
	DefaultBurst = 25
	// DefaultRefillInterval is how often the spam filter gives an object a
	// token back (5 min: client-go's 1/300 qps).
	DefaultRefillInterval = 5 * time.Minute
	// DefaultAggregationWindow is how long after its last repeat an event
	// is still folded into the stored one (10 min).
	DefaultAggregationWindow = 10 * time.Minute
	// DefaultCacheSize bounds the spam filter's and the correlator's
	// memory: the number of objects and distinct events remembered (4096).
	DefaultCacheSize = 4096
)

// Recorder records events about API objects. obj is the involved object:
// a typed API object (such as *corev1.Pod) whose kind comes from its
// TypeMeta or, when that is empty, from its Go type. eventType is
// corev1.EventTypeNormal or corev1.EventTypeWarning; reason is a short
// CamelCase word ("Scheduled", "BackOff"). Implementations must not block
// and may be called from any goroutine.
type Recorder interface {
	// Event records an event whose message is message.
	Event(obj metav1.Object, eventType, reason, message string)
	// Eventf records an event whose message is fmt.Sprintf(messageFmt, args...).
	Eventf(obj metav1.Object, eventType, reason, messageFmt string, args ...any)
}

// Clock tells the time events are stamped with. controller.Clock
// implementations satisfy it.
type Clock interface {
	Now() time.Time
}

// Options configure New. The zero value works, with the defaults above.
type Options struct {
	// Component is the reporting component (source.component and
	// reportingComponent), such as "kubelet" or "default-scheduler".
	// Default DefaultComponent.
	Component string
	// Host is the host the component runs on (source.host and
	// reportingInstance). Default "".
	Host string
	// QueueSize bounds the events waiting to be written; more are dropped
	// and counted. Default DefaultQueueSize (1000).
	QueueSize int
	// Burst is the spam filter's token bucket size per object. Default
	// DefaultBurst (25).
	Burst int
	// RefillInterval is how often an object's bucket gets a token back.
	// Default DefaultRefillInterval (5 min).
	RefillInterval time.Duration
	// AggregationWindow is how long after its last occurrence a repeated
	// event is counted on the stored Event rather than created anew.
	// Default DefaultAggregationWindow (10 min).
	AggregationWindow time.Duration
	// CacheSize bounds the objects and events the filter and the
	// correlator remember (least recently used forgotten first). Default
	// DefaultCacheSize (4096).
	CacheSize int
	// Clock stamps events and refills buckets. Default: the wall clock.
	Clock Clock
	// Logger receives write failures (at error level) and drops (V(4)).
	// Default: discard.
	Logger logr.Logger
	// WriteQPS, when positive, limits the recorder's writes (Event
	// creates and patches) to this many a second on average, in bursts of
	// up to WriteBurst, on the wall clock: the kubelet's eventRecordQPS
	// and eventBurst (50 and 100 in Kubernetes). Events wait in the queue
	// meanwhile, and are dropped when it is full, so that a burst of
	// events does not compete with the component's own writes. Default 0:
	// no limit.
	WriteQPS float64
	// WriteBurst is how many writes may go at once after a quiet spell,
	// with WriteQPS. Default: WriteQPS rounded up (one second's worth),
	// at least 1.
	WriteBurst int
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// APIRecorder is the Recorder that writes Events through the API. Make one
// with New; stop its writer with Close, or run it under a context with
// Run. Any goroutine may call its methods.
type APIRecorder struct {
	opts   Options
	events *client.Resource[corev1.Event]
	log    logr.Logger
	queue  chan *corev1.Event
	ctx    context.Context // of the writes; cancelled by Close
	cancel context.CancelFunc

	mu      sync.Mutex // guards running, closed, dropped and the writer's start
	running bool       // a writer goroutine is draining queue
	closed  bool
	dropped uint64
	wg      sync.WaitGroup // the writer goroutine

	// Used by the writer goroutine only (one at a time).
	filter   *spamFilter
	seen     *lru[*seenEvent]
	lastNano int64
	limit    *tokenBucket // nil without WriteQPS
}

// seenEvent is what the correlator remembers of a written event.
type seenEvent struct {
	namespace, name string
	count           int32
	first, last     time.Time
}

var _ Recorder = (*APIRecorder)(nil)

// New returns an APIRecorder that writes through c. It fails when c is nil
// or an option is negative.
func New(c *client.Client, opts Options) (*APIRecorder, error) {
	if c == nil {
		return nil, errors.New("events.New: nil client")
	}
	for name, v := range map[string]int64{"QueueSize": int64(opts.QueueSize), "Burst": int64(opts.Burst),
		"RefillInterval": int64(opts.RefillInterval), "AggregationWindow": int64(opts.AggregationWindow),
		"CacheSize": int64(opts.CacheSize), "WriteBurst": int64(opts.WriteBurst)} {
		if v < 0 {
			return nil, fmt.Errorf("events.New: %s must not be negative, got %d", name, v)
		}
	}
	if opts.WriteQPS < 0 || math.IsNaN(opts.WriteQPS) || math.IsInf(opts.WriteQPS, 0) {
		return nil, fmt.Errorf("events.New: WriteQPS must be a non-negative number, got %v", opts.WriteQPS)
	}
	if opts.WriteQPS > 0 && opts.WriteBurst == 0 {
		opts.WriteBurst = defaultWriteBurst(opts.WriteQPS)
	}
	if opts.Component == "" {
		opts.Component = DefaultComponent
	}
	setDefault(&opts.QueueSize, DefaultQueueSize)
	setDefault(&opts.Burst, DefaultBurst)
	setDefault(&opts.RefillInterval, DefaultRefillInterval)
	setDefault(&opts.AggregationWindow, DefaultAggregationWindow)
	setDefault(&opts.CacheSize, DefaultCacheSize)
	if opts.Clock == nil {
		opts.Clock = wallClock{}
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	evs, err := client.For[corev1.Event](c)
	if err != nil {
		return nil, fmt.Errorf("events.New: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &APIRecorder{
		opts: opts, events: evs, log: opts.Logger.WithValues("component", opts.Component),
		queue: make(chan *corev1.Event, opts.QueueSize), ctx: ctx, cancel: cancel,
		filter: newSpamFilter(opts.Burst, opts.RefillInterval, opts.CacheSize),
		seen:   newLRU[*seenEvent](opts.CacheSize),
	}
	if opts.WriteQPS > 0 {
		r.limit = newTokenBucket(opts.WriteQPS, opts.WriteBurst, time.Now())
	}
	return r, nil
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// Event records an event with message as it is. It never blocks.
func (r *APIRecorder) Event(obj metav1.Object, eventType, reason, message string) {
	r.enqueue(obj, eventType, reason, message)
}

// Eventf records an event whose message is fmt.Sprintf(messageFmt,
// args...). It never blocks.
func (r *APIRecorder) Eventf(obj metav1.Object, eventType, reason, messageFmt string, args ...any) {
	r.enqueue(obj, eventType, reason, fmt.Sprintf(messageFmt, args...))
}

// Dropped returns how many events were dropped because the queue was full
// or the recorder closed (the spam filter's drops are not counted).
func (r *APIRecorder) Dropped() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dropped
}

// Run returns when ctx ends, after stopping the writer as Close does: it
// lets an owner that runs its parts under one context (an errgroup) own
// the recorder's goroutine. It returns nil.
func (r *APIRecorder) Run(ctx context.Context) error {
	<-ctx.Done()
	r.Close()
	return nil
}

// Close stops the recorder: later events are dropped, the write in flight
// is cancelled, the queued events are dropped, and the writer goroutine
// has ended when Close returns. It may be called more than once.
func (r *APIRecorder) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

func (r *APIRecorder) enqueue(obj metav1.Object, eventType, reason, message string) {
	ev, err := r.makeEvent(obj, eventType, reason, message)
	if err != nil {
		r.log.Error(err, "make event", "reason", reason)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		r.dropped++
		return
	}
	select {
	case r.queue <- ev:
	default:
		r.dropped++
		r.log.V(4).Info("event queue full; dropping event", "object", ev.InvolvedObject.Name, "reason", reason)
		return
	}
	if !r.running {
		r.running = true
		r.wg.Add(1)
		go r.write()
	}
}

// makeEvent builds the event obj is involved in, stamped now.
func (r *APIRecorder) makeEvent(obj metav1.Object, eventType, reason, message string) (*corev1.Event, error) {
	ref, err := Reference(obj)
	if err != nil {
		return nil, err
	}
	ns := ref.Namespace
	if ns == "" {
		ns = corev1.NamespaceDefault
	}
	now := metav1.NewTime(r.opts.Clock.Now())
	return &corev1.Event{
		ObjectMeta:          metav1.ObjectMeta{Namespace: ns},
		InvolvedObject:      ref,
		Reason:              reason,
		Message:             message,
		Source:              corev1.EventSource{Component: r.opts.Component, Host: r.opts.Host},
		FirstTimestamp:      now,
		LastTimestamp:       now,
		Count:               1,
		Type:                eventType,
		ReportingController: r.opts.Component,
		ReportingInstance:   r.opts.Host,
	}, nil
}

// write drains the queue, then ends; enqueue starts another when events
// come again.
func (r *APIRecorder) write() {
	defer r.wg.Done()
	for {
		select {
		case ev := <-r.queue:
			if r.ctx.Err() != nil {
				r.mu.Lock()
				r.dropped++
				r.mu.Unlock()
				continue
			}
			r.record(ev)
			continue
		default:
		}
		r.mu.Lock()
		if len(r.queue) == 0 {
			r.running = false
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
	}
}

// record passes ev through the spam filter and the correlator and writes
// it: a new Event, or a patch of the stored one it repeats.
func (r *APIRecorder) record(ev *corev1.Event) {
	now := ev.LastTimestamp.Time
	if !r.filter.allow(spamKey(ev), now) {
		r.log.V(4).Info("spam filter dropped event", "object", ev.InvolvedObject.Name, "reason", ev.Reason)
		return
	}
	if !r.waitToWrite() {
		r.mu.Lock()
		r.dropped++ // closed while waiting
		r.mu.Unlock()
		return
	}
	key := eventKey(ev)
	if s, ok := r.seen.get(key); ok && now.Sub(s.last) <= r.opts.AggregationWindow {
		s.count++
		s.last = now
		if err := r.patch(s); err == nil {
			return
		} else if !client.IsNotFound(err) {
			r.log.Error(err, "update event", "namespace", s.namespace, "event", s.name, "reason", ev.Reason)
			return
		}
		// The stored Event is gone (expired or deleted): create it again
		// with the count so far.
		ev.Count = s.count
		ev.FirstTimestamp = metav1.NewTime(s.first)
	}
	created, err := r.create(ev)
	if err != nil {
		if r.ctx.Err() == nil {
			r.log.Error(err, "create event", "namespace", ev.Namespace, "object", ev.InvolvedObject.Name, "reason", ev.Reason)
		}
		return
	}
	r.seen.put(key, &seenEvent{namespace: created.Namespace, name: created.Name, count: created.Count,
		first: ev.FirstTimestamp.Time, last: now})
}

// waitToWrite waits until the write rate limit allows one more write,
// and reports false if the recorder closed first.
func (r *APIRecorder) waitToWrite() bool {
	if r.limit == nil {
		return true
	}
	d := r.limit.take(time.Now())
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.ctx.Done():
		return false
	}
}

// create creates ev named "<object>.<hex nanoseconds>", moving past names
// that are taken.
func (r *APIRecorder) create(ev *corev1.Event) (*corev1.Event, error) {
	nano := ev.LastTimestamp.UnixNano()
	for attempt := 0; ; attempt++ {
		// Names this recorder gave are unique even when the clock stands
		// still (a fake clock) or repeats.
		if nano <= r.lastNano {
			nano = r.lastNano + 1
		}
		r.lastNano = nano
		ev.Name = fmt.Sprintf("%s.%x", ev.InvolvedObject.Name, nano)
		out, err := r.events.Namespace(ev.Namespace).Create(r.ctx, ev, client.CreateOptions{})
		if err == nil || !client.IsAlreadyExists(err) || attempt >= 3 {
			return out, err
		}
	}
}

// patch raises the stored Event's count and lastTimestamp to s's.
func (r *APIRecorder) patch(s *seenEvent) error {
	data, err := json.Marshal(map[string]any{"count": s.count, "lastTimestamp": metav1.NewTime(s.last)})
	if err != nil {
		return err
	}
	_, err = r.events.Namespace(s.namespace).Patch(r.ctx, s.name, client.MergePatchType, data, client.PatchOptions{})
	return err
}

// eventKey identifies events that are the same: source, involved object,
// type, reason and message.
func eventKey(ev *corev1.Event) string {
	o := ev.InvolvedObject
	return strings.Join([]string{ev.Source.Component, ev.Source.Host, o.Kind, o.Namespace, o.Name, string(o.UID),
		o.APIVersion, o.FieldPath, ev.Type, ev.Reason, ev.Message}, "\x00")
}

// spamKey identifies the object (and source) a spam filter bucket is for.
func spamKey(ev *corev1.Event) string {
	o := ev.InvolvedObject
	return strings.Join([]string{ev.Source.Component, ev.Source.Host, o.Kind, o.Namespace, o.Name, string(o.UID),
		o.APIVersion}, "\x00")
}
