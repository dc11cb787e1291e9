package resource

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MarshalJSON encodes q as a JSON string of its canonical form: "1536Mi".
// It never fails.
func (q Quantity) MarshalJSON() ([]byte, error) {
	return q.AppendJSON(make([]byte, 0, 24))
}

// UnmarshalJSON sets q from a JSON string holding a quantity ("500m"), a
// bare JSON number (2, 0.5, 1e3), which Kubernetes accepts because
// manifests write `cpu: 2`, or null, which sets q to the zero Quantity.
// Whitespace around the quantity inside the string is ignored, as
// Kubernetes ignores it. On error q is unchanged, and the error wraps
// ParseQuantity's.
func (q *Quantity) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		*q = Quantity{}
		return nil
	}
	text := data
	if len(data) >= 2 && data[0] == '"' && data[len(data)-1] == '"' {
		text = data[1 : len(data)-1]
		if bytes.IndexByte(data, '\\') >= 0 {
			var s string
			if err := json.Unmarshal(data, &s); err != nil {
				return fmt.Errorf("decode quantity from JSON %.100s: %w", data, err)
			}
			text = []byte(s)
		}
	}
	// ParseQuantity does not keep its argument, so this conversion does
	// not allocate for a quantity of up to 32 bytes.
	parsed, err := ParseQuantity(string(bytes.TrimSpace(text)))
	if err != nil {
		return fmt.Errorf("decode quantity from JSON: %w", err)
	}
	*q = parsed
	return nil
}

// AppendJSON appends q's JSON form to b: exactly what MarshalJSON returns,
// and so what encoding/json writes for q, without an allocation of its
// own. It never fails.
func (q Quantity) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '"')
	b = q.appendCanonical(b)
	return append(b, '"'), nil
}
