package framework

import (
	"fmt"
	"maps"
	"sync/atomic"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// generation is the source of NodeInfo generations: every change to any
// NodeInfo takes the next number, so a snapshot can copy only the nodes
// whose generation is above the one it last saw.
var generation atomic.Int64

// nextGeneration returns a new, larger generation.
func nextGeneration() int64 { return generation.Add(1) }

// ImageStateSummary is what the scheduler knows of one container image on a
// node: its size and on how many nodes of the cluster it is present.
type ImageStateSummary struct {
	// Size is the image's size in bytes.
	Size int64
	// NumNodes is the number of nodes that have the image.
	NumNodes int
}

// NodeInfo is one node and the pods on it (bound and assumed), with sums
// the plugins need: requested resources, used host ports, pods with
// affinity terms, and the images present.
//
// The scheduler's cache owns the live NodeInfos; each scheduling cycle sees
// a snapshot, a copy that stays unchanged during the cycle. Plugins must
// treat a NodeInfo as read-only, except for copies they make with Snapshot
// (as preemption does to simulate removing pods).
type NodeInfo struct {
	node *corev1.Node

	// Pods are the pods on the node, bound or assumed.
	Pods []*PodInfo
	// PodsWithAffinity are the pods with pod affinity or anti-affinity
	// terms (required or preferred).
	PodsWithAffinity []*PodInfo
	// PodsWithRequiredAntiAffinity are the pods with required
	// anti-affinity terms.
	PodsWithRequiredAntiAffinity []*PodInfo
	// UsedPorts are the host ports taken by the pods.
	UsedPorts HostPortInfo
	// Requested is the sum of the pods' requests.
	Requested *Resource
	// NonZeroRequested is Requested with the scoring defaults for
	// containers that request no CPU or memory; only CPU and memory are
	// set.
	NonZeroRequested *Resource
	// Allocatable is the node's allocatable resources.
	Allocatable *Resource
	// ImageStates maps each image name on the node to its summary.
	ImageStates map[string]*ImageStateSummary
	// Generation increases on every change to the NodeInfo.
	Generation int64
}

// NewNodeInfo returns a NodeInfo with no node and the pods added.
func NewNodeInfo(pods ...*corev1.Pod) *NodeInfo {
	ni := &NodeInfo{
		Requested:        &Resource{},
		NonZeroRequested: &Resource{},
		Allocatable:      &Resource{},
		UsedPorts:        make(HostPortInfo),
		ImageStates:      make(map[string]*ImageStateSummary),
		Generation:       nextGeneration(),
	}
	for _, p := range pods {
		ni.AddPod(p)
	}
	return ni
}

// Node returns the node, or nil when the NodeInfo holds only pods (their
// node is not known yet or was deleted). The caller must not modify it.
func (n *NodeInfo) Node() *corev1.Node {
	if n == nil {
		return nil
	}
	return n.node
}

// SetNode sets the node and its allocatable resources.
func (n *NodeInfo) SetNode(node *corev1.Node) {
	n.node = node
	n.Allocatable = NewResource(node.Status.Allocatable)
	n.Generation = nextGeneration()
}

// RemoveNode forgets the node, keeping its pods.
func (n *NodeInfo) RemoveNode() {
	n.node = nil
	n.Generation = nextGeneration()
}

// AddPod adds pod to the node. A pod whose affinity selectors do not parse
// is added without the terms that failed.
func (n *NodeInfo) AddPod(pod *corev1.Pod) {
	pi, _ := NewPodInfo(pod)
	n.AddPodInfo(pi)
}

// AddPodInfo adds a parsed pod to the node.
func (n *NodeInfo) AddPodInfo(pi *PodInfo) {
	n.Pods = append(n.Pods, pi)
	if pi.HasAffinity() {
		n.PodsWithAffinity = append(n.PodsWithAffinity, pi)
	}
	if len(pi.RequiredAntiAffinityTerms) > 0 {
		n.PodsWithRequiredAntiAffinity = append(n.PodsWithRequiredAntiAffinity, pi)
	}
	n.update(pi, 1)
}

// RemovePod removes the pod with pod's key (see PodKey) from the node, or
// returns an error naming the pod and node when it is not there.
func (n *NodeInfo) RemovePod(pod *corev1.Pod) error {
	k := PodKey(pod)
	n.PodsWithAffinity = removeFrom(n.PodsWithAffinity, k)
	n.PodsWithRequiredAntiAffinity = removeFrom(n.PodsWithRequiredAntiAffinity, k)
	for i, pi := range n.Pods {
		if PodKey(pi.Pod) == k {
			last := len(n.Pods) - 1
			n.Pods[i] = n.Pods[last]
			n.Pods[last] = nil
			n.Pods = n.Pods[:last]
			n.update(pi, -1)
			return nil
		}
	}
	return fmt.Errorf("remove pod %s/%s from node %s: pod not found", pod.Namespace, pod.Name, n.NodeName())
}

// NodeName returns the node's name, or "" when there is no node.
func (n *NodeInfo) NodeName() string {
	if n == nil || n.node == nil {
		return ""
	}
	return n.node.Name
}

func removeFrom(s []*PodInfo, key string) []*PodInfo {
	for i, pi := range s {
		if PodKey(pi.Pod) == key {
			last := len(s) - 1
			s[i] = s[last]
			s[last] = nil
			return s[:last]
		}
	}
	return s
}

func (n *NodeInfo) update(pi *PodInfo, sign int64) {
	r := &pi.res.resource
	if sign > 0 {
		n.Requested.AddResource(r)
	} else {
		n.Requested.SubResource(r)
	}
	n.NonZeroRequested.MilliCPU += sign * pi.res.non0CPU
	n.NonZeroRequested.Memory += sign * pi.res.non0Mem
	for _, p := range HostPorts(pi.Pod) {
		if sign > 0 {
			n.UsedPorts.Add(p.HostIP, string(p.Protocol), p.HostPort)
		} else {
			n.UsedPorts.Remove(p.HostIP, string(p.Protocol), p.HostPort)
		}
	}
	n.Generation = nextGeneration()
}

// Snapshot returns a copy of n that can be changed (pods added or removed)
// without changing n. Pods and the node are shared, not copied: they are
// immutable.
func (n *NodeInfo) Snapshot() *NodeInfo {
	c := &NodeInfo{
		node:             n.node,
		Requested:        n.Requested.Clone(),
		NonZeroRequested: n.NonZeroRequested.Clone(),
		Allocatable:      n.Allocatable.Clone(),
		UsedPorts:        n.UsedPorts.Clone(),
		ImageStates:      maps.Clone(n.ImageStates),
		Generation:       n.Generation,
	}
	if c.ImageStates == nil {
		c.ImageStates = make(map[string]*ImageStateSummary)
	}
	if len(n.Pods) > 0 {
		c.Pods = append([]*PodInfo(nil), n.Pods...)
	}
	if len(n.PodsWithAffinity) > 0 {
		c.PodsWithAffinity = append([]*PodInfo(nil), n.PodsWithAffinity...)
	}
	if len(n.PodsWithRequiredAntiAffinity) > 0 {
		c.PodsWithRequiredAntiAffinity = append([]*PodInfo(nil), n.PodsWithRequiredAntiAffinity...)
	}
	return c
}

// String returns a short description for logs and test failures.
func (n *NodeInfo) String() string {
	return fmt.Sprintf("&NodeInfo{node:%q, pods:%d, requested:%+v, allocatable:%+v}", n.NodeName(), len(n.Pods), *n.Requested, *n.Allocatable)
}

// HostPorts returns the container ports of pod that take a host port: those
// of its containers and of its restartable (sidecar) init containers,
// which run for the pod's whole life.
func HostPorts(pod *corev1.Pod) []corev1.ContainerPort {
	var ports []corev1.ContainerPort
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
			continue
		}
		for _, p := range c.Ports {
			if p.HostPort > 0 {
				ports = append(ports, p)
			}
		}
	}
	for i := range pod.Spec.Containers {
		for _, p := range pod.Spec.Containers[i].Ports {
			if p.HostPort > 0 {
				ports = append(ports, p)
			}
		}
	}
	return ports
}

