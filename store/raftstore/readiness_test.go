package raftstore

import "testing"

// TestReadinessIsPerTerm pins what lets a replica serve leader reads: a
// barrier committed in the current term. Readiness from an earlier term
// (leadership lost and won again before watchLeadership saw it) does not
// count, though its channel stays closed until cleared.
func TestReadinessIsPerTerm(t *testing.T) {
	var r readiness
	term, ch := r.state()
	if term != 0 || r.readyIn(0) || r.readyIn(3) {
		t.Fatalf("new readiness: term %d, ready in 0: %v, in 3: %v", term, r.readyIn(0), r.readyIn(3))
	}
	select {
	case <-ch:
		t.Fatal("the channel of a replica never ready is closed")
	default:
	}
	r.set(3)
	select {
	case <-ch:
	default:
		t.Fatal("set did not close the channel a waiter holds")
	}
	if !r.readyIn(3) {
		t.Error("not ready in the term of its barrier")
	}
	if r.readyIn(5) {
		t.Error("ready in a later term on the strength of an earlier term's barrier")
	}
	r.set(3) // a second set in the same state must not close the channel twice
	r.clear()
	term, ch = r.state()
	if term != 0 || r.readyIn(3) {
		t.Errorf("after clear: term %d, ready in 3: %v", term, r.readyIn(3))
	}
	select {
	case <-ch:
		t.Fatal("clear left a closed channel")
	default:
	}
	r.clear() // clearing twice keeps the open channel
	if _, ch2 := r.state(); ch2 != ch {
		t.Error("a second clear replaced an open channel that waiters hold")
	}
	r.set(5)
	if !r.readyIn(5) || r.readyIn(3) {
		t.Errorf("after set(5): ready in 5: %v, in 3: %v", r.readyIn(5), r.readyIn(3))
	}
}
