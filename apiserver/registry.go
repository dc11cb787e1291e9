package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rigging-dev/rigging/api/fields"
	"github.com/rigging-dev/rigging/api/jsoncodec"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/names"
	"github.com/rigging-dev/rigging/apiserver/patch"
)

// Resource names a kind served by the Server and says how it is addressed:
// its group and version, its kind, the plural that appears in URLs, and its
// scope. Only Version, Kind and Plural are required; Singular defaults to
// the lower-cased Kind.
type Resource struct {
	// Group is the API group ("apps"); empty for the core group, served
	// under /api/v1.
	Group string
	// Version is the API version ("v1").
	Version string
	// Kind is the kind ("Deployment"); its list kind is Kind+"List".
	Kind string
	// Plural is the lower-case plural used in URLs ("deployments").
	Plural string
	// Singular is the lower-case singular ("deployment"); default: Kind
	// lower-cased.
	Singular string
	// ShortNames are kubectl abbreviations ("deploy").
	ShortNames []string
	// Categories group resources for kubectl ("all").
	Categories []string
	// Namespaced says whether objects live in a namespace; false for
	// cluster-scoped kinds such as Node.
	Namespaced bool
}

// APIVersion returns "group/version", or "version" for the core group.
func (r Resource) APIVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// resource is one registered resource: its names, its strategy with the
// types erased, its store prefix and its watch cache. It is immutable after
// Register except for cache, which Start sets once.
type resource struct {
	info Resource
	// qualifiedResource is "pods" or "deployments.apps", as messages print it.
	qualifiedResource string
	// qualifiedKind is "Pod" or "Deployment.apps".
	qualifiedKind string
	// prefix is "/registry/<group or core>/<plural>/".
	prefix string
	typ    reflect.Type // the struct type T
	// typeMeta, objectMeta and status are field indexes in typ (status -1
	// when the kind has none); spec lists the other fields.
	typeMeta, status int
	spec             []int
	// tm is the apiVersion and kind every object of the resource carries.
	tm metav1.TypeMeta
	// spliceRV says whether the JSON of an object with a resourceVersion
	// can be made from its JSON without one (withResourceVersion): the
	// kind's metadata is encoded by encoding/json as the "metadata" member.
	// spliceOff turns that off for good when a check found it wrong.
	spliceRV  bool
	spliceOff atomic.Bool
	// spliceChecked is set once the first splice was checked against
	// encoding/json.
	spliceChecked atomic.Bool
	st            erasedStrategy
	// leases hands out the leases of writes when the strategy has a TTL;
	// nil otherwise. deletes is then the deletion ledger (expiry.go).
	leases  *leaseManager
	deletes *deleteLedger
	// fieldKeys are the fields a field selector may name, sorted.
	fieldKeys []string
	cache     *watchCache
	// lastWrite is the highest store revision this server has written for
	// the resource; admission lookups wait for the cache to reach it, so
	// that a server reads its own writes (see lookupObject).
	lastWrite atomic.Int64
	// holdsDeletion, when set, reports whether obj has pending
	// finalization beyond metadata.finalizers (a namespace's
	// spec.finalizers); onDeletion marks an object whose deletion began.
	holdsDeletion func(obj metav1.Object) bool
	onDeletion    func(obj metav1.Object)
	// prepareHook, when set, completes an object being created (old nil)
	// or updated through the main resource, after the strategy's
	// PrepareFor* (quota admission computes a ResourceQuota's status).
	prepareHook func(ctx context.Context, obj, old metav1.Object) error
	// beginWrite, when set, runs just before an object is written over old
	// (nil on create), after validation: services get their cluster IP
	// and node ports. commit runs after the write, rollback if it fails.
	beginWrite func(ctx context.Context, obj, old metav1.Object, dryRun bool) (commit, rollback func(), err error)
	// releaseAll, when set, runs after an object was removed.
	releaseAll func(ctx context.Context, obj metav1.Object)
	// schema is the strategic merge patch schema, built once on first use.
	schemaOnce sync.Once
	schema     patch.Schema
}

// held reports whether obj's deletion waits for finalizers.
func (r *resource) held(obj metav1.Object) bool {
	return len(obj.GetObjectMeta().Finalizers) > 0 || (r.holdsDeletion != nil && r.holdsDeletion(obj))
}

// key returns the store key of an object.
func (r *resource) key(namespace, name string) string {
	if r.info.Namespaced {
		return r.prefix + namespace + "/" + name
	}
	return r.prefix + name
}

