package raftstore

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/store"
)

// TestRestoreWithSnapshotOpen installs a snapshot while a snapshot view of
// the engine is still open, as raft's snapshot goroutine holds one while
// it waits for raft's main loop, which waits for the restore: Restore
// must not wait for the view to be released.
func TestRestoreWithSnapshotOpen(t *testing.T) {
	ctx := testCtx(t)
	c := newCluster(t, 1)
	s := c.nodes[0]
	if _, err := s.Put(ctx, "before", []byte("1"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	var image bytes.Buffer
	v, err := s.Engine().BeginSnapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := v.WriteTo(ctx, &image); err != nil {
		t.Fatal(err)
	}
	v.Release()
	if _, err := s.Put(ctx, "after", []byte("2"), store.PutOptions{}); err != nil {
		t.Fatal(err)
	}

	held, err := s.fsm.Snapshot() // what raft's snapshot goroutine holds
	if err != nil {
		t.Fatal(err)
	}
	// Released before the replicas close even if the test fails (cleanups
	// run last in, first out): the retired engine's close waits for it.
	t.Cleanup(held.Release)
	// Restore is called here beside raft's own FSM goroutine, with an
	// image older than what was applied: the engine is what is checked
	// (the fsm's applied index never moves back, and the store closes
	// right after).
	done := make(chan error, 1)
	go func() { done <- s.fsm.Restore(io.NopCloser(&image)) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Restore: %v", err)
		}
	case <-time.After(20 * time.Second):
		held.Release()
		t.Fatal("Restore waited for a snapshot view of the engine it replaces")
	}
	got, err := s.Engine().Get(ctx, "after", store.ReadOptions{})
	if err == nil {
		t.Errorf("Get(after) on the restored engine = %+v, want not found (the image predates it)", got)
	}
	if _, err := s.Engine().Get(ctx, "before", store.ReadOptions{}); err != nil {
		t.Errorf("Get(before) on the restored engine: %v", err)
	}
	held.Release()
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return after the view was released")
	}
}
