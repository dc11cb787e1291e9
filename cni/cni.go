package cni

import (
	"context"
	"fmt"
	"net"
)

// SpecVersion is the CNI specification version whose operations and result
// format NetworkPlugin mirrors.
const SpecVersion = "1.1.0"

// NetworkPlugin sets up and tears down pods' network attachments: the CNI
// 1.1 operations. An attachment is identified by (ContainerID, IfName), as
// in the specification.
//
// Implementations must allow calls from any number of goroutines at once
// (for different attachments), must make Del idempotent (deleting an
// attachment that does not exist succeeds), and should return errors that
// are, or wrap, an *Error with a CNI error code.
type NetworkPlugin interface {
	// Add (CNI ADD) creates the interface IfName inside the network
	// namespace NetNS for the attachment and returns what it configured.
	// Adding an attachment that exists already is an error.
	Add(ctx context.Context, att Attachment) (*Result, error)
	// Del (CNI DEL) releases everything Add made for the attachment. NetNS
	// may be empty when the namespace is already gone; Del must still
	// release addresses and host-side state. Del of an unknown attachment
	// succeeds.
	Del(ctx context.Context, att Attachment) error
	// Check (CNI CHECK) verifies that the attachment is still as Add made
	// it, given the Result Add returned (prevResult). It returns nil when
	// all is well.
	Check(ctx context.Context, att Attachment, prevResult *Result) error
	// Status (CNI STATUS) reports whether the plugin is ready to Add. It
	// returns nil when ready, else an *Error (typically
	// ErrPluginNotAvailable or ErrLimitedConnectivity).
	Status(ctx context.Context) error
	// GC (CNI GC) releases every attachment the plugin holds that is not
	// in valid (resources of deleted pods that Del never reached).
	GC(ctx context.Context, valid []AttachmentKey) error
}

// AttachmentKey identifies an attachment, as in the specification's
// cni.dev/valid-attachments: the container (sandbox) ID and interface name.
type AttachmentKey struct {
	ContainerID string
	IfName      string
}

// Attachment is the runtime configuration of one operation: the CNI_*
// environment of the specification in Go fields.
type Attachment struct {
	// ContainerID (CNI_CONTAINERID) is the sandbox's ID; required.
	ContainerID string
	// NetNS (CNI_NETNS) is the path of the network namespace, such as
	// /var/run/netns/<name>. Required by Add and Check.
	NetNS string
	// IfName (CNI_IFNAME) is the interface name inside the namespace.
	// Callers pass DefaultIfName ("eth0") unless they need another.
	IfName string
	// Pod identifies the pod, as the K8S_POD_* arguments (CNI_ARGS) do.
	Pod PodArgs
	// RuntimeConfig holds capability arguments (portMappings, bandwidth,
	// ...), keyed by capability name, for plugins that declare them.
	RuntimeConfig map[string]any
}

// DefaultIfName is the interface name a pod's primary network uses.
const DefaultIfName = "eth0"

// Key returns the attachment's key.
func (a Attachment) Key() AttachmentKey {
	return AttachmentKey{ContainerID: a.ContainerID, IfName: a.IfName}
}

// Validate reports what is missing from the attachment for op ("ADD",
// "DEL", "CHECK"), as an *Error with code ErrInvalidEnvironmentVariables.
func (a Attachment) Validate(op string) error {
	switch {
	case a.ContainerID == "":
		return &Error{Code: ErrInvalidEnvironmentVariables, Msg: "CNI_CONTAINERID is required", Details: op}
	case a.IfName == "":
		return &Error{Code: ErrInvalidEnvironmentVariables, Msg: "CNI_IFNAME is required", Details: op}
	case a.NetNS == "" && op != "DEL":
		return &Error{Code: ErrInvalidEnvironmentVariables, Msg: "CNI_NETNS is required", Details: op}
	}
	return nil
}

// PodArgs are the Kubernetes pod identity arguments (K8S_POD_NAMESPACE,
// K8S_POD_NAME, K8S_POD_INFRA_CONTAINER_ID, K8S_POD_UID).
type PodArgs struct {
	Namespace string
	Name      string
	UID       string
}

// Result is what Add returns (the specification's success result):
// interfaces, addresses, routes and DNS.
type Result struct {
	// CNIVersion is the specification version of the result (SpecVersion).
	CNIVersion string
	Interfaces []Interface
	IPs        []IPConfig
	Routes     []Route
	DNS        DNS
}

// PrimaryIPs returns the result's addresses without prefix length, in
// order (the first of each family is the pod's address for that family).
func (r *Result) PrimaryIPs() []net.IP {
	if r == nil {
		return nil
	}
	out := make([]net.IP, 0, len(r.IPs))
	for _, ip := range r.IPs {
		out = append(out, ip.Address.IP)
	}
	return out
}

// Interface is an interface the plugin made or used.
type Interface struct {
	Name string
	Mac  string
	// Mtu is the interface's MTU, when the plugin knows it.
	Mtu int
	// Sandbox is the network namespace path the interface is in; empty
	// for host-side interfaces.
	Sandbox string
	// SocketPath is set for userspace interfaces (vhost-user and similar).
	SocketPath string
	// PciID is set for hardware interfaces.
	PciID string
}

// IPConfig is one address assigned to an interface.
type IPConfig struct {
	// Interface indexes Result.Interfaces; nil when unspecified.
	Interface *int
	// Address is the IP with its prefix length (10.1.0.5/24).
	Address net.IPNet
	// Gateway is the default gateway for this subnet, when there is one.
	Gateway net.IP
}

// Route is a route the plugin installed in the namespace.
type Route struct {
	Dst      net.IPNet
	GW       net.IP
	MTU      int
	AdvMSS   int
	Priority int
	Table    *int
	// Scope is the route's scope (0 universe, 253 link, 254 host), when
	// set.
	Scope *int
}

// DNS is the DNS configuration the plugin suggests for the container.
type DNS struct {
	Nameservers []string
	Domain      string
	Search      []string
	Options     []string
}

// Code is a CNI error code. 0–99 are reserved by the specification;
// plugins may use 100 and above for their own.
type Code uint

// The error codes of the CNI specification.
const (
	ErrIncompatibleCNIVersion      Code = 1  // incompatible CNI version
	ErrUnsupportedField            Code = 2  // unsupported field in network configuration
	ErrUnknownContainer            Code = 3  // container unknown or does not exist
	ErrInvalidEnvironmentVariables Code = 4  // invalid necessary environment variables
	ErrIOFailure                   Code = 5  // I/O failure
	ErrDecodingFailure             Code = 6  // failed to decode content
	ErrInvalidNetworkConfig        Code = 7  // invalid network config
	ErrTryAgainLater               Code = 11 // try again later (transient)
	ErrPluginNotAvailable          Code = 50 // the plugin is not available (STATUS)
	ErrLimitedConnectivity         Code = 51 // the plugin is available but has limited connectivity (STATUS)
)

// Error is a CNI error result: a code, a short message and optional
// details.
type Error struct {
	Code    Code
	Msg     string
	Details string
}

// Error formats the code, message and details.
func (e *Error) Error() string {
	if e.Details != "" {
		return fmt.Sprintf("cni error %d: %s; %s", e.Code, e.Msg, e.Details)
	}
	return fmt.Sprintf("cni error %d: %s", e.Code, e.Msg)
}

// Temporary reports whether the caller should retry later (code 11).
func (e *Error) Temporary() bool { return e.Code == ErrTryAgainLater }
