package raftstore_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/raftstore"
)

// Example starts a one-replica cluster (add replicas with AddVoter, on
// any member), writes a key and reads it back linearizably.
func Example() {
	dir, err := os.MkdirTemp("", "raftstore-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := raftstore.Open(ctx, raftstore.Config{ID: "r0", Dir: dir, BindAddr: "127.0.0.1:0", Bootstrap: true})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	// The write waits for the replica to elect itself, then for the
	// entry to be committed and applied.
	w, err := s.Put(ctx, "greeting", []byte("hello"), store.PutOptions{})
	if err != nil {
		log.Fatal(err)
	}
	g, err := s.Get(ctx, "greeting", store.ReadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	st, err := s.Cluster(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s at revision %d (written at %d); leader %s of %d member(s)\n", g.KV.Value, g.KV.ModRevision, w.Revision, st.LeaderID, len(st.Members))
	// Output: hello at revision 1 (written at 1); leader r0 of 1 member(s)
}
