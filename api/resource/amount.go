package resource

import (
	"math"
	"math/big"
	"math/bits"
)

// This file holds the exact integer helpers behind Quantity: an unscaled
// integer that is an int64 when it fits and a *big.Int otherwise, scaled by
// a power of ten.

// pow10 holds every power of ten that fits in a uint64: 10^0 to 10^19.
var pow10 = [...]uint64{
	1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
	1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
}

var bigTen = big.NewInt(10)

// bigPow10 returns a new big.Int holding 10^n, for n >= 0.
func bigPow10(n int64) *big.Int {
	if n < int64(len(pow10)) {
		return new(big.Int).SetUint64(pow10[n])
	}
	return new(big.Int).Exp(bigTen, big.NewInt(n), nil)
}

// abs64 returns |v| as a uint64; it is exact for math.MinInt64 too.
func abs64(v int64) uint64 {
	u := uint64(v)
	if v < 0 {
		u = -u
	}
	return u
}

// fromUint returns the Quantity ±mag × 10^exp in format f.
func fromUint(neg bool, mag uint64, exp int32, f Format) Quantity {
	switch {
	case mag == 0:
		return Quantity{format: f}
	case !neg && mag <= math.MaxInt64:
		return Quantity{small: int64(mag), exp: exp, format: f}
	case neg && mag <= 1<<63:
		return Quantity{small: int64(-mag), exp: exp, format: f}
	}
	u := new(big.Int).SetUint64(mag)
	if neg {
		u.Neg(u)
	}
	return Quantity{large: u, exp: exp, format: f}
}

// fromBig returns the Quantity u × 10^exp in format f. It takes ownership
// of u: the caller must not modify u afterwards.
func fromBig(u *big.Int, exp int32, f Format) Quantity {
	switch {
	case u.Sign() == 0:
		return Quantity{format: f}
	case u.IsInt64():
		return Quantity{small: u.Int64(), exp: exp, format: f}
	}
	return Quantity{large: u, exp: exp, format: f}
}

// unscaled returns q's unscaled integer as a new big.Int the caller owns.
func (q Quantity) unscaled() *big.Int {
	if q.large != nil {
		return new(big.Int).Set(q.large)
	}
	return big.NewInt(q.small)
}

// numDigits returns the number of decimal digits of q's unscaled integer,
// without its sign; 0 for zero.
func (q Quantity) numDigits() int64 {
	if q.large == nil {
		m := abs64(q.small)
		n := int64(0)
		for n < int64(len(pow10)) && m >= pow10[n] {
			n++
		}
		return n
	}
	s := q.large.Text(10)
	if s[0] == '-' {
		return int64(len(s) - 1)
	}
	return int64(len(s))
}

// maxDigits returns an upper bound on the number of decimal digits of an
// integer of bitLen bits: log10(2) < 31/100.
func maxDigits(bitLen int) int64 { return int64(bitLen)*31/100 + 1 }

// mulPow10 returns x × 10^n for n >= 0, and false when that overflows an
// int64.
func mulPow10(x int64, n int64) (int64, bool) {
	if x == 0 || n == 0 {
		return x, true
	}
	if n >= int64(len(pow10)) {
		return 0, false
	}
	hi, lo := bits.Mul64(abs64(x), pow10[n])
	if hi != 0 {
		return 0, false
	}
	if x < 0 {
		if lo > 1<<63 {
			return 0, false
		}
		return int64(-lo), true
	}
	if lo > math.MaxInt64 {
		return 0, false
	}
	return int64(lo), true
}

// add64 returns x + y, and false when that overflows an int64.
func add64(x, y int64) (int64, bool) {
	s := x + y
	if (x >= 0) == (y >= 0) && (s >= 0) != (x >= 0) {
		return 0, false
	}
	return s, true
}

// aligned returns the unscaled integers of a and b brought to the smaller of
// their exponents, and that exponent. The integers are new; the caller owns
// them. The work grows with the distance between the exponents.
func aligned(a, b Quantity) (x, y *big.Int, exp int32) {
	x, y = a.unscaled(), b.unscaled()
	switch {
	case a.exp > b.exp:
		x.Mul(x, bigPow10(int64(a.exp)-int64(b.exp)))
		return x, y, b.exp
	case b.exp > a.exp:
		y.Mul(y, bigPow10(int64(b.exp)-int64(a.exp)))
	}
	return x, y, a.exp
}

// isInteger reports whether q is a whole number.
func (q Quantity) isInteger() bool {
	if q.exp >= 0 || q.IsZero() {
		return true
	}
	k := -int64(q.exp)
	if q.large == nil {
		if k >= int64(len(pow10)) {
			return false // |small| < 10^19 <= 10^k
		}
		return abs64(q.small)%pow10[k] == 0
	}
	if k > maxDigits(q.large.BitLen()) {
		return false
	}
	var r big.Int
	new(big.Int).QuoRem(q.large, bigPow10(k), &r)
	return r.Sign() == 0
}

// integer returns q, which must be a whole number, as a new big.Int.
func (q Quantity) integer() *big.Int {
	u := q.unscaled()
	switch {
	case q.exp > 0:
		u.Mul(u, bigPow10(int64(q.exp)))
	case q.exp < 0:
		u.Quo(u, bigPow10(-int64(q.exp)))
	}
	return u
}
