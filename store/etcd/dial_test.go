package etcd

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/store"
)

func TestDial(t *testing.T) {
	needEtcd(t)
	ctx := t.Context()
	s, err := Dial(ctx, Config{Endpoints: []string{shared.endpoint}}, Options{Prefix: "/dial/"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Put(ctx, "k", []byte("v"), store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := shared.client.Get(ctx, "/dial/k")
	if err != nil || len(raw.Kvs) != 1 || raw.Kvs[0].ModRevision != w.Revision {
		t.Fatalf("raw etcd get of /dial/k = %v, %v; want the put at revision %d", raw, err, w.Revision)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close closed the client Dial made, which cancels its context.
	if s.Client().Ctx().Err() == nil {
		t.Error("the dialled client is still open after Close")
	}
}

func TestDialFails(t *testing.T) {
	ports, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	nobody := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	tests := []struct {
		name    string
		cfg     Config
		opts    Options
		wantErr error
	}{
		{"no endpoints", Config{}, Options{}, store.ErrInvalid},
		{"negative timeout", Config{Endpoints: []string{nobody}, DialTimeout: -1}, Options{}, store.ErrInvalid},
		{"bad options", Config{Endpoints: []string{nobody}}, Options{ProgressInterval: -1}, store.ErrInvalid},
		{"nobody listening", Config{Endpoints: []string{nobody}, DialTimeout: 300 * time.Millisecond}, Options{}, context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Dial(t.Context(), tc.cfg, tc.opts)
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if s != nil {
				s.Close()
				t.Error("Dial returned a Store with its error")
			}
		})
	}
}
