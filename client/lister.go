package client

import (
	"fmt"
	"net/http"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/labels"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Lister reads objects from an informer's cache, never from the server.
// The objects are shared with the informer and every other reader: do not
// modify them; DeepCopy one to change it. Any goroutine may call any method.
type Lister[T any] struct {
	idx      *Indexer[T]
	resource string
}

// NewLister returns a lister over idx; resource (such as "pods") names the
// resource in NotFound errors.
func NewLister[T any](idx *Indexer[T], resource string) *Lister[T] {
	return &Lister[T]{idx: idx, resource: resource}
}

// List returns the cached objects whose labels sel matches (all of them when
// sel is nil), in no particular order.
func (l *Lister[T]) List(sel labels.Selector) []*T {
	return l.filter(l.idx.List(), sel)
}

// ListNamespace returns the cached objects in namespace ns whose labels sel
// matches (all of them when sel is nil), in no particular order.
func (l *Lister[T]) ListNamespace(ns string, sel labels.Selector) []*T {
	objs, _ := l.idx.ByIndex(NamespaceIndex, ns) // the index always exists
	return l.filter(objs, sel)
}

func (l *Lister[T]) filter(objs []*T, sel labels.Selector) []*T {
	if sel == nil || sel.Empty() {
		return objs
	}
	out := objs[:0]
	for _, o := range objs {
		if sel.Matches(labels.Set(l.idx.meta(o).Labels)) {
			out = append(out, o)
		}
	}
	return out
}

// Get returns the cached object named name in namespace ns ("" for
// cluster-scoped objects), or an error for which IsNotFound is true.
func (l *Lister[T]) Get(ns, name string) (*T, error) {
	if o, ok := l.idx.GetByKey(Key(ns, name)); ok {
		return o, nil
	}
	return nil, &APIError{Status: metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure,
		Code:     http.StatusNotFound,
		Reason:   metav1.StatusReasonNotFound,
		Message:  fmt.Sprintf("%s %q not found", l.resource, name),
		Details:  &metav1.StatusDetails{Name: name, Kind: l.resource},
	}}
}

// ByIndex returns the cached objects indexed under value in the named
// index, in no particular order; it fails when there is no such index.
func (l *Lister[T]) ByIndex(index, value string) ([]*T, error) {
	return l.idx.ByIndex(index, value)
}

// PodNodeNameIndex is the name under which IndexPodsByNodeName is usually
// added.
const PodNodeNameIndex = "spec.nodeName"

// IndexPodsByNodeName indexes pods by spec.nodeName, unscheduled pods under
// "": add it to a pod informer as Indexers{PodNodeNameIndex:
// IndexPodsByNodeName} and read a node's pods with ByIndex.
func IndexPodsByNodeName(p *corev1.Pod) ([]string, error) {
	return []string{p.Spec.NodeName}, nil
}
