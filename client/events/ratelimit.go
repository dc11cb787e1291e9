package events

import (
	"math"
	"time"
)

// tokenBucket limits a rate of writes: qps tokens a second, at most burst
// of them saved up. It starts full. Its methods take the time from the
// caller, so it is deterministic; it is not safe for concurrent use (the
// recorder's writer goroutine alone uses it).
type tokenBucket struct {
	qps    float64
	burst  float64
	tokens float64 // negative while writes are waiting for tokens
	last   time.Time
}

func newTokenBucket(qps float64, burst int, now time.Time) *tokenBucket {
	return &tokenBucket{qps: qps, burst: float64(burst), tokens: float64(burst), last: now}
}

// take takes a token at now and returns how long the caller must wait
// before the write it stands for (0: at once). The caller takes the next
// token once that wait is over, or later.
func (b *tokenBucket) take(now time.Time) time.Duration {
	if now.After(b.last) {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.qps)
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(math.Ceil(-b.tokens / b.qps * float64(time.Second)))
}

// defaultWriteBurst is WriteBurst's default for a WriteQPS: one second's
// worth, and at least 1.
func defaultWriteBurst(qps float64) int {
	return int(math.Max(1, math.Ceil(qps)))
}
