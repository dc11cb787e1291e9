package protobuf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"time"

	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

// ErrMalformed is wrapped by the errors of Unmarshal and DecodeEnvelope for
// input that is not a valid encoding.
var ErrMalformed = errors.New("malformed protobuf")

// maxDepth bounds the nesting of messages that Unmarshal follows.
const maxDepth = 100

// Unmarshal decodes the protobuf message data into obj, a pointer to a
// struct of the api packages, merging into what obj holds as protobuf
// does (decode into a zero value for a plain decode). Fields unknown to
// the table are skipped. Malformed input yields an error wrapping
// ErrMalformed, never a panic. The apiVersion and kind are not part of
// the message, so obj's TypeMeta is left alone.
func Unmarshal(data []byte, obj any) error {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("protobuf: Unmarshal into %T, not a non-nil pointer to a struct", obj)
	}
	return decodeMessage(data, v.Elem(), 0)
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// reader reads the records of one message.
type reader struct {
	data []byte
	pos  int
}

func (r *reader) varint() (uint64, error) {
	x, n := binary.Uvarint(r.data[r.pos:])
	if n <= 0 {
		return 0, malformed("bad varint at offset %d", r.pos)
	}
	r.pos += n
	return x, nil
}

func (r *reader) bytes() ([]byte, error) {
	n, err := r.varint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(r.data)-r.pos) {
		return nil, malformed("length %d at offset %d runs past the end", n, r.pos)
	}
	b := r.data[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return b, nil
}

func (r *reader) fixed(size int) (uint64, error) {
	if len(r.data)-r.pos < size {
		return 0, malformed("truncated fixed%d at offset %d", size*8, r.pos)
	}
	var x uint64
	if size == 8 {
		x = binary.LittleEndian.Uint64(r.data[r.pos:])
	} else {
		x = uint64(binary.LittleEndian.Uint32(r.data[r.pos:]))
	}
	r.pos += size
	return x, nil
}

// next reads a record's tag: its field number and wire type.
func (r *reader) next() (int, int, error) {
	tag, err := r.varint()
	if err != nil {
		return 0, 0, err
	}
	num, wt := tag>>3, int(tag&7)
	if num == 0 || num > 1<<29-1 {
		return 0, 0, malformed("bad field number %d", num)
	}
	return int(num), wt, nil
}

// skip skips a record's value.
func (r *reader) skip(wt int) error {
	var err error
	switch wt {
	case wtVarint:
		_, err = r.varint()
	case wtFixed64:
		_, err = r.fixed(8)
	case wtFixed32:
		_, err = r.fixed(4)
	case wtBytes:
		_, err = r.bytes()
	default:
		err = malformed("unsupported wire type %d", wt)
	}
	return err
}

// scalar reads a number record's value.
func (r *reader) scalar(wt int) (uint64, error) {
	switch wt {
	case wtVarint:
		return r.varint()
	case wtFixed64:
		return r.fixed(8)
	case wtFixed32:
		return r.fixed(4)
	}
	return 0, malformed("wire type %d for a number", wt)
}

// decodeMessage merges the message data into struct v.
func decodeMessage(data []byte, v reflect.Value, depth int) error {
	if depth > maxDepth {
		return malformed("messages nested deeper than %d", maxDepth)
	}
	if done, err := decodeSpecial(data, v); done {
		return err
	}
	si, err := infoOf(v.Type())
	if err != nil {
		return err
	}
	r := &reader{data: data}
	for r.pos < len(r.data) {
		num, wt, err := r.next()
		if err != nil {
			return err
		}
		f := si.byNum[num]
		if f == nil {
			if err := r.skip(wt); err != nil {
				return err
			}
			continue
		}
		if err := decodeField(r, wt, f, v.FieldByIndex(f.index), depth); err != nil {
			return fmt.Errorf("%s.%s: %w", v.Type().Name(), f.Name, err)
		}
	}
	return nil
}

