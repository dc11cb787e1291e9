// Package raftpb holds the Protocol Buffers messages that store/raftstore
// keeps in its Raft log ([Command]) and its forwarding gRPC service
// ([ForwardServer], [ForwardClient]). raft.proto is the schema; raft.pb.go
// and raft_grpc.pb.go are generated from it and committed, so building
// needs no protoc.
//
// To regenerate after changing raft.proto, run `go generate
// ./store/raftstore/raftpb` with protoc (3.21 or later) on PATH. protoc-gen-go
// is built from the google.golang.org/protobuf version pinned in go.mod;
// protoc-gen-go-grpc is run at the pinned version below.
package raftpb

//go:generate go build -o protoc-gen-go.tmp google.golang.org/protobuf/cmd/protoc-gen-go
//go:generate sh -c "GOBIN=\"$(pwd)/grpc.tmp\" go install google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.5.1"
//go:generate protoc --plugin=protoc-gen-go=protoc-gen-go.tmp --plugin=protoc-gen-go-grpc=grpc.tmp/protoc-gen-go-grpc --proto_path=../../.. --go_out=../../.. --go_opt=paths=source_relative --go-grpc_out=../../.. --go-grpc_opt=paths=source_relative store/raftstore/raftpb/raft.proto
//go:generate rm -r protoc-gen-go.tmp grpc.tmp
