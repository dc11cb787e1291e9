package mvcc

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/mvcc/mvccpb"
)

// record is one decoded record of the records bucket: a key at one
// revision, or its deletion.
type record struct {
	kv        store.KeyValue
	tombstone bool
	// prev is the revision of the key's previous live record, zero when
	// this record created the key.
	prev revision
}

// marshalRecord encodes r for the records bucket, in a new slice.
func marshalRecord(r *record) ([]byte, error) {
	return appendRecord(make([]byte, 0, recordSize(r)), r), nil
}

// Field numbers of mvccpb.Record that appendRecord writes besides those of
// the fast decoders below; they must match mvcc.proto
// (TestAppendRecordMatchesProto checks).
const (
	fieldValue          protowire.Number = 2
	fieldCreateRevision protowire.Number = 3
	fieldModRevision    protowire.Number = 4
	fieldVersion        protowire.Number = 5
	fieldPrevMain       protowire.Number = 8
	fieldPrevSub        protowire.Number = 9
)

// appendRecord appends r's encoding to b: byte for byte what proto.Marshal
// writes for the mvccpb.Record of r (fields in number order, proto3's zero
// values left out), without building the message or copying the value
// more than once. recordSize(r) is its length.
func appendRecord(b []byte, r *record) []byte {
	b = appendBytesField(b, fieldKey, r.kv.Key)
	b = appendBytesField(b, fieldValue, r.kv.Value)
	b = appendVarintField(b, fieldCreateRevision, uint64(r.kv.CreateRevision))
	b = appendVarintField(b, fieldModRevision, uint64(r.kv.ModRevision))
	b = appendVarintField(b, fieldVersion, uint64(r.kv.Version))
	b = appendVarintField(b, fieldLease, uint64(r.kv.Lease))
	if r.tombstone {
		b = appendVarintField(b, fieldTombstone, 1)
	}
	b = appendVarintField(b, fieldPrevMain, uint64(r.prev.main))
	return appendVarintField(b, fieldPrevSub, uint64(r.prev.sub))
}

// recordSize returns the length of r's encoding.
func recordSize(r *record) int {
	n := bytesFieldSize(fieldKey, len(r.kv.Key)) + bytesFieldSize(fieldValue, len(r.kv.Value))
	for _, v := range [...]int64{r.kv.CreateRevision, r.kv.ModRevision, r.kv.Version, int64(r.kv.Lease), r.prev.main, r.prev.sub} {
		if v != 0 {
			n += 1 + protowire.SizeVarint(uint64(v))
		}
	}
	if r.tombstone {
		n += 2
	}
	return n
}

// appendBytesField appends a length-delimited field unless v is empty.
func appendBytesField[T string | []byte](b []byte, num protowire.Number, v T) []byte {
	if len(v) == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(len(v)))
	return append(b, v...)
}

// bytesFieldSize is the length of a length-delimited field of n bytes as
// appendBytesField writes it (the field numbers used fit a one-byte tag).
func bytesFieldSize(num protowire.Number, n int) int {
	if n == 0 {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeVarint(uint64(n)) + n
}

// appendVarintField appends a varint field unless v is zero.
func appendVarintField(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// unmarshalRecord decodes a value of the records bucket. The result owns
// its memory: data (which bbolt maps from the file) may be released after.
func unmarshalRecord(data []byte) (record, error) {
	var m mvccpb.Record
	if err := proto.Unmarshal(data, &m); err != nil {
		return record{}, fmt.Errorf("mvcc: decode record: %w", err)
	}
	if len(m.Key) == 0 {
		return record{}, fmt.Errorf("mvcc: decode record: empty key")
	}
	r := record{
		kv: store.KeyValue{
			Key:            string(m.Key),
			CreateRevision: m.CreateRevision,
			ModRevision:    m.ModRevision,
			Version:        m.Version,
			Lease:          store.LeaseID(m.Lease),
		},
		tombstone: m.Tombstone,
		prev:      revision{main: m.PrevMain, sub: m.PrevSub},
	}
	if !m.Tombstone {
		r.kv.Value = m.Value
		if r.kv.Value == nil {
			// A live key's value is never nil: nil marks a deletion.
			r.kv.Value = []byte{}
		}
	}
	return r, nil
}

// recordHeader is the part of a record that the index and the lease table
// need, read without copying the value.
type recordHeader struct {
	key       []byte // aliases the input
	lease     store.LeaseID
	tombstone bool
}

// Field numbers of mvccpb.Record, for the fast decoders below; they must
// match mvcc.proto (TestRecordHeaderMatchesProto checks).
const (
	fieldKey       protowire.Number = 1
	fieldLease     protowire.Number = 6
	fieldTombstone protowire.Number = 7
)

// parseRecordHeader reads the key, lease and tombstone flag of an encoded
// record. It is what rebuilding the index and filtering watch catch-up scans
// by key cost: no allocation, no value copy.
func parseRecordHeader(data []byte) (recordHeader, error) {
	var h recordHeader
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return h, fmt.Errorf("mvcc: decode record: %w", protowire.ParseError(n))
		}
		data = data[n:]
		switch {
		case num == fieldKey && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(data)
			if n < 0 {
				return h, fmt.Errorf("mvcc: decode record key: %w", protowire.ParseError(n))
			}
			h.key = v
			data = data[n:]
		case num == fieldLease && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(data)
			if n < 0 {
				return h, fmt.Errorf("mvcc: decode record lease: %w", protowire.ParseError(n))
			}
			h.lease = store.LeaseID(int64(v))
			data = data[n:]
		case num == fieldTombstone && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(data)
			if n < 0 {
				return h, fmt.Errorf("mvcc: decode record tombstone: %w", protowire.ParseError(n))
			}
			h.tombstone = v != 0
			data = data[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, data)
			if n < 0 {
				return h, fmt.Errorf("mvcc: decode record field %d: %w", num, protowire.ParseError(n))
			}
			data = data[n:]
		}
	}
	if len(h.key) == 0 {
		return h, fmt.Errorf("mvcc: decode record: empty key")
	}
	return h, nil
}

// marshalLease encodes a lease for the leases bucket.
func marshalLease(id store.LeaseID, ttlSeconds int64) ([]byte, error) {
	b, err := proto.Marshal(&mvccpb.Lease{Id: int64(id), TtlSeconds: ttlSeconds})
	if err != nil {
		return nil, fmt.Errorf("mvcc: encode lease %d: %w", id, err)
	}
	return b, nil
}

// unmarshalLease decodes a value of the leases bucket.
func unmarshalLease(data []byte) (*mvccpb.Lease, error) {
	var m mvccpb.Lease
	if err := proto.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("mvcc: decode lease: %w", err)
	}
	return &m, nil
}
