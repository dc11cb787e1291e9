package validation_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	autoscalingv1 "github.com/rigging-dev/rigging/api/autoscaling/v1"
	autoscalingv2 "github.com/rigging-dev/rigging/api/autoscaling/v2"
	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/defaults"
	discoveryv1 "github.com/rigging-dev/rigging/api/discovery/v1"
	networkingv1 "github.com/rigging-dev/rigging/api/networking/v1"
	rbacv1 "github.com/rigging-dev/rigging/api/rbac/v1"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
	"github.com/rigging-dev/rigging/api/validation"
)

// corpusKinds maps "apiVersion/kind" to a constructor of the Go type that
// decodes it, for the manifests in api/testdata.
var corpusKinds = map[string]func() any{
	"v1/Pod":                                          func() any { return new(corev1.Pod) },
	"v1/Service":                                      func() any { return new(corev1.Service) },
	"v1/Endpoints":                                    func() any { return new(corev1.Endpoints) },
	"v1/Namespace":                                    func() any { return new(corev1.Namespace) },
	"v1/Node":                                         func() any { return new(corev1.Node) },
	"v1/ConfigMap":                                    func() any { return new(corev1.ConfigMap) },
	"v1/Secret":                                       func() any { return new(corev1.Secret) },
	"v1/ServiceAccount":                               func() any { return new(corev1.ServiceAccount) },
	"v1/PersistentVolume":                             func() any { return new(corev1.PersistentVolume) },
	"v1/PersistentVolumeClaim":                        func() any { return new(corev1.PersistentVolumeClaim) },
	"v1/Event":                                        func() any { return new(corev1.Event) },
	"v1/ResourceQuota":                                func() any { return new(corev1.ResourceQuota) },
	"v1/LimitRange":                                   func() any { return new(corev1.LimitRange) },
	"v1/Binding":                                      func() any { return new(corev1.Binding) },
	"apps/v1/Deployment":                              func() any { return new(appsv1.Deployment) },
	"apps/v1/DeploymentList":                          func() any { return new(appsv1.DeploymentList) },
	"apps/v1/ReplicaSet":                              func() any { return new(appsv1.ReplicaSet) },
	"apps/v1/DaemonSet":                               func() any { return new(appsv1.DaemonSet) },
	"apps/v1/StatefulSet":                             func() any { return new(appsv1.StatefulSet) },
	"apps/v1/ControllerRevision":                      func() any { return new(appsv1.ControllerRevision) },
	"autoscaling/v1/Scale":                            func() any { return new(autoscalingv1.Scale) },
	"autoscaling/v2/HorizontalPodAutoscaler":          func() any { return new(autoscalingv2.HorizontalPodAutoscaler) },
	"coordination.k8s.io/v1/Lease":                    func() any { return new(coordinationv1.Lease) },
	"discovery.k8s.io/v1/EndpointSlice":               func() any { return new(discoveryv1.EndpointSlice) },
	"networking.k8s.io/v1/NetworkPolicy":              func() any { return new(networkingv1.NetworkPolicy) },
	"networking.k8s.io/v1/Ingress":                    func() any { return new(networkingv1.Ingress) },
	"networking.k8s.io/v1/IngressClass":               func() any { return new(networkingv1.IngressClass) },
	"rbac.authorization.k8s.io/v1/Role":               func() any { return new(rbacv1.Role) },
	"rbac.authorization.k8s.io/v1/ClusterRole":        func() any { return new(rbacv1.ClusterRole) },
	"rbac.authorization.k8s.io/v1/RoleBinding":        func() any { return new(rbacv1.RoleBinding) },
	"rbac.authorization.k8s.io/v1/ClusterRoleBinding": func() any { return new(rbacv1.ClusterRoleBinding) },
	"scheduling.k8s.io/v1/PriorityClass":              func() any { return new(schedulingv1.PriorityClass) },
	"storage.k8s.io/v1/StorageClass":                  func() any { return new(storagev1.StorageClass) },
	"storage.k8s.io/v1/VolumeAttachment":              func() any { return new(storagev1.VolumeAttachment) },
	"storage.k8s.io/v1/CSIDriver":                     func() any { return new(storagev1.CSIDriver) },
	"storage.k8s.io/v1/CSINode":                       func() any { return new(storagev1.CSINode) },
}

// corpusExceptions lists, by "file/document index", the errors that
// Kubernetes' own validation reports for a manifest of the corpus too, so
// they are expected here.
var corpusExceptions = map[string][]string{}

// corpusDocuments returns the manifests of api/testdata as JSON, keyed by
// "file/index".
func corpusDocuments(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("../testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	docs := map[string][]byte{}
	for _, file := range files {
		ext := filepath.Ext(file)
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			continue
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		parts := [][]byte{data}
		if ext != ".json" {
			parts = nil
			for _, d := range bytes.Split(data, []byte("\n---")) {
				d = bytes.TrimPrefix(bytes.TrimSpace(d), []byte("---"))
				if len(bytes.TrimSpace(d)) > 0 {
					parts = append(parts, d)
				}
			}
		}
		for i, d := range parts {
			j, err := yaml.YAMLToJSON(d)
			if err != nil {
				t.Fatalf("%s document %d: %v", file, i, err)
			}
			docs[filepath.Base(file)+"/"+itoa(i)] = j
		}
	}
	if len(docs) == 0 {
		t.Fatal("no manifests in ../testdata")
	}
	return docs
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// TestCorpusValidates decodes every manifest of api/testdata, applies the
// defaults as the API server does, and validates it: each must be valid,
// apart from the listed exceptions.
func TestCorpusValidates(t *testing.T) {
	validated := 0
	for name, doc := range corpusDocuments(t) {
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := json.Unmarshal(doc, &head); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		newObj, ok := corpusKinds[head.APIVersion+"/"+head.Kind]
		if !ok {
			t.Errorf("%s: no Go type for %s/%s", name, head.APIVersion, head.Kind)
			continue
		}
		t.Run(name+"/"+head.Kind, func(t *testing.T) {
			obj := newObj()
			dec := json.NewDecoder(bytes.NewReader(doc))
			dec.DisallowUnknownFields()
			if err := dec.Decode(obj); err != nil {
				t.Fatalf("decode: %v", err)
			}
			defaults.Object(obj)
			errs, ok := validation.Object(obj)
			if !ok {
				t.Skipf("no validation for %T", obj)
			}
			validated++
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(corpusExceptions[name], got); diff != "" {
				t.Errorf("validation errors (-want +got):\n%s", diff)
			}
		})
	}
	if validated == 0 {
		t.Fatal("no manifest was validated")
	}
}
