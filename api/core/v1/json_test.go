package v1_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/intstr"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func ptr[T any](v T) *T { return &v }

// TestEncode pins the JSON that Kubernetes writes for the fields whose
// tags are unusual: absent zero structs, fields without omitempty that
// encode zero values or null, inlined structs, and odd key names.
func TestEncode(t *testing.T) {
	at := metav1.NewTime(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC))
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"zero Pod has no metadata, spec or status", corev1.Pod{}, `{}`},
		{"zero PodList keeps items", corev1.PodList{}, `{"items":null}`},
		{"zero PodTemplateSpec", corev1.PodTemplateSpec{}, `{}`},
		{"zero PodSpec keeps containers", corev1.PodSpec{}, `{"containers":null}`},
		{
			"TypeMeta is inlined",
			corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}},
			`{"kind":"Namespace","apiVersion":"v1"}`,
		},
		{
			"Event metadata and reporting fields have no omitempty",
			corev1.Event{},
			`{"metadata":{},"involvedObject":{},"reportingComponent":"","reportingInstance":""}`,
		},
		{"Binding target is required", corev1.Binding{}, `{"target":{}}`},
		{"Container without resources", corev1.Container{Name: "app"}, `{"name":"app"}`},
		{
			"ContainerStatus required fields",
			corev1.ContainerStatus{Name: "app"},
			`{"name":"app","ready":false,"restartCount":0,"image":"","imageID":""}`,
		},
		{
			"ContainerStatus lastState key",
			corev1.ContainerStatus{
				Name: "app",
				LastTerminationState: corev1.ContainerState{
					Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, FinishedAt: at},
				},
			},
			`{"name":"app","lastState":{"terminated":{"exitCode":0,"finishedAt":"2024-05-01T10:00:00Z"}},"ready":false,"restartCount":0,"image":"","imageID":""}`,
		},
		{
			"running container without start time",
			corev1.ContainerState{Running: &corev1.ContainerStateRunning{}},
			`{"running":{}}`,
		},
		{
			"PodCondition omits zero times",
			corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue},
			`{"type":"Ready","status":"True"}`,
		},
		{
			"PodCondition with a time",
			corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, LastTransitionTime: at, Reason: corev1.PodReasonUnschedulable},
			`{"type":"PodScheduled","status":"False","lastTransitionTime":"2024-05-01T10:00:00Z","reason":"Unschedulable"}`,
		},
		{
			"gRPC service is null when nil",
			corev1.GRPCAction{Port: 9000},
			`{"port":9000,"service":null}`,
		},
		{
			"apiGroup is null when nil",
			corev1.TypedLocalObjectReference{Kind: "PersistentVolumeClaim", Name: "data"},
			`{"apiGroup":null,"kind":"PersistentVolumeClaim","name":"data"}`,
		},
		{"projected sources are required", corev1.ProjectedVolumeSource{}, `{"sources":null}`},
		{
			"VolumeSource is inlined",
			corev1.Volume{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}},
			`{"name":"scratch","emptyDir":{"medium":"Memory"}}`,
		},
		{
			"ProbeHandler is inlined",
			corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("http")}}, PeriodSeconds: 5},
			`{"tcpSocket":{"port":"http"},"periodSeconds":5}`,
		},
		{
			"LocalObjectReference is inlined",
			corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "password", Optional: ptr(false)},
			`{"name":"creds","key":"password","optional":false}`,
		},
		{
			"ServicePort with a named target port",
			corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("http")},
			`{"name":"http","port":80,"targetPort":"http"}`,
		},
		{
			"ServicePort without target port",
			corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolUDP},
			`{"protocol":"UDP","port":53}`,
		},
		{
			"Service status is absent when empty",
			corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP}},
			`{"spec":{"type":"ClusterIP"}}`,
		},
		{
			"DaemonEndpoint key is Port",
			corev1.NodeStatus{DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}}},
			`{"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}}`,
		},
		{
			"NodeSystemInfo fields are all written",
			corev1.NodeSystemInfo{OperatingSystem: "linux"},
			`{"machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeletVersion":"","kubeProxyVersion":"","operatingSystem":"linux","architecture":""}`,
		},
		{
			"Secret data is base64",
			corev1.Secret{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"password": []byte("s3cr3t!")}},
			`{"data":{"password":"czNjcjN0IQ=="},"type":"Opaque"}`,
		},
		{
			"NodeSelector terms are required",
			corev1.NodeSelector{},
			`{"nodeSelectorTerms":null}`,
		},
		{
			"LimitRangeSpec limits are required",
			corev1.LimitRange{Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer}}}},
			`{"spec":{"limits":[{"type":"Container"}]}}`,
		},
		{
			"Taint time added",
			corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &at},
			`{"key":"node.kubernetes.io/unreachable","effect":"NoExecute","timeAdded":"2024-05-01T10:00:00Z"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatalf("Marshal(%#v): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("Marshal(%T) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestDecode checks that Kubernetes' JSON decodes into the fields the
// types promise, and that a field Rigging does not carry is reported by
// name when unknown fields are disallowed.
func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		into    func() any
		want    any
		wantErr string
	}{
		{
			name: "pod with inlined volume source and probe handler",
			in: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{
				"volumes":[{"name":"cfg","configMap":{"name":"c","defaultMode":420}}],
				"containers":[{"name":"app","livenessProbe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":3}}]}}`,
			into: func() any { return new(corev1.Pod) },
			want: &corev1.Pod{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
				ObjectMeta: metav1.ObjectMeta{Name: "p"},
				Spec: corev1.PodSpec{
					Volumes: []corev1.Volume{{
						Name: "cfg",
						VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
							LocalObjectReference: corev1.LocalObjectReference{Name: "c"},
							DefaultMode:          ptr(corev1.ConfigMapVolumeSourceDefaultMode),
						}},
					}},
					Containers: []corev1.Container{{
						Name: "app",
						LivenessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}},
							PeriodSeconds: 3,
						},
					}},
				},
			},
		},
		{
			name: "secret data from base64",
			in:   `{"data":{"tls.key":"a2V5"},"type":"kubernetes.io/tls"}`,
			into: func() any { return new(corev1.Secret) },
			want: &corev1.Secret{Data: map[string][]byte{corev1.TLSPrivateKeyKey: []byte("key")}, Type: corev1.SecretTypeTLS},
		},
		{
			name:    "secret data that is not base64",
			in:      `{"data":{"k":"not base64!"}}`,
			into:    func() any { return new(corev1.Secret) },
			wantErr: "illegal base64 data",
		},
		{
			name:    "field not carried",
			in:      `{"spec":{"containers":[{"name":"app","restartPolicyRules":[]}]}}`,
			into:    func() any { return new(corev1.Pod) },
			wantErr: `unknown field "restartPolicyRules"`,
		},
		{
			name:    "in-tree cloud volume not carried",
			in:      `{"spec":{"awsElasticBlockStore":{"volumeID":"vol-1"}}}`,
			into:    func() any { return new(corev1.PersistentVolume) },
			wantErr: `unknown field "awsElasticBlockStore"`,
		},
		{
			name:    "target port out of int32 range",
			in:      `{"port":80,"targetPort":4294967296}`,
			into:    func() any { return new(corev1.ServicePort) },
			wantErr: "not a 32-bit integer",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.into()
			dec := json.NewDecoder(strings.NewReader(tt.in))
			dec.DisallowUnknownFields()
			err := dec.Decode(got)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Decode(%s) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode(%s): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode(%s) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestJSONTagConventions walks every type reachable from the package's
// kinds and checks the tagging rules of the package doc: every field has a
// JSON tag, embedded structs are inlined or named "metadata", and every
// struct-valued field tagged omitempty is also tagged omitzero.
func TestJSONTagConventions(t *testing.T) {
	roots := []any{
		corev1.Pod{}, corev1.PodList{}, corev1.Node{}, corev1.NodeList{},
		corev1.Namespace{}, corev1.NamespaceList{}, corev1.Service{}, corev1.ServiceList{},
		corev1.Endpoints{}, corev1.EndpointsList{}, corev1.ConfigMap{}, corev1.ConfigMapList{},
		corev1.Secret{}, corev1.SecretList{}, corev1.ServiceAccount{}, corev1.ServiceAccountList{},
		corev1.PersistentVolume{}, corev1.PersistentVolumeList{},
		corev1.PersistentVolumeClaim{}, corev1.PersistentVolumeClaimList{},
		corev1.Event{}, corev1.EventList{}, corev1.ResourceQuota{}, corev1.ResourceQuotaList{},
		corev1.LimitRange{}, corev1.LimitRangeList{}, corev1.Binding{}, corev1.PodTemplateSpec{},
	}
	corePkg := reflect.TypeFor[corev1.Pod]().PkgPath()
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ.PkgPath() != corePkg || seen[typ] {
			return
		}
		seen[typ] = true
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag, ok := f.Tag.Lookup("json")
			if !ok {
				t.Errorf("%s.%s has no json tag", typ.Name(), f.Name)
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			has := func(o string) bool { return strings.Contains(","+opts+",", ","+o+",") }
			if f.Anonymous && name != "metadata" && !has("inline") {
				t.Errorf("%s.%s is embedded but tagged %q, want \",inline\" or \"metadata\"", typ.Name(), f.Name, tag)
			}
			if f.Type.Kind() == reflect.Struct && has("omitempty") && !has("omitzero") {
				t.Errorf("%s.%s is a struct tagged %q: omitempty without omitzero", typ.Name(), f.Name, tag)
			}
			walk(f.Type)
		}
	}
	for _, r := range roots {
		walk(reflect.TypeOf(r))
	}
	if len(seen) < 100 {
		t.Errorf("walked %d types, want the whole package (over 100)", len(seen))
	}
}

// TestSecretRoundTrip checks that binary data survives encoding unchanged.
func TestSecretRoundTrip(t *testing.T) {
	in := corev1.Secret{Data: map[string][]byte{"bin": {0, 1, 2, 0xfe, 0xff}, "empty": {}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out corev1.Secret
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&out); err != nil {
		t.Fatalf("Decode(%s): %v", b, err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip of %s (-want +got):\n%s", b, diff)
	}
}
