package queue

import (
	"container/heap"

	"github.com/rigging-dev/rigging/scheduler/framework"
)

// podHeap is a heap of queued pods keyed by PodKey, with O(log n) update
// and removal by key. Not safe for concurrent use.
type podHeap struct {
	items []*framework.QueuedPodInfo
	index map[string]int
	less  func(a, b *framework.QueuedPodInfo) bool
}

func newPodHeap(less func(a, b *framework.QueuedPodInfo) bool) *podHeap {
	return &podHeap{index: make(map[string]int), less: less}
}

// heap.Interface, on the unexported adapter so the methods stay private.
type heapAdapter struct{ h *podHeap }

func (a heapAdapter) Len() int           { return len(a.h.items) }
func (a heapAdapter) Less(i, j int) bool { return a.h.less(a.h.items[i], a.h.items[j]) }
func (a heapAdapter) Swap(i, j int) {
	h := a.h
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.index[framework.PodKey(h.items[i].Pod)] = i
	h.index[framework.PodKey(h.items[j].Pod)] = j
}
func (a heapAdapter) Push(x any) {
	h := a.h
	q := x.(*framework.QueuedPodInfo)
	h.index[framework.PodKey(q.Pod)] = len(h.items)
	h.items = append(h.items, q)
}
func (a heapAdapter) Pop() any {
	h := a.h
	last := len(h.items) - 1
	q := h.items[last]
	h.items[last] = nil
	h.items = h.items[:last]
	delete(h.index, framework.PodKey(q.Pod))
	return q
}

func (h *podHeap) Len() int { return len(h.items) }

// AddOrUpdate inserts q, or replaces the entry with q's key.
func (h *podHeap) AddOrUpdate(q *framework.QueuedPodInfo) {
	k := framework.PodKey(q.Pod)
	if i, ok := h.index[k]; ok {
		h.items[i] = q
		heap.Fix(heapAdapter{h}, i)
		return
	}
	heap.Push(heapAdapter{h}, q)
}

// Get returns the entry with key k.
func (h *podHeap) Get(k string) (*framework.QueuedPodInfo, bool) {
	if i, ok := h.index[k]; ok {
		return h.items[i], true
	}
	return nil, false
}

// Delete removes the entry with key k and reports whether it was there.
func (h *podHeap) Delete(k string) bool {
	i, ok := h.index[k]
	if !ok {
		return false
	}
	heap.Remove(heapAdapter{h}, i)
	return true
}

// Peek returns the top entry, or nil.
func (h *podHeap) Peek() *framework.QueuedPodInfo {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

// Pop removes and returns the top entry, or nil.
func (h *podHeap) Pop() *framework.QueuedPodInfo {
	if len(h.items) == 0 {
		return nil
	}
	return heap.Pop(heapAdapter{h}).(*framework.QueuedPodInfo)
}

// List returns the entries in heap order (not sorted).
func (h *podHeap) List() []*framework.QueuedPodInfo {
	return append([]*framework.QueuedPodInfo(nil), h.items...)
}
