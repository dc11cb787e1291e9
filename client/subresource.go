package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	autoscalingv1 "github.com/rigging-dev/rigging/api/autoscaling/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Bind binds a pod to a node by creating b through the pod's binding
// subresource (POST pods/{name}/binding): b's metadata names the pod and
// its Target the node. Served for pods only. The server fails with a
// Conflict error when the pod is already bound.
func (r *Resource[T]) Bind(ctx context.Context, b *corev1.Binding, opts CreateOptions) error {
	if b == nil {
		return fmt.Errorf("bind %s: binding is nil", r.info.Resource)
	}
	ns := r.ns
	if ns == "" {
		ns = b.Namespace
	} else if b.Namespace != "" && b.Namespace != ns {
		return fmt.Errorf("bind %s %q: the binding's namespace %q does not match the client's %q", r.info.Resource, b.Name, b.Namespace, ns)
	}
	p, err := r.Namespace(ns).objectPath("bind", b.Name, "binding")
	if err != nil {
		return err
	}
	body := *b
	if body.Kind == "" && body.APIVersion == "" {
		body.TypeMeta = metav1.TypeMeta{Kind: "Binding", APIVersion: "v1"}
	}
	data, err := json.Marshal(&body)
	if err != nil {
		return fmt.Errorf("bind %s %q: encode: %w", r.info.Resource, b.Name, err)
	}
	return r.c.doJSON(ctx, Request{Method: http.MethodPost, Path: p, Body: data, Query: writeQuery(opts.DryRun, opts.FieldManager, false)}, nil)
}

// GetScale reads the scale subresource of the object named name (GET
// {resource}/{name}/scale): its desired and observed replicas and its pod
// selector. Served for deployments, replica sets and stateful sets.
func (r *Resource[T]) GetScale(ctx context.Context, name string) (*autoscalingv1.Scale, error) {
	p, err := r.objectPath("get scale of", name, "scale")
	if err != nil {
		return nil, err
	}
	out := new(autoscalingv1.Scale)
	if err := r.c.doJSON(ctx, Request{Method: http.MethodGet, Path: p}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateScale sets the desired replicas of the object named name through
// its scale subresource (PUT {resource}/{name}/scale) and returns the scale
// as stored. A resourceVersion in scale's metadata guards the write as in
// Update.
func (r *Resource[T]) UpdateScale(ctx context.Context, name string, scale *autoscalingv1.Scale, opts UpdateOptions) (*autoscalingv1.Scale, error) {
	if scale == nil {
		return nil, fmt.Errorf("update scale of %s %q: scale is nil", r.info.Resource, name)
	}
	p, err := r.objectPath("update scale of", name, "scale")
	if err != nil {
		return nil, err
	}
	body := *scale
	if body.Kind == "" && body.APIVersion == "" {
		body.TypeMeta = metav1.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"}
	}
	if body.Name == "" {
		body.Name = name
	}
	if body.Namespace == "" {
		body.Namespace = r.ns
	}
	data, err := json.Marshal(&body)
	if err != nil {
		return nil, fmt.Errorf("update scale of %s %q: encode: %w", r.info.Resource, name, err)
	}
	out := new(autoscalingv1.Scale)
	if err := r.c.doJSON(ctx, Request{Method: http.MethodPut, Path: p, Body: data, Query: writeQuery(opts.DryRun, opts.FieldManager, false)}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// eviction is the body of a policy/v1 Eviction. Package api has no policy
// group yet, so the client carries the one shape it sends.
type eviction struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`
	DeleteOptions     *metav1.DeleteOptions `json:"deleteOptions,omitempty"`
}

// Evict asks the server to delete the pod named name if its disruption
// budgets allow (POST pods/{name}/eviction with a policy/v1 Eviction),
// with opts as the deletion's options (nil for the defaults). When a budget
// forbids it the server answers 429 (IsTooManyRequests): Evict does not
// retry that itself, so that the caller chooses when to try again. Served
// for pods only.
func (r *Resource[T]) Evict(ctx context.Context, name string, opts *metav1.DeleteOptions) error {
	p, err := r.objectPath("evict", name, "eviction")
	if err != nil {
		return err
	}
	data, err := json.Marshal(&eviction{
		TypeMeta:      metav1.TypeMeta{Kind: "Eviction", APIVersion: "policy/v1"},
		ObjectMeta:    metav1.ObjectMeta{Name: name, Namespace: r.ns},
		DeleteOptions: opts,
	})
	if err != nil {
		return fmt.Errorf("evict %s %q: encode: %w", r.info.Resource, name, err)
	}
	return r.c.doJSON(ctx, Request{Method: http.MethodPost, Path: p, Body: data, NoRetry: true}, nil)
}
