package apiserver

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// TestReadAll checks that readAll reads what io.ReadAll reads, whatever
// length the body declares, and passes read errors through.
func TestReadAll(t *testing.T) {
	body := strings.Repeat("0123456789", 150)
	for _, c := range []struct {
		name    string
		body    string
		length  int64
		oneByte bool // the reader returns one byte per Read
	}{
		{name: "exact", body: body, length: int64(len(body))},
		{name: "exact, one byte a read", body: body, length: int64(len(body)), oneByte: true},
		{name: "unknown", body: body, length: -1},
		{name: "zero declared", body: body, length: 0},
		{name: "shorter than declared", body: body[:100], length: int64(len(body))},
		{name: "longer than declared", body: body, length: 100},
		{name: "longer than declared, one byte a read", body: body, length: 100, oneByte: true},
		{name: "empty", body: "", length: 0},
		{name: "too long to trust", body: body, length: 1 << 40},
	} {
		var r io.Reader = strings.NewReader(c.body)
		if c.oneByte {
			r = iotest.OneByteReader(r)
		}
		got, err := readAll(r, c.length)
		if err != nil {
			t.Errorf("%s: readAll: %v", c.name, err)
			continue
		}
		if diff := cmp.Diff(c.body, string(got)); diff != "" {
			t.Errorf("%s: readAll (-want +got):\n%s", c.name, diff)
		}
	}
	boom := errors.New("boom")
	for _, length := range []int64{-1, 10, 1000} {
		r := io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom))
		if _, err := readAll(r, length); !errors.Is(err, boom) {
			t.Errorf("declared %d: readAll error = %v, want %v", length, err, boom)
		}
	}
}
