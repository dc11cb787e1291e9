package client

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	"github.com/rigging-dev/rigging/api/jsoncodec"
)

// unmarshalList decodes data, a list response, into l, which must be zero,
// exactly as json.Unmarshal does, but without its reflection over the list:
// decodeList scans the list itself and hands metadata and each item to the
// generated code (jsoncodec). On anything it is not sure of, which includes
// every invalid input, json.Unmarshal decodes the whole list instead, so
// results and errors are always encoding/json's.
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

// decodeList decodes data into l, which must be zero, when data is a JSON
// object whose keys are exactly kind, apiVersion, metadata and items, each
// at most once, with plain strings (or null) for kind and apiVersion; it
// reports false, leaving l partly set, for anything else, or when the
// generated code fails on metadata or an item.
func decodeList[T any](data []byte, l *List[T]) bool {
	s := jsonScanner{data: data}
	if !s.consume('{') {
		return false
	}
	var (
		seen  [4]bool
		items [][]byte // raw items; nil for no items or null
		empty bool     // "items": []
	)
	if !s.consume('}') {
		for {
			key, ok := s.plainString()
			if !ok || !s.consume(':') {
				return false
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
				if s.null() {
					break
				}
				v, ok := s.plainString()
				if !ok {
					return false
				}
				if k == 0 {
					l.Kind = string(v)
				} else {
					l.APIVersion = string(v)
				}
			case 2:
				raw, ok := s.value()
				if !ok || jsoncodec.Unmarshal(raw, &l.ListMeta) != nil {
					return false
				}
			case 3:
				if s.null() {
					break
				}
				if !s.consume('[') {
					return false
				}
				if s.consume(']') {
					empty = true
					break
				}
				for {
					raw, ok := s.value()
					if !ok {
						return false
					}
					items = append(items, raw)
					if s.consume(']') {
						break
					}
					if !s.consume(',') {
						return false
					}
				}
			}
			if s.consume('}') {
				break
			}
			if !s.consume(',') {
				return false
			}
		}
	}
	s.skipSpace()
	if s.i != len(data) {
		return false
	}
	if empty {
		l.Items = []T{}
	} else if items != nil {
		l.Items = make([]T, len(items))
		for i, raw := range items {
			if jsoncodec.Unmarshal(raw, &l.Items[i]) != nil {
				return false
			}
		}
	}
	return true
}

// jsonScanner finds the tokens and the extent of values in data, checking
// only what decodeList relies on: whatever it hands on as a value is
// checked by the decoder it goes to.
type jsonScanner struct {
	data []byte
	i    int
}

func (s *jsonScanner) skipSpace() {
	for s.i < len(s.data) && isSpace(s.data[s.i]) {
		s.i++
	}
}

// consume skips whitespace, then c if it is next, reporting whether it was.
func (s *jsonScanner) consume(c byte) bool {
	s.skipSpace()
	if s.i < len(s.data) && s.data[s.i] == c {
		s.i++
		return true
	}
	return false
}

// null consumes a null literal if one is next.
func (s *jsonScanner) null() bool {
	s.skipSpace()
	if !bytes.HasPrefix(s.data[s.i:], []byte("null")) {
		return false
	}
	if j := s.i + 4; j < len(s.data) && !isDelim(s.data[j]) {
		return false
	}
	s.i += 4
	return true
}

// plainString consumes a string with no escapes, no control characters
// and valid UTF-8, whose bytes are its value, and returns them.
func (s *jsonScanner) plainString() ([]byte, bool) {
	if !s.consume('"') {
		return nil, false
	}
	rest := s.data[s.i:]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return nil, false
	}
	v := rest[:j]
	for _, c := range v {
		if c < 0x20 || c == '\\' {
			return nil, false
		}
	}
	if !utf8.Valid(v) {
		return nil, false
	}
	s.i += j + 1
	return v, true
}

// value consumes the next value, whatever it is, and returns its bytes:
// an object or array to its matching bracket (counting brackets outside
// strings), a string to its closing quote, anything else to the next
// delimiter.
func (s *jsonScanner) value() ([]byte, bool) {
	s.skipSpace()
	start := s.i
	if start >= len(s.data) {
		return nil, false
	}
	depth, inString := 0, false
	for i := start; i < len(s.data); i++ {
		c := s.data[i]
		switch {
		case inString:
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
				if depth == 0 {
					s.i = i + 1
					return s.data[start:s.i], true
				}
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > maxValueDepth {
				return nil, false
			}
		case c == '}' || c == ']':
			if depth == 0 {
				s.i = i
				return s.data[start:i], i > start
			}
			depth--
			if depth == 0 {
				s.i = i + 1
				return s.data[start:s.i], true
			}
		case depth == 0 && (c == ',' || isSpace(c)):
			s.i = i
			return s.data[start:i], i > start
		}
	}
	if depth != 0 || inString {
		return nil, false
	}
	s.i = len(s.data)
	return s.data[start:], true
}

// maxValueDepth is the deepest nesting value accepts: json.Unmarshal fails
// on a list nested deeper than 10000 in all, and an item decoded alone would
// be two levels short of that.
const maxValueDepth = 1000

// isDelim reports whether c may follow a literal.
func isDelim(c byte) bool { return isSpace(c) || c == ',' || c == '}' || c == ']' }