// listPrefix returns the store prefix of the objects in namespace, or of
// all of them when namespace is empty.
func (r *resource) listPrefix(namespace string) string {
	if r.info.Namespaced && namespace != "" {
		return r.prefix + namespace + "/"
	}
	return r.prefix
}

// newObject returns a new zero object of the kind.
func (r *resource) newObject() metav1.Object {
	return reflect.New(r.typ).Interface().(metav1.Object)
}

// setTypeMeta sets apiVersion and kind on obj.
func (r *resource) setTypeMeta(obj metav1.Object) {
	*r.typeMetaPtr(obj) = r.tm
}

// typeMetaOf returns obj's apiVersion and kind.
func (r *resource) typeMetaOf(obj metav1.Object) metav1.TypeMeta {
	return *r.typeMetaPtr(obj)
}

// typeMetaPtr returns the address of obj's TypeMeta.
func (r *resource) typeMetaPtr(obj metav1.Object) *metav1.TypeMeta {
	return reflect.ValueOf(obj).Elem().Field(r.typeMeta).Addr().Interface().(*metav1.TypeMeta)
}

// decode decodes a stored value and sets its resourceVersion to rev and
// its apiVersion and kind.
func (r *resource) decode(value []byte, rev int64) (metav1.Object, error) {
	obj := r.newObject()
	if err := jsoncodec.Unmarshal(value, obj); err != nil {
		return nil, fmt.Errorf("decode stored %s: %w", r.info.Kind, err)
	}
	r.setTypeMeta(obj)
	obj.GetObjectMeta().ResourceVersion = strconv.FormatInt(rev, 10)
	return obj, nil
}

// encodeForStore encodes obj as stored: with apiVersion and kind, without
// resourceVersion. obj's resourceVersion is cleared.
func (r *resource) encodeForStore(obj metav1.Object) ([]byte, error) {
	r.setTypeMeta(obj)
	obj.GetObjectMeta().ResourceVersion = ""
	b, err := jsoncodec.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", r.info.Kind, err)
	}
	return b, nil
}

// copyObject returns a deep copy of obj, through JSON.
func (r *resource) copyObject(obj metav1.Object) (metav1.Object, error) {
	b, err := jsoncodec.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("copy %s: %w", r.info.Kind, err)
	}
	out := r.newObject()
	if err := jsoncodec.Unmarshal(b, out); err != nil {
		return nil, fmt.Errorf("copy %s: %w", r.info.Kind, err)
	}
	return out, nil
}

// hasStatus reports whether the kind has a status (and so a status
// subresource).
func (r *resource) hasStatus() bool { return r.status >= 0 }

// copyStatus sets dst's status to src's (a shallow copy).
func (r *resource) copyStatus(dst, src metav1.Object) {
	if r.status < 0 {
		return
	}
	reflect.ValueOf(dst).Elem().Field(r.status).Set(reflect.ValueOf(src).Elem().Field(r.status))
}

// resetStatus sets obj's status to its zero value.
func (r *resource) resetStatus(obj metav1.Object) {
	if r.status < 0 {
		return
	}
	f := reflect.ValueOf(obj).Elem().Field(r.status)
	f.Set(reflect.Zero(f.Type()))
}

// copySpec sets every field of dst other than metadata and status to src's
// (shallow copies).
func (r *resource) copySpec(dst, src metav1.Object) {
	d, s := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	for _, i := range r.spec {
		d.Field(i).Set(s.Field(i))
	}
}

// specEqual reports whether a and b agree on every field other than
// metadata and status, compared in their JSON form. Fields that are deeply
// equal (the usual case of a status update, whose spec is the stored
// one's) encode alike and are not encoded; the others are encoded with
// the generated code when their type has it.
func (r *resource) specEqual(a, b metav1.Object) bool {
	av, bv := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	for _, i := range r.spec {
		x, y := av.Field(i), bv.Field(i)
		// Pointers, so that the fields are not copied to be compared.
		if reflect.DeepEqual(x.Addr().Interface(), y.Addr().Interface()) {
			continue
		}
		if !jsonEqual(x, y) {
			return false
		}
	}
	return true
}

// specBufs holds the pairs of buffers jsonEqual encodes into.
var specBufs = sync.Pool{New: func() any { return new([2][]byte) }}

