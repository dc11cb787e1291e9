// Package jsontest checks the generated JSON code of the api types against
// encoding/json: Check fills values of a type at random and compares
// AppendJSON with json.Marshal byte for byte and UnmarshalJSONFast with
// json.Unmarshal, and Fuzz does the latter for arbitrary input. The
// generated zz_generated.json_test.go files call them for every type.
package jsontest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

// Generated is what jsongen writes for a type, on its pointer.
type Generated interface {
	AppendJSON(b []byte) ([]byte, error)
	UnmarshalJSONFast(data []byte) error
}

// Strings are the string values Fill draws from: empty, HTML characters,
// escapes, control characters, U+2028, invalid UTF-8, non-ASCII.
var Strings = []string{
	"", "a", "nginx", "default", "<script>&amp;</script>", "quote\"back\\slash/",
	"\x00\x01\b\f\n\r\t\x1f\x7f", "line\u2028para\u2029", "bad\xffutf8\xc3", "é日本😀", "surrogate\xed\xa0\x80",
	"100m", "1Gi", "true", "null", "{}", "kubernetes.io/hostname",
	"A Long String With Spaces And Numbers 1234567890 Repeated A Long String",
	// Longer than the strings the generated decoder stores together.
	strings.Repeat("kubernetes.io/long-annotation-value ", 8), strings.Repeat("é<\"\\\n\xff", 40),
}

// Quantities are the quantities Fill draws from.
var Quantities = []string{"0", "1", "100m", "1.5Gi", "2k", "1e3", "-2", "12345678901234567890", "0.000001", "5Ei", "123456789012345678901234567890",
	// Every suffix.
	"5n", "3u", "7M", "2G", "4T", "5P", "6E", "1Ki", "128Mi", "1Ti", "1Pi", "1E3", "2.5e-3", "-1e-9", "0.5Ki", "+5"}

// Filler fills values at random from a seeded source.
type Filler struct {
	rng *rand.Rand
	// MaxDepth bounds the nesting of filled structs; default 6.
	MaxDepth int
}

// NewFiller returns a Filler seeded with seed.
func NewFiller(seed uint64) *Filler {
	return &Filler{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), MaxDepth: 6}
}

var (
	quantityType  = reflect.TypeFor[resource.Quantity]()
	intstrType    = reflect.TypeFor[intstr.IntOrString]()
	timeType      = reflect.TypeFor[metav1.Time]()
	microTimeType = reflect.TypeFor[metav1.MicroTime]()
	durationType  = reflect.TypeFor[metav1.Duration]()
	rawType       = reflect.TypeFor[json.RawMessage]()
)

// Fill sets v, settable, to a random value of its type; about a third of
// the time it leaves a field, slice, map or pointer at its zero value.
func (f *Filler) Fill(v reflect.Value) { f.fill(v, 0) }

func (f *Filler) fill(v reflect.Value, depth int) {
	r := f.rng
	if depth > f.MaxDepth || r.IntN(4) == 0 {
		return
	}
	switch v.Type() {
	case quantityType:
		v.Set(reflect.ValueOf(resource.MustParse(Quantities[r.IntN(len(Quantities))])))
		return
	case intstrType:
		if r.IntN(2) == 0 {
			v.Set(reflect.ValueOf(intstr.FromInt32(int32(r.Uint32()))))
		} else {
			v.Set(reflect.ValueOf(intstr.FromString(f.str())))
		}
		return
	case timeType:
		v.Set(reflect.ValueOf(metav1.Unix(r.Int64N(1<<33), r.Int64N(1e9))))
		return
	case microTimeType:
		v.Set(reflect.ValueOf(metav1.NewMicroTime(time.Unix(r.Int64N(1<<33), r.Int64N(1e9)))))
		return
	case durationType:
		v.Set(reflect.ValueOf(metav1.Duration{Duration: time.Duration(r.Int64())}))
		return
	case rawType:
		v.Set(reflect.ValueOf(json.RawMessage(`{"a": [1, "<x>"]}`)))
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := v.Type().Bits()
		switch r.IntN(4) {
		case 0:
			v.SetInt(1<<(bits-1) - 1)
		case 1:
			v.SetInt(-1 << (bits - 1))
		default:
			v.SetInt(r.Int64N(1000) - 100)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if r.IntN(2) == 0 {
			v.SetUint(math.MaxUint64 >> (64 - v.Type().Bits()))
		} else {
			v.SetUint(uint64(r.IntN(1000)))
		}
	case reflect.Float32, reflect.Float64:
		fs := []float64{0, math.Copysign(0, -1), 1, -2.5, 1e21, 1e20, 1e-6, 1e-7, 3.4e38, 123456.789, 1.0 / 3}
		v.SetFloat(fs[r.IntN(len(fs))])
	case reflect.String:
		v.SetString(f.str())
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		n := r.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		n := r.IntN(4)
		if r.IntN(8) == 0 {
			n = r.IntN(40) // past the keys the encoder sorts on its stack
		}
		m := reflect.MakeMapWithSize(v.Type(), n)
		for i := range n {
			k := reflect.New(v.Type().Key()).Elem()
			f.fill(k, depth+1)
			if k.Kind() == reflect.String && n > 3 {
				k.SetString(k.String() + strconv.Itoa(i)) // distinct keys
			}
			e := reflect.New(v.Type().Elem()).Elem()
			f.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth+1)
			}
		}
	case reflect.Interface:
		if v.NumMethod() == 0 {
			v.Set(reflect.ValueOf(f.str()))
		}
	}
}

