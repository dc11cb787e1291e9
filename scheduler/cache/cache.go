package cache

import (
	"fmt"
	"sync"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// Cache holds the nodes of the cluster and the pods on them, bound or
// assumed. It is safe for concurrent use: the scheduling cycle assumes pods,
// binding goroutines finish or forget them, and the event source adds,
// updates and removes nodes and pods, all at once.
//
// An assumed pod is one the scheduler placed and is binding: it counts
// against its node's resources from AssumePod until ForgetPod (binding
// failed) or AddPod (the bound pod arrived from the event source). Assumed
// pods do not expire: a binding that neither fails nor succeeds keeps its
// reservation, as in Kubernetes since assumed-pod expiry was turned off.
type Cache struct {
	mu sync.Mutex // guards every field below

	// nodes maps node names to their entries, which also form a list
	// from the most recently changed (head) to the least.
	nodes map[string]*nodeEntry
	head  *nodeEntry
	tree  *nodeTree
	// pods maps PodKey to the pod's state.
	pods map[string]*podState
	// images maps image names to the nodes that have them.
	images map[string]*imageState
	// imagesChanged is set when images changed since the last snapshot,
	// so every node's image summaries must be rebuilt.
	imagesChanged bool
	// treeChanged is set when nodes were added or removed since the last
	// snapshot.
	treeChanged bool
}

type nodeEntry struct {
	info       *framework.NodeInfo
	prev, next *nodeEntry
}

type podState struct {
	pod             *corev1.Pod
	assumed         bool
	bindingFinished bool
}

type imageState struct {
	size  int64
	nodes map[string]struct{}
}

// New returns an empty Cache.
func New() *Cache {
	return &Cache{
		nodes:  make(map[string]*nodeEntry),
		tree:   newNodeTree(),
		pods:   make(map[string]*podState),
		images: make(map[string]*imageState),
	}
}

// moveToHead makes e the most recently changed entry.
func (c *Cache) moveToHead(e *nodeEntry) {
	if c.head == e {
		return
	}
	if e.prev != nil {
		e.prev.next = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	}
	e.prev = nil
	e.next = c.head
	if c.head != nil {
		c.head.prev = e
	}
	c.head = e
}

func (c *Cache) unlink(e *nodeEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	}
	if c.head == e {
		c.head = e.next
	}
	e.prev, e.next = nil, nil
}

// entry returns the entry of name, creating one without a node when there
// is none (pods may arrive before their node).
func (c *Cache) entry(name string) *nodeEntry {
	e, ok := c.nodes[name]
	if !ok {
		e = &nodeEntry{info: framework.NewNodeInfo()}
		c.nodes[name] = e
	}
	return e
}

func (c *Cache) addPodLocked(pi *framework.PodInfo) {
	e := c.entry(pi.Pod.Spec.NodeName)
	e.info.AddPodInfo(pi)
	c.moveToHead(e)
}

func (c *Cache) removePodLocked(pod *corev1.Pod) error {
	e, ok := c.nodes[pod.Spec.NodeName]
	if !ok {
		return fmt.Errorf("remove pod %s/%s: node %q not in cache", pod.Namespace, pod.Name, pod.Spec.NodeName)
	}
	if err := e.info.RemovePod(pod); err != nil {
		return err
	}
	if len(e.info.Pods) == 0 && e.info.Node() == nil {
		c.unlink(e)
		delete(c.nodes, pod.Spec.NodeName)
	} else {
		c.moveToHead(e)
	}
	return nil
}

// AssumePod records that pod (with spec.nodeName set to the chosen node)
// is being bound, so its requests count against the node from now on. It
// fails when the pod is already in the cache.
func (c *Cache) AssumePod(pi *framework.PodInfo) error {
	pod := pi.Pod
	key := framework.PodKey(pod)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pods[key]; ok {
		return fmt.Errorf("assume pod %s/%s on node %q: pod already in cache", pod.Namespace, pod.Name, pod.Spec.NodeName)
	}
	c.addPodLocked(pi)
	c.pods[key] = &podState{pod: pod, assumed: true}
	return nil
}

