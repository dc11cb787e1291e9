package protobuf_test

import (
	"reflect"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/protobuf"
)

// TestTableMatchesGoTypes checks the generated table against our Go
// fields: each named field exists, and its Go kind fits the wire kind.
func TestTableMatchesGoTypes(t *testing.T) {
	var types []reflect.Type
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(rt reflect.Type) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice || rt.Kind() == reflect.Map {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || seen[rt] {
			return
		}
		seen[rt] = true
		fs, ok := protobuf.Fields(rt)
		if !ok {
			return
		}
		types = append(types, rt)
		for _, f := range fs {
			if sf, ok := rt.FieldByName(f.Name); ok {
				walk(sf.Type)
			}
		}
	}
	walk(reflect.TypeFor[corev1.PodList]())
	walk(reflect.TypeFor[corev1.NodeList]())
	walk(reflect.TypeFor[metav1.Status]())
	if len(types) < 20 {
		t.Fatalf("walked only %d types", len(types))
	}
	for _, rt := range types {
		fs, _ := protobuf.Fields(rt)
		last := 0
		for _, f := range fs {
			sf, ok := rt.FieldByName(f.Name)
			if !ok {
				t.Errorf("%v has no field %s", rt, f.Name)
				continue
			}
			if f.Number <= last {
				t.Errorf("%v.%s: field number %d not after %d", rt, f.Name, f.Number, last)
			}
			last = f.Number
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if (ft.Kind() == reflect.Slice && ft.Elem().Kind() != reflect.Uint8) || ft.Kind() == reflect.Map {
				if ft.Kind() == reflect.Map && f.MapKey == 0 {
					t.Errorf("%v.%s: a map without a key kind", rt, f.Name)
				}
				continue
			}
			switch ft.Kind() {
			case reflect.String, reflect.Struct, reflect.Slice:
				if f.Wire != protobuf.WireBytes {
					t.Errorf("%v.%s: a %v with wire %d", rt, f.Name, ft, f.Wire)
				}
			case reflect.Bool, reflect.Int32, reflect.Int64:
				if f.Wire != protobuf.WireVarint {
					t.Errorf("%v.%s: a %v with wire %d", rt, f.Name, ft, f.Wire)
				}
			}
		}
	}
}
