package store

import "fmt"

// Limits bound what one write may carry.
type Limits struct {
	// MaxKeySize is the longest key in bytes. Default 3072.
	MaxKeySize int
	// MaxValueSize is the largest value in bytes. Default 1.5 MiB
	// (1572864), etcd's default request limit.
	MaxValueSize int
	// MaxTxnOps is the most ops in one transaction branch. Default 128,
	// etcd's default.
	MaxTxnOps int
}

// DefaultLimits returns the limits a zero Limits stands for.
func DefaultLimits() Limits {
	return Limits{MaxKeySize: 3072, MaxValueSize: 1572864, MaxTxnOps: 128}
}

// WithDefaults returns l with every zero field set from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxKeySize == 0 {
		l.MaxKeySize = d.MaxKeySize
	}
	if l.MaxValueSize == 0 {
		l.MaxValueSize = d.MaxValueSize
	}
	if l.MaxTxnOps == 0 {
		l.MaxTxnOps = d.MaxTxnOps
	}
	return l
}

// CheckKey returns an error wrapping ErrInvalid for an empty key and
// ErrTooLarge for a key over the limit.
func (l Limits) CheckKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrInvalid)
	}
	if len(key) > l.MaxKeySize {
		return fmt.Errorf("%w: key of %d bytes exceeds the limit of %d", ErrTooLarge, len(key), l.MaxKeySize)
	}
	return nil
}

// CheckValue returns an error wrapping ErrTooLarge for a value over the
// limit; key names it in the message.
func (l Limits) CheckValue(key string, value []byte) error {
	if len(value) > l.MaxValueSize {
		return fmt.Errorf("%w: value of key %q is %d bytes, over the limit of %d", ErrTooLarge, key, len(value), l.MaxValueSize)
	}
	return nil
}

// CheckRevision returns an error wrapping ErrInvalid for a negative
// revision.
func CheckRevision(rev int64) error {
	if rev < 0 {
		return fmt.Errorf("%w: negative revision %d", ErrInvalid, rev)
	}
	return nil
}
