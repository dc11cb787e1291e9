package nodelifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/client"
)

// markPodsNotReady sets the Ready condition of node's pods False.
func (r *Reconciler) markPodsNotReady(ctx context.Context, pods []*corev1.Pod, now time.Time) error {
	var errs []error
	for _, p := range pods {
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		upd := p.DeepCopy()
		if !markPodNotReady(&upd.Status, now) {
			continue
		}
		if _, err := r.podClient.Namespace(p.Namespace).UpdateStatus(ctx, upd, client.UpdateOptions{}); err != nil && !client.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("mark pod %s/%s not ready: %w", p.Namespace, p.Name, err))
		}
	}
	return errors.Join(errs...)
}

// evictPods deletes node's pods whose toleration of its NoExecute taints
// ran out, and returns the earliest time another one will.
func (r *Reconciler) evictPods(ctx context.Context, node *corev1.Node, h *nodeHealth, pods []*corev1.Pod, now time.Time) (time.Time, error) {
	var noExec []corev1.Taint
	for _, t := range node.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			noExec = append(noExec, t)
		}
	}
	r.mu.Lock()
	added := map[corev1.Taint]time.Time{}
	for _, t := range noExec {
		k := corev1.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect}
		switch {
		case t.TimeAdded != nil:
			added[k] = t.TimeAdded.Time
		default:
			if _, ok := h.seen[k]; !ok {
				h.seen[k] = now
			}
			added[k] = h.seen[k]
		}
	}
	for k := range h.seen {
		if _, ok := added[k]; !ok {
			delete(h.seen, k)
		}
	}
	pending := map[types.UID]bool{}
	for _, p := range pods {
		if p.DeletionTimestamp == nil && h.evicted[p.UID] {
			pending[p.UID] = true
		}
	}
	h.evicted = pending // the others' deletion is in the cache now
	r.mu.Unlock()
	if len(noExec) == 0 {
		return time.Time{}, nil
	}
	addedAt := func(t corev1.Taint) time.Time {
		return added[corev1.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect}]
	}
	var next time.Time
	var errs []error
	for _, p := range pods {
		if p.DeletionTimestamp != nil || p.Spec.NodeName != node.Name || pending[p.UID] {
			continue
		}
		at, ok := EvictionTime(p.Spec.Tolerations, noExec, addedAt)
		if !ok {
			continue
		}
		if now.Before(at) {
			if next.IsZero() || at.Before(next) {
				next = at
			}
			continue
		}
		uid := p.UID
		err := r.podClient.Namespace(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if client.IsNotFound(err) || client.IsConflict(err) {
			continue // gone, or replaced by a pod of the same name
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("evict pod %s/%s from node %s: %w", p.Namespace, p.Name, node.Name, err))
			continue
		}
		r.mu.Lock()
		h.evicted[p.UID] = true
		r.mu.Unlock()
		r.log.Info("evicted pod", "node", node.Name, "pod", p.Namespace+"/"+p.Name)
		r.metrics.evicted(ZoneOf(node))
		r.recordEvent(ctx, p.Namespace, corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
			corev1.EventTypeNormal, "TaintManagerEviction", fmt.Sprintf("Marking for deletion Pod %s/%s", p.Namespace, p.Name), now)
	}
	return next, errors.Join(errs...)
}

func nodeRef(n *corev1.Node) corev1.ObjectReference {
	return corev1.ObjectReference{Kind: "Node", APIVersion: "v1", Name: n.Name, UID: n.UID}
}

// recordEvent creates an Event about ref at now; a failure is logged only,
// as events are informational.
func (r *Reconciler) recordEvent(ctx context.Context, ns string, ref corev1.ObjectReference, typ, reason, msg string, now time.Time) {
	ts := metav1.NewTime(now)
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{GenerateName: ref.Name + ".", Namespace: ns},
		InvolvedObject: ref, Reason: reason, Message: msg, Type: typ,
		Source:         corev1.EventSource{Component: "node-controller"},
		FirstTimestamp: ts, LastTimestamp: ts, Count: 1,
		ReportingController: "node-controller",
	}
	if _, err := r.events.Namespace(ns).Create(ctx, ev, client.CreateOptions{}); err != nil {
		r.log.Error(err, "record event", "reason", reason, "object", ref.Name)
	}
}
