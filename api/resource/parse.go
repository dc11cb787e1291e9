package resource

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
)

// The errors ParseQuantity wraps, with Kubernetes' texts. Test for them with
// errors.Is.
var (
	// ErrFormatWrong means the text is not a number followed by a suffix.
	ErrFormatWrong = errors.New("quantities must match the regular expression '" + splitREString + "'")
	// ErrNumeric means the number cannot be used: it has no digits, or its
	// magnitude is 10^1000 or more.
	ErrNumeric = errors.New("unable to parse numeric part of quantity")
	// ErrSuffix means the suffix is not one of the known ones, or its
	// exponent does not fit in 32 bits.
	ErrSuffix = errors.New("unable to parse quantity's suffix")
)

// splitREString is the shape of a quantity that Kubernetes quotes in
// ErrFormatWrong.
const splitREString = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"

// maxMagnitude bounds the decimal quantities ParseQuantity accepts: their
// magnitude is below 10^maxMagnitude. It keeps the cost of parsing and of
// arithmetic on parsed values small whatever the input.
const maxMagnitude = 1000

// maxBinaryAllowed is the cap on a parsed binarySI magnitude: 2^63-1.
const maxBinaryAllowed = math.MaxInt64

// MustParse returns the Quantity that str holds, and panics when str is not
// a valid quantity. Use it for constants and in tests, where the text is
// known to be valid; use ParseQuantity for any input.
func MustParse(str string) Quantity {
	q, err := ParseQuantity(str)
	if err != nil {
		panic("resource.MustParse: " + err.Error())
	}
	return q
}

// ParseQuantity returns the Quantity that str holds, in the Format of its
// suffix, or an error wrapping ErrFormatWrong, ErrNumeric or ErrSuffix that
// quotes str. The grammar, the rounding to 10^-9 and the limits are in the
// package documentation. Its cost is linear in len(str).
func ParseQuantity(str string) (Quantity, error) {
	if str == "" {
		return Quantity{}, parseError(str, ErrFormatWrong, "empty string")
	}
	neg, intPart, fracPart, dot, suffix := scanQuantity(str)
	if !validSuffixSyntax(suffix) {
		return Quantity{}, parseError(str, ErrFormatWrong, "")
	}
	base, exp, format, err := interpretSuffix(suffix)
	if err != nil {
		return Quantity{}, parseError(str, ErrSuffix, err.Error())
	}
	if intPart == "" && fracPart == "" {
		if !dot {
			return Quantity{}, parseError(str, ErrFormatWrong, "no digits")
		}
		return Quantity{}, parseError(str, ErrNumeric, "no digits")
	}
	if base == 2 {
		return parseBinary(neg, intPart, fracPart, exp), nil
	}
	q, ok := parseDecimal(neg, intPart, fracPart, exp, format)
	if !ok {
		return Quantity{}, parseError(str, ErrNumeric, fmt.Sprintf("magnitude must be below 10^%d", maxMagnitude))
	}
	return q, nil
}

// parseError wraps sentinel with the input and an optional detail.
//
// It quotes a copy of str, and the other errors of the parser copy what
// they quote too, so that str does not escape: a caller can then pass
// string(b) of a short []byte without allocating (UnmarshalJSON does).
func parseError(str string, sentinel error, detail string) error {
	quoted := strings.Clone(str)
	if detail != "" {
		return fmt.Errorf("quantity %.100q: %w (%s)", quoted, sentinel, detail)
	}
	return fmt.Errorf("quantity %.100q: %w", quoted, sentinel)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// scanQuantity splits str into its sign, the digits before and after the
// decimal point, whether there was a point, and the rest, the suffix.
func scanQuantity(str string) (neg bool, intPart, fracPart string, dot bool, suffix string) {
	i := 0
	switch str[0] {
	case '-':
		neg = true
		i++
	case '+':
		i++
	}
	start := i
	for i < len(str) && isDigit(str[i]) {
		i++
	}
	intPart = str[start:i]
	if i < len(str) && str[i] == '.' {
		dot = true
		i++
		start = i
		for i < len(str) && isDigit(str[i]) {
			i++
		}
		fracPart = str[start:i]
	}
	return neg, intPart, fracPart, dot, str[i:]
}

// validSuffixSyntax reports whether s has the shape Kubernetes' scanner
// accepts for a suffix: letters from "eEinumkKMGTP", then an optional sign,
// then digits.
func validSuffixSyntax(s string) bool {
	i := 0
	for i < len(s) && strings.IndexByte("eEinumkKMGTP", s[i]) >= 0 {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i == len(s)
}

// interpretSuffix returns the base (2 or 10), the exponent and the Format
// of a suffix.
func interpretSuffix(s string) (base int, exp int64, format Format, err error) {
	switch s {
	case "":
		return 10, 0, DecimalSI, nil
	case "n":
		return 10, -9, DecimalSI, nil
	case "u":
		return 10, -6, DecimalSI, nil
	case "m":
		return 10, -3, DecimalSI, nil
	case "k":
		return 10, 3, DecimalSI, nil
	case "M":
		return 10, 6, DecimalSI, nil
	case "G":
		return 10, 9, DecimalSI, nil
	case "T":
		return 10, 12, DecimalSI, nil
	case "P":
		return 10, 15, DecimalSI, nil
	case "E":
		return 10, 18, DecimalSI, nil
	case "Ki":
		return 2, 10, BinarySI, nil
	case "Mi":
		return 2, 20, BinarySI, nil
	case "Gi":
		return 2, 30, BinarySI, nil
	case "Ti":
		return 2, 40, BinarySI, nil
	case "Pi":
		return 2, 50, BinarySI, nil
	case "Ei":
		return 2, 60, BinarySI, nil
	}
	if len(s) > 1 && (s[0] == 'e' || s[0] == 'E') {
		n, err := strconv.ParseInt(s[1:], 10, 32)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return 0, 0, "", fmt.Errorf("exponent %.20s does not fit in 32 bits", strings.Clone(s[1:]))
			}
			return 0, 0, "", fmt.Errorf("unknown suffix %.20q", strings.Clone(s))
		}
		return 10, n, DecimalExponent, nil
	}
	return 0, 0, "", fmt.Errorf("unknown suffix %.20q", strings.Clone(s))
}

