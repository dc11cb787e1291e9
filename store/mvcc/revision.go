package mvcc

import (
	"encoding/binary"
	"fmt"
)

// revKeySize is the length of a revision key in the records bucket.
const revKeySize = 16

// revision names one record: the main revision of the write that made it
// and its position within that write (a transaction or a lease expiry
// writes several records under one main revision). Records sort by main,
// then sub, which is the order their changes happened in.
type revision struct {
	main int64
	sub  int64
}

// isZero reports whether r names no record.
func (r revision) isZero() bool { return r.main == 0 && r.sub == 0 }

// appendKey appends r's 16-byte big-endian bucket key to b.
func (r revision) appendKey(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(r.main))
	return binary.BigEndian.AppendUint64(b, uint64(r.sub))
}

// key returns r's bucket key.
func (r revision) key() []byte { return r.appendKey(make([]byte, 0, revKeySize)) }

// parseRevKey decodes a bucket key written by appendKey.
func parseRevKey(k []byte) (revision, error) {
	if len(k) != revKeySize {
		return revision{}, fmt.Errorf("mvcc: revision key of %d bytes, want %d", len(k), revKeySize)
	}
	return revision{
		main: int64(binary.BigEndian.Uint64(k[:8])),
		sub:  int64(binary.BigEndian.Uint64(k[8:])),
	}, nil
}

// uint64Bytes encodes v as 8 bytes, big-endian (meta values, lease keys).
func uint64Bytes(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
