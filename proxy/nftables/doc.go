// Package nftables is a proxy.Dataplane on nftables (through
// github.com/google/nftables), laid out as kube-proxy's nftables mode lays
// out its table: the fallback for kernels or users without eBPF, and the
// comparison for proxy/ebpf.
//
// # Where to start
//
// New(Options{}) programs the inet table "rigging-proxy" in the caller's
// network namespace (Options.NetNS picks another); hand the Dataplane to
// proxy.New, or call Apply with a proxy.State yourself. Close leaves the
// rules in place; Uninstall deletes the table.
//
// # The table
//
//	map service-ips / service-ips6      daddr . l4proto . dport : goto svc-<hash>
//	set no-endpoint-services(6)         daddr . l4proto . dport
//	chain nat-output, nat-prerouting    (nat, priority dstnat) vmap lookup in service-ips(6)
//	chain filter-output, -input, -forward (filter, priority dstnat-10)
//	                                    ct state new, in no-endpoint-services(6): jump reject-chain
//	chain reject-chain                  tcp: reject with tcp reset; else icmpx port-unreachable
//	chain svc-<hash>                    [affinity: ip saddr @aff-<id> goto ep-<id>, per backend]
//	                                    numgen random mod (N-i) == 0 goto ep-<id>, for backend i
//	chain ep-<id>                       [affinity: update @aff-<id> { ip saddr }] dnat to backend
//	set aff-<id>                        ipv4_addr (or ipv6_addr), flags dynamic,timeout
//
// The cascade of numgen rules picks each of N backends with probability
// 1/N without an anonymous map per service (creating 10,000 anonymous maps
// in one transaction is quadratic in the kernel). Replies need nothing:
// conntrack reverses the DNAT, so a client's getpeername is the virtual
// address. There is no masquerading: traffic from outside the node to a
// NodePort whose backend is on another node needs it and does not get it.
//
// # Applying
//
// Every Apply is one nftables transaction, sent in one sendmsg with one
// acknowledgement (google/nftables' Conn.Flush asks for one per message,
// which does not scale to a million messages): a connection sees the old
// rules or the new ones, never a mix. The first Apply replaces the table
// whole (so a restarted proxy adopts an old table); later ones change only
// the frontends that differ. Drift is found through the namespace's
// ruleset generation: when nothing differs but the generation moved since
// this Dataplane's last commit, the table is rebuilt, atomically.
//
// Kernel needs: nf_tables with nft_chain_nat, nft_nat, nft_ct,
// nft_numgen, nft_reject_inet and dynamic sets with timeouts (Linux 5.x
// and later); CAP_NET_ADMIN in the namespace. Without them New fails with
// an error wrapping ErrUnavailable.
package nftables
