// Package intstr holds IntOrString, a field that is either a 32-bit integer
// or a string, with Kubernetes' JSON form: a bare number or a JSON string.
// Service targetPort, probe ports and rolling-update maxSurge use it.
//
// +kubebuilder:object:generate=true
package intstr

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/rigging-dev/rigging/internal/jsontext"
)

// Type says which of the two values an IntOrString holds.
type Type int64

// The two kinds of IntOrString.
const (
	Int    Type = iota // IntVal holds the value.
	String             // StrVal holds the value.
)

// IntOrString holds an int32 or a string. The zero value is the integer 0.
type IntOrString struct {
	Type   Type   `json:"-"`
	IntVal int32  `json:"-"`
	StrVal string `json:"-"`
}

// FromInt32 returns an IntOrString holding i.
func FromInt32(i int32) IntOrString { return IntOrString{Type: Int, IntVal: i} }

// FromString returns an IntOrString holding s.
func FromString(s string) IntOrString { return IntOrString{Type: String, StrVal: s} }

// Parse returns an IntOrString holding the integer in s if s is a decimal
// int32, and s itself otherwise.
func Parse(s string) IntOrString {
	i, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return FromString(s)
	}
	return FromInt32(int32(i))
}

// String returns the value as text.
func (v *IntOrString) String() string {
	if v == nil {
		return "<nil>"
	}
	if v.Type == String {
		return v.StrVal
	}
	return strconv.Itoa(int(v.IntVal))
}

// IntValue returns the integer, or the string parsed as a decimal integer
// (0 when it is not one).
func (v *IntOrString) IntValue() int {
	if v.Type == String {
		i, _ := strconv.Atoi(v.StrVal)
		return i
	}
	return int(v.IntVal)
}

// MarshalJSON writes a bare number or a JSON string.
func (v IntOrString) MarshalJSON() ([]byte, error) {
	b, err := v.AppendJSON(nil)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// AppendJSON appends v's JSON form to b: exactly what encoding/json writes
// for v through MarshalJSON, without reflection. It fails, as MarshalJSON
// does, for an invalid Type.
func (v IntOrString) AppendJSON(b []byte) ([]byte, error) {
	switch v.Type {
	case Int:
		return strconv.AppendInt(b, int64(v.IntVal), 10), nil
	case String:
		return jsontext.AppendString(b, v.StrVal), nil
	default:
		return b, fmt.Errorf("intstr: invalid type %d", v.Type)
	}
}

// UnmarshalJSON reads a bare integer within int32 or a JSON string.
// A JSON null leaves v unchanged, as encoding/json does for plain fields.
func (v *IntOrString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		v.Type = String
		v.IntVal = 0
		if s, ok := jsontext.PlainString(b); ok {
			v.StrVal = s
			return nil
		}
		return json.Unmarshal(b, &v.StrVal)
	}
	var n json.Number
	if intLiteral(b) {
		// What json.Unmarshal into a json.Number gives, without reflection.
		n = json.Number(b)
	} else if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("intstr: expected an integer or a string, got %.40q", b)
	}
	i, err := strconv.ParseInt(string(n), 10, 32)
	if err != nil {
		return fmt.Errorf("intstr: %s is not a 32-bit integer", n)
	}
	v.Type, v.IntVal, v.StrVal = Int, int32(i), ""
	return nil
}

// intLiteral reports whether b is a JSON integer literal: -?(0|[1-9][0-9]*).
func intLiteral(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 || (b[0] == '0' && len(b) > 1) {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ErrNotPercent is returned by ScaledValue for a string that is not "N%".
var ErrNotPercent = errors.New("intstr: value is neither an integer nor a percentage")

// ScaledValue resolves v against total: an integer is returned as it is, and
// a percentage "N%" becomes N% of total, rounded up when roundUp is set and
// down otherwise, as Kubernetes resolves maxSurge (up) and maxUnavailable
// (down).
func ScaledValue(v *IntOrString, total int, roundUp bool) (int, error) {
	if v == nil {
		return 0, errors.New("intstr: nil value")
	}
	if v.Type == Int {
		return int(v.IntVal), nil
	}
	s, ok := strings.CutSuffix(v.StrVal, "%")
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrNotPercent, v.StrVal)
	}
	p, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", ErrNotPercent, v.StrVal)
	}
	if p < 0 || total < 0 {
		return 0, fmt.Errorf("intstr: negative percentage %q or total %d", v.StrVal, total)
	}
	x := int64(p) * int64(total)
	if roundUp {
		x += 99
	}
	return int(x / 100), nil
}
