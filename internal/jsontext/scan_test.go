package jsontext

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"
	"unicode/utf8"
)

// firstFlagged returns the index of the lowest byte whose high bit is set
// in m, or 8.
func firstFlagged(m uint64) int {
	for i := range 8 {
		if m>>(8*i)&0x80 != 0 {
			return i
		}
	}
	return 8
}

// TestWordMasks checks specialBytes, quoteOrBackslash and unsafeHTMLBytes
// against the byte
// by byte tests they stand for: the lowest flagged byte must be the first
// byte that matches, for every byte value at every position, among bytes
// that do not match and among random ones.
func TestWordMasks(t *testing.T) {
	special := func(c byte) bool { return c == '"' || c == '\\' || c < ' ' || c >= utf8.RuneSelf }
	unsafeHTML := func(c byte) bool { return c >= utf8.RuneSelf || !htmlSafe[c] }
	first := func(w []byte, match func(byte) bool) int {
		for i, c := range w {
			if match(c) {
				return i
			}
		}
		return 8
	}
	check := func(w []byte) {
		x := binary.LittleEndian.Uint64(w)
		if got, want := firstFlagged(specialBytes(x)), first(w, special); got != want {
			t.Fatalf("specialBytes(% x): first flagged byte %d, want %d", w, got, want)
		}
		if got, want := firstFlagged(quoteOrBackslash(x)), first(w, func(c byte) bool { return c == '"' || c == '\\' }); got != want {
			t.Fatalf("quoteOrBackslash(% x): first flagged byte %d, want %d", w, got, want)
		}
		if got, want := firstFlagged(unsafeHTMLBytes(x)), first(w, unsafeHTML); got != want {
			t.Fatalf("unsafeHTMLBytes(% x): first flagged byte %d, want %d", w, got, want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for pos := range 8 {
		for c := range 256 {
			for _, fill := range []byte{'a', '=', '?', '#', '\'', 0x7f, ' ', '!'} {
				w := bytes.Repeat([]byte{fill}, 8)
				w[pos] = byte(c)
				check(w)
			}
			w := make([]byte, 8)
			for range 8 {
				for i := range w {
					w[i] = byte(r.Uint32())
				}
				w[pos] = byte(c)
				check(w)
			}
		}
	}
}

// TestLongStrings checks strings long enough for the word at a time scans
// of AppendString and the Decoder, with every byte value at every position
// of the first words, against encoding/json both ways.
func TestLongStrings(t *testing.T) {
	for pos := range 20 {
		for c := range 256 {
			s := []byte("abcdefghijklmnopqrstuvwxyz-0123456789")
			s[pos] = byte(c)
			want, _ := json.Marshal(string(s))
			if got := AppendString(nil, string(s)); !bytes.Equal(got, want) {
				t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
			}
			if got := AppendString(nil, s); !bytes.Equal(got, want) {
				t.Fatalf("AppendString([]byte(%q)) = %s, want %s", s, got, want)
			}
			// The raw bytes as a JSON string: what the Decoder accepts
			// and returns must be what json.Unmarshal does.
			raw := append(append([]byte{'"'}, s...), '"')
			for _, in := range [][]byte{raw, want} {
				var wantS string
				wantErr := json.Unmarshal(in, &wantS)
				d := NewDecoder(in)
				got, err := d.String()
				if err == nil {
					err = d.End()
				}
				if (err == nil) != (wantErr == nil) || err == nil && got != wantS {
					t.Fatalf("Decoder.String(%q) = %q, %v; json.Unmarshal gives %q, %v", in, got, err, wantS, wantErr)
				}
			}
		}
	}
}

// TestIntRange checks Int against strconv.ParseInt at the edges of each
// size, both ways: the same value when ParseInt succeeds, an error when it
// fails.
func TestIntRange(t *testing.T) {
	var cases []string
	for _, bits := range []int{8, 16, 32, 64} {
		lim := uint64(1) << (bits - 1)
		for _, d := range []int64{-2, -1, 0, 1, 2} {
			cases = append(cases, strconv.FormatUint(lim+uint64(d), 10), "-"+strconv.FormatUint(lim+uint64(d), 10))
		}
	}
	cases = append(cases, "0", "-0", "7", "999999999999999999", "-999999999999999999", "1000000000000000000",
		"99999999999999999999", "1.5", "1e2", "-")
	for _, s := range cases {
		for _, bits := range []int{8, 16, 32, 64} {
			want, wantErr := strconv.ParseInt(s, 10, bits)
			got, err := NewDecoder([]byte(s)).Int(bits)
			if (err == nil) != (wantErr == nil) || err == nil && got != want {
				t.Errorf("Int(%q, %d) = %d, %v; strconv.ParseInt gives %d, %v", s, bits, got, err, want, wantErr)
			}
		}
	}
}
