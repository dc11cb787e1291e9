package resource

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestUnmarshalJSONAllocs checks that decoding a quantity of up to 32
// bytes, quoted or bare, in every format, allocates nothing (the decoded
// Pod has several), and that the result is ParseQuantity's.
func TestUnmarshalJSONAllocs(t *testing.T) {
	for _, text := range []string{
		"0", "1", "-2", "+5", "100m", "250m", "5n", "3u", "2k", "7M", "2G", "4T", "5P", "6E",
		"1Ki", "128Mi", "1.5Gi", "1Ti", "1Pi", "5Ei", "1e3", "1E3", "2.5e-3", "0.5", "0.000001",
		"12345678901234567890", "123456789012345678901234567890",
	} {
		want := MustParse(text)
		for _, in := range []string{`"` + text + `"`, ` "` + text + ` " `, text} {
			var syntax any
			if json.Unmarshal([]byte(in), &syntax) != nil {
				continue // "+5" is not a JSON number
			}
			var q Quantity
			if err := q.UnmarshalJSON([]byte(in)); err != nil {
				t.Errorf("UnmarshalJSON(%s): %v", in, err)
				continue
			}
			if q.Cmp(want) != 0 || q.Format() != want.Format() {
				t.Errorf("UnmarshalJSON(%s) = %v %q, want %v %q", in, q, q.Format(), want, want.Format())
			}
			if len(text) > 18 || strings.Contains(text, ".") && strings.HasSuffix(text, "i") {
				continue // computed with a big.Int
			}
			data := []byte(in)
			if allocs := testing.AllocsPerRun(50, func() { _ = q.UnmarshalJSON(data) }); allocs != 0 {
				t.Errorf("UnmarshalJSON(%s): %v allocations, want 0", in, allocs)
			}
		}
	}
}
