package resource

import (
	"math"
	"math/big"
	"testing"
)

// raw builds value × 10^exp in format without the parser.
func raw(value int64, exp int32, format Format) Quantity {
	if value == 0 {
		return Quantity{format: format}
	}
	return Quantity{small: value, exp: exp, format: format}
}

// rawBig builds the decimal integer text × 10^exp in format.
func rawBig(t *testing.T, text string, exp int32, format Format) Quantity {
	t.Helper()
	u, ok := new(big.Int).SetString(text, 10)
	if !ok {
		t.Fatalf("bad integer %q in test table", text)
	}
	return fromBig(u, exp, format)
}

func TestQuantityString(t *testing.T) {
	// Kubernetes' TestQuantityString: the value, its canonical text, and
	// another text for the same value that must format the same.
	cases := []struct {
		in        Quantity
		want      string
		alternate string
	}{
		{raw(1024*1024*1024, 0, BinarySI), "1Gi", "1024Mi"},
		{raw(300*1024*1024, 0, BinarySI), "300Mi", "307200Ki"},
		{raw(6*1024, 0, BinarySI), "6Ki", ""},
		{raw(1001*1024*1024*1024, 0, BinarySI), "1001Gi", "1025024Mi"},
		{raw(1024*1024*1024*1024, 0, BinarySI), "1Ti", "1024Gi"},
		{raw(5, 0, BinarySI), "5", "5000m"},
		{raw(500, -3, BinarySI), "500m", "0.5"},
		{raw(1, 9, DecimalSI), "1G", "1000M"},
		{raw(1000, 6, DecimalSI), "1G", "0.001T"},
		{raw(1000000, 3, DecimalSI), "1G", ""},
		{raw(1000000000, 0, DecimalSI), "1G", ""},
		{raw(1, -3, DecimalSI), "1m", "1000u"},
		{raw(80, -3, DecimalSI), "80m", ""},
		{raw(1080, -3, DecimalSI), "1080m", "1.08"},
		{raw(108, -2, DecimalSI), "1080m", "1080000000n"},
		{raw(10800, -4, DecimalSI), "1080m", ""},
		{raw(300, 6, DecimalSI), "300M", ""},
		{raw(1, 12, DecimalSI), "1T", ""},
		{raw(1234567, 6, DecimalSI), "1234567M", ""},
		{raw(1234567, -3, BinarySI), "1234567m", ""},
		{raw(3, 3, DecimalSI), "3k", ""},
		{raw(1025, 0, BinarySI), "1025", ""},
		{raw(0, 0, DecimalSI), "0", ""},
		{raw(0, 0, BinarySI), "0", ""},
		{raw(1, 9, DecimalExponent), "1e9", ".001e12"},
		{raw(1, -3, DecimalExponent), "1e-3", "0.001e0"},
		{raw(1, -9, DecimalExponent), "1e-9", "1000e-12"},
		{raw(80, -3, DecimalExponent), "80e-3", ""},
		{raw(300, 6, DecimalExponent), "300e6", ""},
		{raw(1, 12, DecimalExponent), "1e12", ""},
		{raw(1, 3, DecimalExponent), "1e3", ""},
		{raw(3, 3, DecimalExponent), "3e3", ""},
		{raw(3, 3, DecimalSI), "3k", ""},
		{raw(0, 0, DecimalExponent), "0", "00"},
		{raw(1, -9, DecimalSI), "1n", ""},
		{raw(80, -9, DecimalSI), "80n", ""},
		{raw(1080, -9, DecimalSI), "1080n", ""},
		{raw(108, -8, DecimalSI), "1080n", ""},
		{raw(10800, -10, DecimalSI), "1080n", ""},
		{raw(1, -6, DecimalSI), "1u", ""},
		{raw(80, -6, DecimalSI), "80u", ""},
		{raw(1080, -6, DecimalSI), "1080u", ""},

		// Formats other than the three, including the zero Quantity's.
		{Quantity{}, "0", ""},
		{raw(5, 0, ""), "5", ""},
		{raw(1000000, 0, "invalidFormatDefaultsToExponent"), "1e6", ""},
		// BinarySI that is not whole, or beyond 2^63, or beyond Ei.
		{raw(10245, -1, BinarySI), "1024500m", ""},
		{raw(-1024, 0, BinarySI), "-1Ki", ""},
		{raw(-1023, 0, BinarySI), "-1023", ""},
		{raw(1024000, -3, BinarySI), "1Ki", ""},
		{raw(1, 3, BinarySI), "1k", ""}, // below 1024: DecimalSI
		{raw(2048, 3, BinarySI), "2000Ki", ""},
		{raw(math.MinInt64, 0, BinarySI), "-8Ei", ""},
		{raw(math.MaxInt64, 0, BinarySI), "9223372036854775807", ""},
		{rawBig(t, "18446744073709551616", 0, BinarySI), "16Ei", ""},
		{rawBig(t, "1180591620717411303424", 0, BinarySI), "1024Ei", ""},   // 2^70
		{rawBig(t, "-1180591620717411303424", 0, BinarySI), "-1024Ei", ""}, // -2^70
		{rawBig(t, "1180591620717411303424000", -3, BinarySI), "1024Ei", ""},
		// Decimal values beyond int64 and beyond the suffixes.
		{raw(math.MinInt64, 0, DecimalSI), "-9223372036854775808", ""},
		{raw(math.MaxInt64, 1, DecimalSI), "92233720368547758070", ""},
		{rawBig(t, "1000000000000000000000000000000", 0, DecimalSI), "1e30", ""},
		{rawBig(t, "7000000000000000000000000000000", -3, DecimalExponent), "7e27", ""},
		{rawBig(t, "-123456789012345678901234567890", -12, DecimalSI), "-123456789012345678901234567890e-12", ""},
		{raw(1, -12, DecimalSI), "1e-12", ""},
		{raw(15, -10, DecimalSI), "1500e-12", ""},
		{raw(1, 21, DecimalSI), "1e21", "1000E"},
		{raw(1, 19, DecimalSI), "10E", "10000000000000000000"},
		{raw(1, 2147483647, DecimalExponent), "10e2147483646", ""},
		{raw(10, 2147483647, DecimalSI), "100e2147483646", ""},
		{raw(1, -2147483648, DecimalExponent), "10e-2147483649", ""},
	}
	for _, tc := range cases {
		want := tc.want
		if got := tc.in.String(); got != want {
			t.Errorf("%#v.String() = %s, want %s", tc.in, got, want)
		}
		if tc.alternate != "" {
			q, err := ParseQuantity(tc.alternate)
			if err != nil {
				t.Errorf("ParseQuantity(%s): %v", tc.alternate, err)
			} else if got := q.String(); got != want {
				t.Errorf("ParseQuantity(%s).String() = %s, want %s", tc.alternate, got, want)
			}
		}
		if tc.in.Sign() > 0 {
			neg := tc.in
			neg.Neg()
			if got := neg.String(); got != "-"+want {
				t.Errorf("%#v.String() = %s, want -%s", neg, got, want)
			}
		}
	}
}

