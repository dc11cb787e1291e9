package protobuf

import (
	"reflect"
	"strings"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// groups maps each api package to its API group; meta.k8s.io kinds
// (Status, DeleteOptions, ...) are also found under any apiVersion, as
// Kubernetes sends Status as "v1".
var groups = map[string]string{
	"core": "", "apps": "apps", "autoscaling": "autoscaling",
	"coordination": "coordination.k8s.io", "discovery": "discovery.k8s.io",
	"networking": "networking.k8s.io", "policy": "policy", "rbac": "rbac.authorization.k8s.io",
	"scheduling": "scheduling.k8s.io", "storage": "storage.k8s.io", "meta": "meta.k8s.io",
}

// kinds maps "apiVersion/kind" to the Go type of each top-level kind (a
// struct embedding metav1.TypeMeta) in the table.
var kinds = func() map[string]reflect.Type {
	tm := reflect.TypeFor[metav1.TypeMeta]()
	m := map[string]reflect.Type{}
	for t := range generatedFields {
		f, ok := t.FieldByName("TypeMeta")
		if !ok || f.Type != tm || !f.Anonymous {
			continue
		}
		const prefix = "github.com/rigging-dev/rigging/api/"
		gv := strings.TrimPrefix(t.PkgPath(), prefix)
		group, version, ok := strings.Cut(gv, "/")
		if !ok {
			continue
		}
		apiVersion := version
		if g := groups[group]; g != "" {
			apiVersion = g + "/" + version
		}
		m[apiVersion+"/"+t.Name()] = t
	}
	return m
}()

// New returns a pointer to a new zero object of the kind apiVersion/kind,
// and whether the kind is known. Kinds of meta.k8s.io/v1 (Status,
// DeleteOptions, ...) are known under any apiVersion that has no kind of
// that name.
func New(apiVersion, kind string) (any, bool) {
	t, ok := kinds[apiVersion+"/"+kind]
	if !ok {
		t, ok = kinds["meta.k8s.io/v1/"+kind]
	}
	if !ok {
		return nil, false
	}
	return reflect.New(t).Interface(), true
}
