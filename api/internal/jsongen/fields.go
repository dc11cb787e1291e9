package main

import (
	"fmt"
	"go/types"
	"reflect"
	"sort"
	"strings"
	"unicode"
)

// field is one JSON member of a struct, as encoding/json's typeFields
// finds it: embedded structs without a name are flattened.
type field struct {
	name      string
	path      []string // Go field names from the outer struct
	index     []int
	typ       types.Type
	tagged    bool
	omitEmpty bool
	omitZero  bool
}

// jsonFields returns the members of struct st in encoding/json's order,
// with its rules for embedded structs and conflicting names.
func jsonFields(st *types.Struct) ([]field, error) {
	type level struct {
		st    *types.Struct
		path  []string
		index []int
	}
	var all []field
	current := []level{}
	next := []level{{st: st}}
	visited := map[*types.Struct]bool{}
	for len(next) > 0 {
		current, next = next, nil
		count := map[string]int{}
		var found []field
		for _, lv := range current {
			if visited[lv.st] {
				continue
			}
			visited[lv.st] = true
			for i := 0; i < lv.st.NumFields(); i++ {
				sf := lv.st.Field(i)
				ft := sf.Type()
				if sf.Embedded() {
					t := ft
					if p, ok := t.(*types.Pointer); ok {
						t = p.Elem()
					}
					if _, isStruct := t.Underlying().(*types.Struct); !sf.Exported() && !isStruct {
						continue
					}
				} else if !sf.Exported() {
					continue
				}
				tag := reflect.StructTag(lv.st.Tag(i)).Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTag(name) {
					name = ""
				}
				if hasOpt(opts, "string") {
					return nil, fmt.Errorf("field %s: the ,string option is not supported", sf.Name())
				}
				path := append(append([]string(nil), lv.path...), sf.Name())
				index := append(append([]int(nil), lv.index...), i)
				named := ft
				if p, ok := named.(*types.Pointer); ok {
					if _, isNamed := named.(*types.Named); !isNamed {
						named = p.Elem()
					}
				}
				_, isStruct := named.Underlying().(*types.Struct)
				if name != "" || !sf.Embedded() || !isStruct {
					f := field{name: name, path: path, index: index, typ: ft, tagged: name != "",
						omitEmpty: hasOpt(opts, "omitempty"), omitZero: hasOpt(opts, "omitzero")}
					if f.name == "" {
						f.name = sf.Name()
					}
					found = append(found, f)
					count[f.name]++
					continue
				}
				if _, isPtr := ft.(*types.Pointer); isPtr {
					return nil, fmt.Errorf("field %s: embedded pointers are not supported", sf.Name())
				}
				next = append(next, level{st: named.Underlying().(*types.Struct), path: path, index: index})
			}
		}
		all = append(all, found...)
	}
	// Dominance: for each name the shallowest fields win; among several at
	// that depth, the only tagged one, else none.
	byName := map[string][]field{}
	for _, f := range all {
		byName[f.name] = append(byName[f.name], f)
	}
	var out []field
	for _, fs := range byName {
		minDepth := len(fs[0].index)
		for _, f := range fs {
			minDepth = min(minDepth, len(f.index))
		}
		var top []field
		for _, f := range fs {
			if len(f.index) == minDepth {
				top = append(top, f)
			}
		}
		if len(top) == 1 {
			out = append(out, top[0])
			continue
		}
		var tagged []field
		for _, f := range top {
			if f.tagged {
				tagged = append(tagged, f)
			}
		}
		if len(tagged) == 1 {
			out = append(out, tagged[0])
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].index, out[j].index
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return len(a) < len(b)
	})
	return out, nil
}

func hasOpt(opts, name string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == name {
			return true
		}
	}
	return false
}

// validTag is encoding/json's isValidTag.
func validTag(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}