// DefaultBindAllHostIP is the host IP of a port with none: every address.
const DefaultBindAllHostIP = "0.0.0.0"

// ProtocolPort is a protocol and a port number.
type ProtocolPort struct {
	Protocol string
	Port     int32
}

// HostPortInfo is the set of host ports in use on a node, by host IP.
type HostPortInfo map[string]map[ProtocolPort]struct{}

func sanitizePort(ip, protocol string) (string, string) {
	if ip == "" {
		ip = DefaultBindAllHostIP
	}
	if protocol == "" {
		protocol = string(corev1.ProtocolTCP)
	}
	return ip, protocol
}

// Add marks the port used; an empty ip means 0.0.0.0 and an empty protocol
// TCP.
func (h HostPortInfo) Add(ip, protocol string, port int32) {
	ip, protocol = sanitizePort(ip, protocol)
	m := h[ip]
	if m == nil {
		m = make(map[ProtocolPort]struct{})
		h[ip] = m
	}
	m[ProtocolPort{protocol, port}] = struct{}{}
}

// Remove marks the port free.
func (h HostPortInfo) Remove(ip, protocol string, port int32) {
	ip, protocol = sanitizePort(ip, protocol)
	if m := h[ip]; m != nil {
		delete(m, ProtocolPort{protocol, port})
		if len(m) == 0 {
			delete(h, ip)
		}
	}
}

// Len returns the number of ports in use.
func (h HostPortInfo) Len() int {
	n := 0
	for _, m := range h {
		n += len(m)
	}
	return n
}

// CheckConflict reports whether the port is taken: on the same IP or on
// 0.0.0.0, or, for ip 0.0.0.0, on any IP. A port of 0 or less never
// conflicts.
func (h HostPortInfo) CheckConflict(ip, protocol string, port int32) bool {
	if port <= 0 {
		return false
	}
	ip, protocol = sanitizePort(ip, protocol)
	pp := ProtocolPort{protocol, port}
	if ip == DefaultBindAllHostIP {
		for _, m := range h {
			if _, ok := m[pp]; ok {
				return true
			}
		}
		return false
	}
	for _, key := range []string{DefaultBindAllHostIP, ip} {
		if _, ok := h[key][pp]; ok {
			return true
		}
	}
	return false
}

// Clone returns a deep copy.
func (h HostPortInfo) Clone() HostPortInfo {
	c := make(HostPortInfo, len(h))
	for ip, m := range h {
		c[ip] = maps.Clone(m)
	}
	return c
}
