package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"

	"github.com/rigging-dev/rigging/api/jsoncodec"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/internal/jsontext"
)

// GroupVersionResource names a resource in the API: group ("" for the core
// group), version and plural resource name, as in URL paths.
type GroupVersionResource struct {
	Group    string
	Version  string
	Resource string
}

// String is "pods.v1" for the core group and "deployments.v1.apps"
// otherwise, as Kubernetes prints it.
func (g GroupVersionResource) String() string {
	if g.Group == "" {
		return g.Resource + "." + g.Version
	}
	return g.Resource + "." + g.Version + "." + g.Group
}

// APIVersion is the apiVersion of the resource's objects: "v1" or
// "apps/v1".
func (g GroupVersionResource) APIVersion() string {
	if g.Group == "" {
		return g.Version
	}
	return g.Group + "/" + g.Version
}

// ResourceInfo is what a client must know about a resource: where it is
// served, the kind of its objects, and whether they live in namespaces. The
// built-in resources have one each (Pods, Nodes, ...); describe your own
// resources with one to use NewResource.
type ResourceInfo struct {
	GroupVersionResource
	// Kind is the kind of the objects, such as "Pod".
	Kind string
	// Namespaced is true for resources whose objects live in namespaces.
	Namespaced bool
}

// Object is the constraint of the typed API: *T must be an API object, which
// it is when T embeds metav1.ObjectMeta.
type Object[T any] interface {
	*T
	metav1.Object
}

