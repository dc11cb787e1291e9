package kubelet

import "time"

// crashBackOff is Kubernetes' container restart back-off (flowcontrol's
// Backoff as the kubelet uses it), keyed by container name, on the
// kubelet's clock. It is used by one pod worker goroutine only.
//
// A container that must restart and has no entry restarts at once and gets
// an entry of CrashLoopBackOffInitial. A container that exits again waits
// until its exit plus the entry's delay (CrashLoopBackOff), then restarts
// and doubles the delay up to CrashLoopBackOffMax. An entry not renewed
// for CrashLoopBackOffReset (the container ran that long) starts over.
type crashBackOff struct {
	entries map[string]*backOffEntry
}

type backOffEntry struct {
	delay      time.Duration
	lastUpdate time.Time
}

func newCrashBackOff() *crashBackOff { return &crashBackOff{entries: map[string]*backOffEntry{}} }

// inBackOff reports whether a container that exited at exitedAt must still
// wait at now, and until when.
func (b *crashBackOff) inBackOff(name string, exitedAt, now time.Time) (bool, time.Time, time.Duration) {
	e, ok := b.entries[name]
	if !ok || now.Sub(e.lastUpdate) >= CrashLoopBackOffReset {
		return false, time.Time{}, 0
	}
	until := exitedAt.Add(e.delay)
	return now.Before(until), until, e.delay
}

// next records a restart at now and advances the delay.
func (b *crashBackOff) next(name string, now time.Time) {
	e, ok := b.entries[name]
	if !ok || now.Sub(e.lastUpdate) >= CrashLoopBackOffReset {
		b.entries[name] = &backOffEntry{delay: CrashLoopBackOffInitial, lastUpdate: now}
		return
	}
	e.delay = min(e.delay*2, CrashLoopBackOffMax)
	e.lastUpdate = now
}
