// Package protobuf encodes the api packages' objects in Kubernetes'
// Protocol Buffers wire format, the one kubectl and client-go send with
// Content-Type application/vnd.kubernetes.protobuf.
//
// Start with [Marshal] and [Unmarshal], which encode and decode the object
// message of one object (a Pod, a DeploymentList, a Status), and with
// [EncodeEnvelope] and [DecodeEnvelope], which wrap that message the way
// Kubernetes sends it over HTTP: the four bytes "k8s\x00" followed by a
// runtime.Unknown message naming the apiVersion and kind.
//
// The encoding works by reflection over the api structs, guided by a table
// of field numbers (zz_generated.fields.go) that internal/gen copies from
// the protobuf struct tags of Kubernetes' own Go types, taking the wire
// kinds from their generated.proto (a few tags contradict it, such as
// PodSpec.priority, tagged "bytes" but an int32). It follows the
// gogo-protobuf conventions of Kubernetes' generated code: proto2 fields,
// scalars and non-pointer messages always written, pointers written when
// non-nil, repeated scalars unpacked, maps as repeated {key=1, value=2}
// entries in key order, metav1.Verbs as a message {items=1}, metav1.Time as {seconds=1, nanos=2} with whole
// seconds, resource.Quantity as {string=1}, intstr.IntOrString as
// {type=1, intVal=2, strVal=3}, and opaque JSON (runtime.RawExtension) as
// {raw=1}.
//
// Fields of ours with no Kubernetes counterpart are not encoded; the
// generated file lists them.
package protobuf

//go:generate go run ./internal/gen -api /work/.mirror/kubernetes+api/repo -apimachinery /work/.mirror/kubernetes+apimachinery/repo -ours .. -out zz_generated.fields.go
