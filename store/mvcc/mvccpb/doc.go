// Package mvccpb holds the Protocol Buffers messages that store/mvcc keeps
// on disk: [Record] (one key at one revision) and [Lease]. mvcc.proto is
// the schema; mvcc.pb.go is generated from it and committed, so building
// needs no protoc.
//
// To regenerate after changing mvcc.proto, run `go generate
// ./store/mvcc/mvccpb` with protoc (3.21 or later) on PATH. The plugin
// protoc-gen-go is built from the google.golang.org/protobuf version
// pinned in go.mod (v1.36.12 when this was written), so the output does not
// depend on whatever protoc-gen-go happens to be installed.
package mvccpb

//go:generate go build -o protoc-gen-go.tmp google.golang.org/protobuf/cmd/protoc-gen-go
//go:generate protoc --plugin=protoc-gen-go=protoc-gen-go.tmp --go_out=. --go_opt=paths=source_relative mvcc.proto
//go:generate rm protoc-gen-go.tmp
