package mvcc

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/store"
)

func TestContinueTokenRoundTrip(t *testing.T) {
	tests := []continueToken{
		{rev: 1, prefix: "", next: "a\x00"},
		{rev: 42, prefix: "/registry/pods/", next: "/registry/pods/default/web\x00"},
		{rev: 1 << 40, prefix: "\xff\x00", next: "\xff\x00\xff"},
	}
	for _, tok := range tests {
		got, err := decodeContinue(tok.encode())
		if err != nil {
			t.Errorf("decode(encode(%+v)): %v", tok, err)
			continue
		}
		if d := cmp.Diff(tok, got, cmp.AllowUnexported(continueToken{})); d != "" {
			t.Errorf("round trip (-want +got):\n%s", d)
		}
	}
}

func TestContinueTokenInvalid(t *testing.T) {
	tests := []struct{ name, tok string }{
		{"not base64", "!!!"},
		{"empty", ""},
		{"wrong version", continueToken{rev: 1, next: "a"}.encode()[:0] + "Ag"},
		{"zero revision", continueToken{rev: 0, next: "a"}.encode()},
		{"next outside prefix", continueToken{rev: 3, prefix: "a/", next: "b"}.encode()},
		{"truncated", continueToken{rev: 3, prefix: "abcdef", next: "abcdefg"}.encode()[:6]},
	}
	for _, tc := range tests {
		if _, err := decodeContinue(tc.tok); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: decode(%q) = %v, want ErrInvalid", tc.name, tc.tok, err)
		}
	}
}

func FuzzDecodeContinue(f *testing.F) {
	f.Add(continueToken{rev: 7, prefix: "p/", next: "p/x\x00"}.encode())
	f.Add("AQEA")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := decodeContinue(s)
		if err != nil {
			if !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("decode(%q): error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		again, err := decodeContinue(tok.encode())
		if err != nil || again != tok {
			t.Fatalf("re-encoding %+v: got %+v, %v", tok, again, err)
		}
	})
}