// parseDecimal returns ±(intPart.fracPart) × 10^exp, rounded away from zero
// to a multiple of 10^-9, and false when its magnitude is too large.
func parseDecimal(neg bool, intPart, fracPart string, exp int64, format Format) (Quantity, bool) {
	s := exp - int64(len(fracPart)) // the power of ten of the last digit
	if n := len(intPart) + len(fracPart); n <= 18 && s >= int64(Nano) && s <= maxMagnitude-18 {
		// Fast path: the digits fit in a uint64 and need no rounding.
		mag := uint64(0)
		for i := 0; i < len(intPart); i++ {
			mag = mag*10 + uint64(intPart[i]-'0')
		}
		for i := 0; i < len(fracPart); i++ {
			mag = mag*10 + uint64(fracPart[i]-'0')
		}
		return fromUint(neg, mag, int32(s), format), true
	}
	d := digitsOf(intPart, fracPart)
	if d == "" {
		return Quantity{format: format}, true
	}
	if int64(len(d))+s > maxMagnitude {
		return Quantity{}, false
	}
	d, s, sticky := truncate(d, s, int64(Nano))
	u := bigFromDigits(d)
	if sticky {
		u.Add(u, big.NewInt(1))
	}
	if neg {
		u.Neg(u)
	}
	return fromBig(u, int32(s), format), true
}

// parseBinary returns ±(intPart.fracPart) × 2^exp, rounded away from zero
// to a multiple of 10^-9 and capped at 2^63-1 in magnitude. A non-zero
// result below 1 in magnitude is DecimalSI, the rest BinarySI.
func parseBinary(neg bool, intPart, fracPart string, exp int64) Quantity {
	if fracPart == "" && len(intPart) <= 18 {
		// Fast path: a whole number.
		mag := uint64(0)
		for i := 0; i < len(intPart); i++ {
			mag = mag*10 + uint64(intPart[i]-'0')
		}
		hi, lo := bits.Mul64(mag, 1<<exp)
		if hi != 0 || lo > maxBinaryAllowed {
			lo = maxBinaryAllowed
		}
		return fromUint(neg, lo, 0, BinarySI)
	}
	capped := fromUint(neg, maxBinaryAllowed, 0, BinarySI)
	d := digitsOf(intPart, fracPart)
	if d == "" {
		return Quantity{format: BinarySI}
	}
	s := -int64(len(fracPart))
	if int64(len(d))+s > 19 {
		return capped // at least 10^19 × 2^10
	}
	// Digits below 10^-(9+exp) cannot change the result except through
	// rounding, so they are dropped and remembered in sticky: the product
	// of the kept digits and 2^exp is a multiple of 1/N at the nano scale,
	// for an integer N, and the dropped part is below 1/N there.
	d, s, sticky := truncate(d, s, int64(Nano)-exp)
	u := bigFromDigits(d)
	u.Lsh(u, uint(exp))
	if s < int64(Nano) {
		var r big.Int
		u.QuoRem(u, bigPow10(int64(Nano)-s), &r)
		sticky = sticky || r.Sign() != 0
		s = int64(Nano)
	}
	if sticky {
		u.Add(u, big.NewInt(1))
	}
	format := BinarySI
	one := bigPow10(-s) // 1 at scale s
	if u.Cmp(one) < 0 {
		format = DecimalSI
	}
	limit := new(big.Int).Mul(big.NewInt(maxBinaryAllowed), one)
	if u.Cmp(limit) > 0 {
		return capped
	}
	if neg {
		u.Neg(u)
	}
	return fromBig(u, int32(s), format)
}

// digitsOf returns the digits of intPart followed by fracPart without
// leading zeros: "" when they are all zero.
func digitsOf(intPart, fracPart string) string {
	if ip := strings.TrimLeft(intPart, "0"); ip != "" {
		return ip + fracPart
	}
	return strings.TrimLeft(fracPart, "0")
}

// truncate drops the digits of d × 10^s below 10^minExp. It returns the
// kept digits, their new exponent, and whether a dropped digit was not 0.
func truncate(d string, s, minExp int64) (string, int64, bool) {
	if s >= minExp {
		return d, s, false
	}
	drop := minExp - s
	if drop >= int64(len(d)) {
		return "", minExp, true // d has a non-zero digit
	}
	kept := d[:int64(len(d))-drop]
	return kept, minExp, strings.Trim(d[len(kept):], "0") != ""
}

// bigFromDigits returns the value of a string of decimal digits, 0 for "".
func bigFromDigits(d string) *big.Int {
	if len(d) <= 18 {
		v, _ := strconv.ParseUint("0"+d, 10, 64) // at most 19 digits: cannot fail
		return new(big.Int).SetUint64(v)
	}
	// A copy, so that d does not escape (see parseError).
	u, _ := new(big.Int).SetString(strings.Clone(d), 10) // only digits: cannot fail
	return u
}
