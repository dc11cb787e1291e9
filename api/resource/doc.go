// Package resource holds Quantity, the exact fixed-point number that
// Kubernetes uses for resource amounts: "100m" of CPU, "1.5Gi" of memory,
// "2" pods, "1e3" of an extended resource. Start with ParseQuantity (or
// MustParse for constants), compare with Cmp, sum with Add and Sub, and read
// integers out with Value, MilliValue and ScaledValue.
//
// # Text form
//
// A quantity is written as a signed decimal number and a suffix:
//
//	<quantity>        ::= <signedNumber><suffix>
//	<signedNumber>    ::= <number> | <sign><number>
//	<sign>            ::= "+" | "-"
//	<number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//	<digits>          ::= <digit> | <digit><digits>
//	<digit>           ::= 0 | 1 | ... | 9
//	<suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
//	<binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei        (powers of 1024)
//	<decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E   (powers of 1000)
//	<decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>
//
// No whitespace is allowed. "1E" is 10^18 (decimalSI); "1E3" is 1000
// (decimalExponent); "1k" is 1000 and "1Ki" is 1024; "1K" is an error.
//
// # Values
//
// Arithmetic is exact: no float64 is involved anywhere, so 0.1 + 0.2 is
// exactly 0.3. Parsing keeps precision down to 10^-9 (nano) and rounds a
// finer non-zero remainder away from zero, so "0.1n" is 1n and "-3.001n" is
// -4n: whoever asks for some of a resource gets at least the smallest
// amount. A binarySI quantity is capped silently at 2^63-1 when parsed
// ("8Ei" and "9Ei" both parse as 9223372036854775807), as Kubernetes does.
// Decimal quantities are not capped at 2^63-1: "18446744073709551616" keeps
// its value. To bound the work a hostile input can cause, ParseQuantity
// rejects a value of 10^1000 or more in magnitude and an exponent that does
// not fit in 32 bits (Kubernetes would accept "1e999999999").
//
// # Canonical form
//
// A Quantity remembers the kind of suffix it was written with (its Format)
// and String writes it back in canonical form with that kind of suffix:
// no fractional digits, the largest suffix that loses no precision, and a
// sign only when negative. "1.5Gi" is written "1536Mi", "0.5" is "500m",
// "1000M" is "1G" and "+1" is "1". A binarySI value that is not a whole
// number, or lies strictly between -1024 and 1024, is written with a
// decimalSI suffix ("0.5Ki" is "512"); a decimalSI value beyond the "E" or
// "n" suffixes falls back to an exponent ("1000E" is "1e21"). The JSON form
// is the canonical string.
//
// # Differences from Kubernetes
//
// The values, the canonical text and the errors follow
// k8s.io/apimachinery/pkg/api/resource. Where Kubernetes' implementation
// departs from its own documented grammar and canonical form, this package
// follows the documentation, and where its result is undefined or loses
// the value, this package defines it:
//
//   - A number must have a digit: Kubernetes parses "Gi", ".", "+" and "-"
//     as zero; ParseQuantity rejects them.
//   - String is always canonical: Kubernetes echoes some inputs verbatim
//     ("+1", "01", "1.", "1E6", "1e+3"); here they are "1", "1", "1",
//     "1e6" and "1e3".
//   - Huge exponents are rejected instead of truncated to 32 bits.
//   - Value, MilliValue and ScaledValue saturate at the int64 limits where
//     Kubernetes' result is undefined, and always round away from zero.
//   - AsInt64 reports every whole value that fits in an int64, whatever its
//     internal form.
//   - A binarySI value of 2^70 or more keeps its value when formatted
//     ("1024Ei"); Kubernetes v0.37 drops the suffix.
//
// The zero Quantity is 0 and formats as "0". Quantity is a small value type:
// copy it, store it in maps (map[ResourceName]Quantity), and compare it with
// Cmp or Equal, never with ==, since equal values can have different
// internal forms ("1k" and "1000").
//
// +kubebuilder:object:generate=true
package resource
