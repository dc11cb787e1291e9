package jsontext

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/bits"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrUnsure is returned when the input is valid JSON, or may be, but the
// Decoder or the generated code cannot be sure to decode it exactly as
// encoding/json would: an unknown or case-folded member name, a member
// given twice, a value of an unexpected type.
var ErrUnsure = errors.New("jsontext: input needs encoding/json")

// errSyntax is returned for input that is not valid JSON.
var errSyntax = errors.New("jsontext: invalid JSON")

// Decoder reads JSON values from a complete input in memory. Its zero value
// is not usable; make one with NewDecoder. A Decoder is not safe for
// concurrent use.
type Decoder struct {
	data []byte
	pos  int
	// depth is the current nesting of objects and arrays; encoding/json
	// refuses more than 10000.
	depth int
	// first is set right after '{' or '[': no comma before the next
	// member or element.
	first bool
	// buf holds the last unescaped string.
	buf []byte
	// strs is the chunk of memory the strings String and Copy return are
	// stored in, until it is full; see Copy.
	strs strings.Builder
}

// The string storage of a Decoder (see Copy).
const (
	// maxChunk is the largest allocation that holds several strings.
	maxChunk = 1024
	// maxShared is the longest string that shares an allocation; a longer
	// one gets its own, as encoding/json gives it.
	maxShared = maxChunk / 4
)

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// NewDecoder returns a Decoder reading data.
func NewDecoder(data []byte) *Decoder { return &Decoder{data: data} }

// Reset makes d read data from its start, as NewDecoder(data) would,
// keeping only d's scratch buffer for unescaping, so that a caller that
// decodes many inputs in turn (watch frames) needs neither a new Decoder
// nor a new buffer for each. Strings d returned before stay valid, and
// share no memory with those it returns after.
func (d *Decoder) Reset(data []byte) { *d = Decoder{data: data, buf: d.buf[:0]} }

// skipSpace consumes whitespace. Compact input has none, so the check for
// a byte that is not whitespace comes first, small enough to be inlined.
func (d *Decoder) skipSpace() {
	if d.pos < len(d.data) && d.data[d.pos] > ' ' {
		return
	}
	d.skipSpaceSlow()
}

//go:noinline
func (d *Decoder) skipSpaceSlow() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// End reports an error unless only whitespace remains.
func (d *Decoder) End() error {
	d.skipSpace()
	if d.pos != len(d.data) {
		return errSyntax
	}
	return nil
}

// Null consumes a null literal and reports true if the next value is
// null; otherwise it consumes nothing but whitespace.
func (d *Decoder) Null() bool {
	d.skipSpace()
	if len(d.data)-d.pos >= 4 && string(d.data[d.pos:d.pos+4]) == "null" {
		d.pos += 4
		return true
	}
	return false
}

// ObjectStart consumes the '{' that begins an object.
func (d *Decoder) ObjectStart() error {
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		return ErrUnsure
	}
	d.pos++
	d.depth++
	if d.depth > maxDepth {
		return ErrUnsure
	}
	d.first = true
	return nil
}

// Key reads the next member name of an object and the ':' after it. ok is
// false, and the '}' consumed, at the end of the object. The returned name
// is unescaped; it may alias the input or a buffer reused by the next call.
func (d *Decoder) Key() (name []byte, ok bool, err error) {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return nil, false, errSyntax
	}
	if d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		d.first = false
		return nil, false, nil
	}
	if !d.first {
		if d.data[d.pos] != ',' {
			return nil, false, errSyntax
		}
		d.pos++
		d.skipSpace()
	}
	d.first = false
	name, err = d.str()
	if err != nil {
		return nil, false, err
	}
	if d.pos < len(d.data) && d.data[d.pos] == ':' {
		d.pos++
		return name, true, nil
	}
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != ':' {
		return nil, false, errSyntax
	}
	d.pos++
	return name, true, nil
}

