package patch

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// Schema tells StrategicMergePatch how to patch the members of one JSON
// object. Implementations must be safe for use by several goroutines at
// once; the ones of this package are immutable.
//
// A nil Schema, anywhere in the tree, means nothing is known below that
// point: lists there are replaced and objects merged, as in a JSON merge
// patch.
type Schema interface {
	// Field returns how the member called name of an object with this
	// schema is patched. A name the schema does not know gives the zero
	// Field.
	Field(name string) Field
}

// Field is how strategic merge patch treats one member of an object: the
// patchStrategy and patchMergeKey struct tags of a Go field, and the schema
// of what the member holds.
type Field struct {
	// Strategy is the member's patch strategy; zero means lists are
	// replaced and objects merged.
	Strategy Strategy
	// MergeKey is the member whose value identifies an element of a list of
	// objects merged with StrategyMerge ("name" for a pod's containers).
	// Empty for a list of strings, numbers or booleans, which merges as a
	// set.
	MergeKey string
	// Schema is the schema of the object the member holds, or of each
	// element of the list it holds; nil when unknown or not an object.
	Schema Schema
}

// Strategy is a set of patch strategies, the values of Kubernetes'
// patchStrategy struct tag.
type Strategy uint8

// The patch strategies.
const (
	// StrategyMerge ("merge") merges a list instead of replacing it:
	// elements of a list of objects are matched by Field.MergeKey and
	// merged, others kept, new ones added; a list of scalars merges as a set
	// (union without duplicates).
	StrategyMerge Strategy = 1 << iota
	// StrategyRetainKeys ("retainKeys") marks a union type whose patches
	// carry a $retainKeys directive. It records the tag for patch writers;
	// StrategicMergePatch honours $retainKeys wherever it appears.
	StrategyRetainKeys
	// StrategyReplace ("replace") replaces an object instead of merging it.
	StrategyReplace
)

// ParseStrategy reads a patchStrategy tag value: a comma-separated list of
// "merge", "retainKeys" and "replace". Unknown words are ignored.
func ParseStrategy(tag string) Strategy {
	var s Strategy
	for word := range strings.SplitSeq(tag, ",") {
		switch strings.TrimSpace(word) {
		case "merge":
			s |= StrategyMerge
		case "retainKeys":
			s |= StrategyRetainKeys
		case "replace":
			s |= StrategyReplace
		}
	}
	return s
}

// String returns the tag value for s, such as "merge,retainKeys".
func (s Strategy) String() string {
	var words []string
	if s&StrategyMerge != 0 {
		words = append(words, "merge")
	}
	if s&StrategyRetainKeys != 0 {
		words = append(words, "retainKeys")
	}
	if s&StrategyReplace != 0 {
		words = append(words, "replace")
	}
	return strings.Join(words, ",")
}

// Fields is a Schema written as a map from member name to Field: for
// schemas built by hand or from OpenAPI's x-kubernetes-patch-strategy and
// x-kubernetes-patch-merge-key. Do not modify it once in use.
type Fields map[string]Field

// Field returns f[name], the zero Field when absent.
func (f Fields) Field(name string) Field { return f[name] }

// Map is the Schema of an object used as a map with arbitrary member names
// (a Go map): every member is patched as the Field it holds.
type Map Field

// Field returns Field(m) whatever the name.
func (m Map) Field(string) Field { return Field(m) }

// SchemaOf returns the Schema of the JSON form of T; see SchemaFor.
func SchemaOf[T any]() Schema { return SchemaFor(reflect.TypeFor[T]()) }

// SchemaFor returns the Schema that the struct tags of t describe, for
// StrategicMergePatch on JSON documents of that type. Pointers are followed;
// a struct gives the schema of its members, a map a Map of its value type's
// schema, a slice or array its element type's schema. A type with its own
// MarshalJSON or MarshalText, []byte, and any other type have no schema
// (nil), nor has a map whose values have none.
//
// Member names and embedding follow encoding/json: the name from the json
// tag or else the Go name; fields tagged "-" and unexported fields are
// skipped; the fields of an embedded struct without a json name (as with
// Kubernetes' `json:",inline"`) are members of the outer object, a
// shallower field hiding a deeper one and a same-depth conflict hiding
// both unless exactly one is tagged. Each member's Field comes from its
// patchStrategy and patchMergeKey tags and from its type: through
// pointers, slices and arrays to the element type, through maps to a Map of
// the value type.
//
// Schemas are built once per type and cached; recursive types are fine.
// The result is immutable and any goroutine may use it; SchemaFor may be
// called from several goroutines at once.
func SchemaFor(t reflect.Type) Schema {
	if t == nil {
		return nil
	}
	schemaMu.Lock()
	defer schemaMu.Unlock()
	return valueSchema(t)
}

