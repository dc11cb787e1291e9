package etcd

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/rigging-dev/rigging/store"
)

// TestTranslate checks the translation of etcd's watch responses, with no
// server: a watch under prefix "/p/" that asked for progress notifications
// and has delivered up to revision 10.
func TestTranslate(t *testing.T) {
	hdr := func(rev int64) *pb.ResponseHeader { return &pb.ResponseHeader{Revision: rev} }
	put := &clientv3.Event{Type: mvccpb.PUT,
		Kv:     &mvccpb.KeyValue{Key: []byte("/p/a"), Value: []byte("2"), CreateRevision: 5, ModRevision: 11, Version: 2, Lease: 7},
		PrevKv: &mvccpb.KeyValue{Key: []byte("/p/a"), Value: []byte("1"), CreateRevision: 5, ModRevision: 5, Version: 1}}
	del := &clientv3.Event{Type: mvccpb.DELETE,
		Kv:     &mvccpb.KeyValue{Key: []byte("/p/b"), ModRevision: 12},
		PrevKv: &mvccpb.KeyValue{Key: []byte("/p/b"), Value: []byte("x"), CreateRevision: 3, ModRevision: 3, Version: 1}}
	tests := []struct {
		name        string
		progress    bool
		resp        clientv3.WatchResponse
		want        store.WatchResponse
		send, final bool
	}{{
		name: "events",
		resp: clientv3.WatchResponse{Header: hdr(12), Events: []*clientv3.Event{put, del}},
		want: store.WatchResponse{Revision: 12, Events: []store.Event{
			{Type: store.EventPut,
				KV:     store.KeyValue{Key: "a", Value: []byte("2"), CreateRevision: 5, ModRevision: 11, Version: 2, Lease: 7},
				PrevKV: &store.KeyValue{Key: "a", Value: []byte("1"), CreateRevision: 5, ModRevision: 5, Version: 1}},
			{Type: store.EventDelete,
				KV:     store.KeyValue{Key: "b", ModRevision: 12},
				PrevKV: &store.KeyValue{Key: "b", Value: []byte("x"), CreateRevision: 3, ModRevision: 3, Version: 1}},
		}},
		send: true,
	}, {
		name:     "progress notification",
		progress: true,
		resp:     clientv3.WatchResponse{Header: hdr(15)},
		want:     store.WatchResponse{Revision: 15},
		send:     true,
	}, {
		name: "progress notification not asked for",
		resp: clientv3.WatchResponse{Header: hdr(15)},
	}, {
		name:     "progress notification going backwards",
		progress: true,
		resp:     clientv3.WatchResponse{Header: hdr(9)},
	}, {
		name:     "created notification",
		progress: true,
		resp:     clientv3.WatchResponse{Header: hdr(15), Created: true},
	}, {
		name: "compaction",
		resp: clientv3.WatchResponse{Header: hdr(30), CompactRevision: 20, Canceled: true},
		want: store.WatchResponse{Revision: 30, CompactRevision: 20,
			Err: &store.CompactedError{Requested: 11, Compacted: 20}},
		send: true, final: true,
	}}
	s := &Store{prefix: "/p/", done: make(chan struct{})}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := &watch{s: s, what: "watch", progress: tc.progress, next: 11, reported: 10}
			got, send, final := w.translate(tc.resp)
			if send != tc.send || final != tc.final {
				t.Errorf("send, final = %v, %v; want %v, %v", send, final, tc.send, tc.final)
			}
			var ce *store.CompactedError
			if tc.want.Err != nil {
				if !errors.As(got.Err, &ce) || !errors.Is(got.Err, store.ErrCompacted) {
					t.Fatalf("Err = %v, want a *store.CompactedError", got.Err)
				}
				got.Err = ce
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestWatchEndsOnClose(t *testing.T) {
	s := newTestStore(t, nil, Options{})
	ch, err := s.Watch(t.Context(), "", store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var errs []error
	for r := range ch {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	if len(errs) != 1 || !errors.Is(errs[0], store.ErrClosed) {
		t.Fatalf("watch after Close ended with %v, want one ErrClosed", errs)
	}
}

func TestWatchEndsOnCancel(t *testing.T) {
	s := newTestStore(t, nil, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	ch, err := s.Watch(ctx, "", store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	for r := range ch {
		if r.Err != nil {
			t.Errorf("cancelled watch sent %v", r.Err)
		}
	}
}

// TestWatchFromNow checks that a write that starts after Watch returns is
// delivered, and one before is not.
func TestWatchFromNow(t *testing.T) {
	s := newTestStore(t, nil, Options{})
	ctx := t.Context()
	if _, err := s.Put(ctx, "before", nil, store.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	ch, err := s.Watch(ctx, "", store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.Put(ctx, "after", []byte("v"), store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := recv(t, ch)
	want := store.WatchResponse{Revision: w.Revision, Events: []store.Event{{Type: store.EventPut, KV: w.KV}}}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestRequestedProgress checks Options.ProgressInterval on a server whose
// own progress interval (10 minutes) is far beyond the test: only the
// Store's requests can produce the notification.
func TestRequestedProgress(t *testing.T) {
	srv := freshEtcd(t, "--experimental-watch-progress-notify-interval", "10m")
	s := newTestStore(t, srv, Options{ProgressInterval: 50 * time.Millisecond})
	ctx := t.Context()
	w, err := s.Put(ctx, "other", []byte("v"), store.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := s.Watch(ctx, "idle/", store.WatchOptions{ProgressNotify: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := recv(t, ch); !r.IsProgressNotify() || r.Revision != w.Revision {
		t.Fatalf("got %+v, want a progress notification at revision %d", r, w.Revision)
	}
}

// TestWatchWithoutPrefix runs a Store with no Options.Prefix: a watch of
// every key sees keys of any first byte.
func TestWatchWithoutPrefix(t *testing.T) {
	srv := freshEtcd(t)
	s, err := New(srv.client, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	ch, err := s.Watch(ctx, "", store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var want []store.Event
	for _, k := range []string{"\x00", "a", "\xff\xff"} {
		w, err := s.Put(ctx, k, []byte("v"), store.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, store.Event{Type: store.EventPut, KV: w.KV})
	}
	var got []store.Event
	for len(got) < len(want) {
		r := recv(t, ch)
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		got = append(got, r.Events...)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	list, err := s.List(ctx, "", store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.KVs) != 3 || list.KVs[0].Key != "\x00" || list.KVs[2].Key != "\xff\xff" {
		t.Errorf("List of every key = %+v, want the three keys", list.KVs)
	}
}