// jsonEqual reports whether two addressable values of one type have the
// same JSON encoding (false when either cannot be encoded).
func jsonEqual(x, y reflect.Value) bool {
	px, py := x.Addr().Interface(), y.Addr().Interface()
	if _, ok := jsoncodec.As(px); !ok {
		a, err1 := json.Marshal(x.Interface())
		b, err2 := json.Marshal(y.Interface())
		return err1 == nil && err2 == nil && string(a) == string(b)
	}
	bufs := specBufs.Get().(*[2][]byte)
	var err1, err2 error
	bufs[0], err1 = jsoncodec.Append(bufs[0][:0], px)
	bufs[1], err2 = jsoncodec.Append(bufs[1][:0], py)
	eq := err1 == nil && err2 == nil && string(bufs[0]) == string(bufs[1])
	if cap(bufs[0]) <= 1<<20 && cap(bufs[1]) <= 1<<20 {
		specBufs.Put(bufs)
	}
	return eq
}

// selectableFields returns the field selector set of obj: metadata.name,
// metadata.namespace (for namespaced kinds) and the strategy's fields,
// which take precedence.
func (r *resource) selectableFields(obj metav1.Object) objectFields {
	m := obj.GetObjectMeta()
	f := objectFields{name: m.Name, namespace: m.Namespace, namespaced: r.info.Namespaced}
	if r.st.fields != nil {
		f.strategy = r.st.fields(obj)
	}
	return f
}

// objectFields are the selectable fields of one object, without copying
// the strategy's set into another map. Readers use a pointer to it (it is
// read through the fields.Fields interface).
type objectFields struct {
	name, namespace string
	namespaced      bool
	strategy        fields.Set // read only
	// packed holds the strategy's fields instead of strategy in a packed
	// cached object (see watchcache_packed.go).
	packed flatSet
}

var _ fields.Fields = (*objectFields)(nil)

// Has reports whether the field is selectable.
func (f *objectFields) Has(field string) bool {
	if _, ok := f.strategy[field]; ok {
		return true
	}
	if f.packed.Has(field) {
		return true
	}
	return field == "metadata.name" || (f.namespaced && field == "metadata.namespace")
}

// Get returns the field's value, "" when it has none.
func (f *objectFields) Get(field string) string {
	if v, ok := f.strategy[field]; ok {
		return v
	}
	if v, ok := f.packed.lookup(field); ok {
		return v
	}
	switch {
	case field == "metadata.name":
		return f.name
	case f.namespaced && field == "metadata.namespace":
		return f.namespace
	}
	return ""
}

// groupVersion is the resources of one group version.
type groupVersion struct {
	group, version string
	resources      []*resource // in registration order
	byPlural       map[string]*resource
}

// path returns "/api/v1" or "/apis/<group>/<version>".
func (gv *groupVersion) path() string {
	if gv.group == "" {
		return "/api/" + gv.version
	}
	return "/apis/" + gv.group + "/" + gv.version
}

// errRegisterAfterStart is returned by Register once the server started.
var errRegisterAfterStart = errors.New("apiserver: Register after Start")

// Register adds a kind to s: objects of the Go type T, served at r's REST
// paths, stored as JSON under "/registry/<group or core>/<plural>/", with
// the behaviour st describes (the zero Strategy is the generic one; see
// Strategy). T must be a struct that embeds metav1.TypeMeta and
// metav1.ObjectMeta; a top-level field tagged json:"status" makes the
// status subresource, and every other field is the spec whose changes
// raise metadata.generation.
//
// Register must be called before Start and before the server serves any
// request; it fails when r is incomplete, when its plural or kind is
// already registered in its group version, or when T is not such a
// struct. It is not safe to call concurrently with itself or ServeHTTP.
func Register[T any, PT interface {
	*T
	metav1.Object
}](s *Server, r Resource, st Strategy[PT]) error {
	typ := reflect.TypeFor[T]()
	res, err := newResource(r, typ)
	if err != nil {
		return err
	}
	res.st = st.erase()
	switch {
	case st.TTL < 0:
		return fmt.Errorf("apiserver: register %s: negative TTL %v", r.Kind, st.TTL)
	case st.TTL > 0:
		res.leases = newLeaseManager(st.TTL)
		res.deletes = newDeleteLedger()
	}
	if res.st.fields != nil {
		for k := range res.st.fields(PT(new(T))) {
			res.fieldKeys = append(res.fieldKeys, k)
		}
	}
	res.fieldKeys = append(res.fieldKeys, "metadata.name")
	if r.Namespaced {
		res.fieldKeys = append(res.fieldKeys, "metadata.namespace")
	}
	slices.Sort(res.fieldKeys)
	res.fieldKeys = slices.Compact(res.fieldKeys)
	return s.add(res)
}

