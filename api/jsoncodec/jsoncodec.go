// Package jsoncodec encodes and decodes values as encoding/json does, with
// the reflection-free code that api/internal/jsongen generates for the api
// types (zz_generated.json.go) whenever a value has it.
//
// Marshal gives exactly json.Marshal's bytes and Unmarshal exactly
// json.Unmarshal's result (into a zero value) and error; they are only
// faster, about 4× to encode and 5× to decode a Pod. A value without
// generated code (a user's kind, a map, a slice) goes through
// encoding/json, as does every input the generated decoder is unsure of,
// so error messages are always encoding/json's.
//
// The API server and the client use it for objects; use it wherever an
// api object is encoded or decoded on a hot path.
package jsoncodec

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sync"
)

// Fast is the generated code's method set: AppendJSON writes exactly
// json.Marshal's bytes; UnmarshalJSONFast, when it succeeds, gives exactly
// json.Unmarshal's result into a zero value, and otherwise fails (its error
// is not meant for users).
type Fast interface {
	AppendJSON(b []byte) ([]byte, error)
	UnmarshalJSONFast(data []byte) error
}

// generated lists the packages whose every exported struct type has
// jsongen's code: the ones the go:generate line in api/doc.go names
// (TestGeneratedPackages keeps the two in step).
var generated = map[string]bool{
	"github.com/rigging-dev/rigging/api/meta/v1":         true,
	"github.com/rigging-dev/rigging/api/core/v1":         true,
	"github.com/rigging-dev/rigging/api/apps/v1":         true,
	"github.com/rigging-dev/rigging/api/autoscaling/v1":  true,
	"github.com/rigging-dev/rigging/api/autoscaling/v2":  true,
	"github.com/rigging-dev/rigging/api/coordination/v1": true,
	"github.com/rigging-dev/rigging/api/discovery/v1":    true,
	"github.com/rigging-dev/rigging/api/networking/v1":   true,
	"github.com/rigging-dev/rigging/api/policy/v1":       true,
	"github.com/rigging-dev/rigging/api/rbac/v1":         true,
	"github.com/rigging-dev/rigging/api/scheduling/v1":   true,
	"github.com/rigging-dev/rigging/api/storage/v1":      true,
}

// fastTypes caches As's verdict per type: reflect.Type → bool.
var fastTypes sync.Map

// As returns v's generated JSON code, when v is a pointer to a struct whose
// Fast methods are its own. A user's type that embeds an api type
// (metav1.TypeMeta, say) has that type's methods promoted, and they would
// encode only the embedded part: jsongen declares the methods on every
// exported struct type of the packages it covers, so such a type is
// trusted, and another type only when none of its embedded fields has them.
func As(v any) (Fast, bool) {
	f, ok := v.(Fast)
	if !ok {
		return nil, false
	}
	t := reflect.TypeOf(v)
	if cached, ok := fastTypes.Load(t); ok {
		return f, cached.(bool)
	}
	own := t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct &&
		(generated[t.Elem().PkgPath()] || !embedsFast(t.Elem()))
	fastTypes.Store(t, own)
	return f, own
}

// embedsFast reports whether struct type t has an embedded field from
// which Fast methods could be promoted.
func embedsFast(t reflect.Type) bool {
	fastType := reflect.TypeFor[Fast]()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.Anonymous {
			continue
		}
		ft := sf.Type
		if ft.Implements(fastType) || (ft.Kind() != reflect.Pointer && reflect.PointerTo(ft).Implements(fastType)) {
			return true
		}
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && embedsFast(ft) {
			return true
		}
	}
	return false
}

// Append appends v's JSON to b: with its generated code when it has some,
// else (and whenever that fails) with encoding/json, so that errors are
// encoding/json's.
func Append(b []byte, v any) ([]byte, error) {
	if f, ok := As(v); ok {
		if out, err := f.AppendJSON(b); err == nil {
			return out, nil
		}
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, enc...), nil
}

// bufPool holds buffers for Marshal.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Marshal returns json.Marshal(v), through the generated code when v has
// some: a new slice of exactly the encoding's length.
func Marshal(v any) ([]byte, error) {
	bp := bufPool.Get().(*[]byte)
	b, err := Append((*bp)[:0], v)
	if err != nil {
		bufPool.Put(bp)
		return nil, err
	}
	out := bytes.Clone(b)
	if cap(b) <= 1<<20 {
		*bp = b
		bufPool.Put(bp)
	}
	return out, nil
}

// Unmarshal decodes data into v, which must point to a zero value, as
// json.Unmarshal does: with v's generated code when it has some and that
// succeeds, else with encoding/json after resetting *v to zero. (Into a
// value that is not zero, json.Unmarshal merges; use it for that.)
func Unmarshal(data []byte, v any) error {
	if f, ok := As(v); ok {
		if f.UnmarshalJSONFast(data) == nil {
			return nil
		}
		reflect.ValueOf(v).Elem().SetZero()
	}
	return json.Unmarshal(data, v)
}
