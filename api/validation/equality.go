package validation

import (
	"reflect"
	"time"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

var (
	quantityType  = reflect.TypeFor[resource.Quantity]()
	timeType      = reflect.TypeFor[metav1.Time]()
	microTimeType = reflect.TypeFor[metav1.MicroTime]()
	stdTimeType   = reflect.TypeFor[time.Time]()
)

// semanticEqual reports whether a and b are equal the way Kubernetes'
// apiequality.Semantic compares API objects: quantities by value ("1k" equals
// "1000"), times by instant, and a nil slice or map equal to an empty one.
// Everything else is compared as reflect.DeepEqual does.
func semanticEqual(a, b any) bool {
	if a == nil || b == nil {
		return a == b
	}
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Type() != vb.Type() {
		return false
	}
	return equalValues(va, vb, 0)
}

// maxEqualDepth bounds the recursion; API objects are far shallower, and a
// cyclic value (which no API object is) would otherwise never finish.
const maxEqualDepth = 100

func equalValues(a, b reflect.Value, depth int) bool {
	if depth > maxEqualDepth {
		return false
	}
	switch a.Type() {
	case quantityType:
		return a.Interface().(resource.Quantity).Cmp(b.Interface().(resource.Quantity)) == 0
	case timeType:
		return a.Interface().(metav1.Time).Time.Equal(b.Interface().(metav1.Time).Time)
	case microTimeType:
		return a.Interface().(metav1.MicroTime).Time.Equal(b.Interface().(metav1.MicroTime).Time)
	case stdTimeType:
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Kind() == reflect.Interface && a.Elem().Type() != b.Elem().Type() {
			return false
		}
		return equalValues(a.Elem(), b.Elem(), depth+1)
	case reflect.Struct:
		for i := range a.NumField() {
			if !equalValues(a.Field(i), b.Field(i), depth+1) {
				return false
			}
		}
		return true
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equalValues(a.Index(i), b.Index(i), depth+1) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		iter := a.MapRange()
		for iter.Next() {
			bv := b.MapIndex(iter.Key())
			if !bv.IsValid() || !equalValues(iter.Value(), bv, depth+1) {
				return false
			}
		}
		return true
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return a.IsNil() && b.IsNil()
	}
	switch a.Kind() {
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	case reflect.Complex64, reflect.Complex128:
		return a.Complex() == b.Complex()
	case reflect.String:
		return a.String() == b.String()
	}
	return false
}
