package v1

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rigging-dev/rigging/internal/jsontext"
)

// Time is a timestamp with second precision whose JSON form is RFC 3339 in
// UTC ("2006-01-02T15:04:05Z"), and null when zero, exactly as Kubernetes
// encodes metav1.Time. Sub-second precision is dropped on encoding.
//
// +kubebuilder:object:generate=false
type Time struct {
	time.Time `json:"-"`
}

// rfc3339Seconds is the layout Kubernetes writes for Time.
const rfc3339Seconds = "2006-01-02T15:04:05Z07:00"

// NewTime wraps t.
func NewTime(t time.Time) Time { return Time{Time: t} }

// Now returns the current local time.
func Now() Time { return Time{Time: time.Now()} }

// Unix returns the local Time for the given Unix seconds and nanoseconds.
func Unix(sec, nsec int64) Time { return Time{Time: time.Unix(sec, nsec)} }

// IsZero reports whether t is nil or the zero time. It is safe on a nil
// receiver, so optional *Time fields can be checked directly.
func (t *Time) IsZero() bool { return t == nil || t.Time.IsZero() }

// Before reports whether t is before u.
func (t *Time) Before(u *Time) bool {
	if t != nil && u != nil {
		return t.Time.Before(u.Time)
	}
	return false
}

// Equal reports whether t and u are the same instant at second precision,
// as they would be after a JSON round trip. Two nil or zero times are equal.
func (t *Time) Equal(u *Time) bool {
	if t.IsZero() || u.IsZero() {
		return t.IsZero() && u.IsZero()
	}
	return t.Time.Truncate(time.Second).Equal(u.Time.Truncate(time.Second))
}

// Rfc3339Copy returns t truncated to whole seconds, the precision that
// survives encoding.
func (t Time) Rfc3339Copy() Time { return Time{Time: t.Time.Truncate(time.Second)} }

// DeepCopyInto copies t into out; Time holds no references.
func (t *Time) DeepCopyInto(out *Time) { *out = *t }

// DeepCopy returns a copy of t, or nil when t is nil.
func (t *Time) DeepCopy() *Time {
	if t == nil {
		return nil
	}
	out := new(Time)
	t.DeepCopyInto(out)
	return out
}

