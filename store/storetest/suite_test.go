package storetest

import (
	"testing"
	"time"

	"github.com/rigging-dev/rigging/store"
)

func TestHistoryAt(t *testing.T) {
	var h history
	// Recorded out of order, as concurrent writers acknowledge them.
	h.put(store.WriteResponse{KV: kv("p/b", "1", 2, 2, 1)})
	h.put(store.WriteResponse{KV: kv("p/a", "1", 1, 1, 1)})
	h.del(store.WriteResponse{KV: deletion("p/a", 4)})
	h.put(store.WriteResponse{KV: kv("p/b", "2", 2, 3, 2)})
	h.put(store.WriteResponse{KV: kv("q", "1", 5, 5, 1)})
	h.put(store.WriteResponse{KV: kv("p/a", "2", 6, 6, 1)})
	tests := []struct {
		prefix string
		rev    int64
		want   []store.KeyValue
	}{
		{"p/", 0, nil},
		{"p/", 1, []store.KeyValue{kv("p/a", "1", 1, 1, 1)}},
		{"p/", 2, []store.KeyValue{kv("p/a", "1", 1, 1, 1), kv("p/b", "1", 2, 2, 1)}},
		{"p/", 3, []store.KeyValue{kv("p/a", "1", 1, 1, 1), kv("p/b", "2", 2, 3, 2)}},
		{"p/", 4, []store.KeyValue{kv("p/b", "2", 2, 3, 2)}},
		{"p/", 6, []store.KeyValue{kv("p/a", "2", 6, 6, 1), kv("p/b", "2", 2, 3, 2)}},
		{"", 5, []store.KeyValue{kv("p/b", "2", 2, 3, 2), kv("q", "1", 5, 5, 1)}},
		{"q", 4, nil},
	}
	for _, tt := range tests {
		if d := diff(tt.want, h.at(tt.prefix, tt.rev)); d != "" {
			t.Errorf("at(%q, %d) (-want +got):\n%s", tt.prefix, tt.rev, d)
		}
	}
}

func TestStreamCheck(t *testing.T) {
	put := func(rev int64) store.Event { return store.Event{Type: store.EventPut, KV: kv("k", "v", 1, rev, 1)} }
	tests := []struct {
		name    string
		resps   []store.WatchResponse
		wantErr bool
	}{
		{"in order", []store.WatchResponse{{Events: []store.Event{put(1), put(2)}, Revision: 2}, {Events: []store.Event{put(3)}, Revision: 3}}, false},
		{"shared revision across responses", []store.WatchResponse{{Events: []store.Event{put(2)}, Revision: 2}, {Events: []store.Event{put(2)}, Revision: 2}}, false},
		{"progress then later event", []store.WatchResponse{{Revision: 4}, {Events: []store.Event{put(5)}, Revision: 5}}, false},
		{"out of order", []store.WatchResponse{{Events: []store.Event{put(2), put(1)}, Revision: 2}}, true},
		{"event vouched for by progress", []store.WatchResponse{{Revision: 4}, {Events: []store.Event{put(4)}, Revision: 4}}, true},
		{"progress going back", []store.WatchResponse{{Events: []store.Event{put(3)}, Revision: 3}, {Revision: 2}}, true},
		{"response revision below its events", []store.WatchResponse{{Events: []store.Event{put(3)}, Revision: 2}}, true},
		{"zero mod revision", []store.WatchResponse{{Events: []store.Event{put(0)}, Revision: 1}}, true},
	}
	for _, tt := range tests {
		s := &stream{what: tt.name}
		var err error
		for _, r := range tt.resps {
			if err = s.check(r); err != nil {
				break
			}
		}
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: check error %v, want error %v", tt.name, err, tt.wantErr)
		}
	}
}

func TestStreamUntil(t *testing.T) {
	put := func(rev int64) store.Event { return store.Event{Type: store.EventPut, KV: kv("k", "v", 1, rev, 1)} }
	ch := make(chan store.WatchResponse, 4)
	ch <- store.WatchResponse{Events: []store.Event{put(1)}, Revision: 1}
	ch <- store.WatchResponse{Revision: 1}
	ch <- store.WatchResponse{Events: []store.Event{put(2), put(3)}, Revision: 3}
	ch <- store.WatchResponse{Err: store.ErrWatchTooSlow}
	s := &stream{ch: ch, what: "test"}
	got, err := s.until(2, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// The whole last response, with the event past revision 2.
	if d := diff([]store.Event{put(1), put(2), put(3)}, got); d != "" {
		t.Errorf("until(2) (-want +got):\n%s", d)
	}
	got, err = s.until(4, time.Second)
	if len(got) != 0 || checkErr(err, store.ErrWatchTooSlow, "until(4)") != nil {
		t.Errorf("until(4) = %v, %v; want no events and ErrWatchTooSlow", got, err)
	}
	close(ch)
	if _, err := s.until(5, time.Second); checkErr(err, errStreamClosed, "until(5)") != nil {
		t.Errorf("until(5) on a closed channel: %v", err)
	}
	idle := &stream{ch: make(chan store.WatchResponse), what: "idle"}
	if _, err := idle.until(1, 10*time.Millisecond); err == nil {
		t.Error("until on an idle stream returned no error")
	}
}

func TestOptionsWithDefaults(t *testing.T) {
	got, err := Options{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	want := Options{Limits: store.DefaultLimits(), ProgressTimeout: DefaultProgressTimeout}
	if d := diff(want, got); d != "" {
		t.Errorf("zero Options (-want +got):\n%s", d)
	}
	for _, bad := range []Options{{ProgressTimeout: -1}, {Limits: store.Limits{MaxKeySize: -1}}} {
		if _, err := bad.withDefaults(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name      string
		want, got any
		equal     bool
	}{
		{"nil and empty value", store.KeyValue{Key: "k"}, store.KeyValue{Key: "k", Value: []byte{}}, true},
		{"different values", kv("k", "a", 1, 1, 1), kv("k", "b", 1, 1, 1), false},
		{"nil and empty list", []store.KeyValue(nil), []store.KeyValue{}, true},
		{"nil and empty events", store.WatchResponse{}, store.WatchResponse{Events: []store.Event{}}, true},
		{"different lists", []store.KeyValue{kv("a", "", 1, 1, 1)}, []store.KeyValue{}, false},
		{"nil and empty strings", []string(nil), []string{}, true},
	}
	for _, tt := range tests {
		if got := diff(tt.want, tt.got) == ""; got != tt.equal {
			t.Errorf("%s: equal = %v, want %v", tt.name, got, tt.equal)
		}
	}
}
