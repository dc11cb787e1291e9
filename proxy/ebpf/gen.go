package ebpf

// The BPF objects are generated from lb.c and committed, so building this
// package needs no C toolchain. To regenerate (needs clang-14 and
// llvm-strip-14 on PATH; the same compiler version gives byte-identical
// objects, because lb.c includes only lb.h and bpf2go strips paths, the
// compiler ident and DWARF):
//
//	go generate ./proxy/ebpf
//
// Both byte orders are generated (lb_bpfel.* for amd64, arm64, riscv64, ...;
// lb_bpfeb.* for s390x and other big-endian targets).

//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang-14 -strip llvm-strip-14 -cflags "-O2 -g -Wall -Werror -nostdinc" -target bpfel,bpfeb -type svc_key -type svc_val -type slot_key -type backend -type affinity_key -type affinity_val -type revnat_key -type revnat_val -type revsock_val lb lb.c
