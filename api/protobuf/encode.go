package protobuf

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sync"

	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

// The types with a hand-written encoding.
var (
	typeTime        = reflect.TypeFor[metav1.Time]()
	typeMicroTime   = reflect.TypeFor[metav1.MicroTime]()
	typeDuration    = reflect.TypeFor[metav1.Duration]()
	typeQuantity    = reflect.TypeFor[resource.Quantity]()
	typeIntOrString = reflect.TypeFor[intstr.IntOrString]()
	typeRawJSON     = reflect.TypeFor[json.RawMessage]()
)

// Protobuf wire types.
const (
	wtVarint  = 0
	wtFixed64 = 1
	wtBytes   = 2
	wtStart   = 3
	wtEnd     = 4
	wtFixed32 = 5
)

// structInfo is a struct type's table with the Go field indexes resolved.
type structInfo struct {
	fields []fieldInfo
	byNum  map[int]*fieldInfo
}

type fieldInfo struct {
	Field
	index []int
	typ   reflect.Type
}

var infoCache sync.Map // reflect.Type -> *structInfo

// infoOf returns the table of a struct type, or an error when the type is
// not one of the api packages' types.
func infoOf(t reflect.Type) (*structInfo, error) {
	if v, ok := infoCache.Load(t); ok {
		return v.(*structInfo), nil
	}
	fs, ok := Fields(t)
	if !ok {
		return nil, fmt.Errorf("protobuf: type %v has no protobuf encoding", t)
	}
	si := &structInfo{byNum: map[int]*fieldInfo{}}
	for _, f := range fs {
		sf, ok := t.FieldByName(f.Name)
		if !ok {
			return nil, fmt.Errorf("protobuf: type %v has no field %s", t, f.Name)
		}
		si.fields = append(si.fields, fieldInfo{Field: f, index: sf.Index, typ: sf.Type})
	}
	for i := range si.fields {
		si.byNum[si.fields[i].Number] = &si.fields[i]
	}
	v, _ := infoCache.LoadOrStore(t, si)
	return v.(*structInfo), nil
}

// Marshal encodes obj, a struct of the api packages or a pointer to one, as
// the protobuf message of its Kubernetes twin (without the envelope: see
// [EncodeEnvelope]). The apiVersion and kind are not part of the message.
// It is safe for concurrent use and does not modify obj.
func Marshal(obj any) ([]byte, error) {
	v := reflect.ValueOf(obj)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, fmt.Errorf("protobuf: Marshal of a nil %T", obj)
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil, fmt.Errorf("protobuf: Marshal of %T, not a struct", obj)
	}
	return appendMessage(nil, v)
}

func appendVarint(b []byte, x uint64) []byte { return binary.AppendUvarint(b, x) }

func appendTag(b []byte, num int, wt int) []byte {
	return appendVarint(b, uint64(num)<<3|uint64(wt))
}

func appendBytesField(b []byte, num int, data []byte) []byte {
	b = appendTag(b, num, wtBytes)
	b = appendVarint(b, uint64(len(data)))
	return append(b, data...)
}

// appendMessage appends the fields of struct v.
func appendMessage(b []byte, v reflect.Value) ([]byte, error) {
	t := v.Type()
	switch t {
	case typeTime:
		tm := v.Interface().(metav1.Time)
		if tm.IsZero() {
			return b, nil
		}
		b = appendTag(b, 1, wtVarint)
		b = appendVarint(b, uint64(tm.Unix()))
		b = appendTag(b, 2, wtVarint)
		return appendVarint(b, 0), nil
	case typeMicroTime:
		tm := v.Interface().(metav1.MicroTime)
		if tm.IsZero() {
			return b, nil
		}
		b = appendTag(b, 1, wtVarint)
		b = appendVarint(b, uint64(tm.Unix()))
		b = appendTag(b, 2, wtVarint)
		return appendVarint(b, uint64(int64(tm.Nanosecond()))), nil
	case typeDuration:
		d := v.Interface().(metav1.Duration)
		b = appendTag(b, 1, wtVarint)
		return appendVarint(b, uint64(int64(d.Duration))), nil
	case typeQuantity:
		q := v.Interface().(resource.Quantity)
		return appendBytesField(b, 1, []byte(q.String())), nil
	case typeIntOrString:
		is := v.Interface().(intstr.IntOrString)
		b = appendTag(b, 1, wtVarint)
		b = appendVarint(b, uint64(int64(is.Type)))
		b = appendTag(b, 2, wtVarint)
		b = appendVarint(b, uint64(int64(is.IntVal)))
		return appendBytesField(b, 3, []byte(is.StrVal)), nil
	}
	si, err := infoOf(t)
	if err != nil {
		return nil, err
	}
	for i := range si.fields {
		f := &si.fields[i]
		fv := v.FieldByIndex(f.index)
		if b, err = appendField(b, f, fv); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
		}
	}
	return b, nil
}

