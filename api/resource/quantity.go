package resource

import "math/big"

// Quantity is an exact fixed-point number with the kind of suffix it is
// written with; see the package documentation for its text form, precision
// and canonical form.
//
// The zero value is 0 with no Format, and formats as "0". A Quantity is a
// value: copying it (by assignment, or into and out of a map) yields an
// independent Quantity, because the package never modifies the internal
// big integer of a Quantity once it is built. Methods with a value receiver
// may be called concurrently; Add, Sub and Neg modify their receiver and
// must not race with other use of the same variable.
//
// Compare quantities with Cmp or Equal, never with ==: "1k" and "1000" are
// equal values with different internal forms. Equal makes go-cmp compare
// quantities by value.
//
// +kubebuilder:object:generate=false
type Quantity struct {
	// The value is unscaled × 10^exp, where unscaled is small when large is
	// nil and large otherwise. large is nil whenever the unscaled value
	// fits in an int64, and it is never modified once it is set, so copies
	// of a Quantity may share it.
	small  int64
	large  *big.Int
	exp    int32
	format Format
}

// Format is the kind of suffix a Quantity is written with.
type Format string

// The three formats. A Quantity with any other Format (such as the zero
// Quantity's "") is written as DecimalExponent.
const (
	DecimalExponent = Format("DecimalExponent") // 12e6: an exponent of ten
	BinarySI        = Format("BinarySI")        // 12Mi: 12 × 2^20
	DecimalSI       = Format("DecimalSI")       // 12M:  12 × 10^6
)

// Scale is a power of ten, the unit of NewScaledQuantity and ScaledValue:
// the scale -3 is thousandths.
type Scale int32

// The scales with a decimalSI suffix.
const (
	Nano  Scale = -9
	Micro Scale = -6
	Milli Scale = -3
	Kilo  Scale = 3
	Mega  Scale = 6
	Giga  Scale = 9
	Tera  Scale = 12
	Peta  Scale = 15
	Exa   Scale = 18
)

// NewQuantity returns a new Quantity holding value, written in format.
func NewQuantity(value int64, format Format) *Quantity {
	return &Quantity{small: value, format: format}
}

// NewMilliQuantity returns a new Quantity holding value/1000, written in
// format. A BinarySI quantity that is not a whole number or lies between
// -1024 and 1024 is written with a decimalSI suffix:
// NewMilliQuantity(1024, BinarySI) is "1024m".
func NewMilliQuantity(value int64, format Format) *Quantity {
	return newScaled(value, Milli, format)
}

// NewScaledQuantity returns a new DecimalSI Quantity holding
// value × 10^scale: NewScaledQuantity(5, Milli) is "5m".
//
// Any scale is accepted, but Add and Sub work with every digit between the
// operands' scales, so adding quantities whose scales lie millions apart
// costs memory and time in proportion. Parsed quantities lie between 10^-9
// and 10^1000, which keeps that cost small.
func NewScaledQuantity(value int64, scale Scale) *Quantity {
	return newScaled(value, scale, DecimalSI)
}

func newScaled(value int64, scale Scale, format Format) *Quantity {
	if value == 0 {
		return &Quantity{format: format}
	}
	return &Quantity{small: value, exp: int32(scale), format: format}
}

// Format returns the kind of suffix q is written with: the one it was
// parsed with or built with, or the Format of the first non-zero quantity
// added to or subtracted from a zero q.
func (q Quantity) Format() Format { return q.format }

// IsZero reports whether q is 0.
//
// encoding/json's omitzero option uses this method, so a Quantity field
// tagged omitzero is left out when its value is 0, even when it was parsed
// from "0".
func (q Quantity) IsZero() bool { return q.large == nil && q.small == 0 }

// Sign returns -1, 0 or 1 when q is negative, zero or positive.
func (q Quantity) Sign() int {
	if q.large != nil {
		return q.large.Sign()
	}
	switch {
	case q.small < 0:
		return -1
	case q.small > 0:
		return 1
	}
	return 0
}

// Equal reports whether q and v have the same value, whatever their
// formats: MustParse("1k").Equal(MustParse("1000")) is true. It lets go-cmp
// compare quantities.
func (q Quantity) Equal(v Quantity) bool { return q.Cmp(v) == 0 }

// DeepCopy returns a copy of q that shares no memory with it.
func (q Quantity) DeepCopy() Quantity {
	if q.large != nil {
		q.large = new(big.Int).Set(q.large)
	}
	return q
}

// DeepCopyInto copies q into out, sharing no memory with q.
func (q *Quantity) DeepCopyInto(out *Quantity) { *out = q.DeepCopy() }
