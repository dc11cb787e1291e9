package etcd_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/etcd"
)

// Dial an etcd cluster, keep a Rigging cluster's keys under a prefix, and
// update a key with compare-and-swap. It has no Output because it needs a
// running etcd at the endpoint.
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := etcd.Dial(ctx, etcd.Config{
		Endpoints:   []string{"http://127.0.0.1:2379"},
		DialTimeout: 2 * time.Second,
	}, etcd.Options{Prefix: "/rigging/prod/"})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	created, err := s.Create(ctx, "configmaps/default/app", []byte(`{"v":1}`), store.PutOptions{})
	if errors.Is(err, store.ErrExists) {
		fmt.Println("already there")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	_, err = s.Update(ctx, "configmaps/default/app", []byte(`{"v":2}`),
		store.UpdateOptions{ExpectedModRevision: created.KV.ModRevision})
	var conflict *store.ConflictError
	if errors.As(err, &conflict) {
		fmt.Println("changed meanwhile at revision", conflict.Current.ModRevision)
	}
}