// TestStringIdempotent checks that the canonical text of every parse case
// parses back to an equal Quantity with the same canonical text.
func TestStringIdempotent(t *testing.T) {
	for _, tc := range parseCases {
		q := MustParse(tc.in)
		s := q.String()
		back, err := ParseQuantity(s)
		if err != nil {
			t.Errorf("ParseQuantity(%.40s), the text of %.40s: %v", s, tc.in, err)
			continue
		}
		if !back.Equal(q) {
			t.Errorf("ParseQuantity(%.40s) = %.40s, want the value of %.40s", s, back, tc.in)
		}
		if got := back.String(); got != s {
			t.Errorf("canonical text of %.40s is %.40s, of that %.40s", tc.in, s, got)
		}
	}
}

func TestConstructors(t *testing.T) {
	// Kubernetes' TestNewSet, TestMilliNewSet, TestNewScaledSet and
	// ExampleFormat.
	cases := []struct {
		q      *Quantity
		want   string
		format Format
	}{
		{NewQuantity(1, DecimalSI), "1", DecimalSI},
		{NewQuantity(1000, DecimalSI), "1k", DecimalSI},
		{NewQuantity(1234000, DecimalSI), "1234k", DecimalSI},
		{NewQuantity(1024, BinarySI), "1Ki", BinarySI},
		{NewQuantity(1000000, "invalidFormatDefaultsToExponent"), "1e6", "invalidFormatDefaultsToExponent"},
		{NewQuantity(1024*1024, BinarySI), "1Mi", BinarySI},
		{NewQuantity(5*1024*1024*1024, BinarySI), "5Gi", BinarySI},
		{NewQuantity(5*1000*1000*1000, DecimalSI), "5G", DecimalSI},
		{NewQuantity(0, BinarySI), "0", BinarySI},
		{NewMilliQuantity(5300, DecimalSI), "5300m", DecimalSI},
		{NewMilliQuantity(1, DecimalSI), "1m", DecimalSI},
		{NewMilliQuantity(1000, DecimalSI), "1", DecimalSI},
		{NewMilliQuantity(1234000, DecimalSI), "1234", DecimalSI},
		{NewMilliQuantity(1024, BinarySI), "1024m", BinarySI},
		{NewMilliQuantity(1000000, "invalidFormatDefaultsToExponent"), "1e3", "invalidFormatDefaultsToExponent"},
		{NewMilliQuantity(1024*1024, BinarySI), "1048576m", BinarySI},
		{NewMilliQuantity(0, DecimalSI), "0", DecimalSI},
		{NewScaledQuantity(1, Nano), "1n", DecimalSI},
		{NewScaledQuantity(1000, Nano), "1u", DecimalSI},
		{NewScaledQuantity(1, Micro), "1u", DecimalSI},
		{NewScaledQuantity(1000, Micro), "1m", DecimalSI},
		{NewScaledQuantity(1, Milli), "1m", DecimalSI},
		{NewScaledQuantity(1000, Milli), "1", DecimalSI},
		{NewScaledQuantity(1, 0), "1", DecimalSI},
		{NewScaledQuantity(0, Nano), "0", DecimalSI},
		{NewScaledQuantity(0, 0), "0", DecimalSI},
		{NewScaledQuantity(5, Exa), "5E", DecimalSI},
		{NewScaledQuantity(7, Kilo), "7k", DecimalSI},
		{NewScaledQuantity(7, Mega), "7M", DecimalSI},
		{NewScaledQuantity(7, Giga), "7G", DecimalSI},
		{NewScaledQuantity(7, Tera), "7T", DecimalSI},
		{NewScaledQuantity(7, Peta), "7P", DecimalSI},
	}
	for _, tc := range cases {
		if got := tc.q.String(); got != tc.want {
			t.Errorf("%#v.String() = %s, want %s", *tc.q, got, tc.want)
		}
		if got := tc.q.Format(); got != tc.format {
			t.Errorf("%#v.Format() = %s, want %s", *tc.q, got, tc.format)
		}
	}
}