// List is a page of a list of T, in the JSON shape of every Kubernetes list
// kind (PodList, NodeList, ...): metadata.resourceVersion is the revision
// the list was read at, metadata.continue the token of the next page.
type List[T any] struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`
	Items           []T `json:"items"`
}

// Resource is a typed client for one resource: every verb of the
// Kubernetes REST API on objects of type T. Make one with NewResource or
// For, and scope it to a namespace with Namespace. A Resource is an
// immutable value: any goroutine may use it at once with others.
//
// Objects passed in are not modified; objects returned are new and the
// caller's. Every returned object has its kind and apiVersion set, even when
// the server left them out (as it does in list items).
type Resource[T any] struct {
	c    *Client
	info ResourceInfo
	ns   string
	meta func(*T) *metav1.ObjectMeta
	// typeMeta is the index path of T's embedded TypeMeta, or nil.
	typeMeta []int
	// inPlace is decodesInPlace[T]().
	inPlace bool
}

// NewResource returns a typed client for the resource info describes, whose
// objects are of type T, over c. The result is not scoped to a namespace:
// call Namespace for that.
func NewResource[T any, PT Object[T]](c *Client, info ResourceInfo) *Resource[T] {
	r := &Resource[T]{
		c:       c,
		info:    info,
		meta:    func(o *T) *metav1.ObjectMeta { return PT(o).GetObjectMeta() },
		inPlace: decodesInPlace[T](),
	}
	if f, ok := reflect.TypeFor[T]().FieldByName("TypeMeta"); ok && f.Type == reflect.TypeFor[metav1.TypeMeta]() {
		r.typeMeta = f.Index
	}
	return r
}

// Namespace returns a copy of r scoped to namespace ns: Get, Create,
// Update, Delete and the subresources act in ns, and List and Watch see
// only ns. "" (the default) means all namespaces for List and Watch, and
// the object's own namespace for Create and Update.
func (r *Resource[T]) Namespace(ns string) *Resource[T] {
	cp := *r
	cp.ns = ns
	return &cp
}

// Info returns the resource r is a client for.
func (r *Resource[T]) Info() ResourceInfo { return r.info }

// Client returns the client r sends requests through.
func (r *Resource[T]) Client() *Client { return r.c }

// NamespaceScope returns the namespace r is scoped to ("" for none).
func (r *Resource[T]) NamespaceScope() string { return r.ns }

// path is the URL path of the resource collection in ns, or of the object
// name in it, or of its subresource.
func (r *Resource[T]) path(ns, name string, subresource ...string) (string, error) {
	// Size the path up front: one allocation.
	n := len("/apis/") + len(r.info.Group) + 1 + len(r.info.Version) + len("/namespaces/") + len(ns) +
		1 + len(r.info.Resource) + 1 + len(name)
	for _, s := range subresource {
		n += 1 + len(s)
	}
	var b strings.Builder
	b.Grow(n)
	if r.info.Group == "" {
		b.WriteString("/api/")
		b.WriteString(r.info.Version)
	} else {
		b.WriteString("/apis/")
		b.WriteString(r.info.Group)
		b.WriteByte('/')
		b.WriteString(r.info.Version)
	}
	if ns != "" {
		if !r.info.Namespaced {
			return "", fmt.Errorf("%s is cluster-scoped, but namespace %q was given", r.info.GroupVersionResource, ns)
		}
		if err := validPathSegment("namespace", ns); err != nil {
			return "", err
		}
		b.WriteString("/namespaces/")
		b.WriteString(ns)
	}
	b.WriteByte('/')
	b.WriteString(r.info.Resource)
	if name != "" {
		if err := validPathSegment("name", name); err != nil {
			return "", err
		}
		b.WriteByte('/')
		b.WriteString(name)
	}
	for _, s := range subresource {
		if s == "" {
			continue
		}
		if err := validPathSegment("subresource", s); err != nil {
			return "", err
		}
		b.WriteByte('/')
		b.WriteString(s)
	}
	return b.String(), nil
}

// objectPath is the path of the named object in r's namespace, which must
// be set for namespaced resources.
func (r *Resource[T]) objectPath(verb, name string, subresource ...string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%s %s: %w", verb, r.info.Resource, errNoName)
	}
	if r.info.Namespaced && r.ns == "" {
		return "", fmt.Errorf("%s %s %q: %w", verb, r.info.Resource, name, errNoNamespace)
	}
	p, err := r.path(r.ns, name, subresource...)
	if err != nil {
		return "", fmt.Errorf("%s %s %q: %w", verb, r.info.Resource, name, err)
	}
	return p, nil
}

// pathFor is the path of obj (or of the collection it goes in, when
// collection is true), in r's namespace or else obj's own.
func (r *Resource[T]) pathFor(verb string, obj *T, collection bool, subresource ...string) (string, error) {
	if obj == nil {
		return "", fmt.Errorf("%s %s: object is nil", verb, r.info.Resource)
	}
	m := r.meta(obj)
	ns := r.ns
	if r.info.Namespaced {
		switch {
		case ns == "":
			ns = m.Namespace
		case m.Namespace != "" && m.Namespace != ns:
			return "", fmt.Errorf("%s %s %q: the object's namespace %q does not match the client's %q",
				verb, r.info.Resource, m.Name, m.Namespace, ns)
		}
		if ns == "" {
			return "", fmt.Errorf("%s %s %q: %w", verb, r.info.Resource, m.Name, errNoNamespace)
		}
	} else if m.Namespace != "" || ns != "" {
		return "", fmt.Errorf("%s %s %q: %s is cluster-scoped, but namespace %q was given",
			verb, r.info.Resource, m.Name, r.info.GroupVersionResource, m.Namespace+ns)
	}
	name := m.Name
	if collection {
		name = ""
	} else if name == "" {
		return "", fmt.Errorf("%s %s: %w", verb, r.info.Resource, errNoName)
	}
	p, err := r.path(ns, name, subresource...)
	if err != nil {
		return "", fmt.Errorf("%s %s %q: %w", verb, r.info.Resource, m.Name, err)
	}
	return p, nil
}

// encode marshals obj with its kind and apiVersion filled in when empty,
// without modifying obj, into a pooled buffer (see encoded) that the
// caller must release, or hand to send.
func (r *Resource[T]) encode(obj *T) (*encoded, error) {
	cp := *obj // shallow: only TypeMeta is changed
	r.setTypeMeta(&cp)
	return encode(&cp)
}

// setTypeMeta fills in obj's kind and apiVersion when they are empty.
func (r *Resource[T]) setTypeMeta(obj *T) {
	if r.typeMeta == nil {
		return
	}
	tm := reflect.ValueOf(obj).Elem().FieldByIndex(r.typeMeta).Addr().Interface().(*metav1.TypeMeta)
	if tm.Kind == "" && tm.APIVersion == "" {
		tm.Kind = r.info.Kind
		tm.APIVersion = r.info.APIVersion()
	}
}

// decode unmarshals an object of r's kind.
func (r *Resource[T]) decode(data []byte) (*T, error) {
	obj := new(T)
	if err := jsoncodec.Unmarshal(data, obj); err != nil {
		return nil, err
	}
	r.setTypeMeta(obj)
	return obj, nil
}

// decodeFrom decodes the next value of d as an object of r's kind, in
// place when T's generated code allows (decodesInPlace); it returns nil
// when the generated code, or encoding/json, fails or is unsure.
func (r *Resource[T]) decodeFrom(d *jsontext.Decoder) *T {
	obj := new(T)
	if !decodeValue(d, obj, r.inPlace) {
		return nil
	}
	r.setTypeMeta(obj)
	return obj
}

// send does a request whose response is an object of type T. When enc
// is not nil, req.Body is its buffer, and send releases it.
func (r *Resource[T]) send(ctx context.Context, req Request, enc *encoded) (*T, error) {
	out := new(T)
	if err := r.c.doJSONEncoded(ctx, req, enc, out); err != nil {
		return nil, err
	}
	r.setTypeMeta(out)
	return out, nil
}

// Get returns the object named name in r's namespace.
func (r *Resource[T]) Get(ctx context.Context, name string, opts GetOptions) (*T, error) {
	p, err := r.objectPath("get", name)
	if err != nil {
		return nil, err
	}
	var q url.Values
	setString(&q, "resourceVersion", opts.ResourceVersion)
	return r.send(ctx, Request{Method: http.MethodGet, Path: p, Query: q}, nil)
}

// List returns the objects in r's namespace (all namespaces when r has none)
// that opts selects: one page of them when opts.Limit is set.
func (r *Resource[T]) List(ctx context.Context, opts ListOptions) (*List[T], error) {
	p, err := r.path(r.ns, "")
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", r.info.Resource, err)
	}
	out := new(List[T])
	if err := r.c.doJSON(ctx, Request{Method: http.MethodGet, Path: p, Query: opts.query()}, out); err != nil {
		return nil, err
	}
	for i := range out.Items {
		r.setTypeMeta(&out.Items[i])
	}
	if out.Kind == "" {
		out.Kind = r.info.Kind + "List"
		out.APIVersion = r.info.APIVersion()
	}
	return out, nil
}

// Create creates obj in r's namespace, or in obj's own when r has none, and
// returns the object as stored (with uid, resourceVersion and
// creationTimestamp). obj's metadata.name, or generateName, must be set.
func (r *Resource[T]) Create(ctx context.Context, obj *T, opts CreateOptions) (*T, error) {
	p, err := r.pathFor("create", obj, true)
	if err != nil {
		return nil, err
	}
	enc, err := r.encode(obj)
	if err != nil {
		return nil, fmt.Errorf("create %s %q: encode: %w", r.info.Resource, r.meta(obj).Name, err)
	}
	return r.send(ctx, Request{Method: http.MethodPost, Path: p, Query: writeQuery(opts.DryRun, opts.FieldManager, false), Body: enc.buf}, enc)
}

// Update replaces obj (named by its metadata) and returns it as stored. The
// status is not changed by Update; use UpdateStatus. When obj carries a
// resourceVersion, the server fails with a Conflict error (IsConflict) if
// the object changed since then.
func (r *Resource[T]) Update(ctx context.Context, obj *T, opts UpdateOptions) (*T, error) {
	return r.update(ctx, "update", obj, opts)
}

// UpdateStatus replaces the status of obj through the status subresource,
// and returns the object as stored; it is guarded by resourceVersion as
// Update is.
func (r *Resource[T]) UpdateStatus(ctx context.Context, obj *T, opts UpdateOptions) (*T, error) {
	return r.update(ctx, "update status of", obj, opts, "status")
}

func (r *Resource[T]) update(ctx context.Context, verb string, obj *T, opts UpdateOptions, subresource ...string) (*T, error) {
	p, err := r.pathFor(verb, obj, false, subresource...)
	if err != nil {
		return nil, err
	}
	enc, err := r.encode(obj)
	if err != nil {
		return nil, fmt.Errorf("%s %s %q: encode: %w", verb, r.info.Resource, r.meta(obj).Name, err)
	}
	return r.send(ctx, Request{Method: http.MethodPut, Path: p, Query: writeQuery(opts.DryRun, opts.FieldManager, false), Body: enc.buf}, enc)
}

// Patch applies data, a patch of type pt, to the object named name (or to
// its subresource, such as "status") and returns the object as stored.
func (r *Resource[T]) Patch(ctx context.Context, name string, pt PatchType, data []byte, opts PatchOptions, subresource ...string) (*T, error) {
	p, err := r.objectPath("patch", name, subresource...)
	if err != nil {
		return nil, err
	}
	if pt == "" {
		return nil, fmt.Errorf("patch %s %q: patch type is empty", r.info.Resource, name)
	}
	if data == nil {
		data = []byte{}
	}
	return r.send(ctx, Request{
		Method: http.MethodPatch, Path: p, Body: data, ContentType: string(pt),
		Query: writeQuery(opts.DryRun, opts.FieldManager, opts.Force),
	}, nil)
}

// Delete deletes the object named name. opts may carry preconditions (uid,
// resourceVersion: Conflict when they fail), a grace period and the
// propagation policy for dependents. An object with finalizers, or one
// deleted gracefully, is only marked for deletion (deletionTimestamp set)
// and goes when they are done; Delete returns once the server has accepted
// the request.
func (r *Resource[T]) Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error {
	p, err := r.objectPath("delete", name)
	if err != nil {
		return err
	}
	body, err := json.Marshal(&opts)
	if err != nil {
		return fmt.Errorf("delete %s %q: encode options: %w", r.info.Resource, name, err)
	}
	return r.c.doJSON(ctx, Request{Method: http.MethodDelete, Path: p, Body: body}, nil)
}

// DeleteCollection deletes every object in r's namespace that listOpts
// selects, each as Delete would with opts. r must be scoped to a namespace
// for namespaced resources, as Kubernetes serves no cross-namespace delete.
func (r *Resource[T]) DeleteCollection(ctx context.Context, opts metav1.DeleteOptions, listOpts ListOptions) error {
	if r.info.Namespaced && r.ns == "" {
		return fmt.Errorf("delete collection of %s: %w", r.info.Resource, errNoNamespace)
	}
	p, err := r.path(r.ns, "")
	if err != nil {
		return fmt.Errorf("delete collection of %s: %w", r.info.Resource, err)
	}
	body, err := json.Marshal(&opts)
	if err != nil {
		return fmt.Errorf("delete collection of %s: encode options: %w", r.info.Resource, err)
	}
	return r.c.doJSON(ctx, Request{Method: http.MethodDelete, Path: p, Query: listOpts.query(), Body: body}, nil)
}
