package store

import "context"

// Transactor is an optional ability of a Store, found by type assertion:
// a multi-key transaction applied atomically as one write (or none, when it
// only reads or changes nothing).
type Transactor interface {
	// Txn evaluates every comparison in If at the current revision; if all
	// hold it applies Then, otherwise Else. Ops on one key must not repeat
	// within a branch (ErrInvalid).
	Txn(ctx context.Context, txn Txn) (TxnResponse, error)
}

// Txn is a compare-then-apply transaction.
type Txn struct {
	If   []Compare
	Then []Op
	Else []Op
}

// CompareTarget is the key attribute a Compare looks at.
type CompareTarget int

// The compare targets.
const (
	CompareModRevision CompareTarget = iota + 1
	CompareCreateRevision
	CompareVersion
	CompareValue
)

// CompareResult is the relation a Compare asserts.
type CompareResult int

// The relations. A missing key has revisions and version 0 and a nil value.
const (
	Equal CompareResult = iota + 1
	NotEqual
	Less
	Greater
)

// Compare asserts Target(Key) Result Operand (Revision for revisions and
// version, Value for the value).
type Compare struct {
	Key      string
	Target   CompareTarget
	Result   CompareResult
	Revision int64
	Value    []byte
}

// OpType is the kind of an Op.
type OpType int

// The op types.
const (
	OpGet OpType = iota + 1
	OpPut
	OpDelete
)

// Op is one operation of a transaction branch.
type Op struct {
	Type  OpType
	Key   string
	Value []byte
	Lease LeaseID
}

// OpResult is the outcome of one Op: for a get the key (Found false if
// absent), for a put the new key and previous one, for a delete the previous
// key (Found false if there was none).
type OpResult struct {
	Found  bool
	KV     KeyValue
	PrevKV *KeyValue
}

// TxnResponse is the result of a Txn.
type TxnResponse struct {
	// Succeeded reports whether If held and Then was applied.
	Succeeded bool
	// Results has one entry per op of the branch applied.
	Results []OpResult
	// Revision is the store revision after the transaction.
	Revision int64
}
