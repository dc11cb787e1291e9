package resource

import (
	"encoding/json"
	"testing"
)

// benchmarkTexts are typical quantities, in canonical form, and a few
// that are not.
var benchmarkTexts = []string{
	"1Gi", "1Ti", "1G", "1m", "80m", "1080m", "0", "1e9", "1n", "10P",
	"1.5Gi", "0.5", "128974848", "18446744073709551616",
}

func BenchmarkParseQuantity(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		if _, err := ParseQuantity(benchmarkTexts[i%len(benchmarkTexts)]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuantityString(b *testing.B) {
	qs := make([]Quantity, len(benchmarkTexts))
	for i, s := range benchmarkTexts {
		qs[i] = MustParse(s)
	}
	for i := 0; b.Loop(); i++ {
		if s := qs[i%len(qs)].String(); s == "" {
			b.Fatal("empty")
		}
	}
}

func BenchmarkQuantityMarshalJSON(b *testing.B) {
	q := MustParse("1536Mi")
	for b.Loop() {
		if _, err := json.Marshal(q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuantityAdd(b *testing.B) {
	qs := make([]Quantity, len(benchmarkTexts))
	for i, s := range benchmarkTexts {
		qs[i] = MustParse(s)
	}
	for i := 0; b.Loop(); i++ {
		sum := MustParse("100m")
		sum.Add(qs[i%len(qs)])
	}
}

func BenchmarkQuantityCmp(b *testing.B) {
	qs := make([]Quantity, len(benchmarkTexts))
	for i, s := range benchmarkTexts {
		qs[i] = MustParse(s)
	}
	for i := 0; b.Loop(); i++ {
		qs[i%len(qs)].Cmp(qs[(i+1)%len(qs)])
	}
}
