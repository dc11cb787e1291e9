package apiserver

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/rigging-dev/rigging/api/types"
)

// newUID returns a random (version 4) UUID.
func newUID() types.UID {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return types.UID(s[:])
}

// nameAlphabet is the alphabet of generated name suffixes: Kubernetes'
// lower-case consonants and digits, which spell no words.
const nameAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// maxGeneratedNameLength is the longest base kept before the suffix:
// 63 - 5, as Kubernetes.
const maxGeneratedNameLength = 58

// generateName returns base followed by five random characters, base cut
// to 58 characters.
func generateName(base string) string {
	if len(base) > maxGeneratedNameLength {
		base = base[:maxGeneratedNameLength]
	}
	var b [5]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = nameAlphabet[int(b[i])%len(nameAlphabet)]
	}
	return base + string(b[:])
}
