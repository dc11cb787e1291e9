package resource

import (
	"math/bits"
	"strconv"
)

// String returns q in canonical form with a suffix of q's Format: "1536Mi",
// "500m", "1e3", "0". The package documentation states the rules.
//
// For every Quantity that ParseQuantity returns, ParseQuantity reads the
// text back to an equal Quantity whose canonical form is the same text. A
// value built by NewScaledQuantity or arithmetic can lie outside what
// parsing keeps: ParseQuantity rounds "1e-12" up to 1n, and rejects a value
// of 10^1000 or more.
func (q Quantity) String() string {
	var buf [32]byte
	return string(q.appendCanonical(buf[:0]))
}

// appendCanonical appends the canonical form of q to b.
func (q Quantity) appendCanonical(b []byte) []byte {
	if q.IsZero() {
		return append(b, '0')
	}
	format := q.format
	switch format {
	case DecimalSI, DecimalExponent:
	case BinarySI:
		if q.CmpInt64(-1024) > 0 && q.CmpInt64(1024) < 0 || !q.isInteger() {
			format = DecimalSI // avoids rounding, and "0.5Ki" being written "512"
		}
	default:
		format = DecimalExponent
	}
	if format == BinarySI {
		return q.appendBinary(b)
	}
	return q.appendDecimal(b, format)
}

// appendDecimal appends q as an integer and a suffix for a power of ten
// that is a multiple of 3: the largest such power that leaves no fraction.
func (q Quantity) appendDecimal(b []byte, format Format) []byte {
	if q.Sign() < 0 {
		b = append(b, '-')
	}
	start := len(b)
	if q.large == nil {
		b = strconv.AppendUint(b, abs64(q.small), 10)
	} else {
		b = q.large.Append(b, 10)
		if b[start] == '-' {
			b = append(b[:start], b[start+1:]...)
		}
	}
	// Move the trailing zeros into the exponent, then bring the exponent
	// down to a multiple of 3. q is not zero, so a non-zero digit remains.
	exp := int64(q.exp)
	end := len(b)
	for b[end-1] == '0' {
		end--
	}
	exp += int64(len(b) - end)
	b = b[:end]
	r := exp % 3
	if r < 0 {
		r += 3
	}
	b = append(b, "00"[:r]...)
	exp -= r
	return appendDecimalSuffix(b, exp, format)
}

// appendDecimalSuffix appends the suffix for 10^exp in format, falling back
// to an exponent when DecimalSI has no suffix for exp.
func appendDecimalSuffix(b []byte, exp int64, format Format) []byte {
	if format == DecimalSI {
		switch exp {
		case -9:
			return append(b, 'n')
		case -6:
			return append(b, 'u')
		case -3:
			return append(b, 'm')
		case 0:
			return b
		case 3:
			return append(b, 'k')
		case 6:
			return append(b, 'M')
		case 9:
			return append(b, 'G')
		case 12:
			return append(b, 'T')
		case 15:
			return append(b, 'P')
		case 18:
			return append(b, 'E')
		}
	}
	if exp == 0 {
		return b
	}
	return strconv.AppendInt(append(b, 'e'), exp, 10)
}

// binarySuffixes are the suffixes for 1024^0 to 1024^6.
var binarySuffixes = [...]string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}

// appendBinary appends q, a whole number, as an integer and the largest
// binarySI suffix that leaves no fraction.
func (q Quantity) appendBinary(b []byte) []byte {
	if q.large == nil && q.exp == 0 {
		if q.small < 0 {
			b = append(b, '-')
		}
		mag := abs64(q.small)
		times := min(uint(bits.TrailingZeros64(mag))/10, uint(len(binarySuffixes)-1))
		b = strconv.AppendUint(b, mag>>(10*times), 10)
		return append(b, binarySuffixes[times]...)
	}
	v := q.integer()
	times := min(v.TrailingZeroBits()/10, uint(len(binarySuffixes)-1))
	v.Rsh(v, 10*times) // exact for a negative v too: the low bits are zero
	b = v.Append(b, 10)
	return append(b, binarySuffixes[times]...)
}
