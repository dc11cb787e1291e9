package etcd

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/rigging-dev/rigging/store"
)

// continueVersion is the first byte of every continue token; a token of
// another version is rejected.
const continueVersion = 1

// maxContinueLen bounds the encoded token accepted, well above any token
// made from keys within the limits (two keys of a few KiB).
const maxContinueLen = 64 << 10

// continueToken is where a paginated List resumes.
type continueToken struct {
	// Revision is the revision every page is read at; positive.
	Revision int64
	// Prefix is the prefix the List was called with.
	Prefix string
	// Next is the first key of the next page (without Options.Prefix); it
	// starts with Prefix.
	Next string
	// Seen is the number of keys on the pages before; not negative.
	Seen int64
}

// encodeContinue returns the opaque form of t: base64url (unpadded) of a
// version byte, then Revision and Seen as uvarints, then Prefix and Next,
// each as a uvarint length and its bytes. Keys may hold any bytes.
func encodeContinue(t continueToken) string {
	b := make([]byte, 0, 1+4*binary.MaxVarintLen64+len(t.Prefix)+len(t.Next))
	b = append(b, continueVersion)
	b = binary.AppendUvarint(b, uint64(t.Revision))
	b = binary.AppendUvarint(b, uint64(t.Seen))
	b = binary.AppendUvarint(b, uint64(len(t.Prefix)))
	b = append(b, t.Prefix...)
	b = binary.AppendUvarint(b, uint64(len(t.Next)))
	b = append(b, t.Next...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeContinue parses a token made by encodeContinue. Any other input
// fails with an error wrapping store.ErrInvalid; it never panics.
func decodeContinue(s string) (continueToken, error) {
	fail := func(why string) (continueToken, error) {
		return continueToken{}, fmt.Errorf("%w: continue token %.40q: %s", store.ErrInvalid, s, why)
	}
	if len(s) > maxContinueLen {
		return fail(fmt.Sprintf("%d bytes long, over %d", len(s), maxContinueLen))
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return fail("not unpadded base64url")
	}
	if len(b) == 0 || b[0] != continueVersion {
		return fail("unknown version")
	}
	b = b[1:]
	var t continueToken
	uv := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	str := func() (string, bool) {
		n, ok := uv()
		if !ok || n > uint64(len(b)) {
			return "", false
		}
		v := string(b[:n])
		b = b[n:]
		return v, true
	}
	rev, ok := uv()
	if !ok || rev == 0 || rev > 1<<63-1 {
		return fail("bad revision")
	}
	seen, ok := uv()
	if !ok || seen == 0 || seen > 1<<63-1 {
		return fail("bad count of keys seen")
	}
	if t.Prefix, ok = str(); !ok {
		return fail("bad prefix")
	}
	if t.Next, ok = str(); !ok {
		return fail("bad next key")
	}
	if len(b) != 0 {
		return fail("trailing bytes")
	}
	if t.Next == "" || !strings.HasPrefix(t.Next, t.Prefix) {
		return fail("next key outside the prefix")
	}
	t.Revision, t.Seen = int64(rev), int64(seen)
	return t, nil
}
