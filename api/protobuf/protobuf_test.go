package protobuf_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/protobuf"
)

// setTypeMeta copies the TypeMeta of from into to: the message does not
// carry it (the envelope does).
func setTypeMeta(to, from any) {
	f := reflect.ValueOf(from).Elem().FieldByName("TypeMeta")
	reflect.ValueOf(to).Elem().FieldByName("TypeMeta").Set(f)
}

// TestRoundTripCorpus encodes every manifest of api/testdata and decodes it
// again: the object must come back equal, and encoding is deterministic.
func TestRoundTripCorpus(t *testing.T) {
	for _, m := range corpus(t) {
		t.Run(m.name, func(t *testing.T) {
			obj := decodeJSON(t, m)
			b, err := protobuf.Marshal(obj)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			again, err := protobuf.Marshal(obj)
			if err != nil || string(again) != string(b) {
				t.Fatalf("Marshal is not deterministic (err %v)", err)
			}
			got, _ := protobuf.New(m.apiVersion, m.kind)
			if err := protobuf.Unmarshal(b, got); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			setTypeMeta(got, obj)
			if diff := cmp.Diff(obj, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("round trip changed the object (-want +got):\n%s", diff)
			}
			wantJSON, _ := json.Marshal(obj)
			gotJSON, _ := json.Marshal(got)
			if diff := cmp.Diff(jsonForm(t, wantJSON), jsonForm(t, gotJSON)); diff != "" {
				t.Errorf("round trip changed the JSON form (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEnvelope checks the envelope's exact bytes and its round trip.
func TestEnvelope(t *testing.T) {
	raw := []byte{0x0a, 0x00}
	b := protobuf.EncodeEnvelope("v1", "Pod", raw)
	want := []byte("k8s\x00" +
		"\x0a\x09" + "\x0a\x02v1" + "\x12\x03Pod" +
		"\x12\x02\x0a\x00" +
		"\x1a\x00" + "\x22\x00")
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("EncodeEnvelope (-want +got):\n%s", diff)
	}
	av, kind, gotRaw, err := protobuf.DecodeEnvelope(b)
	if err != nil {
		t.Fatalf("DecodeEnvelope: %v", err)
	}
	if diff := cmp.Diff([]any{"v1", "Pod", raw}, []any{av, kind, gotRaw}); diff != "" {
		t.Errorf("DecodeEnvelope (-want +got):\n%s", diff)
	}
}

// TestDecodeErrors feeds malformed input: each must fail with ErrMalformed.
func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		name string
		data string
	}{
		{"truncated varint", "\x08"},
		{"field zero", "\x00\x01"},
		{"length past the end", "\x0a\x05ab"},
		{"group wire type", "\x0b"},
		{"string field as varint", "\x0a\x0a\x08\x01"}, // metadata{name as varint}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := protobuf.Unmarshal([]byte(tc.data), &corev1.Pod{})
			if !errors.Is(err, protobuf.ErrMalformed) {
				t.Errorf("Unmarshal(%q) = %v, want an error wrapping ErrMalformed", tc.data, err)
			}
		})
	}
	// resources.limits{cpu: "x!z"}: not a quantity.
	badQuantity := "\x0a\x0c\x0a\x03cpu\x12\x05\x0a\x03x!z"
	if err := protobuf.Unmarshal([]byte(badQuantity), &corev1.ResourceRequirements{}); !errors.Is(err, protobuf.ErrMalformed) {
		t.Errorf("Unmarshal of a bad quantity = %v, want an error wrapping ErrMalformed", err)
	}
	for _, data := range []string{"", "k8s", "k9s\x00", "k8s\x00\x0a\x05ab", "k8s\x00\x1a\x04gzip"} {
		if _, _, _, err := protobuf.DecodeEnvelope([]byte(data)); !errors.Is(err, protobuf.ErrMalformed) {
			t.Errorf("DecodeEnvelope(%q) = %v, want an error wrapping ErrMalformed", data, err)
		}
	}
}

// TestUnknownFieldsSkipped decodes a message with fields the table does not
// know, of every wire type.
func TestUnknownFieldsSkipped(t *testing.T) {
	var b []byte
	b = append(b, 0xf8, 0x07, 0x01) // field 127 varint
	b = append(b, 0xf9, 0x07, 1, 2, 3, 4, 5, 6, 7, 8)
	b = append(b, 0xfd, 0x07, 1, 2, 3, 4)
	b = append(b, 0xfa, 0x07, 0x02, 'h', 'i')
	meta, err := protobuf.Marshal(&metav1.ObjectMeta{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, 0x0a, byte(len(meta)))
	b = append(b, meta...)
	var got corev1.Pod
	if err := protobuf.Unmarshal(b, &got); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if diff := cmp.Diff(corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// jsonForm decodes JSON and drops nulls and empty lists and maps, which
// protobuf (as Kubernetes' own encoding) does not tell apart.
func jsonForm(tb testing.TB, b []byte) any {
	tb.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("decode JSON: %v", err)
	}
	return pruneEmpty(v)
}

func pruneEmpty(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			e = pruneEmpty(e)
			if e == nil {
				delete(v, k)
			} else {
				v[k] = e
			}
		}
		if len(v) == 0 {
			return nil
		}
	case []any:
		for i, e := range v {
			v[i] = pruneEmpty(e)
		}
		if len(v) == 0 {
			return nil
		}
	}
	return v
}
