package resource

import (
	"math"
	"math/rand"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCmp(t *testing.T) {
	const mostPositive, mostNegative = math.MaxInt64, math.MinInt64
	cases := []struct {
		a, b Quantity
		want int
	}{
		// Kubernetes' TestQuantityCmp and TestQuantityCmpInt64AndDec.
		{MustParse("0"), MustParse("0"), 0},
		{MustParse("100m"), MustParse("50m"), 1},
		{MustParse("50m"), MustParse("100m"), -1},
		{MustParse("10000T"), MustParse("100Gi"), 1},
		{raw(901, -2, DecimalSI), raw(901, -2, DecimalSI), 0},
		{raw(90, -1, DecimalSI), raw(901, -2, DecimalSI), -1},
		{raw(901, -2, DecimalSI), raw(900, -2, DecimalSI), 1},
		{raw(0, 1, DecimalSI), raw(0, -1, DecimalSI), 0},
		{raw(800, -3, DecimalSI), raw(1, 0, DecimalSI), -1},
		{raw(800, -3, DecimalSI), raw(79, -2, DecimalSI), 1},
		{raw(mostPositive, 0, DecimalSI), raw(1, -1, DecimalSI), 1},
		{raw(mostPositive, 1, DecimalSI), raw(1, 0, DecimalSI), 1},
		{raw(mostPositive, 1, DecimalSI), raw(1, 1, DecimalSI), 1},
		{raw(mostPositive, 1, DecimalSI), raw(0, 1, DecimalSI), 1},
		{raw(mostPositive, -16, DecimalSI), raw(1, 3, DecimalSI), -1},
		{raw(mostNegative, 0, DecimalSI), raw(0, 0, DecimalSI), -1},
		{raw(mostNegative, -18, DecimalSI), raw(-1, 0, DecimalSI), -1},
		{raw(mostNegative, -19, DecimalSI), raw(-1, 0, DecimalSI), 1},
		{raw(1e18, -17, DecimalSI), raw(1, 1, DecimalSI), 0},
		{raw(1e18, -17, DecimalSI), raw(-10, 0, DecimalSI), 1},
		{raw(-1e18, -17, DecimalSI), raw(-10, 0, DecimalSI), 0},
		{raw(1e18, -17, DecimalSI), raw(1, 0, DecimalSI), 1},
		{raw(1e18+1, -17, DecimalSI), raw(1, 1, DecimalSI), 1},
		{raw(1e18-1, -17, DecimalSI), raw(1, 1, DecimalSI), -1},
		// Across formats and representations.
		{MustParse("1Ki"), MustParse("1024"), 0},
		{MustParse("1k"), MustParse("1000"), 0},
		{MustParse("1k"), MustParse("1e3"), 0},
		{MustParse("1.5Gi"), MustParse("1536Mi"), 0},
		{MustParse("1Gi"), MustParse("1G"), 1},
		{MustParse("-1Gi"), MustParse("-1G"), -1},
		{MustParse("18446744073709551616"), MustParse("16Ei"), 1}, // 16Ei is capped
		{MustParse("18446744073709551616"), MustParse("18446744073709551615"), 1},
		{MustParse("-18446744073709551616"), MustParse("-18446744073709551615"), -1},
		{MustParse("18446744073709551616"), MustParse("18446744073709551616000m"), 0},
		{MustParse("1e999"), MustParse("1n"), 1},
		{MustParse("-1e999"), MustParse("1n"), -1},
		{MustParse("1e999"), MustParse("10e998"), 0},
		{raw(1, math.MaxInt32, DecimalSI), raw(1, math.MinInt32, DecimalSI), 1},
		{raw(-1, math.MaxInt32, DecimalSI), raw(-1, math.MinInt32, DecimalSI), -1},
		{raw(10, math.MaxInt32-1, DecimalSI), raw(1, math.MaxInt32, DecimalSI), 0},
		{Quantity{}, MustParse("0Ki"), 0},
		{Quantity{}, MustParse("1n"), -1},
		{Quantity{}, MustParse("-1n"), 1},
	}
	for _, tc := range cases {
		if got := tc.a.Cmp(tc.b); got != tc.want {
			t.Errorf("%s.Cmp(%s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := tc.b.Cmp(tc.a); got != -tc.want {
			t.Errorf("%s.Cmp(%s) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
		if got := tc.a.Equal(tc.b); got != (tc.want == 0) {
			t.Errorf("%s.Equal(%s) = %t", tc.a, tc.b, got)
		}
	}
}

func TestCmpInt64(t *testing.T) {
	cases := []struct {
		q    string
		y    int64
		want int
	}{
		{"0", 0, 0},
		{"1023", 1024, -1},
		{"1Ki", 1024, 0},
		{"1025", 1024, 1},
		{"1001m", 1, 1},
		{"999m", 1, -1},
		{"-1n", 0, -1},
		{"9223372036854775807", math.MaxInt64, 0},
		{"9223372036854775808", math.MaxInt64, 1},
		{"-9223372036854775808", math.MinInt64, 0},
		{"-9223372036854775809", math.MinInt64, -1},
		{"1e999", math.MaxInt64, 1},
	}
	for _, tc := range cases {
		if got := MustParse(tc.q).CmpInt64(tc.y); got != tc.want {
			t.Errorf("%s.CmpInt64(%d) = %d, want %d", tc.q, tc.y, got, tc.want)
		}
	}
}

func TestAddSub(t *testing.T) {
	cases := []struct {
		a, b        Quantity
		sum, diff   string
		sumF, diffF Format
	}{
		// Kubernetes' TestAdd and TestSub: q keeps its format unless zero.
		{raw(10, 0, DecimalSI), raw(1, 1, DecimalSI), "20", "0", DecimalSI, DecimalSI},
		{raw(10, 0, DecimalSI), raw(1, 0, BinarySI), "11", "9", DecimalSI, DecimalSI},
		{raw(10, 0, BinarySI), raw(1, 0, DecimalSI), "11", "9", BinarySI, BinarySI},
		{Quantity{format: DecimalSI}, raw(50, 0, DecimalSI), "50", "-50", DecimalSI, DecimalSI},
		{raw(50, 0, DecimalSI), Quantity{format: DecimalSI}, "50", "50", DecimalSI, DecimalSI},
		{Quantity{format: DecimalSI}, Quantity{format: DecimalSI}, "0", "0", DecimalSI, DecimalSI},
		// A zero takes the other's format, both ways round (Kubernetes'
		// TestQuantityAddZeroPreservesSuffix and ...SubZeroPreservesSuffix).
		{MustParse("0"), MustParse("1Gi"), "1Gi", "-1Gi", BinarySI, BinarySI},
		{MustParse("1Gi"), MustParse("0"), "1Gi", "1Gi", BinarySI, BinarySI},
		{MustParse("0"), MustParse("100m"), "100m", "-100m", DecimalSI, DecimalSI},
		{Quantity{}, MustParse("1e3"), "1e3", "-1e3", DecimalExponent, DecimalExponent},
		{MustParse("1Gi"), MustParse("1Gi"), "2Gi", "0", BinarySI, BinarySI},
		// Exact decimal fractions.
		{MustParse("0.1"), MustParse("0.2"), "300m", "-100m", DecimalSI, DecimalSI},
		{MustParse("1.5Gi"), MustParse("512Mi"), "2Gi", "1Gi", BinarySI, BinarySI},
		{MustParse("100m"), MustParse("1Ki"), "1024100m", "-1023900m", DecimalSI, DecimalSI},
		{MustParse("1n"), MustParse("1E"), "1000000000000000000000000001n", "-999999999999999999999999999n", DecimalSI, DecimalSI},
		// Overflowing int64 and coming back.
		{raw(math.MaxInt64, 0, DecimalSI), raw(1, 0, DecimalSI), "9223372036854775808", "9223372036854775806", DecimalSI, DecimalSI},
		{raw(math.MinInt64, 0, DecimalSI), raw(1, 0, DecimalSI), "-9223372036854775807", "-9223372036854775809", DecimalSI, DecimalSI},
		{raw(math.MinInt64, 0, DecimalSI), raw(math.MinInt64, 0, DecimalSI), "-18446744073709551616", "0", DecimalSI, DecimalSI},
		{Quantity{format: DecimalSI}, raw(math.MinInt64, 0, DecimalSI), "-9223372036854775808", "9223372036854775808", DecimalSI, DecimalSI},
		{MustParse("18446744073709551616"), MustParse("-18446744073709551615"), "1", "36893488147419103231", DecimalSI, DecimalSI},
		{MustParse("8Ei"), MustParse("8Ei"), "18446744073709551614", "0", BinarySI, BinarySI},
		{NewQuantity(1<<62, BinarySI).DeepCopy(), *NewQuantity(1<<62, BinarySI), "8Ei", "0", BinarySI, BinarySI},
		{MustParse("1e999"), MustParse("1n"), "1" + zeros(1007) + "1e-9", nines(1008) + "e-9", DecimalExponent, DecimalExponent},
	}
	for _, tc := range cases {
		got := tc.a.DeepCopy()
		got.Add(tc.b)
		if got.String() != tc.sum || got.Format() != tc.sumF {
			t.Errorf("%s + %s = %.60s %s, want %.60s %s", tc.a, tc.b, got, got.Format(), tc.sum, tc.sumF)
		}
		got = tc.a.DeepCopy()
		got.Sub(tc.b)
		if got.String() != tc.diff || got.Format() != tc.diffF {
			t.Errorf("%s - %s = %.60s %s, want %.60s %s", tc.a, tc.b, got, got.Format(), tc.diff, tc.diffF)
		}
	}
}

func zeros(n int) string { return repeat('0', n) }
func nines(n int) string { return repeat('9', n) }

func repeat(c byte, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

func TestAddExact(t *testing.T) {
	q := MustParse("0.1")
	q.Add(MustParse("0.2"))
	if !q.Equal(MustParse("0.3")) {
		t.Errorf("0.1 + 0.2 = %s, want 300m", q)
	}
	sum := Quantity{}
	for range 1000 {
		sum.Add(MustParse("1m"))
	}
	if !sum.Equal(MustParse("1")) || sum.MilliValue() != 1000 {
		t.Errorf("1000 × 1m = %s (%d milli), want 1", sum, sum.MilliValue())
	}
}

// TestAddSubRoundTrip is Kubernetes' test of the same name and its
// AcrossScales variant: adding then subtracting the same random amounts
// cancels exactly.
func TestAddSubRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for k := -10; k <= 10; k++ {
		q := Quantity{format: DecimalSI}
		var order []int64
		for range 100 {
			j := r.Int63()
			order = append(order, j)
			q.Add(*NewScaledQuantity(j, Scale(k)))
		}
		for _, j := range order {
			q.Sub(*NewScaledQuantity(j, Scale(k)))
		}
		if !q.IsZero() {
			t.Errorf("scale %d: addition and subtraction did not cancel: %s", k, q)
		}
	}
	q := Quantity{format: DecimalSI}
	var order []int64
	for range 100 {
		j := r.Int63() - r.Int63()
		order = append(order, j)
		q.Add(*NewScaledQuantity(j, Scale(j%20-10)))
	}
	for _, j := range order {
		q.Sub(*NewScaledQuantity(j, Scale(j%20-10)))
	}
	if !q.IsZero() {
		t.Errorf("across scales: addition and subtraction did not cancel: %s", q)
	}
}

func TestNeg(t *testing.T) {
	cases := []struct {
		in   Quantity
		want string
	}{
		{Quantity{}, "0"},
		{raw(0, 0, DecimalSI), "0"},
		{raw(901, -2, DecimalSI), "-9010m"},
		{raw(10, 0, BinarySI), "-10"},
		{raw(-10, 0, BinarySI), "10"},
		{MustParse("-1Gi"), "1Gi"},
		{raw(math.MinInt64, 0, DecimalSI), "9223372036854775808"},
		{MustParse("9223372036854775808"), "-9223372036854775808"},
	}
	for _, tc := range cases {
		got := tc.in.DeepCopy()
		got.Neg()
		if got.String() != tc.want || got.Format() != tc.in.Format() {
			t.Errorf("-(%s) = %s %s, want %s %s", tc.in, got, got.Format(), tc.want, tc.in.Format())
		}
		if !tc.in.IsZero() && got.Equal(tc.in) {
			t.Errorf("negating %s changed the original", tc.in)
		}
		got.Neg()
		if !got.Equal(tc.in) {
			t.Errorf("-(-(%s)) = %s", tc.in, got)
		}
		if got.Sign() != tc.in.Sign() {
			t.Errorf("Sign of %s changed to %d", tc.in, got.Sign())
		}
	}
}

func TestSign(t *testing.T) {
	for in, want := range map[string]int{"0": 0, "-0": 0, "1n": 1, "-1n": -1, "1e999": 1, "-1e999": -1, "0Ki": 0} {
		q := MustParse(in)
		if got := q.Sign(); got != want {
			t.Errorf("%s.Sign() = %d, want %d", in, got, want)
		}
		if got := q.IsZero(); got != (want == 0) {
			t.Errorf("%s.IsZero() = %t", in, got)
		}
	}
}

func TestScaledValue(t *testing.T) {
	const maxI, minI = math.MaxInt64, math.MinInt64
	cases := []struct {
		q                  string
		value, milli, nano int64
		kilo               int64
	}{
		{"0", 0, 0, 0, 0},
		{"1", 1, 1000, 1e9, 1},
		{"5Gi", 5368709120, 5368709120000, 5368709120000000000, 5368710},
		{"5G", 5e9, 5e12, 5e18, 5e6},
		{"5300m", 6, 5300, 5300000000, 1},
		{"5.4", 6, 5400, 5400000000, 1},
		{"1n", 1, 1, 1, 1},
		{"1500m", 2, 1500, 15e8, 1},
		{"-1500m", -2, -1500, -15e8, -1},
		{"-1.1", -2, -1100, -11e8, -1},
		{"-1n", -1, -1, -1, -1},
		{"1.5Gi", 1610612736, 1610612736000, 1610612736000000000, 1610613},
		{"10Gi", 10737418240, 10737418240000, maxI, 10737419},
		{"9223372036854775807", maxI, maxI, maxI, 9223372036854776},
		{"9223372036854775808", maxI, maxI, maxI, 9223372036854776},
		{"-9223372036854775808", minI, minI, minI, -9223372036854776},
		{"-9223372036854775809", minI, minI, minI, -9223372036854776},
		{"9223372036854775807001m", maxI, maxI, maxI, 9223372036854776},
		{"9223372036854775806001m", maxI, maxI, maxI, 9223372036854776},
		{"9223372036854775806.999", maxI, maxI, maxI, 9223372036854776},
		{"-9223372036854775807.5", minI, minI, minI, -9223372036854776},
		{"1e999", maxI, maxI, maxI, maxI},
		{"-1e999", minI, minI, minI, minI},
		{"123456789012345678901234567890n", maxI, maxI, maxI, 123456789012345679},
		{"123456789012345678901234567890e-12", 123456789012345679, maxI, maxI, 123456789012346},
	}
	for _, tc := range cases {
		q := MustParse(tc.q)
		got := []int64{q.Value(), q.MilliValue(), q.ScaledValue(Nano), q.ScaledValue(Kilo)}
		want := []int64{tc.value, tc.milli, tc.nano, tc.kilo}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: Value, MilliValue, ScaledValue(Nano), ScaledValue(Kilo) (-want +got):\n%s", tc.q, diff)
		}
	}
	// Kubernetes' TestScaledValue: 1 at one scale read at another.
	scales := []struct {
		from, to Scale
		want     int64
	}{
		{Nano, Nano, 1}, {Nano, Micro, 1}, {Nano, Milli, 1}, {Nano, 0, 1},
		{Micro, Nano, 1000}, {Micro, Micro, 1}, {Micro, Milli, 1}, {Micro, 0, 1},
		{Milli, Nano, 1000 * 1000}, {Milli, Micro, 1000}, {Milli, Milli, 1}, {Milli, 0, 1},
		{0, Nano, 1000 * 1000 * 1000}, {0, Micro, 1000 * 1000}, {0, Milli, 1000}, {0, 0, 1},
		{2, -2, 100 * 100},
		{math.MinInt32, math.MaxInt32, 1},
		{math.MaxInt32, math.MinInt32, maxI},
		{-20, 0, 1},
		{0, -18, 1e18},
		{0, -19, maxI},
	}
	for _, tc := range scales {
		if got := NewScaledQuantity(1, tc.from).ScaledValue(tc.to); got != tc.want {
			t.Errorf("NewScaledQuantity(1, %d).ScaledValue(%d) = %d, want %d", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestAsInt64(t *testing.T) {
	cases := []struct {
		q    Quantity
		want int64
		ok   bool
	}{
		{MustParse("0"), 0, true},
		{MustParse("1000m"), 1, true},
		{MustParse("1500m"), 0, false},
		{MustParse("1Ki"), 1024, true},
		{MustParse("1.5Gi"), 1610612736, true},
		{MustParse("0.5Ki"), 512, true},
		{MustParse("1.1Ki"), 0, false},
		{MustParse("1E"), 1e18, true},
		{MustParse("1000000000000000000"), 1e18, true},
		{MustParse("10E"), 0, false},
		{MustParse("9223372036854775807"), math.MaxInt64, true},
		{MustParse("9223372036854775807000m"), math.MaxInt64, true},
		{MustParse("9223372036854775808"), 0, false},
		{MustParse("-9223372036854775808"), math.MinInt64, true},
		{MustParse("-9223372036854775808000000000n"), math.MinInt64, true},
		{MustParse("-9223372036854775809"), 0, false},
		{MustParse("1n"), 0, false},
		{MustParse("1e999"), 0, false},
		{raw(1, -30, DecimalSI), 0, false},
		{raw(1, math.MinInt32, DecimalSI), 0, false},
		{raw(1, math.MaxInt32, DecimalSI), 0, false},
		{raw(1, 18, DecimalSI), 1e18, true},
		{raw(1, 19, DecimalSI), 0, false},
	}
	for _, tc := range cases {
		got, ok := tc.q.AsInt64()
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s.AsInt64() = %d, %t, want %d, %t", tc.q, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDeepCopy(t *testing.T) {
	for _, in := range []string{"0", "100m", "1Gi", "18446744073709551616", "-1e999"} {
		q := MustParse(in)
		c := q.DeepCopy()
		if !c.Equal(q) || c.Format() != q.Format() {
			t.Errorf("DeepCopy(%s) = %s %s", in, c, c.Format())
		}
		if q.large != nil && c.large == q.large {
			t.Errorf("DeepCopy(%s) shares its big.Int", in)
		}
		var into Quantity
		q.DeepCopyInto(&into)
		if !into.Equal(q) || into.Format() != q.Format() {
			t.Errorf("DeepCopyInto(%s) = %s %s", in, into, into.Format())
		}
		c.Add(MustParse("1"))
		into.Neg()
		if q.String() != MustParse(in).String() {
			t.Errorf("changing copies of %s changed it to %s", in, q)
		}
	}
}

// TestValueSemantics checks that plain copies, as in a map, are independent.
func TestValueSemantics(t *testing.T) {
	m := map[string]Quantity{"big": MustParse("18446744073709551616")}
	q := m["big"]
	q.Add(MustParse("1"))
	q.Neg()
	if got := m["big"].String(); got != "18446744073709551616" {
		t.Errorf("the map entry changed to %s", got)
	}
	if got := q.String(); got != "-18446744073709551617" {
		t.Errorf("the copy is %s", got)
	}
	if got := m["big"].Value(); got != math.MaxInt64 {
		t.Errorf("m[big].Value() = %d", got)
	}
}

func TestEqualWithCmp(t *testing.T) {
	type spec struct {
		Requests map[string]Quantity
		Limit    *Quantity
	}
	a := spec{Requests: map[string]Quantity{"cpu": MustParse("1"), "memory": MustParse("1Gi")}, Limit: NewQuantity(2, DecimalSI)}
	b := spec{Requests: map[string]Quantity{"cpu": MustParse("1000m"), "memory": MustParse("1024Mi")}, Limit: NewMilliQuantity(2000, DecimalSI)}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("equal values differ (-a +b):\n%s", diff)
	}
	b.Requests["cpu"] = MustParse("1001m")
	if cmp.Equal(a, b) {
		t.Error("1 and 1001m compare equal")
	}
}