// appendField appends one struct field, following gogo-protobuf's proto2
// rules: nil pointers, slices and maps are left out, everything else is
// written, zero or not.
func appendField(b []byte, f *fieldInfo, v reflect.Value) ([]byte, error) {
	t := v.Type()
	switch {
	case t == typeRawJSON:
		// runtime.RawExtension {raw=1}.
		var inner []byte
		if !v.IsNil() {
			inner = appendBytesField(nil, 1, v.Bytes())
		}
		return appendBytesField(b, f.Number, inner), nil
	case t.Kind() == reflect.Pointer:
		if v.IsNil() {
			return b, nil
		}
		return appendValue(b, f.Number, f.Wire, v.Elem())
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		if v.IsNil() {
			return b, nil
		}
		return appendBytesField(b, f.Number, v.Bytes()), nil
	case t.Kind() == reflect.Slice:
		if v.IsNil() {
			return b, nil
		}
		if f.Nullable {
			// A nullable named slice (metav1.Verbs): a message whose
			// field 1 repeats the items.
			inner, err := appendRepeated(nil, 1, f.Wire, false, v)
			if err != nil {
				return nil, err
			}
			return appendBytesField(b, f.Number, inner), nil
		}
		return appendRepeated(b, f.Number, f.Wire, f.Packed, v)
	case t.Kind() == reflect.Map:
		if v.IsNil() {
			return b, nil
		}
		return appendMap(b, f, v)
	}
	return appendValue(b, f.Number, f.Wire, v)
}

func appendRepeated(b []byte, num int, wire Wire, packed bool, v reflect.Value) ([]byte, error) {
	var err error
	if packed && wire != WireBytes {
		var inner []byte
		for i := range v.Len() {
			if inner, err = appendScalar(inner, wire, v.Index(i)); err != nil {
				return nil, err
			}
		}
		return appendBytesField(b, num, inner), nil
	}
	for i := range v.Len() {
		if b, err = appendValue(b, num, wire, v.Index(i)); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// appendMap appends a map as repeated entries {key=1, value=2} in key order.
func appendMap(b []byte, f *fieldInfo, v reflect.Value) ([]byte, error) {
	keys := v.MapKeys()
	slices.SortFunc(keys, func(x, y reflect.Value) int {
		switch x.Kind() {
		case reflect.String:
			return cmpOrdered(x.String(), y.String())
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return cmpOrdered(x.Int(), y.Int())
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return cmpOrdered(x.Uint(), y.Uint())
		}
		return 0
	})
	kw, vw := f.MapKey, f.MapValue
	if kw == 0 {
		kw = WireBytes
	}
	if vw == 0 {
		vw = WireBytes
	}
	var err error
	for _, k := range keys {
		var entry []byte
		if entry, err = appendValue(entry, 1, kw, k); err != nil {
			return nil, err
		}
		val := v.MapIndex(k)
		switch {
		case val.Kind() == reflect.Pointer:
			if !val.IsNil() {
				entry, err = appendValue(entry, 2, vw, val.Elem())
			}
		case val.Kind() == reflect.Slice && val.Type().Elem().Kind() == reflect.Uint8:
			entry = appendBytesField(entry, 2, val.Bytes())
		default:
			entry, err = appendValue(entry, 2, vw, val)
		}
		if err != nil {
			return nil, err
		}
		b = appendBytesField(b, f.Number, entry)
	}
	return b, nil
}

func cmpOrdered[T string | int64 | uint64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// appendValue appends one value (not a pointer, slice or map) as field num.
func appendValue(b []byte, num int, wire Wire, v reflect.Value) ([]byte, error) {
	switch v.Kind() {
	case reflect.Struct:
		inner, err := appendMessage(nil, v)
		if err != nil {
			return nil, err
		}
		return appendBytesField(b, num, inner), nil
	case reflect.String:
		return appendBytesField(b, num, []byte(v.String())), nil
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return appendBytesField(b, num, v.Bytes()), nil
		}
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		switch wire {
		case WireFixed64:
			b = appendTag(b, num, wtFixed64)
		case WireFixed32:
			b = appendTag(b, num, wtFixed32)
		default:
			b = appendTag(b, num, wtVarint)
		}
		return appendScalar(b, wire, v)
	}
	return nil, fmt.Errorf("protobuf: cannot encode a %v", v.Type())
}

// appendScalar appends the bare value of a number or bool.
func appendScalar(b []byte, wire Wire, v reflect.Value) ([]byte, error) {
	var x uint64
	switch v.Kind() {
	case reflect.Bool:
		if v.Bool() {
			x = 1
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := v.Int()
		if wire == WireZigzag {
			x = uint64(n<<1) ^ uint64(n>>63)
		} else {
			x = uint64(n)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		x = v.Uint()
	case reflect.Float64:
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Float())), nil
	case reflect.Float32:
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v.Float()))), nil
	default:
		return nil, fmt.Errorf("protobuf: cannot encode a %v as a scalar", v.Type())
	}
	switch wire {
	case WireFixed64:
		return binary.LittleEndian.AppendUint64(b, x), nil
	case WireFixed32:
		return binary.LittleEndian.AppendUint32(b, uint32(x)), nil
	}
	return appendVarint(b, x), nil
}
