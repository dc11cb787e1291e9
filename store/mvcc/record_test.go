package mvcc

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/store"
)

func TestRecordRoundTrip(t *testing.T) {
	tests := []record{
		{kv: store.KeyValue{Key: "a", Value: []byte("v"), CreateRevision: 1, ModRevision: 1, Version: 1}},
		{kv: store.KeyValue{Key: "a\xff\x00b", Value: []byte{}, CreateRevision: 3, ModRevision: 9, Version: 4, Lease: 77}, prev: revision{main: 8, sub: 2}},
		{kv: store.KeyValue{Key: "gone", ModRevision: 12}, tombstone: true, prev: revision{main: 11}},
	}
	for _, rec := range tests {
		data, err := marshalRecord(&rec)
		if err != nil {
			t.Fatalf("marshal %+v: %v", rec, err)
		}
		got, err := unmarshalRecord(data)
		if err != nil {
			t.Fatalf("unmarshal %+v: %v", rec, err)
		}
		if d := cmp.Diff(rec, got, cmp.AllowUnexported(record{}, revision{})); d != "" {
			t.Errorf("round trip (-want +got):\n%s", d)
		}
		// The fast header parser agrees with the generated decoder.
		h, err := parseRecordHeader(data)
		if err != nil {
			t.Fatalf("parseRecordHeader %+v: %v", rec, err)
		}
		if string(h.key) != rec.kv.Key || h.lease != rec.kv.Lease || h.tombstone != rec.tombstone {
			t.Errorf("header %q lease %d tombstone %v, want %q %d %v", h.key, h.lease, h.tombstone, rec.kv.Key, rec.kv.Lease, rec.tombstone)
		}
	}
}

func TestRecordDecodeErrors(t *testing.T) {
	for _, data := range [][]byte{{0x0a}, {0x0a, 0x05, 'a'}, {0xff}, {}} {
		if _, err := unmarshalRecord(data); err == nil {
			t.Errorf("unmarshalRecord(%x): no error", data)
		}
		if _, err := parseRecordHeader(data); err == nil {
			t.Errorf("parseRecordHeader(%x): no error", data)
		}
	}
}

// FuzzRecordDecoders checks that neither decoder panics on any input and
// that they agree on what they both accept.
func FuzzRecordDecoders(f *testing.F) {
	for _, rec := range []record{
		{kv: store.KeyValue{Key: "k", Value: []byte("v"), CreateRevision: 1, ModRevision: 2, Version: 2, Lease: 5}},
		{kv: store.KeyValue{Key: "k", ModRevision: 3}, tombstone: true, prev: revision{main: 2}},
	} {
		data, err := marshalRecord(&rec)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err1 := unmarshalRecord(data)
		h, err2 := parseRecordHeader(data)
		if err1 != nil || err2 != nil {
			return
		}
		if string(h.key) != rec.kv.Key || h.lease != rec.kv.Lease || h.tombstone != rec.tombstone {
			t.Fatalf("decoders disagree on %x: header %q/%d/%v, record %q/%d/%v", data, h.key, h.lease, h.tombstone, rec.kv.Key, rec.kv.Lease, rec.tombstone)
		}
	})
}
