package v1

import (
	"encoding/json"
	"testing"
	"time"
)

// timeInputs are RFC 3339 texts and near misses, for the tests of
// Time.UnmarshalJSON's shortcut.
var timeInputs = []string{
	"2026-11-28T09:04:05Z", "2026-11-28T09:04:05.123456789Z", "2026-11-28T09:04:05.1234567891Z",
	"2026-11-28T09:04:05+01:00", "2026-11-28T09:04:05-23:59", "2026-11-28T09:04:05+24:00",
	"2026-11-28T09:04:05,5Z", "2026-11-28T9:04:05Z", "2026-11-28t09:04:05z", "2026-11-28 09:04:05Z",
	"0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-02-29T00:00:00Z", "2026-11-28T24:00:00Z",
	"2026-11-28T09:04:60Z", "2026-11-28T09:04:05", "", "x",
}

// TestTimeUnmarshalText checks what Time.UnmarshalJSON relies on: when
// time.Time's UnmarshalText accepts a text, time.Parse(time.RFC3339, ...)
// gives the same time in the same zone.
func TestTimeUnmarshalText(t *testing.T) {
	for _, s := range timeInputs {
		checkUnmarshalText(t, s)
	}
}

// FuzzTimeUnmarshalText is TestTimeUnmarshalText for any text.
func FuzzTimeUnmarshalText(f *testing.F) {
	for _, s := range timeInputs {
		f.Add(s)
	}
	f.Fuzz(checkUnmarshalText)
}

func checkUnmarshalText(t *testing.T, s string) {
	var got time.Time
	if got.UnmarshalText([]byte(s)) != nil {
		return
	}
	want, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("UnmarshalText(%q) = %v; time.Parse failed: %v", s, got, err)
	}
	gotName, gotOffset := got.Zone()
	wantName, wantOffset := want.Zone()
	if !got.Equal(want) || gotName != wantName || gotOffset != wantOffset || got.Location().String() != want.Location().String() {
		t.Fatalf("UnmarshalText(%q) = %v; time.Parse = %v", s, got, want)
	}
}

// TestTimeUnmarshalJSONAllocs checks a UTC timestamp decodes without
// allocating, and to what the string path gives.
func TestTimeUnmarshalJSONAllocs(t *testing.T) {
	for _, s := range timeInputs {
		in := []byte(`"` + s + `"`)
		var got Time
		gotErr := got.UnmarshalJSON(in)
		var str string
		if err := json.Unmarshal(in, &str); err != nil {
			t.Fatal(err)
		}
		want, wantErr := time.Parse(time.RFC3339, str)
		if wantErr == nil {
			wantErr = checkYear(want)
		}
		if (gotErr != nil) != (wantErr != nil) {
			t.Errorf("UnmarshalJSON(%s) error %v, time.Parse error %v", in, gotErr, wantErr)
			continue
		}
		if gotErr == nil && !got.Time.Equal(want.Truncate(time.Second)) {
			t.Errorf("UnmarshalJSON(%s) = %v, want %v", in, got, want)
		}
	}
	in := []byte(`"2024-05-01T10:00:00Z"`)
	var tm Time
	if allocs := testing.AllocsPerRun(50, func() { _ = tm.UnmarshalJSON(in) }); allocs != 0 {
		t.Errorf("UnmarshalJSON(%s): %v allocations, want 0", in, allocs)
	}
}