// newResource checks r and T and derives the names and field indexes.
func newResource(r Resource, typ reflect.Type) (*resource, error) {
	if r.Version == "" || r.Kind == "" || r.Plural == "" {
		return nil, fmt.Errorf("apiserver: register %+v: Version, Kind and Plural are required", r)
	}
	for _, s := range []string{r.Plural, r.Version} {
		if msgs := names.IsDNS1123Label(s); len(msgs) > 0 {
			return nil, fmt.Errorf("apiserver: register %s: %q: %s", r.Kind, s, strings.Join(msgs, "; "))
		}
	}
	if r.Group != "" {
		if msgs := names.IsDNS1123Subdomain(r.Group); len(msgs) > 0 {
			return nil, fmt.Errorf("apiserver: register %s: group %q: %s", r.Kind, r.Group, strings.Join(msgs, "; "))
		}
	}
	if r.Singular == "" {
		r.Singular = strings.ToLower(r.Kind)
	}
	if typ.Kind() != reflect.Struct {
		return nil, fmt.Errorf("apiserver: register %s: type %v is not a struct", r.Kind, typ)
	}
	res := &resource{info: r, typ: typ, typeMeta: -1, status: -1}
	res.tm = metav1.TypeMeta{APIVersion: r.APIVersion(), Kind: r.Kind}
	objectMeta := -1
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		switch {
		case f.Type == reflect.TypeFor[metav1.TypeMeta]() && f.Anonymous:
			res.typeMeta = i
		case f.Type == reflect.TypeFor[metav1.ObjectMeta]() && f.Anonymous:
			objectMeta = i
			res.spliceRV = jsonName(f) == "metadata"
		case jsonName(f) == "status":
			res.status = i
		case f.IsExported() && jsonName(f) != "-":
			res.spec = append(res.spec, i)
		}
	}
	if res.typeMeta < 0 || objectMeta < 0 {
		return nil, fmt.Errorf("apiserver: register %s: type %v must embed metav1.TypeMeta and metav1.ObjectMeta", r.Kind, typ)
	}
	marshaler := reflect.TypeFor[json.Marshaler]()
	if typ.Implements(marshaler) || reflect.PointerTo(typ).Implements(marshaler) {
		res.spliceRV = false
	}
	storageGroup := r.Group
	res.qualifiedResource, res.qualifiedKind = r.Plural, r.Kind
	if r.Group == "" {
		storageGroup = "core"
	} else {
		res.qualifiedResource += "." + r.Group
		res.qualifiedKind += "." + r.Group
	}
	res.prefix = "/registry/" + storageGroup + "/" + r.Plural + "/"
	return res, nil
}

// jsonName returns the JSON name of a struct field.
func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	if name, _, _ := strings.Cut(tag, ","); name != "" {
		return name
	}
	return f.Name
}

// add registers res with s.
func (s *Server) add(res *resource) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errRegisterAfterStart
	}
	gvKey := res.info.APIVersion()
	gv := s.groupVersions[gvKey]
	if gv == nil {
		gv = &groupVersion{group: res.info.Group, version: res.info.Version, byPlural: map[string]*resource{}}
		s.groupVersions[gvKey] = gv
		s.gvOrder = append(s.gvOrder, gvKey)
	}
	if gv.byPlural[res.info.Plural] != nil {
		return fmt.Errorf("apiserver: register %s: resource %q already registered in %s", res.info.Kind, res.info.Plural, gvKey)
	}
	for _, o := range gv.resources {
		if o.info.Kind == res.info.Kind {
			return fmt.Errorf("apiserver: register %s: kind already registered in %s as %q", res.info.Kind, gvKey, o.info.Plural)
		}
	}
	for _, o := range s.resources {
		if o.prefix == res.prefix {
			return fmt.Errorf("apiserver: register %s: store prefix %q already used by %s", res.info.Kind, res.prefix, o.info.APIVersion())
		}
	}
	gv.resources = append(gv.resources, res)
	gv.byPlural[res.info.Plural] = res
	s.resources = append(s.resources, res)
	gp := groupPlural{res.info.Group, res.info.Plural}
	if s.byGroupPlural[gp] == nil {
		s.byGroupPlural[gp] = res
	}
	return nil
}

// groupPlural names a resource across its versions.
type groupPlural struct{ group, plural string }

// lookup returns the resource with the given group and plural (the
// version registered first), or nil.
func (s *Server) lookup(group, plural string) *resource {
	return s.byGroupPlural[groupPlural{group, plural}]
}
