package raftstore

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/rigging-dev/rigging/store"
	"github.com/rigging-dev/rigging/store/mvcc"
	"github.com/rigging-dev/rigging/store/raftstore/raftpb"
)

// txnToPB converts a store.Txn to its log form.
func txnToPB(t store.Txn) *raftpb.Txn {
	out := &raftpb.Txn{}
	for _, c := range t.If {
		out.If = append(out.If, &raftpb.Compare{Key: []byte(c.Key), Target: int32(c.Target), Result: int32(c.Result), Revision: c.Revision, Value: c.Value})
	}
	ops := func(in []store.Op) []*raftpb.Op {
		var o []*raftpb.Op
		for _, op := range in {
			o = append(o, &raftpb.Op{Type: int32(op.Type), Key: []byte(op.Key), Value: op.Value, Lease: int64(op.Lease)})
		}
		return o
	}
	out.Then = ops(t.Then)
	out.Else = ops(t.Else)
	return out
}

// txnFromPB converts a logged transaction back.
func txnFromPB(t *raftpb.Txn) *store.Txn {
	out := &store.Txn{}
	for _, c := range t.GetIf() {
		out.If = append(out.If, store.Compare{Key: string(c.Key), Target: store.CompareTarget(c.Target), Result: store.CompareResult(c.Result), Revision: c.Revision, Value: c.Value})
	}
	ops := func(in []*raftpb.Op) []store.Op {
		var o []store.Op
		for _, op := range in {
			o = append(o, store.Op{Type: store.OpType(op.Type), Key: string(op.Key), Value: op.Value, Lease: store.LeaseID(op.Lease)})
		}
		return o
	}
	out.Then = ops(t.GetThen())
	out.Else = ops(t.GetElse())
	return out
}

// decodeCommand turns one log entry into an mvcc command.
func decodeCommand(index uint64, data []byte) (*raftpb.Command, mvcc.Command, error) {
	var pb raftpb.Command
	if err := proto.Unmarshal(data, &pb); err != nil {
		return nil, mvcc.Command{}, fmt.Errorf("raftstore: decode command at index %d: %w", index, err)
	}
	c := mvcc.Command{
		Index:               index,
		Kind:                mvcc.CommandKind(pb.Kind),
		Key:                 string(pb.Key),
		Value:               pb.Value,
		Lease:               store.LeaseID(pb.Lease),
		ExpectedModRevision: pb.ExpectedModRevision,
		TTL:                 time.Duration(pb.TtlNanos),
		Revision:            pb.Revision,
	}
	if pb.Txn != nil {
		c.Txn = txnFromPB(pb.Txn)
	}
	if c.Value == nil && (pb.Kind == raftpb.Kind_KIND_PUT || pb.Kind == raftpb.Kind_KIND_CREATE || pb.Kind == raftpb.Kind_KIND_UPDATE) {
		c.Value = []byte{}
	}
	return &pb, c, nil
}
