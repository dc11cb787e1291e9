package resource

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rat returns the exact value of q, computed from its internal form
// without the parser or the formatter.
func rat(q Quantity) *big.Rat {
	r := new(big.Rat).SetInt(q.unscaled())
	p := new(big.Rat).SetInt(bigPow10(absInt64(int64(q.exp))))
	if q.exp < 0 {
		return r.Quo(r, p)
	}
	return r.Mul(r, p)
}

func absInt64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// mustRat returns the exact value of a decimal string such as "-0.001".
func mustRat(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("bad rational %q in test table", s)
	}
	return r
}

// parseCases are Kubernetes' own parse cases (quantity_test.go
// TestQuantityParse and TestQuantityParseEmit): the input, its canonical
// text, its Format, and its exact value.
var parseCases = []struct {
	in, canonical string
	format        Format
	value         string
}{
	{"0", "0", DecimalSI, "0"},
	{"0n", "0", DecimalSI, "0.000000000"},
	{"0u", "0", DecimalSI, "0.000000"},
	{"0m", "0", DecimalSI, "0.000"},
	{"0Ki", "0", BinarySI, "0"},
	{"0k", "0", DecimalSI, "0"},
	{"0Mi", "0", BinarySI, "0"},
	{"0M", "0", DecimalSI, "0"},
	{"0Gi", "0", BinarySI, "0"},
	{"0G", "0", DecimalSI, "0"},
	{"0Ti", "0", BinarySI, "0"},
	{"0T", "0", DecimalSI, "0"},
	{"1", "1", DecimalSI, "1"},
	{"1Ki", "1Ki", BinarySI, "1024"},
	{"8Ki", "8Ki", BinarySI, "8192"},
	{"7Mi", "7Mi", BinarySI, "7340032"},
	{"6Gi", "6Gi", BinarySI, "6442450944"},
	{"5Ti", "5Ti", BinarySI, "5497558138880"},
	{"4Pi", "4Pi", BinarySI, "4503599627370496.000000000"},
	{"3Ei", "3Ei", BinarySI, "3458764513820540928.000000000"},
	{"10Ti", "10Ti", BinarySI, "10995116277760"},
	{"100Ti", "100Ti", BinarySI, "109951162777600.000000000"},
	{"5n", "5n", DecimalSI, "0.000000005"},
	{"4u", "4u", DecimalSI, "0.000004"},
	{"3m", "3m", DecimalSI, "0.003"},
	{"9", "9", DecimalSI, "9"},
	{"8k", "8k", DecimalSI, "8000"},
	{"50k", "50k", DecimalSI, "50000"},
	{"7M", "7M", DecimalSI, "7000000"},
	{"6G", "6G", DecimalSI, "6000000000"},
	{"5T", "5T", DecimalSI, "5000000000000"},
	{"40T", "40T", DecimalSI, "40000000000000"},
	{"300T", "300T", DecimalSI, "300000000000000"},
	{"2P", "2P", DecimalSI, "2000000000000000"},
	{"1E", "1E", DecimalSI, "1000000000000000000"},
	{"1E-3", "1e-3", DecimalExponent, "0.001"},
	{"1e3", "1e3", DecimalExponent, "1000"},
	{"1E6", "1e6", DecimalExponent, "1000000"},
	{"1e9", "1e9", DecimalExponent, "1000000000"},
	{"1E12", "1e12", DecimalExponent, "1000000000000"},
	{"1e15", "1e15", DecimalExponent, "1000000000000000"},
	{"1E18", "1e18", DecimalExponent, "1000000000000000000"},
	{"1e14", "100e12", DecimalExponent, "100000000000000"},
	{"1e13", "10e12", DecimalExponent, "10000000000000"},
	{"100.035k", "100035", DecimalSI, "100035"},
	{"0.001", "1m", DecimalSI, "0.001"},
	{"0.0005k", "500m", DecimalSI, "0.5"},
	{"0.005", "5m", DecimalSI, "0.005"},
	{"0.05", "50m", DecimalSI, "0.05"},
	{"0.5", "500m", DecimalSI, "0.5"},
	{"0.00050k", "500m", DecimalSI, "0.50"},
	{"0.00500", "5m", DecimalSI, "0.00500"},
	{"0.05000", "50m", DecimalSI, "0.05000"},
	{"0.50000", "500m", DecimalSI, "0.50000"},
	{"0.5e0", "500e-3", DecimalExponent, "0.5"},
	{"0.5e-1", "50e-3", DecimalExponent, "0.05"},
	{"0.5e-2", "5e-3", DecimalExponent, "0.005"},
	{"10.035M", "10035k", DecimalSI, "10035000"},
	{"1.2e3", "1200", DecimalExponent, "1200"},
	{"1.3E+6", "1300e3", DecimalExponent, "1300000"},
	{"1.40e9", "1400e6", DecimalExponent, "1400000000"},
	{"1.53E12", "1530e9", DecimalExponent, "1530000000000"},
	{"1.6e15", "1600e12", DecimalExponent, "1600000000000000"},
	{"1.7E18", "1700e15", DecimalExponent, "1700000000000000000"},
	{"9.01", "9010m", DecimalSI, "9.01"},
	{"8.1k", "8100", DecimalSI, "8100"},
	{"7.123456M", "7123456", DecimalSI, "7123456"},
	{"6.987654321G", "6987654321", DecimalSI, "6987654321"},
	{"5.444T", "5444G", DecimalSI, "5444000000000"},
	{"40.1T", "40100G", DecimalSI, "40100000000000"},
	{"300.2T", "300200G", DecimalSI, "300200000000000"},
	{"2.5P", "2500T", DecimalSI, "2500000000000000"},
	{"1.01E", "1010P", DecimalSI, "1010000000000000000"},
	{"3.001n", "4n", DecimalSI, "0.000000004"},
	{"1.1E-9", "2e-9", DecimalExponent, "0.000000002"},
	{"0.0000000001", "1n", DecimalSI, "0.000000001"},
	{"0.0000000005", "1n", DecimalSI, "0.000000001"},
	{"0.00000000050", "1n", DecimalSI, "0.000000001"},
	{"0.5e-9", "1e-9", DecimalExponent, "0.000000001"},
	{"0.9n", "1n", DecimalSI, "0.000000001"},
	{"0.00000012345", "124n", DecimalSI, "0.000000124"},
	{"0.00000012354", "124n", DecimalSI, "0.000000124"},
	{"9Ei", "9223372036854775807", BinarySI, "9223372036854775807"},
	{"9223372036854775807Ki", "9223372036854775807", BinarySI, "9223372036854775807"},
	{"12E", "12E", DecimalSI, "12000000000000000000"},
	{"100.035Ki", "102435840m", BinarySI, "102435.840000000"},
	{"0.5Mi", "512Ki", BinarySI, "524288.000000000"},
	{"0.05Gi", "53687091200m", BinarySI, "53687091.200000000"},
	{"0.025Ti", "27487790694400m", BinarySI, "27487790694.400000000"},
	{"0.000000000001Ki", "2n", DecimalSI, "0.000000002"},
	{".001", "1m", DecimalSI, "0.001"},
	{".0001k", "100m", DecimalSI, "0.1"},
	{"1.", "1", DecimalSI, "1"},
	{"1.G", "1G", DecimalSI, "1000000000"},
	{"1Mi", "1Mi", BinarySI, "1048576"},
	{"1Gi", "1Gi", BinarySI, "1073741824"},
	{"1024Mi", "1Gi", BinarySI, "1073741824"},
	{"1000M", "1G", DecimalSI, "1000000000"},
	{".001Ki", "1024m", BinarySI, "1.024000000"},
	{".000001Ki", "1024u", DecimalSI, "0.001024000"},
	{".000000001Ki", "1024n", DecimalSI, "0.000001024"},
	{".000000000001Ki", "2n", DecimalSI, "0.000000002"},
	{"1.5Gi", "1536Mi", BinarySI, "1610612736.000000000"},
	{"1.5", "1500m", DecimalSI, "1.5"},
	{"2", "2", DecimalSI, "2"},
	{"500Mi", "500Mi", BinarySI, "524288000"},
	{"-1", "-1", DecimalSI, "-1"},
	{"+1", "1", DecimalSI, "1"},
	{".5", "500m", DecimalSI, "0.5"},
	{"0.1m", "100u", DecimalSI, "0.0001"},
	{"0.1n", "1n", DecimalSI, "0.000000001"},
	{"8Ei", "9223372036854775807", BinarySI, "9223372036854775807"},
	{"-8Ei", "-9223372036854775807", BinarySI, "-9223372036854775807"},
	{"1.1Ki", "1126400m", BinarySI, "1126.400000000"},
	// Decimal values beyond int64 keep every digit (Kubernetes'
	// TestParseQuantity).
	{"999999999999999999", "999999999999999999", DecimalSI, "999999999999999999"},
	{"999999999999999999.1", "999999999999999999100m", DecimalSI, "999999999999999999.1"},
	{"9999999999999999999", "9999999999999999999", DecimalSI, "9999999999999999999"},
	{"9999999999999999999000m", "9999999999999999999", DecimalSI, "9999999999999999999"},
	{"9999999999999999999.1", "9999999999999999999100m", DecimalSI, "9999999999999999999.1"},
	{"1000000000000000000", "1E", DecimalSI, "1000000000000000000"},
	{"1.0000000000000000001E", "1000000000000000000100m", DecimalSI, "1000000000000000000.1"},
	{"1.000000000000000001E", "1000000000000000001", DecimalSI, "1000000000000000001"},
	{"10E", "10E", DecimalSI, "10000000000000000000"},
	{"10000000000000000000", "10E", DecimalSI, "10000000000000000000"},
	{"10000000000000000000000m", "10E", DecimalSI, "10000000000000000000"},
	{"10.0000000000000000001E", "10000000000000000000100m", DecimalSI, "10000000000000000000.1"},
	{"9223372036854775807", "9223372036854775807", DecimalSI, "9223372036854775807"},
	{"9223372036854775808", "9223372036854775808", DecimalSI, "9223372036854775808"},
	{"9223372036854775808.1", "9223372036854775808100m", DecimalSI, "9223372036854775808.1"},
	{"18446744073709551616", "18446744073709551616", DecimalSI, "18446744073709551616"},
	// A decimalSI value beyond the E suffix falls back to an exponent
	// (Kubernetes' current source; v0.37 wrote "1000E" as "1").
	{"1000E", "1e21", DecimalSI, "1000000000000000000000"},
	{"12345E", "12345E", DecimalSI, "12345000000000000000000"},
	{"1e21", "1e21", DecimalExponent, "1000000000000000000000"},
	// Always canonical, where Kubernetes echoes some inputs.
	{"01", "1", DecimalSI, "1"},
	{"001k", "1k", DecimalSI, "1000"},
	{"1e03", "1e3", DecimalExponent, "1000"},
	{"1e+3", "1e3", DecimalExponent, "1000"},
	{"1e-0", "1", DecimalExponent, "1"},
	{"2e0", "2", DecimalExponent, "2"},
	{"007Mi", "7Mi", BinarySI, "7340032"},
	{"1.Ki", "1Ki", BinarySI, "1024"},
	// The brief's examples.
	{"100m", "100m", DecimalSI, "0.1"},
	{"0.1m", "100u", DecimalSI, "0.0001"},
	// Binary values: the cap and the switch to DecimalSI below 1.
	{"8191Pi", "8191Pi", BinarySI, "9222246136947933184"},
	{"8192Pi", "9223372036854775807", BinarySI, "9223372036854775807"},
	{"7.99999999999999999999Ei", "9223372036854775807", BinarySI, "9223372036854775807"},
	{"0.0001Ki", "102400u", DecimalSI, "0.1024"},
	{"0.5Ki", "512", BinarySI, "512"},
	{"1.0000000000000000000001Ki", "1024000000001n", BinarySI, "1024.000000001"},
	{"0.000000000000000000000000000000000000000000000000000000000000000000000000000001Ei", "1n", DecimalSI, "0.000000001"},
	// Rounding far below nano, and exponents at the limits.
	{"0." + strings.Repeat("0", 200) + "1", "1n", DecimalSI, "0.000000001"},
	{"1." + strings.Repeat("0", 200) + "1", "1000000001n", DecimalSI, "1.000000001"},
	{"1e-999999999", "1e-9", DecimalExponent, "0.000000001"},
	{"1e-2147483648", "1e-9", DecimalExponent, "0.000000001"},
	{"0e999999999", "0", DecimalExponent, "0"},
	{"1e999", "1e999", DecimalExponent, "1" + strings.Repeat("0", 999)},
	{"0.001e1002", "1e999", DecimalExponent, "1" + strings.Repeat("0", 999)},
	{strings.Repeat("9", 1000), strings.Repeat("9", 1000), DecimalSI, strings.Repeat("9", 1000)},
	{"0." + strings.Repeat("9", 1000) + "e1000", strings.Repeat("9", 1000), DecimalExponent, strings.Repeat("9", 1000)},
}

