package protobuf

import "reflect"

// Wire is the protobuf encoding of a field's values.
type Wire uint8

// The wire kinds Kubernetes' tags use.
const (
	WireVarint  Wire = iota + 1 // varint: integers, bools, enums
	WireBytes                   // length-delimited: strings, bytes, messages
	WireFixed64                 // 8 bytes little-endian: float64
	WireFixed32                 // 4 bytes little-endian: float32
	WireZigzag                  // zigzag varint: sint32, sint64
)

// Field is the protobuf description of one Go struct field, as Kubernetes'
// tags state it.
type Field struct {
	Name     string // the Go field name
	Number   int    // the protobuf field number
	Wire     Wire   // the encoding of a value (of an element, for repeated fields)
	Repeated bool   // a slice or a map
	Packed   bool   // repeated scalars in one length-delimited record
	Nullable bool   // a named slice (metav1.Verbs) wrapped in a message {items=1}
	MapKey   Wire   // for maps: the key's encoding (entry field 1)
	MapValue Wire   // for maps: the value's encoding (entry field 2)
	CastType string // the Go type Kubernetes casts the value to, if any
}

// Fields returns the protobuf fields of a struct type of the api packages,
// in field-number order, and whether the type is known. The slice is
// shared: callers must not modify it.
func Fields(t reflect.Type) ([]Field, bool) {
	f, ok := generatedFields[t]
	return f, ok
}