// decodeField decodes one record of field f into v.
func decodeField(r *reader, wt int, f *fieldInfo, v reflect.Value, depth int) error {
	t := v.Type()
	switch {
	case t == typeRawJSON:
		b, err := bytesOf(r, wt)
		if err != nil {
			return err
		}
		raw, err := decodeRaw(b)
		if err != nil {
			return err
		}
		v.SetBytes(raw)
		return nil
	case t.Kind() == reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return decodeValue(r, wt, f.Wire, v.Elem(), depth)
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		if f.Nullable {
			b, err := bytesOf(r, wt)
			if err != nil {
				return err
			}
			if v.IsNil() {
				v.Set(reflect.MakeSlice(t, 0, 0))
			}
			inner := &reader{data: b}
			for inner.pos < len(inner.data) {
				num, iwt, err := inner.next()
				if err != nil {
					return err
				}
				if num != 1 {
					if err := inner.skip(iwt); err != nil {
						return err
					}
					continue
				}
				if err := appendElem(inner, iwt, f.Wire, v, depth); err != nil {
					return err
				}
			}
			return nil
		}
		return appendElem(r, wt, f.Wire, v, depth)
	case t.Kind() == reflect.Map:
		return decodeMapEntry(r, wt, f, v, depth)
	}
	return decodeValue(r, wt, f.Wire, v, depth)
}

// appendElem decodes one record of a repeated field, packed or not, and
// appends to slice v.
func appendElem(r *reader, wt int, wire Wire, v reflect.Value, depth int) error {
	et := v.Type().Elem()
	if wt == wtBytes && isScalar(et.Kind()) {
		b, err := r.bytes()
		if err != nil {
			return err
		}
		pr := &reader{data: b}
		ewt := wtVarint
		switch {
		case wire == WireFixed64 || et.Kind() == reflect.Float64:
			ewt = wtFixed64
		case wire == WireFixed32 || et.Kind() == reflect.Float32:
			ewt = wtFixed32
		}
		for pr.pos < len(pr.data) {
			e := reflect.New(et).Elem()
			if err := decodeValue(pr, ewt, wire, e, depth); err != nil {
				return err
			}
			v.Set(reflect.Append(v, e))
		}
		return nil
	}
	e := reflect.New(et).Elem()
	target := e
	if et.Kind() == reflect.Pointer {
		e = reflect.New(et.Elem())
		target = e.Elem()
	}
	if err := decodeValue(r, wt, wire, target, depth); err != nil {
		return err
	}
	v.Set(reflect.Append(v, e))
	return nil
}