func TestParseQuantity(t *testing.T) {
	for _, tc := range parseCases {
		for _, sign := range []string{"", "+", "-"} {
			if sign != "" && (tc.in[0] == '+' || tc.in[0] == '-') {
				continue
			}
			in := sign + tc.in
			want := mustRat(t, tc.value)
			canonical := tc.canonical
			if sign == "-" && canonical != "0" {
				want.Neg(want)
				canonical = "-" + canonical
			}
			q, err := ParseQuantity(in)
			if err != nil {
				t.Errorf("ParseQuantity(%.40q): %v", in, err)
				continue
			}
			if got := rat(q); got.Cmp(want) != 0 {
				t.Errorf("ParseQuantity(%.40q) = %s, want %s", in, got.FloatString(9), want.FloatString(9))
			}
			if got := q.Format(); got != tc.format {
				t.Errorf("ParseQuantity(%.40q).Format() = %s, want %s", in, got, tc.format)
			}
			if got := q.String(); got != canonical {
				t.Errorf("ParseQuantity(%.40q).String() = %.40q, want %.40q", in, got, canonical)
			}
		}
	}
}

func TestParseQuantityErrors(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{"", ErrFormatWrong},
		{"1.5.5", ErrFormatWrong},
		{"1.1.M", ErrFormatWrong},
		{"1+1.0M", ErrFormatWrong},
		{"1 Gi", ErrFormatWrong},
		{" 1", ErrFormatWrong},
		{"1 ", ErrFormatWrong},
		{"1iB", ErrFormatWrong},
		{"0.1am", ErrFormatWrong},
		{"aoeu", ErrFormatWrong},
		{"1e3e3", ErrFormatWrong},
		{"1e3.5", ErrFormatWrong},
		{"1\u00b5", ErrFormatWrong},
		{"1µ", ErrFormatWrong},
		{"1\x00", ErrFormatWrong},
		// No digits: Kubernetes' scanner parses these as 0, its grammar
		// does not allow them.
		{"Gi", ErrFormatWrong},
		{"+", ErrFormatWrong},
		{"-", ErrFormatWrong},
		{"e3", ErrFormatWrong},
		{".", ErrNumeric},
		{"-.", ErrNumeric},
		{".Gi", ErrNumeric},
		{"1e", ErrSuffix},
		{"1E+", ErrSuffix},
		{"-3.01e-", ErrSuffix},
		{"--1", ErrSuffix},
		{"1-", ErrSuffix},
		{"1i", ErrSuffix},
		{".5i", ErrSuffix},
		{"-3.01i", ErrSuffix},
		{"0.1mi", ErrSuffix},
		{"1K", ErrSuffix},
		{"1KiB", ErrFormatWrong},
		{"1ee3", ErrSuffix},
		{"1k3", ErrSuffix},
		{"1Ki5", ErrSuffix},
		// Huge values and exponents.
		{"1e999999999", ErrNumeric},
		{"1e1000", ErrNumeric},
		{"10e999", ErrNumeric},
		{strings.Repeat("9", 1001), ErrNumeric},
		{"1" + strings.Repeat("0", 997) + "k", ErrNumeric},
		{"1" + strings.Repeat("0", 1003) + "m", ErrNumeric},
		{"1e2147483648", ErrSuffix},
		{"1e4294967296", ErrSuffix},
		{"1e-99999999999", ErrSuffix},
	}
	for _, tc := range cases {
		q, err := ParseQuantity(tc.in)
		if err == nil {
			t.Errorf("ParseQuantity(%.40q) = %s, want an error", tc.in, q)
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("ParseQuantity(%.40q) error = %v, want %v", tc.in, err, tc.want)
		}
		quoted := fmt.Sprintf("%.20q", tc.in)
		if !strings.Contains(err.Error(), quoted[:len(quoted)-1]) {
			t.Errorf("ParseQuantity(%.40q) error %q does not quote the input", tc.in, err)
		}
	}
}

