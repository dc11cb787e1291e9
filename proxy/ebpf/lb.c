//go:build ignore

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
//
// lb.c: socket-level service load balancing, the way Cilium replaces
// kube-proxy. Programs attached to a cgroup v2 directory rewrite a socket's
// destination from a service's virtual address and port (VIP) to one of its
// backends when the socket connects (TCP, connected UDP) or sends (unconnected
// UDP), and put the VIP back where the application reads its peer
// (getpeername, and recvmsg for UDP), so no packet ever carries the VIP.
//
// connect() is the hot path: a connecting socket costs one hash lookup when
// it does not address a service, and for a service one hash lookup, a slot
// and a backend lookup and one locked write of a preallocated array slot
// (rig_revsock) that no other live socket is likely to share. Time, the
// network namespace and random numbers are read only when the service
// needs them.
//
// The Go side (dataplane.go) owns the maps' contents; see doc.go for the
// layout and the update protocol that keeps every change atomic for a
// connecting socket.

#include "lb.h"

#define SVC_F_MAGLEV 1

// A frontend: virtual address (IPv4 as ::ffff:a.b.c.d), port in network
// order, IP protocol number.
struct svc_key {
	__u8 addr[16];
	__be16 port;
	__u8 proto;
	__u8 pad;
};

// count slots of group hold this service's backend choice: one slot per
// backend (random) or a Maglev lookup table of count entries. count 0 means
// no backend: connections are refused.
struct svc_val {
	__u32 id;
	__u32 count;
	__u32 group;
	__u32 flags;
	__u64 affinity_ns;
};

struct slot_key {
	__u32 group;
	__u32 index;
};

// A backend belongs to exactly one service (svc_id), so that a session
// affinity entry can be checked against the service it was made for.
struct backend {
	__u8 addr[16];
	__be16 port;
	__u16 pad;
	__u32 svc_id;
};

struct affinity_key {
	__u8 client[16];
	__u64 netns;
	__u32 svc_id;
	__u32 pad;
};

struct affinity_val {
	__u32 backend_id;
	__u32 pad;
	__u64 last_used_ns;
};

struct revnat_key {
	__u64 cookie;
	__u8 addr[16];
	__be16 port;
	__u16 pad;
	__u32 pad2;
};

struct revnat_val {
	__u8 addr[16];
	__be16 port;
	__u16 pad;
};

// The reverse-NAT record of a connected socket (TCP, connected UDP): it
// lives in slot cookie & revsock_mask of rig_revsock, and counts only while
// cookie is that socket's cookie and backend:backend_port its peer. A
// connected socket has one peer, so one slot per socket suffices; a later
// socket whose cookie maps to the same slot takes it over (the earlier one
// then reads its backend as its peer, never another socket's VIP). The
// lock makes a record's fields change together.
struct revsock_val {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 cookie;
	__u8 backend[16];
	__u8 vip[16];
	__be16 backend_port;
	__be16 vip_port;
	__u32 pad2;
};

// rig_revsock's size minus one; the loader sets it (the size is a power
// of two).
volatile const __u32 revsock_mask = 0;

