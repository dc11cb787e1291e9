package patch

import (
	"fmt"
	"strconv"
	"strings"
)

// parsePointer splits a JSON pointer (RFC 6901) into its reference tokens,
// with "~1" read as "/" and "~0" as "~". The empty pointer, the whole
// document, has no tokens. The error (without a sentinel) says what is
// malformed: a pointer that is not empty must start with "/", and "~" must
// be followed by 0 or 1.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if p[0] != '/' {
		return nil, fmt.Errorf("JSON pointer %q does not start with \"/\"", p)
	}
	tokens := strings.Split(p[1:], "/")
	for i, t := range tokens {
		if !strings.Contains(t, "~") {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(t); j++ {
			if t[j] != '~' {
				b.WriteByte(t[j])
				continue
			}
			if j+1 == len(t) || (t[j+1] != '0' && t[j+1] != '1') {
				return nil, fmt.Errorf("JSON pointer %q has \"~\" not followed by 0 or 1", p)
			}
			if t[j+1] == '0' {
				b.WriteByte('~')
			} else {
				b.WriteByte('/')
			}
			j++
		}
		tokens[i] = b.String()
	}
	return tokens, nil
}

// formatPointer writes tokens back as a JSON pointer, for messages.
func formatPointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

// arrayIndex reads token as an index into an array of length n: decimal
// digits without leading zeros, below n (or at most n when end is true,
// where "-" also means n, the position after the last element). ok is false
// for anything else.
func arrayIndex(token string, n int, end bool) (i int, ok bool) {
	if token == "-" {
		return n, end
	}
	if token == "" || len(token) > 1 && token[0] == '0' {
		return 0, false
	}
	for _, c := range []byte(token) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	i, err := strconv.Atoi(token)
	if err != nil || i > n || i == n && !end {
		return 0, false
	}
	return i, true
}

// isPrefix reports whether pointer a is a proper prefix of pointer b: b
// names a location inside the value a names.
func isPrefix(a, b []string) bool {
	if len(a) >= len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
