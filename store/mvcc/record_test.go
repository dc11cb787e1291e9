package mvcc

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/mvcc/mvccpb"
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

// TestAppendRecordMatchesProto checks appendRecord against proto.Marshal
// of the same mvccpb.Record, byte for byte, and recordSize against the
// result's length: zero values, negative and extreme numbers, empty and
// large values, tombstones.
func TestAppendRecordMatchesProto(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 70000) // a three-byte length
	recs := []record{
		{},
		{kv: store.KeyValue{Key: "a", Value: []byte("v"), CreateRevision: 1, ModRevision: 1, Version: 1}},
		{kv: store.KeyValue{Key: "a\xff\x00b", Value: []byte{}, CreateRevision: 3, ModRevision: 9, Version: 4, Lease: 77}, prev: revision{main: 8, sub: 2}},
		{kv: store.KeyValue{Key: "gone", ModRevision: 12}, tombstone: true, prev: revision{main: 11}},
		{kv: store.KeyValue{Key: "k", Value: big, CreateRevision: math.MaxInt64, ModRevision: math.MaxInt64, Version: 1 << 40, Lease: -1}, prev: revision{main: -5, sub: math.MinInt64}},
		{kv: store.KeyValue{Key: string(big[:200]), Value: big[:127]}, prev: revision{sub: 128}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := func() int64 { return rng.Int64N(1<<uint(rng.IntN(63))+1) - rng.Int64N(2) }
		recs = append(recs, record{
			kv: store.KeyValue{Key: string(big[:rng.IntN(300)]), Value: big[:rng.IntN(3000)],
				CreateRevision: n(), ModRevision: n(), Version: n(), Lease: store.LeaseID(n())},
			tombstone: rng.IntN(2) == 0, prev: revision{main: n(), sub: n()},
		})
	}
	for i, r := range recs {
		want, err := proto.Marshal(&mvccpb.Record{
			Key: []byte(r.kv.Key), Value: r.kv.Value, CreateRevision: r.kv.CreateRevision, ModRevision: r.kv.ModRevision,
			Version: r.kv.Version, Lease: int64(r.kv.Lease), Tombstone: r.tombstone, PrevMain: r.prev.main, PrevSub: r.prev.sub,
		})
		if err != nil {
			t.Fatal(err)
		}
		prefix := []byte("prefix")
		got := appendRecord(prefix, &r)
		if !bytes.Equal(got[:len(prefix)], []byte("prefix")) || !bytes.Equal(got[len(prefix):], want) {
			t.Fatalf("record %d: appendRecord = %x, want prefix + %x", i, got, want)
		}
		if n := recordSize(&r); n != len(want) {
			t.Errorf("record %d: recordSize = %d, want %d", i, n, len(want))
		}
		if m, _ := marshalRecord(&r); !bytes.Equal(m, want) {
			t.Errorf("record %d: marshalRecord = %x, want %x", i, m, want)
		}
	}
}
