// Package bridge is a cni.NetworkPlugin that wires each pod's network
// namespace to a Linux bridge on the node, as CNI's reference bridge plugin
// with host-local IPAM does: a veth pair per attachment, the host end
// enslaved to the bridge, the pod end renamed to the attachment's IfName
// inside the pod's namespace with an address from the node's pod subnet and
// a default route via the bridge's address (the subnet's first address).
// Pods on the node reach each other and the node through the bridge; the
// node reaches every pod at its address.
//
// # Where to start
//
//	plugin, err := bridge.New(bridge.Options{Subnet: netip.MustParsePrefix("10.88.0.0/24")})
//	res, err := plugin.Add(ctx, cni.Attachment{ContainerID: id, NetNS: "/var/run/netns/pod1", IfName: "eth0"})
//
// The namespace at NetNS must exist (package cni/netns makes one). Del
// removes the veth pair and frees the address; GC frees what Del never
// reached. Addresses are recorded under Options.DataDir, so they survive a
// restart of the process.
//
// Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN). Options.HostNetNS puts the
// bridge in another namespace than the caller's (tests use that to leave
// the machine's own network untouched).
package bridge

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/rigging-dev/rigging/cni"
	rnetns "github.com/rigging-dev/rigging/cni/netns"
)

// Defaults of Options.
const (
	// DefaultBridgeName is the bridge's name.
	DefaultBridgeName = "rig0"
	// DefaultDataDir holds the address allocations.
	DefaultDataDir = "/var/lib/rigging/cni/bridge"
	// DefaultMTU is the MTU of the bridge and veths.
	DefaultMTU = 1500
)

// DefaultSubnet is the pod subnet when Options.Subnet is unset.
var DefaultSubnet = netip.MustParsePrefix("10.88.0.0/16")

// Options configure a Plugin; the zero value works (as root).
type Options struct {
	// BridgeName is the bridge's name. Default DefaultBridgeName ("rig0").
	BridgeName string
	// Subnet is the pod subnet of this node (an IPv4 or IPv6 prefix of at
	// most /30 or /126); its first address is the bridge's (the pods'
	// gateway). Default DefaultSubnet (10.88.0.0/16).
	Subnet netip.Prefix
	// DataDir records address allocations (one directory per bridge).
	// Default DefaultDataDir + "/" + BridgeName.
	DataDir string
	// MTU of the bridge and the veth pairs. Default 1500.
	MTU int
	// HostNetNS is the path of the namespace the bridge and the host ends
	// of the veths live in. Default "": the caller's namespace.
	HostNetNS string
}

// Plugin is the bridge NetworkPlugin. Its methods may be called from any
// number of goroutines.
type Plugin struct {
	opts Options
	ipam *ipam
	mu   sync.Mutex // serialises changes to the bridge and veths
}

var _ cni.NetworkPlugin = (*Plugin)(nil)

// New validates opts and returns a Plugin. It changes nothing on the node
// until the first Add.
func New(opts Options) (*Plugin, error) {
	if opts.BridgeName == "" {
		opts.BridgeName = DefaultBridgeName
	}
	if len(opts.BridgeName) > 15 || strings.ContainsAny(opts.BridgeName, "/ \t\n") {
		return nil, &cni.Error{Code: cni.ErrInvalidNetworkConfig, Msg: fmt.Sprintf("invalid bridge name %q", opts.BridgeName)}
	}
	if !opts.Subnet.IsValid() {
		opts.Subnet = DefaultSubnet
	}
	opts.Subnet = opts.Subnet.Masked()
	if opts.Subnet.Addr().BitLen()-opts.Subnet.Bits() < 2 {
		return nil, &cni.Error{Code: cni.ErrInvalidNetworkConfig, Msg: fmt.Sprintf("subnet %s too small", opts.Subnet)}
	}
	if opts.DataDir == "" {
		opts.DataDir = DefaultDataDir + "/" + opts.BridgeName
	}
	if opts.MTU == 0 {
		opts.MTU = DefaultMTU
	}
	if opts.MTU < 68 || opts.MTU > 65535 {
		return nil, &cni.Error{Code: cni.ErrInvalidNetworkConfig, Msg: fmt.Sprintf("invalid MTU %d", opts.MTU)}
	}
	gw := opts.Subnet.Addr().Next()
	return &Plugin{opts: opts, ipam: &ipam{dir: opts.DataDir, subnet: opts.Subnet, gw: gw}}, nil
}

