package mvcc_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/mvcc"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "mvcc-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	s, err := mvcc.Open(ctx, mvcc.Options{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	// Watch every key under /registry/pods/ from the next write on.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := s.Watch(wctx, "/registry/pods/", store.WatchOptions{})
	if err != nil {
		log.Fatal(err)
	}

	w, err := s.Create(ctx, "/registry/pods/default/web", []byte(`{"kind":"Pod"}`), store.PutOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created at revision", w.Revision)

	g, err := s.Get(ctx, "/registry/pods/default/web", store.ReadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("get: %s version %d\n", g.KV.Value, g.KV.Version)

	resp := <-events
	for _, ev := range resp.Events {
		fmt.Println("watch:", ev.Type, ev.KV.Key, ev.KV.ModRevision, ev.IsCreate())
	}
	// Output:
	// created at revision 1
	// get: {"kind":"Pod"} version 1
	// watch: PUT /registry/pods/default/web 1 true
}