// Sizes are placeholders: the Go loader sets them from Options.
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 65536);
	__type(key, struct svc_key);
	__type(value, struct svc_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rig_services SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1048576);
	__type(key, struct slot_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rig_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);
	__type(key, __u32);
	__type(value, struct backend);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rig_backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct affinity_key);
	__type(value, struct affinity_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rig_affinity SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct revnat_key);
	__type(value, struct revnat_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rig_revnat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct revsock_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rig_revsock SEC(".maps");

static __always_inline void addr_from_v4(__u8 *addr, __u32 ip4)
{
	__u32 *w = (__u32 *)addr;
	w[0] = 0;
	w[1] = 0;
	addr[8] = 0;
	addr[9] = 0;
	addr[10] = 0xff;
	addr[11] = 0xff;
	w[3] = ip4;
}

static __always_inline int addr_eq(const __u8 *a, const __u8 *b)
{
	const __u32 *x = (const __u32 *)a;
	const __u32 *y = (const __u32 *)b;
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

static __always_inline void addr_copy(__u8 *dst, const __u8 *src)
{
	__u32 *d = (__u32 *)dst;
	const __u32 *s = (const __u32 *)src;
	d[0] = s[0];
	d[1] = s[1];
	d[2] = s[2];
	d[3] = s[3];
}

static __always_inline __u32 murmur_mix(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51;
	k = (k << 15) | (k >> 17);
	k *= 0x1b873593;
	h ^= k;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64;
}

static __always_inline __u32 murmur_fmix(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

// client_hash hashes the client identity (bound source address and network
// namespace) for Maglev: the same client always lands on the same table
// index.
static __always_inline __u32 client_hash(const struct affinity_key *c)
{
	const __u32 *w = (const __u32 *)c->client;
	__u32 h = 0x52494747; /* "RIGG" */
	h = murmur_mix(h, w[0]);
	h = murmur_mix(h, w[1]);
	h = murmur_mix(h, w[2]);
	h = murmur_mix(h, w[3]);
	h = murmur_mix(h, (__u32)c->netns);
	h = murmur_mix(h, (__u32)(c->netns >> 32));
	return murmur_fmix(h ^ 24);
}

enum {
	PICK_PASS = 0,   // not a service: leave the socket alone
	PICK_OK = 1,     // *out is the chosen backend
	PICK_REFUSE = 2, // a service without a usable backend: refuse
};

// choose picks a slot of svc and copies its backend to *out. It returns 0
// when the slot or the backend is gone: Apply deletes an old slot group
// right after switching the service to a new one, so a program that read
// the service entry just before the switch can find its group emptied.
static __always_inline int choose(const struct svc_val *svc, const struct affinity_key *client,
				  __u32 *bid, struct backend *out)
{
	struct slot_key sk = {};
	sk.group = svc->group;
	if (svc->flags & SVC_F_MAGLEV)
		sk.index = client_hash(client) % svc->count;
	else if (svc->count > 1)
		sk.index = bpf_get_prandom_u32() % svc->count;
	__u32 *bidp = bpf_map_lookup_elem(&rig_slots, &sk);
	if (!bidp)
		return 0;
	*bid = *bidp;
	struct backend *b = bpf_map_lookup_elem(&rig_backends, bid);
	if (!b)
		return 0;
	*out = *b;
	return 1;
}

// pick chooses the backend for a socket addressing key. client must hold the
// socket's bound source address (zero when unbound).
static __always_inline int pick(void *ctx, const struct svc_key *key, struct affinity_key *client,
				struct backend *out)
{
	struct svc_val *svcp = bpf_map_lookup_elem(&rig_services, key);
	if (!svcp)
		return PICK_PASS;
	// Copy the entry once: Apply replaces it whole, never edits it in place.
	struct svc_val svc = *svcp;
	if (svc.count == 0)
		return PICK_REFUSE;

	// The client identity is needed for affinity and Maglev only.
	if (svc.affinity_ns || (svc.flags & SVC_F_MAGLEV))
		client->netns = bpf_get_netns_cookie(ctx);
	client->svc_id = svc.id;
	client->pad = 0;

	__u64 now = 0;
	if (svc.affinity_ns) {
		now = bpf_ktime_get_ns();
		struct affinity_val *av = bpf_map_lookup_elem(&rig_affinity, client);
		if (av && now - av->last_used_ns <= svc.affinity_ns) {
			__u32 bid = av->backend_id;
			struct backend *b = bpf_map_lookup_elem(&rig_backends, &bid);
			if (b && b->svc_id == svc.id) {
				*out = *b;
				av->last_used_ns = now;
				return PICK_OK;
			}
		}
	}

	__u32 bid = 0;
	if (!choose(&svc, client, &bid, out)) {
		// Raced with an update: the entry now names the new group.
		svcp = bpf_map_lookup_elem(&rig_services, key);
		if (!svcp)
			return PICK_PASS;
		svc = *svcp;
		if (svc.count == 0)
			return PICK_REFUSE;
		if ((svc.affinity_ns || (svc.flags & SVC_F_MAGLEV)) && !client->netns)
			client->netns = bpf_get_netns_cookie(ctx);
		if (!choose(&svc, client, &bid, out))
			return PICK_REFUSE;
	}

	if (svc.affinity_ns) {
		if (!now)
			now = bpf_ktime_get_ns();
		struct affinity_val av = {};
		av.backend_id = bid;
		av.last_used_ns = now;
		bpf_map_update_elem(&rig_affinity, client, &av, BPF_ANY);
	}
	return PICK_OK;
}

// remember_peer records, for a connecting socket (one peer) and the
// backend it now addresses, the VIP the application asked for, for
// getpeername and recvmsg: it takes the socket's rig_revsock slot. No
// hashing, no allocation, no LRU list: this is the per-connect cost.
static __always_inline void remember_peer(void *ctx, const struct svc_key *key, const struct backend *b)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);
	__u32 idx = (__u32)cookie & revsock_mask;
	struct revsock_val *v = bpf_map_lookup_elem(&rig_revsock, &idx);
	if (!v)
		return;
	bpf_spin_lock(&v->lock);
	v->cookie = cookie;
	addr_copy(v->backend, b->addr);
	addr_copy(v->vip, key->addr);
	v->backend_port = b->port;
	v->vip_port = key->port;
	bpf_spin_unlock(&v->lock);
}

// remember_dest records the same for an unconnected UDP socket, which may
// send to several services: one rig_revnat entry per (socket, backend),
// written only when it is missing or names another VIP, so that a socket
// sending to one service again and again writes once.
static __always_inline void remember_dest(void *ctx, const struct svc_key *key, const struct backend *b)
{
	struct revnat_key rk = {};
	struct revnat_val rv = {};
	rk.cookie = bpf_get_socket_cookie(ctx);
	addr_copy(rk.addr, b->addr);
	rk.port = b->port;
	addr_copy(rv.addr, key->addr);
	rv.port = key->port;
	struct revnat_val *old = bpf_map_lookup_elem(&rig_revnat, &rk);
	if (old && old->port == rv.port && addr_eq(old->addr, rv.addr))
		return;
	bpf_map_update_elem(&rig_revnat, &rk, &rv, BPF_ANY);
}

// remember records the VIP: connected is set for connect(), clear for
// sendmsg().
static __always_inline void remember(void *ctx, const struct svc_key *key, const struct backend *b, int connected)
{
	if (connected)
		remember_peer(ctx, key, b);
	else
		remember_dest(ctx, key, b);
}

static __always_inline int lb4(struct bpf_sock_addr *ctx, __u32 proto, int connected)
{
	struct svc_key key = {};
	addr_from_v4(key.addr, ctx->user_ip4);
	key.port = (__be16)ctx->user_port;
	key.proto = (__u8)proto;

	struct affinity_key client = {};
	struct bpf_sock *sk = ctx->sk;
	if (sk)
		addr_from_v4(client.client, sk->src_ip4);

	struct backend b;
	int r = pick(ctx, &key, &client, &b);
	if (r == PICK_PASS)
		return 1;
	if (r == PICK_REFUSE)
		return 0;
	remember(ctx, &key, &b, connected);
	ctx->user_ip4 = ((__u32 *)b.addr)[3];
	ctx->user_port = (__u32)b.port;
	return 1;
}

static __always_inline int lb6(struct bpf_sock_addr *ctx, __u32 proto, int connected)
{
	struct svc_key key = {};
	__u32 *w = (__u32 *)key.addr;
	w[0] = ctx->user_ip6[0];
	w[1] = ctx->user_ip6[1];
	w[2] = ctx->user_ip6[2];
	w[3] = ctx->user_ip6[3];
	key.port = (__be16)ctx->user_port;
	key.proto = (__u8)proto;

	struct affinity_key client = {};
	struct bpf_sock *sk = ctx->sk;
	if (sk) {
		__u32 *c = (__u32 *)client.client;
		c[0] = sk->src_ip6[0];
		c[1] = sk->src_ip6[1];
		c[2] = sk->src_ip6[2];
		c[3] = sk->src_ip6[3];
	}

	struct backend b;
	int r = pick(ctx, &key, &client, &b);
	if (r == PICK_PASS)
		return 1;
	if (r == PICK_REFUSE)
		return 0;
	remember(ctx, &key, &b, connected);
	__u32 *ba = (__u32 *)b.addr;
	ctx->user_ip6[0] = ba[0];
	ctx->user_ip6[1] = ba[1];
	ctx->user_ip6[2] = ba[2];
	ctx->user_ip6[3] = ba[3];
	ctx->user_port = (__u32)b.port;
	return 1;
}

// find_vip finds the VIP a socket reached rk's backend through: in the
// socket's rig_revsock slot (connected sockets), else in rig_revnat
// (unconnected UDP, and sockets balanced by an older version of this
// program, which recorded every socket there).
static __always_inline int find_vip(const struct revnat_key *rk, struct revnat_val *out)
{
	__u32 idx = (__u32)rk->cookie & revsock_mask;
	struct revsock_val *v = bpf_map_lookup_elem(&rig_revsock, &idx);
	if (v) {
		int found = 0;
		bpf_spin_lock(&v->lock);
		if (v->cookie == rk->cookie && v->backend_port == rk->port && addr_eq(v->backend, rk->addr)) {
			addr_copy(out->addr, v->vip);
			out->port = v->vip_port;
			found = 1;
		}
		bpf_spin_unlock(&v->lock);
		if (found)
			return 1;
	}
	struct revnat_val *rv = bpf_map_lookup_elem(&rig_revnat, rk);
	if (!rv)
		return 0;
	*out = *rv;
	return 1;
}

// revnat4/6 put the VIP back in place of the backend the socket reached.
static __always_inline void revnat4(struct bpf_sock_addr *ctx)
{
	struct revnat_key rk = {};
	struct revnat_val rv = {};
	rk.cookie = bpf_get_socket_cookie(ctx);
	addr_from_v4(rk.addr, ctx->user_ip4);
	rk.port = (__be16)ctx->user_port;
	if (!find_vip(&rk, &rv))
		return;
	ctx->user_ip4 = ((__u32 *)rv.addr)[3];
	ctx->user_port = (__u32)rv.port;
}

static __always_inline void revnat6(struct bpf_sock_addr *ctx)
{
	struct revnat_key rk = {};
	struct revnat_val rv = {};
	rk.cookie = bpf_get_socket_cookie(ctx);
	__u32 *w = (__u32 *)rk.addr;
	w[0] = ctx->user_ip6[0];
	w[1] = ctx->user_ip6[1];
	w[2] = ctx->user_ip6[2];
	w[3] = ctx->user_ip6[3];
	rk.port = (__be16)ctx->user_port;
	if (!find_vip(&rk, &rv))
		return;
	__u32 *va = (__u32 *)rv.addr;
	ctx->user_ip6[0] = va[0];
	ctx->user_ip6[1] = va[1];
	ctx->user_ip6[2] = va[2];
	ctx->user_ip6[3] = va[3];
	ctx->user_port = (__u32)rv.port;
}

static __always_inline int proto_of(struct bpf_sock_addr *ctx)
{
	__u32 p = ctx->protocol;
	if (p == IPPROTO_TCP || p == IPPROTO_UDP)
		return (int)p;
	return 0;
}

SEC("cgroup/connect4")
int rig_connect4(struct bpf_sock_addr *ctx)
{
	int p = proto_of(ctx);
	if (!p)
		return 1;
	return lb4(ctx, p, 1);
}

SEC("cgroup/connect6")
int rig_connect6(struct bpf_sock_addr *ctx)
{
	int p = proto_of(ctx);
	if (!p)
		return 1;
	return lb6(ctx, p, 1);
}

SEC("cgroup/sendmsg4")
int rig_sendmsg4(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol != IPPROTO_UDP)
		return 1;
	return lb4(ctx, IPPROTO_UDP, 0);
}

SEC("cgroup/sendmsg6")
int rig_sendmsg6(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol != IPPROTO_UDP)
		return 1;
	return lb6(ctx, IPPROTO_UDP, 0);
}

SEC("cgroup/recvmsg4")
int rig_recvmsg4(struct bpf_sock_addr *ctx)
{
	revnat4(ctx);
	return 1;
}

SEC("cgroup/recvmsg6")
int rig_recvmsg6(struct bpf_sock_addr *ctx)
{
	revnat6(ctx);
	return 1;
}

SEC("cgroup/getpeername4")
int rig_getpeername4(struct bpf_sock_addr *ctx)
{
	revnat4(ctx);
	return 1;
}

SEC("cgroup/getpeername6")
int rig_getpeername6(struct bpf_sock_addr *ctx)
{
	revnat6(ctx);
	return 1;
}

char __license[] SEC("license") = "Dual BSD/GPL";
