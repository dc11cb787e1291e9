package events

import (
	"errors"
	"fmt"
	"reflect"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
	"github.com/rigging-dev/rigging/client"
)

// kinds maps the Go types of the built-in kinds that events are usually
// about to their resources, for objects whose TypeMeta is empty. It is
// built once and only read afterwards.
var kinds = map[reflect.Type]client.ResourceInfo{}

func addKind[T any]() {
	if info, ok := client.InfoFor[T](); ok {
		kinds[reflect.TypeFor[T]()] = info
	}
}

func init() {
	addKind[corev1.Pod]()
	addKind[corev1.Node]()
	addKind[corev1.Namespace]()
	addKind[corev1.Service]()
	addKind[corev1.Endpoints]()
	addKind[corev1.ConfigMap]()
	addKind[corev1.Secret]()
	addKind[corev1.ServiceAccount]()
	addKind[corev1.PersistentVolume]()
	addKind[corev1.PersistentVolumeClaim]()
	addKind[corev1.ResourceQuota]()
	addKind[appsv1.Deployment]()
	addKind[appsv1.ReplicaSet]()
	addKind[appsv1.StatefulSet]()
	addKind[appsv1.DaemonSet]()
	addKind[discoveryv1.EndpointSlice]()
	addKind[storagev1.StorageClass]()
	addKind[storagev1.VolumeAttachment]()
	addKind[networkingv1.Ingress]()
	addKind[autoscalingv2.HorizontalPodAutoscaler]()
}

// Reference returns the reference to obj that an Event's involvedObject
// holds: kind and apiVersion (from obj's TypeMeta, or else from its Go
// type when it is one of the common built-in kinds), namespace, name, uid
// and resourceVersion, and the field path WithFieldPath gave. It fails when obj is nil, has no name, or its kind
// is unknown.
func Reference(obj metav1.Object) (corev1.ObjectReference, error) {
	if f, ok := obj.(fieldPathObject); ok {
		ref, err := Reference(f.Object)
		ref.FieldPath = f.path
		return ref, err
	}
	if isNil(obj) {
		return corev1.ObjectReference{}, errors.New("event reference: nil object")
	}
	m := obj.GetObjectMeta()
	if m.Name == "" {
		return corev1.ObjectReference{}, fmt.Errorf("event reference: %T has no name", obj)
	}
	kind, apiVersion := typeMeta(obj)
	if kind == "" {
		info, ok := kinds[reflect.TypeOf(obj).Elem()]
		if !ok {
			return corev1.ObjectReference{}, fmt.Errorf("event reference to %s: %T has no kind in its TypeMeta and is not a known kind", m.Name, obj)
		}
		kind, apiVersion = info.Kind, info.APIVersion()
	}
	return corev1.ObjectReference{
		Kind: kind, APIVersion: apiVersion, Namespace: m.Namespace, Name: m.Name,
		UID: m.UID, ResourceVersion: m.ResourceVersion,
	}, nil
}

// isNil reports whether obj is nil or a nil pointer.
func isNil(obj metav1.Object) bool {
	if obj == nil {
		return true
	}
	v := reflect.ValueOf(obj)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// fieldPathObject is an object with the field path of a part of it.
type fieldPathObject struct {
	metav1.Object
	path string
}

// WithFieldPath returns obj for a Recorder, with fieldPath (such as
// "spec.containers{app}", naming a container of a pod) set in the
// event's involvedObject.fieldPath.
func WithFieldPath(obj metav1.Object, fieldPath string) metav1.Object {
	return fieldPathObject{Object: obj, path: fieldPath}
}

// typeMeta returns the kind and apiVersion of obj's embedded TypeMeta, if
// it has one.
func typeMeta(obj metav1.Object) (kind, apiVersion string) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return "", ""
	}
	f := v.Elem().FieldByName("TypeMeta")
	if !f.IsValid() || f.Type() != reflect.TypeFor[metav1.TypeMeta]() {
		return "", ""
	}
	tm := f.Interface().(metav1.TypeMeta)
	return tm.Kind, tm.APIVersion
}
