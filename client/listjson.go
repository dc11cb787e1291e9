package client

import (
	"encoding/json"

	"github.com/rigging-dev/rigging/api/jsoncodec"
	"github.com/rigging-dev/rigging/internal/jsontext"
)

// unmarshalList decodes data, a list response, into l, which must be zero,
// exactly as json.Unmarshal does, but without its reflection over the list:
// decodeList walks the list with the generated code's tokenizer (jsontext)
// and decodes metadata and each item in place with the generated code. On
// anything it is not sure of, which includes every invalid input,
// json.Unmarshal decodes the whole list instead, so results and errors are
// always encoding/json's.
func (l *List[T]) unmarshalList(data []byte) error {
	if decodeList(data, l) {
		return nil
	}
	*l = List[T]{}
	return json.Unmarshal(data, l)
}

// listUnmarshaler is the decoding doJSON prefers to jsoncodec's.
type listUnmarshaler interface {
	unmarshalList(data []byte) error
}

var _ listUnmarshaler = (*List[struct{}])(nil)

// inPlaceDecoder is the method jsongen generates beside UnmarshalJSONFast:
// it decodes the next value of d, which may be inside a larger input.
type inPlaceDecoder interface {
	UnmarshalJSONFrom(d *jsontext.Decoder) error
}

// decodesInPlace reports whether *T has generated code of its own
// (jsoncodec.As), and so an UnmarshalJSONFrom that decodes all of it.
func decodesInPlace[T any]() bool {
	p := (*T)(nil)
	if _, ok := jsoncodec.As(p); !ok {
		return false
	}
	_, ok := any(p).(inPlaceDecoder)
	return ok
}

// decodeValue decodes the next value of d into v, which must point to a
// zero value: in place when inPlace (see decodesInPlace), else by handing
// the value's bytes to jsoncodec. It reports false when it cannot be sure
// the result is json.Unmarshal's.
func decodeValue(d *jsontext.Decoder, v any, inPlace bool) bool {
	if inPlace {
		return v.(inPlaceDecoder).UnmarshalJSONFrom(d) == nil
	}
	raw, err := d.Raw()
	return err == nil && jsoncodec.Unmarshal(raw, v) == nil
}

// The bounds of how many items decodeList allocates for before it has
// decoded them: at most listSizeHint, and one per listItemBytes of input,
// so that a short input that only looks like a long list (`[,,,]`)
// cannot make it allocate much; beyond them, the items slice grows as
// items are decoded.
const (
	listSizeHint  = 1 << 14
	listItemBytes = 64
)

// decodeList decodes data into l, which must be zero, when data is a JSON
// object whose member names are exactly kind, apiVersion, metadata and
// items, each at most once, with strings (or null) for kind and apiVersion;
// it reports false, leaving l partly set, for anything else, or when the
// generated code is unsure of metadata or an item.
func decodeList[T any](data []byte, l *List[T]) bool {
	d := jsontext.NewDecoder(data)
	if d.ObjectStart() != nil {
		return false
	}
	var seen [4]bool
	for {
		key, more, err := d.Key()
		if err != nil {
			return false
		}
		if !more {
			break
		}
		k := -1
		switch string(key) {
		case "kind":
			k = 0
		case "apiVersion":
			k = 1
		case "metadata":
			k = 2
		case "items":
			k = 3
		}
		if k < 0 || seen[k] {
			return false
		}
		seen[k] = true
		switch k {
		case 0, 1:
			if d.Null() {
				break
			}
			v, err := d.String()
			if err != nil {
				return false
			}
			if k == 0 {
				l.Kind = v
			} else {
				l.APIVersion = v
			}
		case 2:
			if l.ListMeta.UnmarshalJSONFrom(d) != nil {
				return false
			}
		case 3:
			if d.Null() {
				break
			}
			if d.ArrayStart() != nil {
				return false
			}
			inPlace := decodesInPlace[T]()
			l.Items = make([]T, 0, d.Remaining(min(listSizeHint, len(data)/listItemBytes)))
			for {
				more, err := d.More()
				if err != nil {
					return false
				}
				if !more {
					break
				}
				var zero T
				l.Items = append(l.Items, zero)
				if !decodeValue(d, &l.Items[len(l.Items)-1], inPlace) {
					return false
				}
			}
		}
	}
	return d.End() == nil
}
