package v1

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimeJSON(t *testing.T) {
	type holder struct {
		T  Time      `json:"t,omitempty,omitzero"`
		P  *Time     `json:"p,omitempty"`
		MT MicroTime `json:"mt,omitempty,omitzero"`
	}
	ts := time.Date(2026, 11, 28, 10, 4, 5, 123456789, time.FixedZone("X", 3600))
	h := holder{T: NewTime(ts), P: &Time{ts}, MT: NewMicroTime(ts)}
	out, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"t":"2026-11-28T09:04:05Z","p":"2026-11-28T09:04:05Z","mt":"2026-11-28T09:04:05.123456Z"}`
	if string(out) != want {
		t.Fatalf("got  %s\nwant %s", out, want)
	}
	var back holder
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if !back.T.Equal(&h.T) || !back.P.Equal(h.P) || !back.MT.Equal(&h.MT) {
		t.Fatalf("round trip: %+v vs %+v", back, h)
	}
	if !back.MT.Time.Equal(ts.Truncate(time.Microsecond)) {
		t.Fatalf("microtime lost precision: %v", back.MT.Time)
	}

	empty, err := json.Marshal(holder{})
	if err != nil || string(empty) != `{}` {
		t.Fatalf("zero times must be omitted: %s %v", empty, err)
	}
	var z holder
	if err := json.Unmarshal([]byte(`{"t":null,"p":null,"mt":null}`), &z); err != nil || !z.T.IsZero() || z.P != nil || !z.MT.IsZero() {
		t.Fatalf("null: %+v %v", z, err)
	}
	if out, _ := json.Marshal(Time{}); string(out) != "null" {
		t.Fatalf("zero Time = %s, want null", out)
	}
}

func TestTimeJSONErrors(t *testing.T) {
	for _, in := range []string{`1`, `"yesterday"`, `"2026-13-01T00:00:00Z"`, `{}`} {
		var tm Time
		if err := json.Unmarshal([]byte(in), &tm); err == nil {
			t.Errorf("Time %s: expected error", in)
		}
		var mt MicroTime
		if err := json.Unmarshal([]byte(in), &mt); err == nil {
			t.Errorf("MicroTime %s: expected error", in)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	d := Duration{90 * time.Second}
	out, err := json.Marshal(d)
	if err != nil || string(out) != `"1m30s"` {
		t.Fatalf("%s %v", out, err)
	}
	var back Duration
	if err := json.Unmarshal(out, &back); err != nil || back != d {
		t.Fatalf("%v %v", back, err)
	}
	if err := json.Unmarshal([]byte(`"soon"`), &back); err == nil {
		t.Fatal("bad duration must fail")
	}
}

func TestTypeMetaGroupVersionKind(t *testing.T) {
	for _, tt := range []struct{ av, g, v string }{{"v1", "", "v1"}, {"apps/v1", "apps", "v1"}, {"", "", ""}} {
		g, v, k := TypeMeta{APIVersion: tt.av, Kind: "K"}.GroupVersionKind()
		if g != tt.g || v != tt.v || k != "K" {
			t.Errorf("%q: got %q %q %q", tt.av, g, v, k)
		}
	}
}

func FuzzTimeUnmarshal(f *testing.F) {
	for _, s := range []string{`"2026-11-28T09:04:05Z"`, `null`, `"2026-11-28T09:04:05.123+01:00"`, `""`, `"9999-12-31T23:59:59-23:59"`, `"0000-01-01T00:00:00+23:59"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var tm Time
		if err := json.Unmarshal(b, &tm); err == nil {
			out, err := json.Marshal(tm)
			if err != nil {
				t.Fatalf("decoded %q but cannot encode: %v", b, err)
			}
			var again Time
			if err := json.Unmarshal(out, &again); err != nil || !again.Equal(&tm) {
				t.Fatalf("round trip %q -> %s: %v", b, out, err)
			}
		}
		var mt MicroTime
		_ = json.Unmarshal(b, &mt)
	})
}