// Remaining returns, right after ObjectStart or ArrayStart, how many
// members or elements the object or array holds, or limit if that is
// less, consuming nothing. It only counts the commas outside strings and
// nested values, without checking the syntax: the count is a size hint,
// which the limit keeps from costing much on input that then proves
// invalid.
func (d *Decoder) Remaining(limit int) int {
	s, i := d.data, d.pos
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	if i >= len(s) || s[i] == ']' || s[i] == '}' || limit <= 0 {
		return 0
	}
	n, depth := 1, 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			for i++; i < len(s); i++ {
				// Skip eight bytes at a time up to a quote or backslash.
				for i+8 <= len(s) {
					if m := quoteOrBackslash(binary.LittleEndian.Uint64(s[i:])); m != 0 {
						i += bits.TrailingZeros64(m) / 8
						break
					}
					i += 8
				}
				if i >= len(s) || s[i] == '"' {
					break
				}
				if s[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			depth++
		case ']', '}':
			if depth == 0 {
				return n
			}
			depth--
		case ',':
			if depth == 0 {
				if n == limit {
					return n
				}
				n++
			}
		}
	}
	return n
}

// ArrayStart consumes the '[' that begins an array.
func (d *Decoder) ArrayStart() error {
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != '[' {
		return ErrUnsure
	}
	d.pos++
	d.depth++
	if d.depth > maxDepth {
		return ErrUnsure
	}
	d.first = true
	return nil
}

// More reports whether another element follows in an array, consuming the
// ',' before it, or the ']' at the end.
func (d *Decoder) More() (bool, error) {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return false, errSyntax
	}
	if d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		d.first = false
		return false, nil
	}
	if !d.first {
		if d.data[d.pos] != ',' {
			return false, errSyntax
		}
		d.pos++
	}
	d.first = false
	return true, nil
}

// String reads a JSON string value, unescaped as encoding/json unescapes it.
// The result is stored as Copy stores it.
func (d *Decoder) String() (string, error) {
	d.skipSpace()
	b, err := d.str()
	if err != nil {
		return "", err
	}
	return d.Copy(b), nil
}

// StringTo reads a JSON string into *p, stored as String stores it, or a
// null, which leaves *p as it is, as encoding/json leaves a string. It is
// the generated code's one call per string member.
func (d *Decoder) StringTo(p *string) error {
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == 'n' && d.Null() {
		return nil
	}
	b, err := d.str()
	if err != nil {
		return err
	}
	*p = d.Copy(b)
	return nil
}

// Copy returns a string holding the bytes of b, as string(b) does, but
// short strings share allocations: the Decoder copies them one after
// another into a chunk of at most 1 KiB, and allocates the next chunk when
// one is full. The generated code makes every string it keeps (string
// values, map keys) with String or Copy, so that decoding an object costs
// one or a few allocations for all its strings instead of one each.
//
// What a kept string pins: a chunk holds only the contents of strings
// returned by this Decoder (no member names, punctuation, numbers or
// other input), it is sized from the input that remains, and it is at most
// 1 KiB, so one string kept alive after the rest of the decoded value is
// dropped pins at most 1 KiB, and all the strings of a value together
// occupy about what encoding/json allocates for them one by one (which
// rounds each up to a size class). Strings longer than 256 bytes, and the
// empty string, are made as encoding/json makes them, on their own.
func (d *Decoder) Copy(b []byte) string {
	n := len(b)
	if n == 0 {
		return ""
	}
	if n > maxShared {
		return string(b)
	}
	if d.strs.Cap()-d.strs.Len() < n {
		// The strings still to come are at most about as long as the
		// input still to read. The first chunk assumes half of it, as
		// member names and punctuation take the rest in most objects; when
		// that proves too little, the next assumes all of it.
		rest := len(d.data) - d.pos
		if d.strs.Cap() == 0 {
			rest /= 2
		}
		size := min(maxChunk, n+rest)
		d.strs.Reset()
		d.strs.Grow(size)
	}
	start := d.strs.Len()
	d.strs.Write(b)
	// Later writes append past the end of this string and never modify
	// it, and Reset leaves the old chunk to the strings already made.
	return d.strs.String()[start:]
}

// Bytes reads a base64 JSON string into a new slice, as encoding/json
// decodes a []byte.
func (d *Decoder) Bytes() ([]byte, error) {
	d.skipSpace()
	s, err := d.str()
	if err != nil {
		return nil, err
	}
	b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(b, s)
	if err != nil {
		return nil, ErrUnsure
	}
	return b[:n], nil
}

