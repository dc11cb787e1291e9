package validation_test

import (
	"strings"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/validation"
)

func validMeta() *metav1.ObjectMeta {
	return &metav1.ObjectMeta{
		Name:        "web",
		Namespace:   "shop",
		Labels:      map[string]string{"app": "web", "example.com/tier": "frontend"},
		Annotations: map[string]string{"example.com/owner": "team-a"},
		Finalizers:  []string{"example.com/cleanup", "kubernetes"},
		OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-1", UID: "u-1", Controller: ptr(true),
		}},
	}
}

func TestObjectMeta(t *testing.T) {
	validate := func(m *metav1.ObjectMeta) field.ErrorList {
		return validation.ObjectMeta(m, true, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
	}
	runMutations(t, validMeta, validate, []mutation[metav1.ObjectMeta]{
		{"name required", func(m *metav1.ObjectMeta) { m.Name = "" },
			[]string{"metadata.name: Required value: name or generateName is required"}},
		{"generateName without generated name", func(m *metav1.ObjectMeta) { m.Name, m.GenerateName = "", "web-" },
			[]string{"metadata.name: Required value: name or generateName is required"}},
		{"generateName may end with a dash", func(m *metav1.ObjectMeta) { m.GenerateName = "web-" }, nil},
		{"bad generateName", func(m *metav1.ObjectMeta) { m.GenerateName = "Web-" },
			[]string{`metadata.generateName: Invalid value: "Web-": ` + msgSub}},
		{"name not a subdomain", func(m *metav1.ObjectMeta) { m.Name = "Web_1" },
			[]string{`metadata.name: Invalid value: "Web_1": ` + msgSub}},
		{"name too long", func(m *metav1.ObjectMeta) { m.Name = strings.Repeat("a", 254) },
			[]string{`metadata.name: Invalid value: "` + strings.Repeat("a", 254) + `": must be no more than 253 characters`}},
		{"namespace required", func(m *metav1.ObjectMeta) { m.Namespace = "" },
			[]string{"metadata.namespace: Required value"}},
		{"namespace is a DNS label", func(m *metav1.ObjectMeta) { m.Namespace = "shop.eu" },
			[]string{`metadata.namespace: Invalid value: "shop.eu": must not contain dots`}},
		{"negative generation", func(m *metav1.ObjectMeta) { m.Generation = -1 },
			[]string{"metadata.generation: Invalid value: -1: must be greater than or equal to 0"}},
		{"label key", func(m *metav1.ObjectMeta) { m.Labels["-app"] = "x" },
			[]string{`metadata.labels: Invalid value: "-app": name part ` + msgQName}},
		{"label key prefix", func(m *metav1.ObjectMeta) { m.Labels["Example.com/app"] = "x" },
			[]string{`metadata.labels: Invalid value: "Example.com/app": prefix part ` + msgSub}},
		{"label value", func(m *metav1.ObjectMeta) { m.Labels["app"] = "web server" },
			[]string{`metadata.labels: Invalid value: "web server": ` + msgValue}},
		{"label value too long", func(m *metav1.ObjectMeta) { m.Labels["app"] = strings.Repeat("w", 64) },
			[]string{`metadata.labels: Invalid value: "` + strings.Repeat("w", 64) + `": must be no more than 63 characters`}},
		{"annotation key", func(m *metav1.ObjectMeta) { m.Annotations["a/b/c"] = "x" },
			[]string{`metadata.annotations: Invalid value: "a/b/c": a qualified name ` + msgQName + ` with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`}},
		{"annotation keys are compared in lower case", func(m *metav1.ObjectMeta) { m.Annotations["Example.com/Owner"] = "x" }, nil},
		{"annotations size", func(m *metav1.ObjectMeta) { m.Annotations["big"] = strings.Repeat("x", 256*1024) },
			[]string{"metadata.annotations: Too long: may not be more than 262144 bytes"}},
		{"owner reference fields required", func(m *metav1.ObjectMeta) { m.OwnerReferences = []metav1.OwnerReference{{}} },
			[]string{
				"metadata.ownerReferences[0].apiVersion: Required value: must not be empty",
				"metadata.ownerReferences[0].kind: Required value: must not be empty",
				"metadata.ownerReferences[0].name: Required value: must not be empty",
				"metadata.ownerReferences[0].uid: Required value: must not be empty",
			}},
		{"owner reference apiVersion", func(m *metav1.ObjectMeta) { m.OwnerReferences[0].APIVersion = "apps/v1/x" },
			[]string{`metadata.ownerReferences[0].apiVersion: Invalid value: "apps/v1/x": must be <group>/<version> or <version>`}},
		{"event owner", func(m *metav1.ObjectMeta) {
			m.OwnerReferences[0].APIVersion, m.OwnerReferences[0].Kind = "v1", "Event"
		}, []string{`metadata.ownerReferences[0]: Invalid value: {"apiVersion":"v1","kind":"Event","name":"web-1","uid":"u-1","controller":true}: /v1, Kind=Event is disallowed from being an owner`}},
		{"two controllers", func(m *metav1.ObjectMeta) {
			m.OwnerReferences = append(m.OwnerReferences, metav1.OwnerReference{APIVersion: "v1", Kind: "Node", Name: "n1", UID: "u-2", Controller: ptr(true)})
		}, []string{`metadata.ownerReferences: Invalid value: [{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-1","uid":"u-1","controller":true},{"apiVersion":"v1","kind":"Node","name":"n1","uid":"u-2","controller":true}]: ` +
			`Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/web-1 and Node/n1`}},
		{"finalizer not qualified", func(m *metav1.ObjectMeta) { m.Finalizers = []string{"example.com/a/b"} },
			[]string{`metadata.finalizers: Invalid value: "example.com/a/b": a qualified name ` + msgQName + ` with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`}},
		{"finalizer without domain", func(m *metav1.ObjectMeta) { m.Finalizers = []string{"cleanup"} },
			[]string{`metadata.finalizers[0]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified`}},
		{"orphan and foreground", func(m *metav1.ObjectMeta) { m.Finalizers = []string{"orphan", "foregroundDeletion"} },
			[]string{`metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set`}},
	})
}

func TestObjectMetaNamespaceForbidden(t *testing.T) {
	m := validMeta()
	checkErrors(t, []string{"metadata.namespace: Forbidden: not allowed on this type"},
		validation.ObjectMeta(m, false, nil, field.NewPath("metadata")))
	checkErrors(t, []string{"metadata.name: Required value: name or generateName is required", "metadata.namespace: Required value"},
		validation.ObjectMeta(nil, true, nil, field.NewPath("metadata")))
}

// TestNameRules checks which name rule each kind uses.
func TestNameRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		obj  any
		want []string
	}{
		{"namespace is a DNS label", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop.eu"}},
			[]string{`metadata.name: Invalid value: "shop.eu": must not contain dots`}},
		{"service is a DNS-1035 label", &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "1web", Namespace: "shop"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName, ExternalName: "example.com", SessionAffinity: corev1.ServiceAffinityNone}},
			[]string{`metadata.name: Invalid value: "1web": ` + msg1035}},
		{"config map is a DNS subdomain", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "web.config", Namespace: "shop"}}, nil},
		{"node is a DNS subdomain", &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "Node_1"}},
			[]string{`metadata.name: Invalid value: "Node_1": ` + msgSub}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs, ok := validation.Object(tc.obj)
			if !ok {
				t.Fatalf("Object(%T) is not known", tc.obj)
			}
			checkErrors(t, tc.want, errs)
		})
	}
}

