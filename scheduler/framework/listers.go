package framework

// NodeInfoLister reads the NodeInfos of a snapshot. Its lists are in a
// stable order for the snapshot's life; the caller must not modify them or
// the NodeInfos.
type NodeInfoLister interface {
	// List returns every node.
	List() ([]*NodeInfo, error)
	// HavePodsWithAffinityList returns the nodes running at least one pod
	// with pod affinity or anti-affinity terms.
	HavePodsWithAffinityList() ([]*NodeInfo, error)
	// HavePodsWithRequiredAntiAffinityList returns the nodes running at
	// least one pod with required anti-affinity terms.
	HavePodsWithRequiredAntiAffinityList() ([]*NodeInfo, error)
	// Get returns the node named nodeName, or an error wrapping
	// ErrNotFound.
	Get(nodeName string) (*NodeInfo, error)
}

// SharedLister is the read access plugins get to the cluster snapshot of the
// current cycle.
type SharedLister interface {
	NodeInfos() NodeInfoLister
}