// Gateway is the bridge's address: the pods' default gateway.
func (p *Plugin) Gateway() netip.Addr { return p.ipam.gw }

// Subnet is the pod subnet.
func (p *Plugin) Subnet() netip.Prefix { return p.opts.Subnet }

// hostHandle opens a netlink handle in the host namespace.
func (p *Plugin) hostHandle() (*netlink.Handle, error) {
	if p.opts.HostNetNS == "" {
		return netlink.NewHandle()
	}
	ns, err := netns.GetFromPath(p.opts.HostNetNS)
	if err != nil {
		return nil, fmt.Errorf("open host namespace %s: %w", p.opts.HostNetNS, err)
	}
	defer ns.Close()
	return netlink.NewHandleAt(ns)
}

// vethName is the host end's name: stable per attachment, at most 15 bytes.
func vethName(key cni.AttachmentKey) string {
	sum := sha256.Sum256([]byte(key.ContainerID + "/" + key.IfName))
	return "veth" + hex.EncodeToString(sum[:])[:11]
}

func ioErr(msg string, err error) error {
	return &cni.Error{Code: cni.ErrIOFailure, Msg: msg, Details: err.Error()}
}

// ensureBridge makes the bridge exist, up, with the gateway address.
func (p *Plugin) ensureBridge(h *netlink.Handle) (netlink.Link, error) {
	br, err := h.LinkByName(p.opts.BridgeName)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if !errors.As(err, &nf) {
			return nil, ioErr("look up bridge "+p.opts.BridgeName, err)
		}
		attrs := netlink.NewLinkAttrs()
		attrs.Name = p.opts.BridgeName
		attrs.MTU = p.opts.MTU
		if err := h.LinkAdd(&netlink.Bridge{LinkAttrs: attrs}); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, ioErr("create bridge "+p.opts.BridgeName, err)
		}
		if br, err = h.LinkByName(p.opts.BridgeName); err != nil {
			return nil, ioErr("look up bridge "+p.opts.BridgeName, err)
		}
	}
	if _, ok := br.(*netlink.Bridge); !ok {
		return nil, &cni.Error{Code: cni.ErrInvalidNetworkConfig, Msg: fmt.Sprintf("%s exists and is a %s, not a bridge", p.opts.BridgeName, br.Type())}
	}
	gw := &netlink.Addr{IPNet: &net.IPNet{IP: p.ipam.gw.AsSlice(), Mask: net.CIDRMask(p.opts.Subnet.Bits(), p.opts.Subnet.Addr().BitLen())}}
	addrs, err := h.AddrList(br, netlink.FAMILY_ALL)
	if err != nil {
		return nil, ioErr("list bridge addresses", err)
	}
	has := false
	for _, a := range addrs {
		if a.IP.Equal(gw.IP) {
			has = true
		}
	}
	if !has {
		if err := h.AddrAdd(br, gw); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, ioErr("add gateway address to bridge", err)
		}
	}
	if err := h.LinkSetUp(br); err != nil {
		return nil, ioErr("set bridge up", err)
	}
	return br, nil
}

// Add wires the namespace at att.NetNS to the bridge.
func (p *Plugin) Add(ctx context.Context, att cni.Attachment) (*cni.Result, error) {
	if err := att.Validate("ADD"); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &cni.Error{Code: cni.ErrTryAgainLater, Msg: "cancelled", Details: err.Error()}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	podNS, err := netns.GetFromPath(att.NetNS)
	if err != nil {
		return nil, &cni.Error{Code: cni.ErrInvalidEnvironmentVariables, Msg: "open network namespace " + att.NetNS, Details: err.Error()}
	}
	defer podNS.Close()
	h, err := p.hostHandle()
	if err != nil {
		return nil, ioErr("netlink", err)
	}
	defer h.Close()
	br, err := p.ensureBridge(h)
	if err != nil {
		return nil, err
	}
	hostName := vethName(att.Key())
	if _, err := h.LinkByName(hostName); err == nil {
		return nil, &cni.Error{Code: cni.ErrInvalidEnvironmentVariables, Msg: fmt.Sprintf("attachment %s/%s exists already", att.ContainerID, att.IfName)}
	}
	ip, err := p.ipam.allocate(att.ContainerID, att.IfName)
	if err != nil {
		return nil, ioErr("allocate address", err)
	}
	res, err := p.wire(h, br, podNS, att, hostName, ip)
	if err != nil {
		if l, lerr := h.LinkByName(hostName); lerr == nil {
			_ = h.LinkDel(l)
		}
		_ = p.ipam.release(att.ContainerID, att.IfName)
		return nil, err
	}
	return res, nil
}