// Bool reads true or false.
func (d *Decoder) Bool() (bool, error) {
	d.skipSpace()
	rest := d.data[d.pos:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		d.pos += 4
		return true, nil
	case len(rest) >= 5 && string(rest[:5]) == "false":
		d.pos += 5
		return false, nil
	}
	return false, ErrUnsure
}

// Int reads a JSON number that is an integer fitting in bits bits.
func (d *Decoder) Int(bits int) (int64, error) {
	n, err := d.number()
	if err != nil {
		return 0, err
	}
	if i, ok := shortInt(n); ok {
		// Eighteen digits fit in 64 bits; a smaller size is checked.
		if lim := int64(1) << (bits - 1); bits < 64 && (i < -lim || i >= lim) {
			return 0, ErrUnsure
		}
		return i, nil
	}
	i, err := strconv.ParseInt(string(n), 10, bits)
	if err != nil {
		return 0, ErrUnsure
	}
	return i, nil
}

// Uint reads a JSON number that is a non-negative integer fitting in bits
// bits.
func (d *Decoder) Uint(bits int) (uint64, error) {
	n, err := d.number()
	if err != nil {
		return 0, err
	}
	i, err := strconv.ParseUint(string(n), 10, bits)
	if err != nil {
		return 0, ErrUnsure
	}
	return i, nil
}

// shortInt returns the value of n, a JSON number, when it is an integer
// of at most 18 digits (which cannot overflow an int64), as
// strconv.ParseInt would; ok is false for anything else, which the caller
// leaves to strconv.
func shortInt(n []byte) (i int64, ok bool) {
	neg := len(n) > 0 && n[0] == '-'
	if neg {
		n = n[1:]
	}
	if len(n) == 0 || len(n) > 18 {
		return 0, false
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return 0, false
		}
		i = i*10 + int64(c-'0')
	}
	if neg {
		i = -i
	}
	return i, true
}

// Float reads a JSON number that fits in a float of bits bits.
func (d *Decoder) Float(bits int) (float64, error) {
	n, err := d.number()
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(n), bits)
	if err != nil {
		return 0, ErrUnsure
	}
	return f, nil
}

// Raw reads any JSON value, checking its syntax, and returns its bytes
// without the whitespace around it. They alias the input.
func (d *Decoder) Raw() ([]byte, error) {
	d.skipSpace()
	start := d.pos
	if err := d.skip(); err != nil {
		return nil, err
	}
	return d.data[start:d.pos], nil
}

// skip consumes one value.
func (d *Decoder) skip() error {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return errSyntax
	}
	switch c := d.data[d.pos]; {
	case c == '"':
		_, err := d.str()
		return err
	case c == '{':
		if err := d.ObjectStart(); err != nil {
			return err
		}
		for {
			_, ok, err := d.Key()
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
	case c == '[':
		if err := d.ArrayStart(); err != nil {
			return err
		}
		for {
			ok, err := d.More()
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			if err := d.skip(); err != nil {
				return err
			}
		}
	case c == 't' || c == 'f':
		_, err := d.Bool()
		if err != nil {
			return errSyntax
		}
		return nil
	case c == 'n':
		if !d.Null() {
			return errSyntax
		}
		return nil
	default:
		_, err := d.number()
		return err
	}
}

// number consumes a JSON number and returns its text.
func (d *Decoder) number() ([]byte, error) {
	d.skipSpace()
	s, i := d.data, d.pos
	start := i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		return nil, ErrUnsure
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return nil, errSyntax
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return nil, errSyntax
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	d.pos = i
	return s[start:i], nil
}