// FinishBinding records that the bind call for an assumed pod returned
// successfully; the pod stays assumed until AddPod confirms it.
func (c *Cache) FinishBinding(pod *corev1.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps, ok := c.pods[framework.PodKey(pod)]
	if !ok || !ps.assumed {
		return fmt.Errorf("finish binding pod %s/%s: pod is not assumed", pod.Namespace, pod.Name)
	}
	ps.bindingFinished = true
	return nil
}

// ForgetPod removes an assumed pod whose binding failed, giving its
// resources back. It fails when the pod is not assumed.
func (c *Cache) ForgetPod(pod *corev1.Pod) error {
	key := framework.PodKey(pod)
	c.mu.Lock()
	defer c.mu.Unlock()
	ps, ok := c.pods[key]
	if !ok || !ps.assumed {
		return fmt.Errorf("forget pod %s/%s: pod is not assumed", pod.Namespace, pod.Name)
	}
	if err := c.removePodLocked(ps.pod); err != nil {
		return err
	}
	delete(c.pods, key)
	return nil
}

// AddPod adds a bound pod (spec.nodeName set). When the pod is assumed it
// is confirmed, and moved if it was bound to another node than assumed.
func (c *Cache) AddPod(pod *corev1.Pod) error {
	pi, _ := framework.NewPodInfo(pod)
	key := framework.PodKey(pod)
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.pods[key]; ok {
		if !ps.assumed {
			return fmt.Errorf("add pod %s/%s: pod already in cache", pod.Namespace, pod.Name)
		}
		if err := c.removePodLocked(ps.pod); err != nil {
			return err
		}
	}
	c.addPodLocked(pi)
	c.pods[key] = &podState{pod: pod}
	return nil
}

// UpdatePod replaces a bound pod.
func (c *Cache) UpdatePod(oldPod, newPod *corev1.Pod) error {
	pi, _ := framework.NewPodInfo(newPod)
	key := framework.PodKey(oldPod)
	c.mu.Lock()
	defer c.mu.Unlock()
	ps, ok := c.pods[key]
	if !ok {
		return fmt.Errorf("update pod %s/%s: pod not in cache", oldPod.Namespace, oldPod.Name)
	}
	if err := c.removePodLocked(ps.pod); err != nil {
		return err
	}
	c.addPodLocked(pi)
	c.pods[framework.PodKey(newPod)] = &podState{pod: newPod, assumed: ps.assumed, bindingFinished: ps.bindingFinished}
	return nil
}

// RemovePod removes a pod, bound or assumed.
func (c *Cache) RemovePod(pod *corev1.Pod) error {
	key := framework.PodKey(pod)
	c.mu.Lock()
	defer c.mu.Unlock()
	ps, ok := c.pods[key]
	if !ok {
		return fmt.Errorf("remove pod %s/%s: pod not in cache", pod.Namespace, pod.Name)
	}
	if err := c.removePodLocked(ps.pod); err != nil {
		return err
	}
	delete(c.pods, key)
	return nil
}

// IsAssumedPod reports whether pod is assumed (placed, not yet confirmed).
func (c *Cache) IsAssumedPod(pod *corev1.Pod) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps, ok := c.pods[framework.PodKey(pod)]
	return ok && ps.assumed
}

// GetPod returns the cached pod with pod's key, or an error wrapping
// framework.ErrNotFound.
func (c *Cache) GetPod(pod *corev1.Pod) (*corev1.Pod, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps, ok := c.pods[framework.PodKey(pod)]
	if !ok {
		return nil, fmt.Errorf("pod %s/%s: %w", pod.Namespace, pod.Name, framework.ErrNotFound)
	}
	return ps.pod, nil
}

// AddNode adds node, or replaces it when it is there.
func (c *Cache) AddNode(node *corev1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entry(node.Name)
	old := e.info.Node()
	if old != nil {
		c.removeImagesLocked(old)
	} else {
		c.treeChanged = true
	}
	c.tree.update(old, node)
	if old != nil && zoneKey(old) != zoneKey(node) {
		c.treeChanged = true
	}
	c.addImagesLocked(node)
	e.info.SetNode(node)
	c.moveToHead(e)
}