func (p *Plugin) wire(h *netlink.Handle, br netlink.Link, podNS netns.NsHandle, att cni.Attachment, hostName string, ip netip.Addr) (*cni.Result, error) {
	// The pod end is made with a temporary name in the host namespace, then
	// moved and renamed, so that IfName never clashes on the host.
	tmpName := "tmp" + hostName[4:]
	attrs := netlink.NewLinkAttrs()
	attrs.Name = hostName
	attrs.MTU = p.opts.MTU
	veth := &netlink.Veth{LinkAttrs: attrs, PeerName: tmpName}
	if err := h.LinkAdd(veth); err != nil {
		return nil, ioErr("create veth pair", err)
	}
	host, err := h.LinkByName(hostName)
	if err != nil {
		return nil, ioErr("look up "+hostName, err)
	}
	if err := h.LinkSetMaster(host, br); err != nil {
		return nil, ioErr("attach "+hostName+" to the bridge", err)
	}
	if err := h.LinkSetUp(host); err != nil {
		return nil, ioErr("set "+hostName+" up", err)
	}
	peer, err := h.LinkByName(tmpName)
	if err != nil {
		return nil, ioErr("look up "+tmpName, err)
	}
	if err := h.LinkSetNsFd(peer, int(podNS)); err != nil {
		return nil, ioErr("move veth into "+att.NetNS, err)
	}

	ph, err := netlink.NewHandleAt(podNS)
	if err != nil {
		return nil, ioErr("netlink in "+att.NetNS, err)
	}
	defer ph.Close()
	link, err := ph.LinkByName(tmpName)
	if err != nil {
		return nil, ioErr("look up veth in "+att.NetNS, err)
	}
	if err := ph.LinkSetName(link, att.IfName); err != nil {
		return nil, ioErr("rename veth to "+att.IfName, err)
	}
	bits := p.opts.Subnet.Addr().BitLen()
	ipnet := net.IPNet{IP: ip.AsSlice(), Mask: net.CIDRMask(p.opts.Subnet.Bits(), bits)}
	if err := ph.AddrAdd(link, &netlink.Addr{IPNet: &ipnet}); err != nil {
		return nil, ioErr("add address "+ipnet.String(), err)
	}
	if err := ph.LinkSetUp(link); err != nil {
		return nil, ioErr("set "+att.IfName+" up", err)
	}
	if lo, err := ph.LinkByName("lo"); err == nil {
		if err := ph.LinkSetUp(lo); err != nil {
			return nil, ioErr("set lo up", err)
		}
	}
	gw := p.ipam.gw.AsSlice()
	def := net.IPNet{IP: make(net.IP, len(gw)), Mask: net.CIDRMask(0, bits)}
	if err := ph.RouteAdd(&netlink.Route{LinkIndex: link.Attrs().Index, Dst: &def, Gw: gw}); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, ioErr("add default route", err)
	}
	link, err = ph.LinkByName(att.IfName)
	if err != nil {
		return nil, ioErr("look up "+att.IfName, err)
	}
	host, _ = h.LinkByName(hostName)
	podIf := 2 // index of the pod's interface in Interfaces
	res := &cni.Result{
		CNIVersion: cni.SpecVersion,
		Interfaces: []cni.Interface{
			{Name: p.opts.BridgeName, Mac: br.Attrs().HardwareAddr.String(), Mtu: p.opts.MTU},
			{Name: hostName, Mac: host.Attrs().HardwareAddr.String(), Mtu: p.opts.MTU},
			{Name: att.IfName, Mac: link.Attrs().HardwareAddr.String(), Mtu: p.opts.MTU, Sandbox: att.NetNS},
		},
		IPs:    []cni.IPConfig{{Interface: &podIf, Address: ipnet, Gateway: gw}},
		Routes: []cni.Route{{Dst: def, GW: gw}},
	}
	return res, nil
}

// Del removes the attachment's veth pair (which takes the pod end with it)
// and frees its address. It succeeds when there is nothing to remove.
func (p *Plugin) Del(ctx context.Context, att cni.Attachment) error {
	if err := att.Validate("DEL"); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	h, err := p.hostHandle()
	if err != nil {
		return ioErr("netlink", err)
	}
	defer h.Close()
	if err := p.delLink(h, vethName(att.Key())); err != nil {
		return err
	}
	if err := p.ipam.release(att.ContainerID, att.IfName); err != nil {
		return ioErr("release address", err)
	}
	return nil
}

