package etcd

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/store"
)

func TestContinueRoundTrip(t *testing.T) {
	tests := []continueToken{
		{Revision: 1, Prefix: "", Next: "a\x00", Seen: 1},
		{Revision: 42, Prefix: "pods/", Next: "pods/default/x\x00", Seen: 500},
		{Revision: 1<<63 - 1, Prefix: "\xff\x00", Next: "\xff\x00\xff\xfe", Seen: 1<<63 - 1},
		{Revision: 7, Prefix: strings.Repeat("p", 3072), Next: strings.Repeat("p", 3073), Seen: 3},
	}
	for _, want := range tests {
		enc := encodeContinue(want)
		got, err := decodeContinue(enc)
		if err != nil {
			t.Fatalf("decode(encode(%+v)): %v", want, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
}

func TestContinueRejects(t *testing.T) {
	raw := func(b ...byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	valid := encodeContinue(continueToken{Revision: 5, Prefix: "a/", Next: "a/b\x00", Seen: 2})
	tests := []struct {
		name, token string
	}{
		{"not base64", "%%%"},
		{"padded base64", base64.URLEncoding.EncodeToString([]byte{1, 5, 2, 0, 1, 'a', 0})},
		{"json", base64.RawURLEncoding.EncodeToString([]byte(`{"x":1}`))},
		{"empty after decoding", raw()},
		{"version 2", raw(2, 5, 2, 0, 1, 'a')},
		{"revision 0", raw(1, 0, 2, 0, 1, 'a')},
		{"seen 0", raw(1, 5, 0, 0, 1, 'a')},
		{"truncated varint", raw(1, 0x80)},
		{"revision over int64", raw(1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 2, 0, 1, 'a')},
		{"prefix longer than the token", raw(1, 5, 2, 9, 'a')},
		{"missing next", raw(1, 5, 2, 0)},
		{"empty next", raw(1, 5, 2, 0, 0)},
		{"next outside the prefix", raw(1, 5, 2, 2, 'a', '/', 1, 'b')},
		{"trailing bytes", valid + "AA"},
		{"too long", strings.Repeat("A", maxContinueLen+1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decodeContinue(tc.token); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("decodeContinue(%q) err = %v, want ErrInvalid", tc.token, err)
			}
		})
	}
}

// FuzzDecodeContinue checks that any input either fails with ErrInvalid or
// decodes to a valid token whose encoding decodes to the same token. (An
// input may be a non-canonical spelling, such as an overlong varint, of
// the token; that is harmless.)
func FuzzDecodeContinue(f *testing.F) {
	f.Add(encodeContinue(continueToken{Revision: 5, Prefix: "a/", Next: "a/b\x00", Seen: 2}))
	f.Add(encodeContinue(continueToken{Revision: 1, Next: "\x00", Seen: 1}))
	f.Add("")
	f.Add("AQUCAAFh")
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := decodeContinue(s)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("decodeContinue(%q) = %v, not ErrInvalid", s, err)
			}
			return
		}
		if tok.Revision <= 0 || tok.Seen <= 0 || !strings.HasPrefix(tok.Next, tok.Prefix) || tok.Next == "" {
			t.Fatalf("decodeContinue(%q) accepted an invalid token %+v", s, tok)
		}
		again, err := decodeContinue(encodeContinue(tok))
		if err != nil {
			t.Fatalf("decodeContinue(%q) = %+v, whose encoding does not decode: %v", s, tok, err)
		}
		if diff := cmp.Diff(tok, again); diff != "" {
			t.Fatalf("decodeContinue(%q): re-encoding changed the token (-first +again):\n%s", s, diff)
		}
	})
}
