package resource

import (
	"math"
	"math/big"
)

// Cmp returns -1, 0 or 1 when q is less than, equal to or greater than y,
// comparing exact values whatever their formats. Its cost is linear in the
// number of digits, whatever the exponents.
func (q Quantity) Cmp(y Quantity) int {
	if q.large == nil && y.large == nil {
		if q.exp == y.exp {
			return cmp64(q.small, y.small)
		}
		if a, b, ok := aligned64(q, y); ok {
			return cmp64(a, b)
		}
	}
	sq, sy := q.Sign(), y.Sign()
	switch {
	case sq != sy:
		return cmp64(int64(sq), int64(sy))
	case sq == 0:
		return 0
	}
	// Same sign, not zero: the one whose leading digit is at a higher power
	// of ten has the larger magnitude. At the same power, the exponents
	// differ by no more than the digit counts, so aligning them is cheap.
	pq, py := q.numDigits()+int64(q.exp), y.numDigits()+int64(y.exp)
	if pq != py {
		if pq > py {
			return sq
		}
		return -sq
	}
	a, b, _ := aligned(q, y)
	return a.Cmp(b)
}

// CmpInt64 returns -1, 0 or 1 when q is less than, equal to or greater than
// y.
func (q Quantity) CmpInt64(y int64) int { return q.Cmp(Quantity{small: y}) }

func cmp64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// aligned64 returns the unscaled int64s of a and b brought to the smaller of
// their exponents, and false when that overflows.
func aligned64(a, b Quantity) (x, y int64, ok bool) {
	x, y = a.small, b.small
	switch {
	case a.exp > b.exp:
		x, ok = mulPow10(x, int64(a.exp)-int64(b.exp))
	case b.exp > a.exp:
		y, ok = mulPow10(y, int64(b.exp)-int64(a.exp))
	default:
		ok = true
	}
	return x, y, ok
}

// Add sets q to q + y, exactly. When q is zero it takes y's Format, so
// adding "1Gi" to a zero Quantity yields "1Gi"; otherwise q keeps its own.
//
// The cost is linear in the number of digits between the operands'
// smallest and largest powers of ten; see NewScaledQuantity.
func (q *Quantity) Add(y Quantity) {
	if q.IsZero() {
		q.format = y.format
	}
	*q = sum(*q, y)
}

// Sub sets q to q - y, exactly. When q is zero it takes y's Format, so
// subtracting "1Gi" from a zero Quantity yields "-1Gi"; otherwise q keeps
// its own. The cost is that of Add.
func (q *Quantity) Sub(y Quantity) {
	if q.IsZero() {
		q.format = y.format
	}
	y.Neg()
	*q = sum(*q, y)
}

// Neg sets q to -q.
func (q *Quantity) Neg() {
	switch {
	case q.large != nil:
		*q = fromBig(new(big.Int).Neg(q.large), q.exp, q.format)
	case q.small == math.MinInt64:
		*q = fromBig(new(big.Int).Neg(big.NewInt(q.small)), q.exp, q.format)
	default:
		q.small = -q.small
	}
}

// sum returns a + b in a's format.
func sum(a, b Quantity) Quantity {
	switch {
	case b.IsZero():
		return a
	case a.IsZero():
		b.format = a.format
		return b
	}
	if a.large == nil && b.large == nil {
		if x, y, ok := aligned64(a, b); ok {
			if s, ok := add64(x, y); ok {
				if s == 0 {
					return Quantity{format: a.format}
				}
				return Quantity{small: s, exp: min(a.exp, b.exp), format: a.format}
			}
		}
	}
	x, y, exp := aligned(a, b)
	return fromBig(x.Add(x, y), exp, a.format)
}

// Value returns q rounded away from zero to a whole number: 1.1 is 2 and
// -1.1 is -2. A value beyond the int64 range saturates at math.MaxInt64 or
// math.MinInt64; compare with Cmp first to tell. It is ScaledValue(0).
func (q Quantity) Value() int64 { return q.ScaledValue(0) }

// MilliValue returns q × 1000 rounded away from zero, saturating like
// Value: for "1.5" it is 1500, for "1n" it is 1. It is ScaledValue(Milli).
func (q Quantity) MilliValue() int64 { return q.ScaledValue(Milli) }

// ScaledValue returns q / 10^scale rounded away from zero to a whole
// number: NewQuantity(1, DecimalSI).ScaledValue(Milli) is 1000, and
// MustParse("1500m").ScaledValue(0) is 2. A result beyond the int64 range
// saturates at math.MaxInt64 or math.MinInt64.
func (q Quantity) ScaledValue(scale Scale) int64 {
	if q.IsZero() {
		return 0
	}
	neg := q.Sign() < 0
	saturated := int64(math.MaxInt64)
	if neg {
		saturated = math.MinInt64
	}
	one := int64(1)
	if neg {
		one = -1
	}
	d := int64(q.exp) - int64(scale) // the result is unscaled × 10^d
	if q.large == nil {
		if d >= 0 {
			v, ok := mulPow10(q.small, d)
			if !ok {
				return saturated
			}
			return v
		}
		if -d >= int64(len(pow10)) {
			return one // |small| < 10^19 <= 10^-d
		}
		p := pow10[-d]
		mag := abs64(q.small)
		quo := mag / p
		if mag%p != 0 {
			quo++
		}
		if neg {
			return -int64(quo) // quo < 2^63: fits
		}
		return int64(quo)
	}
	if d >= 0 {
		return saturated // |large| > 2^63-1 already
	}
	if -d > maxDigits(q.large.BitLen()) {
		return one
	}
	u := new(big.Int).Abs(q.large)
	var r big.Int
	u.QuoRem(u, bigPow10(-d), &r)
	if r.Sign() != 0 {
		u.Add(u, big.NewInt(1))
	}
	if neg {
		u.Neg(u)
	}
	if !u.IsInt64() {
		return saturated
	}
	return u.Int64()
}

// AsInt64 returns q and true when q is a whole number within the int64
// range, and 0 and false otherwise. It is exact: MustParse("1000m") gives 1
// and true, MustParse("1500m") gives 0 and false.
func (q Quantity) AsInt64() (int64, bool) {
	if q.large == nil {
		switch {
		case q.exp == 0:
			return q.small, true
		case q.exp > 0:
			v, ok := mulPow10(q.small, int64(q.exp))
			if !ok {
				return 0, false
			}
			return v, true
		}
	}
	if q.large != nil && q.exp >= 0 || !q.isInteger() {
		return 0, false // |large| > 2^63-1 already, or a fraction
	}
	v := q.integer()
	if !v.IsInt64() {
		return 0, false
	}
	return v.Int64(), true
}