func (p *Plugin) delLink(h *netlink.Handle, name string) error {
	l, err := h.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil
		}
		return ioErr("look up "+name, err)
	}
	if err := h.LinkDel(l); err != nil && !errors.Is(err, os.ErrNotExist) {
		return ioErr("delete "+name, err)
	}
	return nil
}

// Check verifies that the pod's interface exists in its namespace with the
// address prevResult recorded, and that the host end is on the bridge.
func (p *Plugin) Check(ctx context.Context, att cni.Attachment, prevResult *cni.Result) error {
	if err := att.Validate("CHECK"); err != nil {
		return err
	}
	if prevResult == nil || len(prevResult.IPs) == 0 {
		return &cni.Error{Code: cni.ErrInvalidNetworkConfig, Msg: "CHECK needs the prevResult of ADD"}
	}
	h, err := p.hostHandle()
	if err != nil {
		return ioErr("netlink", err)
	}
	defer h.Close()
	host, err := h.LinkByName(vethName(att.Key()))
	if err != nil {
		return &cni.Error{Code: cni.ErrUnknownContainer, Msg: "host end of the veth is missing", Details: err.Error()}
	}
	br, err := h.LinkByName(p.opts.BridgeName)
	if err != nil || host.Attrs().MasterIndex != br.Attrs().Index {
		return &cni.Error{Code: cni.ErrIOFailure, Msg: "veth is not attached to bridge " + p.opts.BridgeName}
	}
	want := prevResult.IPs[0].Address
	return rnetns.Do(att.NetNS, func() error {
		l, err := netlink.LinkByName(att.IfName)
		if err != nil {
			return &cni.Error{Code: cni.ErrUnknownContainer, Msg: att.IfName + " is missing in " + att.NetNS, Details: err.Error()}
		}
		addrs, err := netlink.AddrList(l, netlink.FAMILY_ALL)
		if err != nil {
			return ioErr("list addresses", err)
		}
		for _, a := range addrs {
			if a.IPNet.String() == want.String() {
				return nil
			}
		}
		return &cni.Error{Code: cni.ErrIOFailure, Msg: fmt.Sprintf("%s lacks address %s", att.IfName, want.String())}
	})
}

// Status reports whether Add can work: the process can use netlink in the
// host namespace and the data directory is writable.
func (p *Plugin) Status(ctx context.Context) error {
	h, err := p.hostHandle()
	if err != nil {
		return &cni.Error{Code: cni.ErrPluginNotAvailable, Msg: "netlink unavailable", Details: err.Error()}
	}
	h.Close()
	if os.Geteuid() != 0 {
		return &cni.Error{Code: cni.ErrPluginNotAvailable, Msg: "the bridge plugin needs root"}
	}
	if err := os.MkdirAll(p.opts.DataDir, 0o700); err != nil {
		return &cni.Error{Code: cni.ErrPluginNotAvailable, Msg: "data directory unusable", Details: err.Error()}
	}
	return nil
}

// GC frees the address and veth of every attachment not in valid.
func (p *Plugin) GC(ctx context.Context, valid []cni.AttachmentKey) error {
	keep := make(map[string]bool, len(valid))
	for _, k := range valid {
		keep[owner(k.ContainerID, k.IfName)] = true
	}
	held, err := p.ipam.holders()
	if err != nil {
		return ioErr("list addresses", err)
	}
	for _, o := range held {
		if keep[o] {
			continue
		}
		id, ifName, _ := strings.Cut(o, " ")
		if err := p.Del(ctx, cni.Attachment{ContainerID: id, IfName: ifName}); err != nil {
			return err
		}
	}
	return nil
}

// Teardown removes the bridge (and with it every host-side veth attached
// to it) and the allocation records: a clean uninstall of the node's pod
// network. Pods still running lose their network.
func (p *Plugin) Teardown(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	h, err := p.hostHandle()
	if err != nil {
		return ioErr("netlink", err)
	}
	defer h.Close()
	if links, err := h.LinkList(); err == nil {
		if br, err := h.LinkByName(p.opts.BridgeName); err == nil {
			for _, l := range links {
				if l.Attrs().MasterIndex == br.Attrs().Index {
					_ = h.LinkDel(l)
				}
			}
		}
	}
	if err := p.delLink(h, p.opts.BridgeName); err != nil {
		return err
	}
	if err := os.RemoveAll(p.opts.DataDir); err != nil {
		return ioErr("remove "+p.opts.DataDir, err)
	}
	return nil
}
