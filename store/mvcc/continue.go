package mvcc

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/rigging-dev/rigging/store"
)

// continueVersion is the first byte of every continue token this package
// issues.
const continueVersion = 1

// continueToken is where a paginated List resumes: the revision every page
// is read at, the prefix listed (a token is valid for that prefix only) and
// the first key of the next page.
type continueToken struct {
	rev    int64
	prefix string
	next   string
}

// encode returns the token as an opaque URL-safe string.
func (t continueToken) encode() string {
	b := make([]byte, 0, 1+2*binary.MaxVarintLen64+len(t.prefix)+len(t.next))
	b = append(b, continueVersion)
	b = binary.AppendUvarint(b, uint64(t.rev))
	b = binary.AppendUvarint(b, uint64(len(t.prefix)))
	b = append(b, t.prefix...)
	b = append(b, t.next...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeContinue parses a token made by encode. Every malformed token fails
// with an error wrapping store.ErrInvalid.
func decodeContinue(s string) (continueToken, error) {
	bad := func(why string) (continueToken, error) {
		return continueToken{}, fmt.Errorf("%w: continue token %q: %s", store.ErrInvalid, s, why)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return bad("not base64url")
	}
	if len(b) == 0 || b[0] != continueVersion {
		return bad("unknown version")
	}
	b = b[1:]
	rev, n := binary.Uvarint(b)
	if n <= 0 || rev == 0 || rev > 1<<62 {
		return bad("bad revision")
	}
	b = b[n:]
	plen, n := binary.Uvarint(b)
	if n <= 0 || plen > uint64(len(b)-n) {
		return bad("bad prefix length")
	}
	b = b[n:]
	t := continueToken{rev: int64(rev), prefix: string(b[:plen]), next: string(b[plen:])}
	if !strings.HasPrefix(t.next, t.prefix) || t.next == "" {
		return bad("next key outside the prefix")
	}
	return t, nil
}