func TestNameIsPathSegment(t *testing.T) {
	for name, want := range map[string][]string{
		"admin:view": nil,
		".":          {"may not be '.'"},
		"..":         {"may not be '..'"},
		"a/b%c":      {"may not contain '/'", "may not contain '%'"},
	} {
		checkStrings(t, want, validation.NameIsPathSegment(name, false))
	}
	checkStrings(t, nil, validation.NameIsPathSegment("..", true))
}

func checkStrings(t *testing.T, want, got []string) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("got %q, want %q", got, want)
		return
	}
	for i := range want {
		if want[i] != got[i] {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestObjectMetaUpdate(t *testing.T) {
	created := metav1.NewTime(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC))
	old := func() *metav1.ObjectMeta {
		m := validMeta()
		m.UID, m.ResourceVersion, m.CreationTimestamp, m.Generation = "uid-1", "7", created, 3
		return m
	}
	validate := func(m *metav1.ObjectMeta) field.ErrorList {
		return validation.ObjectMetaUpdate(m, old(), field.NewPath("metadata"))
	}
	runMutations(t, old, validate, []mutation[metav1.ObjectMeta]{
		{"labels may change", func(m *metav1.ObjectMeta) { m.Labels["app"] = "api" }, nil},
		{"name", func(m *metav1.ObjectMeta) { m.Name = "api" },
			[]string{`metadata.name: Invalid value: "api": field is immutable`}},
		{"namespace", func(m *metav1.ObjectMeta) { m.Namespace = "other" },
			[]string{`metadata.namespace: Invalid value: "other": field is immutable`}},
		{"uid", func(m *metav1.ObjectMeta) { m.UID = "uid-2" },
			[]string{`metadata.uid: Invalid value: "uid-2": field is immutable`}},
		{"creationTimestamp", func(m *metav1.ObjectMeta) { m.CreationTimestamp = metav1.NewTime(created.Add(time.Hour)) },
			[]string{`metadata.creationTimestamp: Invalid value: "2024-05-01T11:00:00Z": field is immutable`}},
		{"same instant in another zone", func(m *metav1.ObjectMeta) {
			m.CreationTimestamp = metav1.NewTime(created.In(time.FixedZone("X", 3600)))
		}, nil},
		{"resourceVersion", func(m *metav1.ObjectMeta) { m.ResourceVersion = "" },
			[]string{`metadata.resourceVersion: Invalid value: "": must be specified for an update`}},
		{"generation decremented", func(m *metav1.ObjectMeta) { m.Generation = 2 },
			[]string{`metadata.generation: Invalid value: 2: must not be decremented`}},
		{"invalid new label", func(m *metav1.ObjectMeta) { m.Labels["a b"] = "" },
			[]string{`metadata.labels: Invalid value: "a b": name part ` + msgQName}},
	})

	deleting := old()
	deleting.DeletionTimestamp = ptr(created)
	m := old()
	m.DeletionTimestamp = ptr(created)
	m.Finalizers = append(m.Finalizers, "example.com/new")
	checkErrors(t, []string{`metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/new"}`},
		validation.ObjectMetaUpdate(m, deleting, field.NewPath("metadata")))
}