// MarshalJSON encodes t as an RFC 3339 string in UTC with second precision,
// or null when t is zero.
func (t Time) MarshalJSON() ([]byte, error) {
	b, err := t.AppendJSON(make([]byte, 0, len(rfc3339Seconds)+2))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// AppendJSON appends t's JSON form to b: exactly what MarshalJSON returns,
// and so what encoding/json writes for t, without reflection.
func (t Time) AppendJSON(b []byte) ([]byte, error) {
	if t.Time.IsZero() {
		return append(b, "null"...), nil
	}
	if err := checkYear(t.Time); err != nil {
		return b, err
	}
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, rfc3339Seconds)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts null or an RFC 3339 string (fractional seconds are
// accepted and dropped, as Kubernetes does).
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	var pt time.Time
	if c, ok := jsontext.PlainBytes(b); !ok || pt.UnmarshalText(c) != nil {
		// time.Time's UnmarshalText parses RFC 3339 without converting its
		// input to a string, and when it succeeds its result is what
		// time.Parse(time.RFC3339, ...) returns (it is that function, at
		// most stricter: TestTimeUnmarshalText). Anything else goes the
		// long way, which also makes the error.
		s, err := jsonString(b)
		if err != nil {
			return fmt.Errorf("time: expected an RFC 3339 string: %w", err)
		}
		pt, err = time.Parse(time.RFC3339, s)
		if err != nil {
			return fmt.Errorf("time: %w", err)
		}
	}
	if err := checkYear(pt); err != nil {
		return err
	}
	t.Time = pt.Truncate(time.Second).Local()
	return nil
}

// MicroTime is a timestamp with microsecond precision whose JSON form is
// "2006-01-02T15:04:05.000000Z07:00" in UTC, and null when zero, exactly as
// Kubernetes encodes metav1.MicroTime (used by Lease and Event).
//
// +kubebuilder:object:generate=false
type MicroTime struct {
	time.Time `json:"-"`
}

// rfc3339Micro is the layout Kubernetes writes for MicroTime.
const rfc3339Micro = "2006-01-02T15:04:05.000000Z07:00"

// NewMicroTime wraps t.
func NewMicroTime(t time.Time) MicroTime { return MicroTime{Time: t} }

// NowMicro returns the current local time.
func NowMicro() MicroTime { return MicroTime{Time: time.Now()} }

// IsZero reports whether t is nil or the zero time.
func (t *MicroTime) IsZero() bool { return t == nil || t.Time.IsZero() }

// Equal reports whether t and u are the same instant at microsecond
// precision. Two nil or zero times are equal.
func (t *MicroTime) Equal(u *MicroTime) bool {
	if t.IsZero() || u.IsZero() {
		return t.IsZero() && u.IsZero()
	}
	return t.Time.Truncate(time.Microsecond).Equal(u.Time.Truncate(time.Microsecond))
}

// DeepCopyInto copies t into out; MicroTime holds no references.
func (t *MicroTime) DeepCopyInto(out *MicroTime) { *out = *t }

// DeepCopy returns a copy of t, or nil when t is nil.
func (t *MicroTime) DeepCopy() *MicroTime {
	if t == nil {
		return nil
	}
	out := new(MicroTime)
	t.DeepCopyInto(out)
	return out
}

// MarshalJSON encodes t in UTC with microsecond precision, or null when zero.
func (t MicroTime) MarshalJSON() ([]byte, error) {
	b, err := t.AppendJSON(make([]byte, 0, len(rfc3339Micro)+2))
	if err != nil {
		return nil, err
	}
	return b, nil
}

// AppendJSON appends t's JSON form to b: exactly what MarshalJSON returns,
// and so what encoding/json writes for t, without reflection.
func (t MicroTime) AppendJSON(b []byte) ([]byte, error) {
	if t.Time.IsZero() {
		return append(b, "null"...), nil
	}
	if err := checkYear(t.Time); err != nil {
		return b, err
	}
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, rfc3339Micro)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts null or an RFC 3339 string with any fractional
// seconds; precision below a microsecond is dropped.
func (t *MicroTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	s, err := jsonString(b)
	if err != nil {
		return fmt.Errorf("microtime: expected an RFC 3339 string: %w", err)
	}
	pt, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("microtime: %w", err)
	}
	if err := checkYear(pt); err != nil {
		return err
	}
	t.Time = pt.Truncate(time.Microsecond).Local()
	return nil
}

// Duration wraps time.Duration; its JSON form is Go's duration string
// ("1m30s"), as Kubernetes encodes metav1.Duration.
//
// +kubebuilder:object:generate=false
type Duration struct {
	time.Duration `json:"-"`
}

// DeepCopyInto copies d into out.
func (d *Duration) DeepCopyInto(out *Duration) { *out = *d }

// MarshalJSON encodes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.Duration.String()) }

// AppendJSON appends d's JSON form to b: exactly what MarshalJSON returns,
// and so what encoding/json writes for d, without reflection.
func (d Duration) AppendJSON(b []byte) ([]byte, error) {
	return jsontext.AppendString(b, d.Duration.String()), nil
}

// UnmarshalJSON parses a duration string such as "300ms" or "1h2m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: expected a string: %w", err)
	}
	pd, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	d.Duration = pd
	return nil
}

// jsonString returns the JSON string b holds, as json.Unmarshal into a
// string would, without reflection when b holds only printable ASCII
// without escapes.
func jsonString(b []byte) (string, error) {
	if s, ok := jsontext.PlainString(b); ok {
		return s, nil
	}
	var s string
	err := json.Unmarshal(b, &s)
	return s, err
}

// checkYear rejects times whose UTC year RFC 3339 cannot write (outside
// 0000-9999), so that whatever decodes also encodes and decodes again.
func checkYear(t time.Time) error {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Errorf("time %s: year %d in UTC is outside RFC 3339's 0000-9999", t.Format(time.RFC3339), y)
	}
	return nil
}
