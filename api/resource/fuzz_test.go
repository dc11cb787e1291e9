package resource

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParseQuantity checks that ParseQuantity never panics, that every
// error wraps one of the three sentinels, and that whatever parses has a
// canonical text that parses back to an equal Quantity with the same text,
// and survives JSON. It also feeds the input to UnmarshalJSON, which must
// not panic either.
func FuzzParseQuantity(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	for _, s := range []string{"", "1.5.5", "Gi", "1iB", "1e", "--1", "1 Gi", "1e999999999",
		"1e-2147483648", "-.5e-10", "9Ei", "-0.000000000001Ki", "+.1E+1", "1E", "1Ei"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var fromRaw Quantity
		_ = fromRaw.UnmarshalJSON([]byte(in))
		q, err := ParseQuantity(in)
		if err != nil {
			if !errors.Is(err, ErrFormatWrong) && !errors.Is(err, ErrNumeric) && !errors.Is(err, ErrSuffix) {
				t.Fatalf("ParseQuantity(%q) error %v wraps no sentinel", in, err)
			}
			return
		}
		s := q.String()
		back, err := ParseQuantity(s)
		if err != nil {
			t.Fatalf("ParseQuantity(%q) = %s, which does not parse: %v", in, s, err)
		}
		if !back.Equal(q) || back.Cmp(q) != 0 || q.Cmp(back) != 0 {
			t.Fatalf("ParseQuantity(%q) = %s, which parses to %s", in, s, back)
		}
		if again := back.String(); again != s {
			t.Fatalf("ParseQuantity(%q) = %s, whose canonical text is %s", in, s, again)
		}
		data, err := json.Marshal(q)
		if err != nil {
			t.Fatalf("Marshal(%s): %v", s, err)
		}
		var fromJSON Quantity
		if err := json.Unmarshal(data, &fromJSON); err != nil || !fromJSON.Equal(q) {
			t.Fatalf("JSON round trip of %s gave %s, %v", s, fromJSON, err)
		}
		neg := q
		neg.Neg()
		if neg.Sign() != -q.Sign() {
			t.Fatalf("-(%s) = %s has sign %d", s, neg, neg.Sign())
		}
		sum := q
		sum.Add(neg)
		if !sum.IsZero() {
			t.Fatalf("%s + -(%s) = %s", s, s, sum)
		}
		if v, ok := q.AsInt64(); ok && q.CmpInt64(v) != 0 {
			t.Fatalf("%s.AsInt64() = %d, which is not equal to it", s, v)
		}
		if v := q.Value(); q.Sign() != 0 && (v == 0 || (v > 0) != (q.Sign() > 0)) {
			t.Fatalf("%s.Value() = %d, not rounded away from zero", s, v)
		}
	})
}