// str consumes a JSON string at the current position (no whitespace
// skipped) and returns it unescaped. Without escapes or invalid UTF-8 the
// result aliases the input; otherwise it is d.buf, reused by the next call.
func (d *Decoder) str() ([]byte, error) {
	s := d.data
	i := d.pos
	if i >= len(s) || s[i] != '"' {
		return nil, ErrUnsure
	}
	i++
	start := i
	// Eight bytes at a time while none of them is special, then byte by
	// byte from the first that may be.
	for i+8 <= len(s) {
		if m := specialBytes(binary.LittleEndian.Uint64(s[i:])); m != 0 {
			i += bits.TrailingZeros64(m) / 8
			break
		}
		i += 8
	}
	for i < len(s) {
		c := s[i]
		if c == '"' {
			d.pos = i + 1
			return s[start:i], nil
		}
		if c == '\\' || c < ' ' || c >= utf8.RuneSelf {
			break
		}
		i++
	}
	// Slow path: escapes, control characters or non-ASCII.
	b := append(d.buf[:0], s[start:i]...)
	for {
		if i >= len(s) {
			return nil, errSyntax
		}
		c := s[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.buf = b
			return b, nil
		case c < ' ':
			return nil, errSyntax
		case c == '\\':
			i++
			if i >= len(s) {
				return nil, errSyntax
			}
			switch s[i] {
			case '"', '\\', '/':
				b = append(b, s[i])
				i++
			case 'b':
				b = append(b, '\b')
				i++
			case 'f':
				b = append(b, '\f')
				i++
			case 'n':
				b = append(b, '\n')
				i++
			case 'r':
				b = append(b, '\r')
				i++
			case 't':
				b = append(b, '\t')
				i++
			case 'u':
				rr := getu4(s[i-1:])
				if rr < 0 {
					return nil, errSyntax
				}
				i += 5
				if utf16.IsSurrogate(rr) {
					rr1 := getu4(s[i:])
					if dec := utf16.DecodeRune(rr, rr1); dec != unicode.ReplacementChar {
						i += 6
						b = utf8.AppendRune(b, dec)
						break
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
			default:
				return nil, errSyntax
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			rr, size := utf8.DecodeRune(s[i:])
			i += size
			b = utf8.AppendRune(b, rr)
		}
	}
}

// Masks of the bytes of a little-endian word for specialBytes.
const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// specialBytes returns a mask with the high bit set in the lowest byte of
// x (the first in memory) that ends the fast scan of a string: '"', '\\',
// a control character or a byte of a non-ASCII character. Bytes above that
// one may be flagged or not; the lowest flagged byte is always the first
// special one, and the mask is zero when there is none.
func specialBytes(x uint64) uint64 {
	quote := x ^ (lowBits * '"')
	backslash := x ^ (lowBits * '\\')
	// For each term, (v - lowBits) & ^v has the high bit of a byte set when
	// that byte of v is below 1 (for quote and backslash: zero, so equal
	// to the character) or, for x itself with 0x20, below ' '; borrows
	// only run upwards, so the lowest byte flagged is exact.
	m := (quote - lowBits) & ^quote
	m |= (backslash - lowBits) & ^backslash
	m |= (x - lowBits*' ') & ^x
	return (m | x) & highBits
}

// quoteOrBackslash is specialBytes for '"' and '\\' only.
func quoteOrBackslash(x uint64) uint64 {
	quote := x ^ (lowBits * '"')
	backslash := x ^ (lowBits * '\\')
	return ((quote-lowBits) & ^quote | (backslash-lowBits)&^backslash) & highBits
}

// getu4 decodes \uXXXX from the beginning of s, returning the hex value,
// or -1.
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c = c - '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// Unmarshal decodes raw with encoding/json into v: the fallback for values
// whose decoding the generated code does not reproduce itself.
func Unmarshal(raw []byte, v any) error { return json.Unmarshal(raw, v) }

// PlainString returns the JSON string literal b holds when it is only
// printable ASCII without escapes, which is then exactly what
// json.Unmarshal gives; ok is false for anything else (escapes, other
// bytes, not a string), which the caller decodes with encoding/json.
func PlainString(b []byte) (s string, ok bool) {
	c, ok := PlainBytes(b)
	return string(c), ok
}

// PlainBytes is PlainString without the copy: it returns the bytes between
// the quotes, aliasing b.
func PlainBytes(b []byte) (c []byte, ok bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return nil, false
	}
	for _, c := range b[1 : len(b)-1] {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return nil, false
		}
	}
	return b[1 : len(b)-1], true
}
