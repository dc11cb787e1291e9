package framework

// NodeToStatusReader reads why each node failed Filter in a cycle.
type NodeToStatusReader interface {
	// Get returns the status of the node: its recorded status, or the
	// status of absent nodes when it was not evaluated.
	Get(nodeName string) *Status
	// NodesForStatusCode returns the nodes of lister whose status has the
	// code.
	NodesForStatusCode(lister NodeInfoLister, code Code) ([]*NodeInfo, error)
}

// NodeToStatus records why nodes failed Filter. Nodes that were not
// evaluated (cut by a PreFilter result, or rejected for every node by a
// PreFilter) take AbsentNodesStatus, which is UnschedulableAndUnresolvable
// unless set otherwise. Not safe for concurrent writes.
type NodeToStatus struct {
	nodeToStatus      map[string]*Status
	absentNodesStatus *Status
}

var _ NodeToStatusReader = (*NodeToStatus)(nil)

// NewDefaultNodeToStatus returns an empty NodeToStatus whose absent nodes
// are UnschedulableAndUnresolvable.
func NewDefaultNodeToStatus() *NodeToStatus {
	return NewNodeToStatus(make(map[string]*Status), NewStatus(UnschedulableAndUnresolvable))
}

// NewNodeToStatus returns a NodeToStatus holding m (not copied) and the
// status of absent nodes.
func NewNodeToStatus(m map[string]*Status, absent *Status) *NodeToStatus {
	if m == nil {
		m = make(map[string]*Status)
	}
	return &NodeToStatus{nodeToStatus: m, absentNodesStatus: absent}
}

// Get returns the status of nodeName.
func (m *NodeToStatus) Get(nodeName string) *Status {
	if s, ok := m.nodeToStatus[nodeName]; ok {
		return s
	}
	return m.absentNodesStatus
}

// Set records the status of nodeName.
func (m *NodeToStatus) Set(nodeName string, s *Status) { m.nodeToStatus[nodeName] = s }

// Len returns the number of recorded nodes.
func (m *NodeToStatus) Len() int { return len(m.nodeToStatus) }

// AbsentNodesStatus returns the status of nodes not recorded.
func (m *NodeToStatus) AbsentNodesStatus() *Status { return m.absentNodesStatus }

// SetAbsentNodesStatus sets the status of nodes not recorded.
func (m *NodeToStatus) SetAbsentNodesStatus(s *Status) { m.absentNodesStatus = s }

// ForEachExplicitNode calls fn for each recorded node, in no fixed order.
func (m *NodeToStatus) ForEachExplicitNode(fn func(nodeName string, s *Status)) {
	for n, s := range m.nodeToStatus {
		fn(n, s)
	}
}

// NodesForStatusCode returns the nodes of lister whose status has code, in
// the lister's order.
func (m *NodeToStatus) NodesForStatusCode(lister NodeInfoLister, code Code) ([]*NodeInfo, error) {
	all, err := lister.List()
	if err != nil {
		return nil, err
	}
	var out []*NodeInfo
	for _, ni := range all {
		if m.Get(ni.NodeName()).Code() == code {
			out = append(out, ni)
		}
	}
	return out, nil
}
