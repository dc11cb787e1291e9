package jsontext

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var stringCases = []string{
	"", "plain", "<a href=\"x\">&amp;</a>", "\\ \" / '", "\b\f\n\r\t\x00\x01\x1f\x7f",
	"\u2028\u2029", "é日本😀", "bad\xff\xfe", "\xed\xa0\x80", "\xc3", "a\xe2\x80",
}

// TestAppendString compares AppendString with json.Marshal of a string,
// for every one-byte string and some others.
func TestAppendString(t *testing.T) {
	cases := append([]string(nil), stringCases...)
	for b := range 256 {
		cases = append(cases, string([]byte{byte(b)}), "x"+string([]byte{byte(b)})+"y")
	}
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := AppendString([]byte("p"), s); !bytes.Equal(got[1:], want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got[1:], want)
		}
	}
}

// TestAppendFloat compares AppendFloat with json.Marshal.
func TestAppendFloat(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, 3.4e38, 5e-324, math.MaxFloat64, 1.0 / 3} {
		want, _ := json.Marshal(f)
		got, err := AppendFloat(nil, f, 64)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("AppendFloat(%v, 64) = %s, %v; want %s", f, got, err, want)
		}
		f32 := float32(f)
		if math.IsInf(float64(f32), 0) {
			continue
		}
		want, _ = json.Marshal(f32)
		got, err = AppendFloat(nil, float64(f32), 32)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("AppendFloat(%v, 32) = %s, %v; want %s", f32, got, err, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := AppendFloat(nil, f, 64); err == nil {
			t.Errorf("AppendFloat(%v) succeeded", f)
		}
	}
}

// TestDecoderErrors checks inputs encoding/json refuses are refused.
func TestDecoderErrors(t *testing.T) {
	for _, in := range []string{`"\'"`, `"a`, "\"\x01\"", `"\u12"`, `01`, `-`, `1.`, `1e`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a" 1}`, `nul`, `tru`, `{} x`} {
		d := NewDecoder([]byte(in))
		if _, err := d.Raw(); err == nil && d.End() == nil {
			t.Errorf("Raw(%s) accepted", in)
		}
		if json.Valid([]byte(in)) {
			t.Errorf("test case %s is valid JSON", in)
		}
	}
}

// FuzzString checks the Decoder's strings against json.Unmarshal.
func FuzzString(f *testing.F) {
	for _, s := range stringCases {
		b, _ := json.Marshal(s)
		f.Add(b)
	}
	for _, s := range []string{`"\ud83d\ude00"`, `"\ud800"`, `"\ud800\u0041"`, `"\udc00\ud800"`, `"\u00e9\/"`, `"\'"`, "\"\xff\"", `"x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(data)
		got, err := d.String()
		if err == nil {
			err = d.End()
		}
		var want string
		jerr := json.Unmarshal(data, &want)
		if err == nil && (jerr != nil || got != want) {
			t.Fatalf("String(%q) = %q; json.Unmarshal = %q, %v", data, got, want, jerr)
		}
		if err != nil && jerr == nil && !bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("null")) {
			t.Fatalf("String(%q) failed: %v; json.Unmarshal = %q", data, err, want)
		}
		if p, ok := PlainString(data); ok && (jerr != nil || p != want) {
			t.Fatalf("PlainString(%q) = %q; json.Unmarshal = %q, %v", data, p, want, jerr)
		}
	})
}

// TestPlainString checks which literals PlainString takes itself: plain
// printable ASCII strings, exactly as json.Unmarshal reads them.
func TestPlainString(t *testing.T) {
	for in, want := range map[string]bool{
		`""`: true, `"2026-11-28T10:00:00Z"`: true, `"a b/c"`: true,
		`"a\u0041"`: false, `"\""`: false, "\"\x01\"": false, "\"é\"": false, "\"\x7f\"": false,
		`"`: false, `x"`: false, `12`: false, ``: false, `"a"b"`: false,
	} {
		got, ok := PlainString([]byte(in))
		if ok != want {
			t.Errorf("PlainString(%q) ok = %v, want %v", in, ok, want)
			continue
		}
		if ok {
			var std string
			if err := json.Unmarshal([]byte(in), &std); err != nil || std != got {
				t.Errorf("PlainString(%q) = %q; json.Unmarshal = %q, %v", in, got, std, err)
			}
		}
	}
}

