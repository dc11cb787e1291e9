package protobuf_test

import (
	"bytes"
	"testing"

	"github.com/rigging-dev/rigging/api/protobuf"
)

// FuzzUnmarshal decodes arbitrary bytes as every kind of the corpus: it
// must never panic, and whatever decodes must encode again and decode to
// the same encoding.
func FuzzUnmarshal(f *testing.F) {
	type kind struct{ apiVersion, kind string }
	var kinds []kind
	seen := map[kind]bool{}
	for _, m := range corpus(f) {
		b, err := protobuf.Marshal(decodeJSON(f, m))
		if err != nil {
			f.Fatalf("%s: Marshal: %v", m.name, err)
		}
		f.Add(b)
		f.Add(protobuf.EncodeEnvelope(m.apiVersion, m.kind, b))
		if k := (kind{m.apiVersion, m.kind}); !seen[k] {
			seen[k] = true
			kinds = append(kinds, k)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, _, raw, err := protobuf.DecodeEnvelope(data); err == nil {
			data = raw
		}
		for _, k := range kinds {
			obj, _ := protobuf.New(k.apiVersion, k.kind)
			if err := protobuf.Unmarshal(data, obj); err != nil {
				continue
			}
			b, err := protobuf.Marshal(obj)
			if err != nil {
				t.Fatalf("%s: Marshal of a decoded object: %v", k.kind, err)
			}
			again, _ := protobuf.New(k.apiVersion, k.kind)
			if err := protobuf.Unmarshal(b, again); err != nil {
				t.Fatalf("%s: Unmarshal of an encoding of ours: %v", k.kind, err)
			}
			b2, err := protobuf.Marshal(again)
			if err != nil {
				t.Fatalf("%s: Marshal again: %v", k.kind, err)
			}
			if !bytes.Equal(b, b2) {
				t.Fatalf("%s: encoding is not stable through a decode:\n%x\n%x", k.kind, b, b2)
			}
		}
	})
}
