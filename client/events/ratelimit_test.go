package events

import (
	"testing"
	"time"
)

func TestTokenBucket(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	type take struct {
		at   time.Time
		wait time.Duration
	}
	tests := []struct {
		name  string
		qps   float64
		burst int
		takes []take
	}{
		{"burst then paced", 10, 3, []take{
			{ms(0), 0}, {ms(0), 0}, {ms(0), 0}, // the burst
			{ms(0), 100 * time.Millisecond},   // one token short: 1/10 s
			{ms(100), 100 * time.Millisecond}, // the next waits its own 1/10 s
			{ms(200), 100 * time.Millisecond},
		}},
		{"refills up to burst only", 10, 2, []take{
			{ms(0), 0}, {ms(0), 0},
			{ms(10_000), 0}, {ms(10_000), 0}, // 10 s idle refill 2, not 100
			{ms(10_000), 100 * time.Millisecond},
		}},
		{"partial refill", 4, 1, []take{
			{ms(0), 0},
			{ms(100), 150 * time.Millisecond}, // 0.4 of a token back after 100 ms; 0.6 more at 4/s
			{ms(250), 250 * time.Millisecond},
		}},
		{"time going back is ignored", 10, 1, []take{
			{ms(1000), 0},
			{ms(500), 100 * time.Millisecond},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newTokenBucket(tt.qps, tt.burst, t0)
			for i, tk := range tt.takes {
				if got := b.take(tk.at); got != tk.wait {
					t.Errorf("take %d at %v: wait %v, want %v", i, tk.at.Sub(t0), got, tk.wait)
				}
			}
		})
	}
}

func TestDefaultWriteBurst(t *testing.T) {
	for qps, want := range map[float64]int{0.1: 1, 1: 1, 2.5: 3, 50: 50} {
		if got := defaultWriteBurst(qps); got != want {
			t.Errorf("defaultWriteBurst(%v) = %d, want %d", qps, got, want)
		}
	}
}