// FuzzAppendString checks AppendString against json.Marshal.
func FuzzAppendString(f *testing.F) {
	for _, s := range stringCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// FuzzNumbers checks Int, Uint and Float against json.Unmarshal, and Raw
// against json.Valid.
func FuzzNumbers(f *testing.F) {
	for _, s := range []string{"0", "-0", "1", "-1", "9223372036854775807", "9223372036854775808", "1.0", "1e3", "1E+2", "-2.5e-3", "01", "1.", "2147483648", "1e400", " 7 ", "[1,{\"a\":null}]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(data)
		if i, err := d.Int(64); err == nil && d.End() == nil {
			var want int64
			if err := json.Unmarshal(data, &want); err != nil || want != i {
				t.Fatalf("Int(%q) = %d; json.Unmarshal = %d, %v", data, i, want, err)
			}
		}
		d = NewDecoder(data)
		if i, err := d.Int(32); err == nil && d.End() == nil {
			var want int32
			if err := json.Unmarshal(data, &want); err != nil || int64(want) != i {
				t.Fatalf("Int(%q, 32) = %d; json.Unmarshal = %d, %v", data, i, want, err)
			}
		}
		d = NewDecoder(data)
		if u, err := d.Uint(64); err == nil && d.End() == nil {
			var want uint64
			if err := json.Unmarshal(data, &want); err != nil || want != u {
				t.Fatalf("Uint(%q) = %d; json.Unmarshal = %d, %v", data, u, want, err)
			}
		}
		d = NewDecoder(data)
		if x, err := d.Float(64); err == nil && d.End() == nil {
			var want float64
			if err := json.Unmarshal(data, &want); err != nil || math.Float64bits(want) != math.Float64bits(x) {
				t.Fatalf("Float(%q) = %v; json.Unmarshal = %v, %v", data, x, want, err)
			}
		}
		d = NewDecoder(data)
		if _, err := d.Raw(); err == nil && d.End() == nil && !json.Valid(data) {
			t.Fatalf("Raw(%q) accepted invalid JSON", data)
		}
	})
}

// stringArray decodes a JSON array of strings with the Decoder, or fails.
func stringArray(data []byte) ([]string, error) { return decodeStrings(NewDecoder(data)) }

// TestDecoderStringStorage checks the strings String returns, which share
// allocations, against json.Unmarshal: many strings of every length up to
// past the largest shared one, escaped and not, each still intact after
// all the others were decoded.
func TestDecoderStringStorage(t *testing.T) {
	var in []string
	for n := range maxChunk + 40 {
		s := strings.Repeat("x", n)
		if n%7 == 3 {
			s = strings.Repeat("é\"\\<\x01\xff", n/7+1)
		}
		in = append(in, s)
	}
	in = append(in, stringCases...)
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	got, err := stringArray(data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("decoded strings differ from json.Unmarshal's (-want +got):\n%s", diff)
	}
}

// TestCopy checks Copy returns the bytes it is given, unaffected by later
// changes to them and by later copies.
func TestCopy(t *testing.T) {
	d := NewDecoder([]byte(strings.Repeat(" ", 3000)))
	b := []byte("label-value")
	var got []string
	for i := range 300 {
		b[0] = byte('a' + i%26)
		got = append(got, d.Copy(b), d.Copy(b[:i%len(b)]), d.Copy(bytes.Repeat(b, i)))
	}
	for i := range 300 {
		b[0] = byte('a' + i%26)
		want := []string{string(b), string(b[:i%len(b)]), string(bytes.Repeat(b, i))}
		if diff := cmp.Diff(want, got[3*i:3*i+3]); diff != "" {
			t.Fatalf("copy %d changed (-want +got):\n%s", i, diff)
		}
	}
}

