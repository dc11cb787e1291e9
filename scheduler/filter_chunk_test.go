package scheduler

import "testing"

func TestFilterChunk(t *testing.T) {
	tests := []struct {
		name              string
		need, found, done int
		want              int
	}{
		{"first round: as many as wanted", 500, 0, 0, 500},
		{"first round: at least 32", 5, 0, 0, 32},
		{"nothing passed yet: as many as wanted", 500, 0, 500, 500},
		{"40% pass: 300 more need 750, plus an eighth", 300, 200, 500, 843},
		{"all pass: need plus an eighth", 100, 400, 400, 112},
		{"few wanted: at least 32", 1, 499, 500, 32},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := filterChunk(tc.need, tc.found, tc.done); got != tc.want {
				t.Errorf("filterChunk(%d, %d, %d) = %d, want %d", tc.need, tc.found, tc.done, got, tc.want)
			}
		})
	}
}