var (
	// schemaMu guards schemaCache, and is held while a schema is built so
	// that no goroutine sees one half-built.
	schemaMu    sync.Mutex
	schemaCache = map[reflect.Type]*structSchema{}
)

// structSchema is the Schema of a Go struct type.
type structSchema struct {
	fields map[string]Field
}

// Field returns the member's Field, the zero Field for an unknown name.
func (s *structSchema) Field(name string) Field { return s.fields[name] }

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// opaque reports whether t writes its own JSON, so that its fields say
// nothing about its JSON form.
func opaque(t reflect.Type) bool {
	for _, u := range []reflect.Type{t, reflect.PointerTo(t)} {
		if u.Implements(jsonMarshaler) || u.Implements(textMarshaler) {
			return true
		}
	}
	return false
}

// valueSchema returns the schema of a value of type t: of the object it
// encodes to, or of the elements of the array it encodes to. Called with
// schemaMu held.
func valueSchema(t reflect.Type) Schema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if opaque(t) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		return structSchemaFor(t)
	case reflect.Map:
		if s := valueSchema(t.Elem()); s != nil {
			return Map{Schema: s}
		}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil // []byte is a base64 string
		}
		return valueSchema(t.Elem())
	}
	return nil
}

// structSchemaFor returns the cached schema of struct type t, building it
// if needed. Called with schemaMu held.
func structSchemaFor(t reflect.Type) *structSchema {
	if s, ok := schemaCache[t]; ok {
		return s
	}
	s := &structSchema{}
	// Cache before building, so that a recursive type finds itself.
	schemaCache[t] = s
	var found []member
	collectMembers(t, 0, map[reflect.Type]bool{t: true}, &found)
	s.fields = resolveMembers(found)
	return s
}

// member is a candidate JSON member of a struct.
type member struct {
	name   string
	depth  int  // embedding depth, 0 for the struct's own fields
	tagged bool // the name came from a json tag
	field  Field
}

// collectMembers appends the candidate members of struct t, found at
// embedding depth, to found. inChain holds the embedded struct types on the
// way down, to stop on embedding cycles.
func collectMembers(t reflect.Type, depth int, inChain map[reflect.Type]bool, found *[]member) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				// An embedded struct without a name: its members are ours.
				if !inChain[ft] {
					inChain[ft] = true
					collectMembers(ft, depth+1, inChain, found)
					delete(inChain, ft)
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		tagged := name != ""
		if !tagged {
			name = sf.Name
		}
		*found = append(*found, member{
			name:   name,
			depth:  depth,
			tagged: tagged,
			field: Field{
				Strategy: ParseStrategy(sf.Tag.Get("patchStrategy")),
				MergeKey: sf.Tag.Get("patchMergeKey"),
				Schema:   valueSchema(sf.Type),
			},
		})
	}
}

// resolveMembers picks, for each name, the member encoding/json would use:
// the shallowest; among several equally shallow, the only tagged one; none
// when that is still ambiguous.
func resolveMembers(found []member) map[string]Field {
	byName := map[string][]member{}
	for _, m := range found {
		byName[m.name] = append(byName[m.name], m)
	}
	fields := make(map[string]Field, len(byName))
	for name, ms := range byName {
		minDepth := ms[0].depth
		for _, m := range ms[1:] {
			minDepth = min(minDepth, m.depth)
		}
		var shallow, tagged []member
		for _, m := range ms {
			if m.depth == minDepth {
				shallow = append(shallow, m)
				if m.tagged {
					tagged = append(tagged, m)
				}
			}
		}
		switch {
		case len(shallow) == 1:
			fields[name] = shallow[0].field
		case len(tagged) == 1:
			fields[name] = tagged[0].field
		}
	}
	return fields
}