// TestStringAllocs checks that the strings of an object share
// allocations: decoding seven strings costs at most two allocations more
// than decoding seven empty ones (the first chunk is sized for half the
// input, which is too little here).
func TestStringAllocs(t *testing.T) {
	allocs := func(data string) float64 {
		return testing.AllocsPerRun(100, func() {
			if _, err := stringArray([]byte(data)); err != nil {
				t.Fatal(err)
			}
		})
	}
	empty := allocs(`["","","","","","",""]`)
	full := allocs(`["web","default","nginx:1.27","IfNotPresent","ClusterFirst","node-7","default-scheduler"]`)
	if full-empty > 2 {
		t.Errorf("decoding 7 strings: %v allocations, 7 empty strings %v; want at most 2 more", full, empty)
	}
}

// FuzzStringArray checks arrays of strings, which share storage, against
// json.Unmarshal.
func FuzzStringArray(f *testing.F) {
	for _, s := range []string{`[]`, `["a","b\u00e9","\ud800",""]`, `["x" , "y"]`, `["a\\b","\"",1]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := stringArray(data)
		if err != nil {
			return
		}
		var want []string
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("stringArray(%q) = %q; json.Unmarshal failed: %v", data, got, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("stringArray(%q) differs from json.Unmarshal (-want +got):\n%s", data, diff)
		}
	})
}

// TestAppendSortedKeys checks the order and that a small map's keys are
// sorted without allocating.
func TestAppendSortedKeys(t *testing.T) {
	for _, n := range []int{0, 1, 2, 8, 9, 16, 17, 100} {
		m := map[string]int{}
		var want []string
		for i := range n {
			k := strconv.Itoa(i*7919%1000) + "k"
			m[k] = i
			want = append(want, k)
		}
		slices.Sort(want)
		got := AppendSortedKeys([]string{"prefix"}, m)
		if diff := cmp.Diff(append([]string{"prefix"}, want...), got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("AppendSortedKeys of %d keys (-want +got):\n%s", n, diff)
		}
	}
	m := map[string]string{"app": "web", "tier": "frontend", "pod-template-hash": "5d8f"}
	allocs := testing.AllocsPerRun(100, func() {
		var buf [16]string
		if len(AppendSortedKeys(buf[:0], m)) != 3 {
			t.Fatal("wrong length")
		}
	})
	if allocs != 0 {
		t.Errorf("AppendSortedKeys into a stack array: %v allocations, want 0", allocs)
	}
}

// TestAppendSortedEntries checks the order, that each key keeps its value,
// and that a small map's members are sorted without allocating.
func TestAppendSortedEntries(t *testing.T) {
	for _, n := range []int{0, 1, 2, 8, 9, 16, 17, 100} {
		m := map[string]int{}
		var want []Entry[string, int]
		for i := range n {
			k := strconv.Itoa(i*7919%1000) + "k"
			m[k] = i
			want = append(want, Entry[string, int]{k, i})
		}
		slices.SortFunc(want, func(a, b Entry[string, int]) int { return strings.Compare(a.Key, b.Key) })
		prefix := Entry[string, int]{"prefix", -1}
		got := AppendSortedEntries([]Entry[string, int]{prefix}, m)
		if diff := cmp.Diff(append([]Entry[string, int]{prefix}, want...), got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("AppendSortedEntries of %d members (-want +got):\n%s", n, diff)
		}
	}
	m := map[string]string{"app": "web", "tier": "frontend", "pod-template-hash": "5d8f"}
	allocs := testing.AllocsPerRun(100, func() {
		var buf [16]Entry[string, string]
		if e := AppendSortedEntries(buf[:0], m); len(e) != 3 || e[0].Key != "app" || e[0].Value != "web" {
			t.Fatal("wrong entries")
		}
	})
	if allocs != 0 {
		t.Errorf("AppendSortedEntries into a stack array: %v allocations, want 0", allocs)
	}
}

// TestStringTo checks that StringTo stores a string as String does,
// leaves the target alone on null, as encoding/json does, and refuses
// other values.
func TestStringTo(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{`"web"`, "web", true}, {` "a\u00e9\n" `, "a\u00e9\n", true}, {`null`, "before", true}, {` null`, "before", true},
		{`""`, "", true}, {`nul`, "before", false}, {`1`, "before", false}, {`"x`, "before", false}, {`nullx`, "before", false},
	} {
		var want string
		if err := json.Unmarshal([]byte(tc.in), &want); err == nil {
			tc.want = want
			if tc.in == `null` || tc.in == ` null` {
				tc.want = "before"
			}
		}
		got := "before"
		d := NewDecoder([]byte(tc.in))
		err := d.StringTo(&got)
		if err == nil {
			err = d.End()
		}
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("StringTo(%s) = %q, %v; want %q, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// FuzzRemaining checks Remaining against the number of elements or
// members the Decoder reads from a valid array or object.
func FuzzRemaining(f *testing.F) {
	for _, s := range []string{`[]`, ` { } `, `[1]`, `[1,[2,3],{"a":[4,5]},"x,]}\"y",null]`, `{"a,":1,"b":{"c":2,"d":[3,4]}}`, `[[],[],[]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		d := NewDecoder(data)
		var hint3, hint64, n int
		switch bytes.TrimLeft(data, " \t\r\n")[0] {
		case '[':
			if d.ArrayStart() != nil {
				return // too deep
			}
			hint3, hint64 = d.Remaining(3), d.Remaining(64)
			for {
				more, err := d.More()
				if err != nil {
					t.Fatal(err)
				}
				if !more {
					break
				}
				n++
				if _, err := d.Raw(); err != nil {
					t.Fatal(err)
				}
			}
		case '{':
			if d.ObjectStart() != nil {
				return
			}
			hint3, hint64 = d.Remaining(3), d.Remaining(64)
			for {
				_, more, err := d.Key()
				if err != nil {
					t.Fatal(err)
				}
				if !more {
					break
				}
				n++
				if _, err := d.Raw(); err != nil {
					t.Fatal(err)
				}
			}
		default:
			return
		}
		if hint3 != min(n, 3) || hint64 != min(n, 64) {
			t.Fatalf("Remaining(3), Remaining(64) of %q = %d, %d; it has %d", data, hint3, hint64, n)
		}
	})
}

func BenchmarkAppendString(b *testing.B) {
	for _, s := range []string{"web-5d8f7c9b6-x2k4p", "default", strings.Repeat("kubernetes.io/config.seen ", 10)} {
		b.Run(strconv.Itoa(len(s)), func(b *testing.B) {
			buf := make([]byte, 0, 512)
			for b.Loop() {
				buf = AppendString(buf[:0], s)
			}
		})
	}
}

// TestDecoderReset decodes inputs in turn with one Decoder, after a string
// that needed the scratch buffer, and checks that each is decoded as by a
// new Decoder and that the strings of the first survive.
func TestDecoderReset(t *testing.T) {
	var d Decoder
	inputs := []string{`["caf\u00e9","a\"b"]`, `["xyz","\u0041"]`, `["p"]`}
	var all []string
	for _, in := range inputs {
		d.Reset([]byte(in))
		got, err := decodeStrings(&d)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		var want []string
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%s after Reset (-encoding/json +reset):\n%s", in, diff)
		}
		all = append(all, got...)
	}
	if want := []string{"café", "a\"b", "xyz", "A", "p"}; !slices.Equal(all, want) {
		t.Fatalf("strings after all inputs: %q, want %q", all, want)
	}
}

// decodeStrings reads an array of strings with d.
func decodeStrings(d *Decoder) ([]string, error) {
	if err := d.ArrayStart(); err != nil {
		return nil, err
	}
	out := []string{}
	for {
		more, err := d.More()
		if err != nil {
			return nil, err
		}
		if !more {
			return out, d.End()
		}
		s, err := d.String()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
}
