package defaults_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/defaults"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func TestObjectKnowsEveryKind(t *testing.T) {
	for _, k := range kinds {
		if !defaults.Object(k.new()) {
			t.Errorf("Object(&%s{}) = false, want true", k.kind)
		}
		typedNil := reflect.Zero(reflect.TypeOf(k.new())).Interface()
		if !defaults.Object(typedNil) {
			t.Errorf("Object((*%s)(nil)) = false, want true", k.kind)
		}
	}
}

func TestObjectUnknown(t *testing.T) {
	for _, obj := range []any{
		nil,
		corev1.Pod{}, // by value: cannot be modified
		appsv1.Deployment{},
		new(corev1.Container),
		new(corev1.PodSpec),
		new(metav1.Status),
		new(int),
		"Pod",
	} {
		if defaults.Object(obj) {
			t.Errorf("Object(%T) = true, want false", obj)
		}
	}
}

// TestObjectDispatches checks that Object applies the function named for
// the kind, and on Lists applies it to every item.
func TestObjectDispatches(t *testing.T) {
	for _, k := range kinds {
		obj := k.new()
		fill(obj)
		want := deepCopy(obj)
		callNamed(t, k.kind, want)
		defaults.Object(obj)
		if diff := cmp.Diff(want, obj); diff != "" {
			t.Errorf("Object(%s) differs from defaults.%s (-want +got):\n%s", k.kind, k.kind, diff)
		}
	}
}

// fill gives a List two zero items, so that dispatch to items shows.
func fill(obj any) {
	items := reflect.ValueOf(obj).Elem().FieldByName("Items")
	if items.IsValid() {
		items.Set(reflect.MakeSlice(items.Type(), 2, 2))
	}
}

// callNamed applies defaults.<kind> to obj, or for a List to each item;
// kinds without a function are left alone.
func callNamed(t *testing.T, kind string, obj any) {
	t.Helper()
	fns := map[string]any{
		"Pod": defaults.Pod, "Service": defaults.Service, "Endpoints": defaults.Endpoints,
		"Namespace": defaults.Namespace, "Node": defaults.Node, "Secret": defaults.Secret,
		"ConfigMap": defaults.ConfigMap, "PersistentVolume": defaults.PersistentVolume,
		"PersistentVolumeClaim": defaults.PersistentVolumeClaim, "LimitRange": defaults.LimitRange,
		"ResourceQuota": defaults.ResourceQuota, "Deployment": defaults.Deployment,
		"ReplicaSet": defaults.ReplicaSet, "DaemonSet": defaults.DaemonSet, "StatefulSet": defaults.StatefulSet,
		"HorizontalPodAutoscaler": defaults.HorizontalPodAutoscaler, "EndpointSlice": defaults.EndpointSlice,
		"NetworkPolicy": defaults.NetworkPolicy, "IngressClass": defaults.IngressClass,
		"RoleBinding": defaults.RoleBinding, "ClusterRoleBinding": defaults.ClusterRoleBinding,
		"PriorityClass": defaults.PriorityClass, "StorageClass": defaults.StorageClass,
		"CSIDriver": defaults.CSIDriver, "VolumeAttachment": defaults.VolumeAttachment,
	}
	v := reflect.ValueOf(obj)
	if items := v.Elem().FieldByName("Items"); items.IsValid() {
		fn, ok := fns[kind[:len(kind)-len("List")]]
		for i := range items.Len() {
			if ok {
				reflect.ValueOf(fn).Call([]reflect.Value{items.Index(i).Addr()})
			}
		}
		return
	}
	if fn, ok := fns[kind]; ok {
		reflect.ValueOf(fn).Call([]reflect.Value{v})
	}
}

// TestIdempotent checks that defaulting an already defaulted object changes
// nothing, for every kind, and that no object in the samples makes Object
// panic.
func TestIdempotent(t *testing.T) {
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			once := deepCopy(s.obj)
			if !defaults.Object(once) {
				t.Fatalf("Object(%T) = false, want true", once)
			}
			twice := deepCopy(once)
			defaults.Object(twice)
			if diff := cmp.Diff(once, twice); diff != "" {
				t.Errorf("defaulting twice differs from once (-once +twice):\n%s", diff)
			}
		})
	}
}

// TestKeepsUserValues checks that a field the user set, to any value other
// than its default, survives defaulting: objects with every defaulted field
// set come out unchanged.
func TestKeepsUserValues(t *testing.T) {
	for _, s := range fullySet() {
		t.Run(s.name, func(t *testing.T) {
			got := deepCopy(s.obj)
			defaults.Object(got)
			if diff := cmp.Diff(s.obj, got); diff != "" {
				t.Errorf("defaulting changed values the user set (-set +defaulted):\n%s", diff)
			}
		})
	}
}

// FuzzObject decodes arbitrary JSON into one of the kinds and checks that
// defaulting it does not panic and is idempotent.
func FuzzObject(f *testing.F) {
	for i, k := range kinds {
		f.Add(uint8(i), []byte(fmt.Sprintf(`{"apiVersion":%q,"kind":%q}`, k.apiVersion, k.kind)))
	}
	for _, s := range samples() {
		b, err := json.Marshal(s.obj)
		if err != nil {
			f.Fatal(err)
		}
		for i, k := range kinds {
			if reflect.TypeOf(k.new()) == reflect.TypeOf(s.obj) {
				f.Add(uint8(i), b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		k := kinds[int(which)%len(kinds)]
		obj := k.new()
		if err := json.Unmarshal(data, obj); err != nil {
			return
		}
		if !defaults.Object(obj) {
			t.Fatalf("Object(%s) = false", k.kind)
		}
		again := deepCopy(obj)
		defaults.Object(again)
		if diff := cmp.Diff(obj, again); diff != "" {
			t.Fatalf("defaulting %s twice differs from once (-once +twice):\n%s\ninput: %s", k.kind, diff, data)
		}
	})
}