func TestParseQuantityErrorText(t *testing.T) {
	_, err := ParseQuantity("1.5.5")
	want := `quantity "1.5.5": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error text (-want +got):\n%s", diff)
	}
	_, err = ParseQuantity("1e999999999")
	want = `quantity "1e999999999": unable to parse numeric part of quantity (magnitude must be below 10^1000)`
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("error text (-want +got):\n%s", diff)
	}
}

func TestMustParse(t *testing.T) {
	if got, want := MustParse("1.5Gi").String(), "1536Mi"; got != want {
		t.Errorf("MustParse(1.5Gi) = %s, want %s", got, want)
	}
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("MustParse(Non-Numeric) did not panic")
		}
		if s, _ := r.(string); !strings.Contains(s, "Non-Numeric") {
			t.Errorf("panic %v does not name the input", r)
		}
	}()
	MustParse("Non-Numeric")
}

// TestParseQuantityLongInput checks that a very long input is handled in
// time linear in its length: a million fraction digits round to 1n.
func TestParseQuantityLongInput(t *testing.T) {
	in := "0." + strings.Repeat("0", 1<<20) + "1"
	q, err := ParseQuantity(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := q.String(); got != "1n" {
		t.Errorf("String() = %s, want 1n", got)
	}
	in = "1" + strings.Repeat("0", 1<<20)
	if _, err := ParseQuantity(in); !errors.Is(err, ErrNumeric) {
		t.Errorf("ParseQuantity(1 and a million zeros) error = %v, want ErrNumeric", err)
	}
}