func (f *Filler) str() string { return Strings[f.rng.IntN(len(Strings))] }

// Check fills n values of the type newObj returns, seeded with seed, and
// fails t unless, for each, AppendJSON writes json.Marshal's bytes (or
// both fail) and UnmarshalJSONFast of that output succeeds and equals
// json.Unmarshal's result, also after json.Indent.
func Check(t *testing.T, newObj func() Generated, seed uint64, n int) {
	t.Helper()
	f := NewFiller(seed)
	for i := range n {
		obj := newObj()
		if i > 0 {
			f.Fill(reflect.ValueOf(obj).Elem())
		}
		want, wantErr := json.Marshal(obj)
		got, gotErr := obj.AppendJSON([]byte("prefix"))
		if (wantErr != nil) != (gotErr != nil) {
			t.Fatalf("%T #%d: AppendJSON error %v, json.Marshal error %v", obj, i, gotErr, wantErr)
		}
		if wantErr != nil {
			continue
		}
		if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[6:], want) {
			t.Fatalf("%T #%d: AppendJSON differs from json.Marshal:\n got %s\nwant %s", obj, i, got, want)
		}
		var indented bytes.Buffer
		if err := json.Indent(&indented, want, "", "  "); err != nil {
			t.Fatal(err)
		}
		for _, in := range [][]byte{want, indented.Bytes()} {
			if err := Compare(newObj, in); err != nil {
				t.Fatalf("%T #%d: %v\ninput %s", obj, i, err, in)
			}
			fast := newObj()
			if err := fast.UnmarshalJSONFast(in); err != nil {
				t.Fatalf("%T #%d: UnmarshalJSONFast of json.Marshal's output: %v\ninput %s", obj, i, err, in)
			}
		}
	}
}

// Compare decodes data with UnmarshalJSONFast and with json.Unmarshal, each
// into a new zero object, and returns an error if the fast decoder
// succeeded where encoding/json failed or with a different result. It
// returns nil when the fast decoder gave up. The fast decoder reads a copy
// of data that is overwritten before the results are compared, as a server
// reuses its buffer for the next request, so that a decoded string that
// aliased its input would differ.
func Compare(newObj func() Generated, data []byte) error {
	fast := newObj()
	buf := bytes.Clone(data)
	if err := fast.UnmarshalJSONFast(buf); err != nil {
		return nil
	}
	for i := range buf {
		buf[i] = '#'
	}
	slow := newObj()
	if err := json.Unmarshal(data, slow); err != nil {
		return fmt.Errorf("UnmarshalJSONFast succeeded, json.Unmarshal failed: %v", err)
	}
	if !reflect.DeepEqual(fast, slow) {
		return fmt.Errorf("UnmarshalJSONFast and json.Unmarshal differ:\nfast %#v\njson %#v", fast, slow)
	}
	return nil
}

// Seeds returns count json.Marshal outputs of random values of the type,
// for a fuzz corpus.
func Seeds(newObj func() Generated, seed uint64, count int) [][]byte {
	f := NewFiller(seed)
	var out [][]byte
	for range count {
		obj := newObj()
		f.Fill(reflect.ValueOf(obj).Elem())
		if b, err := json.Marshal(obj); err == nil {
			out = append(out, b)
		}
	}
	return out
}

// Fuzz runs the fuzz target of a generated type: for any input, the fast
// decoder must not panic, and when it succeeds json.Unmarshal must succeed
// with an equal result. The corpus is seeded with json.Marshal outputs of
// random values and some tricky inputs.
func Fuzz(f *testing.F, newObj func() Generated) {
	for _, s := range Seeds(newObj, 1, 8) {
		f.Add(s)
	}
	for _, s := range []string{`null`, `{}`, ` { } `, `{"metadata":{"name":"a","name":"b"}}`, `{"Metadata":{}}`,
		`{"metadata":null,"spec":{"containers":[{"name":"\u0061\ud83d\ude00\ud800"}]}}`, `{"kind":1}`, `[]`, `{"a":}`, `{"kind":"x"} x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := Compare(newObj, data); err != nil {
			t.Fatalf("%v\ninput %q", err, data)
		}
	})
}