// UpdateNode replaces a node; it is AddNode.
func (c *Cache) UpdateNode(_, newNode *corev1.Node) { c.AddNode(newNode) }

// RemoveNode removes a node. Its pods stay in the cache, without a node,
// until they are removed; the node no longer appears in snapshots.
func (c *Cache) RemoveNode(node *corev1.Node) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.nodes[node.Name]
	if !ok || e.info.Node() == nil {
		return fmt.Errorf("remove node %q: node not in cache", node.Name)
	}
	c.removeImagesLocked(e.info.Node())
	c.tree.remove(e.info.Node())
	c.treeChanged = true
	if len(e.info.Pods) == 0 {
		c.unlink(e)
		delete(c.nodes, node.Name)
	} else {
		e.info.RemoveNode()
		c.moveToHead(e)
	}
	return nil
}

func (c *Cache) addImagesLocked(node *corev1.Node) {
	for _, img := range node.Status.Images {
		for _, name := range img.Names {
			st, ok := c.images[name]
			if !ok {
				st = &imageState{size: img.SizeBytes, nodes: make(map[string]struct{})}
				c.images[name] = st
			}
			st.nodes[node.Name] = struct{}{}
			c.imagesChanged = true
		}
	}
}

func (c *Cache) removeImagesLocked(node *corev1.Node) {
	for _, img := range node.Status.Images {
		for _, name := range img.Names {
			if st, ok := c.images[name]; ok {
				delete(st.nodes, node.Name)
				if len(st.nodes) == 0 {
					delete(c.images, name)
				}
				c.imagesChanged = true
			}
		}
	}
}

// NodeCount returns the number of nodes.
func (c *Cache) NodeCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tree.numNodes
}

// PodCount returns the number of pods, bound and assumed.
func (c *Cache) PodCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pods)
}

// UpdateSnapshot brings s up to date with the cache, copying only the
// nodes that changed since s was last updated (the cache keeps its nodes
// ordered from the most recently changed, so it visits only those). The
// node list is rebuilt, and s's Epoch changes, only when nodes were added
// or removed or changed zone; a node whose pods gain or lose affinity
// terms joins or leaves the affinity lists in place. A Cache maintains a
// single Snapshot (start from NewEmptySnapshot), which must not be read
// while it is updated.
func (c *Cache) UpdateSnapshot(s *Snapshot) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	rebuild := c.treeChanged
	imagesChanged := c.imagesChanged
	var newGen int64
	for e := c.head; e != nil; e = e.next {
		if e.info.Generation <= s.generation {
			break
		}
		newGen = max(newGen, e.info.Generation)
		node := e.info.Node()
		if node == nil {
			continue
		}
		clone := e.info.Snapshot()
		if !imagesChanged {
			setImageStates(clone, node, c.numNodesWithImage)
		}
		existing, ok := s.nodeInfoMap[node.Name]
		if !ok {
			s.nodeInfoMap[node.Name] = clone
			rebuild = true
			continue
		}
		*existing = *clone
		if i, ok := s.index[node.Name]; ok {
			// The node keeps its place in the list; only its
			// membership of the affinity lists may change.
			s.updateLists(i)
		}
	}
	if newGen > s.generation {
		s.generation = newGen
	}
	if len(s.nodeInfoMap) != c.tree.numNodes {
		for name := range s.nodeInfoMap {
			if e, ok := c.nodes[name]; !ok || e.info.Node() == nil {
				delete(s.nodeInfoMap, name)
			}
		}
		rebuild = true
	}
	if imagesChanged {
		for name, ni := range s.nodeInfoMap {
			setImageStates(ni, c.nodes[name].info.Node(), c.numNodesWithImage)
		}
		s.epoch++
	}
	if rebuild {
		s.rebuildLists(c.tree.list())
	}
	c.treeChanged = false
	c.imagesChanged = false
	if len(s.nodeInfoList) != c.tree.numNodes {
		return fmt.Errorf("update snapshot: snapshot has %d nodes, cache %d", len(s.nodeInfoList), c.tree.numNodes)
	}
	return nil
}

func (c *Cache) numNodesWithImage(name string) int {
	if st, ok := c.images[name]; ok {
		return len(st.nodes)
	}
	return 0
}
