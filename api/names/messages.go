package names

import (
	"fmt"
	"strings"
)

// MaxLenError returns the message for a value longer than length bytes:
// "must be no more than 63 characters".
func MaxLenError(length int) string {
	return fmt.Sprintf("must be no more than %d characters", length)
}

// EmptyError returns the message for a value that must not be empty:
// "must be non-empty".
func EmptyError() string {
	return "must be non-empty"
}

// InclusiveRangeError returns the message for a number outside [lo, hi]:
// "must be between 1 and 65535, inclusive".
func InclusiveRangeError(lo, hi int) string {
	return fmt.Sprintf("must be between %d and %d, inclusive", lo, hi)
}

// RegexError returns the message for a value that does not match the regular
// expression re: msg, then the examples, then the expression, as Kubernetes
// writes it, for example
//
//	a lowercase RFC 1123 label must consist of ... (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')
//
// (the two spaces before "or" are Kubernetes' and are kept). Without
// examples the parenthesis holds only the expression.
func RegexError(msg, re string, examples ...string) string {
	var b strings.Builder
	b.WriteString(msg)
	if len(examples) == 0 {
		b.WriteString(" (regex used for validation is '")
		b.WriteString(re)
		b.WriteString("')")
		return b.String()
	}
	b.WriteString(" (e.g. ")
	for i, e := range examples {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString("'")
		b.WriteString(e)
		b.WriteString("', ")
	}
	b.WriteString("regex used for validation is '")
	b.WriteString(re)
	b.WriteString("')")
	return b.String()
}

// prefixEach puts prefix in front of every message, in place.
func prefixEach(msgs []string, prefix string) []string {
	for i := range msgs {
		msgs[i] = prefix + msgs[i]
	}
	return msgs
}