func isScalar(k reflect.Kind) bool {
	switch k {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// decodeMapEntry decodes one entry {key=1, value=2} into map v.
func decodeMapEntry(r *reader, wt int, f *fieldInfo, v reflect.Value, depth int) error {
	b, err := bytesOf(r, wt)
	if err != nil {
		return err
	}
	t := v.Type()
	key := reflect.New(t.Key()).Elem()
	val := reflect.New(t.Elem()).Elem()
	target := val
	if t.Elem().Kind() == reflect.Pointer {
		val = reflect.New(t.Elem().Elem())
		target = val.Elem()
	}
	kw, vw := f.MapKey, f.MapValue
	if kw == 0 {
		kw = WireBytes
	}
	if vw == 0 {
		vw = WireBytes
	}
	er := &reader{data: b}
	for er.pos < len(er.data) {
		num, ewt, err := er.next()
		if err != nil {
			return err
		}
		switch num {
		case 1:
			err = decodeValue(er, ewt, kw, key, depth)
		case 2:
			err = decodeValue(er, ewt, vw, target, depth)
		default:
			err = er.skip(ewt)
		}
		if err != nil {
			return err
		}
	}
	if target.Kind() == reflect.Slice && target.IsNil() {
		target.Set(reflect.MakeSlice(target.Type(), 0, 0))
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(t))
	}
	v.SetMapIndex(key, val)
	return nil
}

func bytesOf(r *reader, wt int) ([]byte, error) {
	if wt != wtBytes {
		return nil, malformed("wire type %d where length-delimited was expected", wt)
	}
	return r.bytes()
}

// decodeValue decodes one value (not a pointer, repeated or map) into v.
func decodeValue(r *reader, wt int, wire Wire, v reflect.Value, depth int) error {
	switch k := v.Kind(); {
	case k == reflect.Struct:
		b, err := bytesOf(r, wt)
		if err != nil {
			return err
		}
		return decodeMessage(b, v, depth+1)
	case k == reflect.String:
		b, err := bytesOf(r, wt)
		if err != nil {
			return err
		}
		v.SetString(string(b))
		return nil
	case k == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		b, err := bytesOf(r, wt)
		if err != nil {
			return err
		}
		v.SetBytes(append([]byte{}, b...))
		return nil
	case isScalar(k):
		x, err := r.scalar(wt)
		if err != nil {
			return err
		}
		setScalar(v, wire, wt, x)
		return nil
	}
	return fmt.Errorf("protobuf: cannot decode into a %v", v.Type())
}

func setScalar(v reflect.Value, wire Wire, wt int, x uint64) {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(x != 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := int64(x)
		if wire == WireZigzag {
			n = int64(x>>1) ^ -int64(x&1)
		}
		if v.OverflowInt(n) {
			// As Go's conversions (and gogo-protobuf) do: keep the low bits.
			n = truncInt(n, v.Type().Bits())
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.OverflowUint(x) {
			x &= 1<<uint(v.Type().Bits()) - 1
		}
		v.SetUint(x)
	case reflect.Float64:
		v.SetFloat(math.Float64frombits(x))
	case reflect.Float32:
		f := float64(math.Float32frombits(uint32(x)))
		if wt == wtFixed64 {
			f = math.Float64frombits(x)
		}
		v.SetFloat(f)
	}
}

func truncInt(n int64, bits int) int64 {
	switch bits {
	case 8:
		return int64(int8(n))
	case 16:
		return int64(int16(n))
	case 32:
		return int64(int32(n))
	}
	return n
}

// decodeRaw decodes a runtime.RawExtension {raw=1}.
func decodeRaw(data []byte) ([]byte, error) {
	var raw []byte
	r := &reader{data: data}
	for r.pos < len(r.data) {
		num, wt, err := r.next()
		if err != nil {
			return nil, err
		}
		if num != 1 {
			if err := r.skip(wt); err != nil {
				return nil, err
			}
			continue
		}
		b, err := bytesOf(r, wt)
		if err != nil {
			return nil, err
		}
		raw = append([]byte{}, b...)
	}
	return raw, nil
}

// decodeSpecial decodes the types with a hand-written encoding; done is
// false for the others.
func decodeSpecial(data []byte, v reflect.Value) (done bool, err error) {
	t := v.Type()
	switch t {
	case typeTime, typeMicroTime, typeDuration, typeQuantity, typeIntOrString:
	default:
		return false, nil
	}
	var nums [4]uint64 // the varint fields 1..3
	var str []byte     // field 1 (Quantity) or 3 (IntOrString)
	seen := false
	r := &reader{data: data}
	for r.pos < len(r.data) {
		num, wt, err := r.next()
		if err != nil {
			return true, err
		}
		seen = true
		stringField := (t == typeQuantity && num == 1) || (t == typeIntOrString && num == 3)
		switch {
		case stringField:
			if str, err = bytesOf(r, wt); err != nil {
				return true, err
			}
		case num <= 3 && wt == wtVarint:
			if nums[num], err = r.varint(); err != nil {
				return true, err
			}
		default:
			if err := r.skip(wt); err != nil {
				return true, err
			}
		}
	}
	switch t {
	case typeTime:
		// Kubernetes keeps whole seconds (see metav1.Time.Unmarshal).
		tm := metav1.Time{}
		if seen {
			tm = metav1.NewTime(time.Unix(int64(nums[1]), 0).Local())
		}
		v.Set(reflect.ValueOf(tm))
	case typeMicroTime:
		tm := metav1.MicroTime{}
		if seen {
			tm = metav1.NewMicroTime(time.Unix(int64(nums[1]), int64(int32(nums[2]))).Local())
		}
		v.Set(reflect.ValueOf(tm))
	case typeDuration:
		v.Set(reflect.ValueOf(metav1.Duration{Duration: time.Duration(int64(nums[1]))}))
	case typeQuantity:
		q, err := resource.ParseQuantity(string(str))
		if err != nil {
			return true, fmt.Errorf("%w: quantity %q: %v", ErrMalformed, str, err)
		}
		v.Set(reflect.ValueOf(q))
	case typeIntOrString:
		v.Set(reflect.ValueOf(intstr.IntOrString{Type: intstr.Type(int64(nums[1])), IntVal: int32(nums[2]), StrVal: string(str)}))
	}
	return true, nil
}
