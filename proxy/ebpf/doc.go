// Package ebpf is Rigging's reference proxy.Dataplane: service load
// balancing at the socket, in eBPF, the way Cilium replaces kube-proxy.
//
// Start with New, which loads the programs, pins them and attaches them to
// a cgroup v2 directory, then hand Dataplane.Apply the whole desired
// proxy.State (or Dataplane.ApplyService one changed frontend). Close on
// shutdown leaves everything programmed for the next start; Uninstall
// removes it.
//
// # How it works
//
// Programs attached to the cgroup (cgroup/connect4, connect6, sendmsg4,
// sendmsg6, recvmsg4, recvmsg6, getpeername4, getpeername6; source in lb.c)
// act on the sockets of every process in that cgroup and below it. When a
// TCP or UDP socket connects to, or an unconnected UDP socket sends to, a
// service's virtual address and port (VIP), the program picks a backend
// and rewrites the destination before any packet exists, so no packet
// carries the VIP and there is no per-packet NAT. It records the VIP for
// the socket and the backend (a connecting socket in the slot of an array
// its socket cookie selects, an unconnected UDP socket in an LRU map), and
// puts it back where the application reads its peer: getpeername, and the
// source address of UDP datagrams received (recvmsg). A VIP therefore needs no route and no
// interface; a service with no backend refuses connections (connect and
// sendmsg fail with EPERM, since the program returns 0), as Kubernetes
// rejects traffic to a service without endpoints. Only sockets in the
// cgroup are balanced: traffic arriving from other hosts for a VIP is not
// (that needs tc or XDP programs, which this package does not have).
//
// # Maps
//
// All pinned by name under Options.PinPath:
//
//   - rig_services (hash): (VIP, port, protocol) → service id, slot count,
//     slot group, flags (Maglev), affinity timeout.
//   - rig_slots (hash): (slot group, index) → backend id. A random service
//     has one slot per backend and picks bpf_get_prandom_u32() % count
//     (no random number for a single backend); a
//     Maglev service has a lookup table of Options.MaglevTableSize slots
//     (computed in Go, see maglev.go) indexed by a hash of the client.
//   - rig_backends (hash): backend id → address, port and the service id
//     it belongs to. Ids are per (service, backend) pair.
//   - rig_affinity (LRU hash): (client, service id) → backend id and last
//     use time, for session affinity (Service.Affinity).
//   - rig_revsock (array, Options.RevNATEntries rounded up to a power of
//     two): slot cookie & (size−1) → socket cookie, backend, VIP, under a
//     bpf_spin_lock, for connected sockets (TCP, connected UDP), which
//     have one peer. connect() writes it in place: no hashing, no
//     allocation, no LRU bookkeeping, which kept a VIP connect 8% slower
//     than a direct one when every connect wrote an LRU hash. A socket
//     whose cookie selects a taken slot takes it over; getpeername and
//     recvmsg count a record only for the socket cookie and the backend it
//     names, so a socket that lost its slot reads its backend as its peer,
//     never another socket's VIP.
//   - rig_revnat (LRU hash): (socket cookie, backend) → VIP, for
//     unconnected UDP sockets, which may send to several services;
//     sendmsg writes an entry only when it is missing or differs.
//     getpeername and recvmsg look here when rig_revsock has no record.
//
// The client of affinity and Maglev is the socket's bound source address
// (all zero if unbound when it connects) together with its network
// namespace (bpf_get_netns_cookie): at connect time an unbound socket has
// no source address yet, and in a cluster each pod has its own network
// namespace, so a pod is one client. An affinity entry is honoured while
// it has been idle no longer than the timeout and its backend still belongs
// to the service.
//
// # Updates
//
// Apply keeps in Go the state it last programmed and writes only services
// that differ. A service is rewritten in an order that is atomic for a
// connecting socket: its new backends first, then a complete slot set
// under a new slot group, then its rig_services entry (one map update
// switches it to the new group), and only then are the old group's slots
// and the removed backends deleted. Writes are batched (BPF_MAP_*_BATCH)
// across services. An Apply whose state equals the programmed one (a
// resync), and the first Apply after New adopted pinned maps, read the
// maps back and repair every entry that differs, is missing or is extra.
//
// # Restart and uninstall
//
// The maps and the BPF links are pinned. New on a pin path that already
// holds them reuses the pinned maps with their contents (cilium/ebpf
// PinByName), replaces the program behind each pinned link atomically
// (link.Update), and reads the programmed state back, so connections keep
// flowing through Close, the gap and New. The two reverse-NAT maps hold
// only per-socket records: when a pinned one has another type or size (an
// older layout, or other Options.RevNATEntries) New unpins it and creates
// its own, and the sockets it recorded read their backend as their peer;
// a pinned service map that differs makes New fail instead. Uninstall unpins and detaches
// everything and removes the pin directory.
//
// # Kernel requirements
//
// Linux 5.8 or later with: cgroup v2; BPF_PROG_TYPE_CGROUP_SOCK_ADDR with
// the connect, sendmsg, recvmsg (5.2) and getpeername (5.8) attach types;
// BPF links for cgroups (5.7), needed to pin attachments; hash maps with
// BPF_F_NO_PREALLOC, LRU hash maps (4.10) and array maps with
// bpf_spin_lock in their values (5.1); the helpers
// bpf_get_socket_cookie (5.0 for sock_addr programs), bpf_get_netns_cookie
// (5.7), bpf_ktime_get_ns and bpf_get_prandom_u32; a bpf filesystem
// (mounted at /sys/fs/bpf by New if the pin path is below it and nothing
// is mounted there); batch map operations (5.6) are used when present.
// New probes these with cilium/ebpf's features package and returns an
// error naming the missing one, wrapping ebpf.ErrNotSupported. It needs
// CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN (in practice, root).
//
// # Generated code
//
// lb_bpfel.go/.o and lb_bpfeb.go/.o are generated by bpf2go from lb.c and
// lb.h (see gen.go) and committed, so building needs no C toolchain.
// lb.h carries the few kernel definitions lb.c uses, so regeneration
// depends only on the compiler: clang-14 reproduces the committed objects
// byte for byte.
package ebpf
