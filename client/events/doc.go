// Package events records Kubernetes Events (core/v1 Event objects) about API
// objects, as client-go's record package does, for the components that
// `kubectl describe` reports on: the kubelet, the scheduler and the
// controllers.
//
// # Where to start
//
// Make an APIRecorder with New on a client and a source (the component's
// name and its host), then call it from any goroutine:
//
//	rec, err := events.New(c, events.Options{Component: "kubelet", Host: nodeName})
//	go rec.Run(ctx) // or defer rec.Close()
//	rec.Eventf(pod, corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container %s", name)
//
// Event and Eventf never block and never fail: they build the Event and put
// it on a bounded queue (Options.QueueSize, 1000), dropping and counting it
// (Dropped) when the queue is full. A writer goroutine owned by the
// APIRecorder takes events off the queue and writes them; it runs only
// while there are events to write, and Close (or the end of Run's context)
// stops it and waits for it.
//
// The writer behaves like client-go's event correlator:
//
//   - a per-object spam filter, a token bucket per source and involved
//     object with Kubernetes' defaults (a burst of 25, refilled one token
//     per 5 minutes), drops the events an object's bucket has no token for;
//   - an event identical to one written within Options.AggregationWindow
//     (10 minutes) — same involved object, type, reason, message and source
//     — raises count and lastTimestamp of the stored Event (a merge patch)
//     instead of creating another;
//   - a new Event is named "<object name>.<hex nanoseconds>" as Kubernetes
//     names them, and lives in the object's namespace, or in "default" for
//     cluster-scoped objects (nodes).
//
// Components that take a Recorder (the interface) accept the APIRecorder or
// a FakeRecorder, which keeps what it is given in memory for tests.
//
// The API server does not expire events by itself: Kubernetes' API server
// deletes them after an hour (--event-ttl) through store leases, which
// Rigging's apiserver does not do yet.
package events
