package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	quantity "github.com/rigging-dev/rigging/api/resource"
	schedulingv1 "github.com/rigging-dev/rigging/api/scheduling/v1"
)

func TestNamespaceLifecycleMissingNamespace(t *testing.T) {
	e := newEnv(t, Options{})
	code, b := e.do("POST", podsPath("nope"), testPod("", "p"))
	if st := status(t, b); code != http.StatusNotFound || st.Message != `namespaces "nope" not found` {
		t.Errorf("create in a missing namespace: %d %s", code, b)
	}
	// Cluster-scoped kinds need no namespace.
	e.must(http.StatusCreated, "POST", "/api/v1/nodes", `{"metadata":{"name":"n1"}}`, nil)
	// Disabled, the plugin lets it through.
	e2 := newEnv(t, Options{DisableAdmission: []string{"NamespaceLifecycle"}})
	e2.must(http.StatusCreated, "POST", podsPath("nope"), testPod("", "p"), nil)
}

func TestPodDefaultsFromAdmission(t *testing.T) {
	e := newEnv(t, Options{})
	p := testPod("", "p")
	p.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}
	var got corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("default"), p, &got)
	secs := int64(300)
	want := []corev1.Toleration{
		{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
		{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &secs},
	}
	if diff := cmp.Diff(want, got.Spec.Tolerations); diff != "" {
		t.Errorf("tolerations (-want +got):\n%s", diff)
	}
	if got.Spec.ServiceAccountName != "default" || got.Spec.Priority == nil || *got.Spec.Priority != 0 ||
		got.Spec.PreemptionPolicy == nil || *got.Spec.PreemptionPolicy != corev1.PreemptLowerPriority {
		t.Errorf("serviceAccountName %q priority %v policy %v", got.Spec.ServiceAccountName, got.Spec.Priority, got.Spec.PreemptionPolicy)
	}
	if got.Status.QOSClass != corev1.PodQOSBestEffort {
		t.Errorf("qosClass %q", got.Status.QOSClass)
	}
	p2 := testPod("", "sa")
	p2.Spec.ServiceAccountName = "builder"
	e.must(http.StatusCreated, "POST", podsPath("default"), p2, &got)
	if got.Spec.ServiceAccountName != "builder" {
		t.Errorf("serviceAccountName overwritten: %q", got.Spec.ServiceAccountName)
	}
}

func TestPriority(t *testing.T) {
	e := newEnv(t, Options{})
	// The system classes exist.
	var pc schedulingv1.PriorityClass
	e.must(http.StatusOK, "GET", "/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical", nil, &pc)
	if pc.Value != 2000001000 {
		t.Errorf("system-node-critical value %d", pc.Value)
	}
	p := testPod("", "crit")
	p.Spec.PriorityClassName = "system-cluster-critical"
	var got corev1.Pod
	e.must(http.StatusCreated, "POST", podsPath("kube-system"), p, &got)
	if *got.Spec.Priority != 2000000000 {
		t.Errorf("priority %d", *got.Spec.Priority)
	}
	for _, tc := range []struct {
		name    string
		mutate  func(*corev1.Pod)
		message string
	}{
		{"unknown class", func(p *corev1.Pod) { p.Spec.PriorityClassName = "nope" },
			`pods "bad" is forbidden: no PriorityClass with name nope was found`},
		{"priority set", func(p *corev1.Pod) { v := int32(7); p.Spec.Priority = &v },
			`pods "bad" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name`},
	} {
		p := testPod("", "bad")
		tc.mutate(p)
		code, b := e.do("POST", podsPath("default"), p)
		if st := status(t, b); code != http.StatusForbidden || st.Message != tc.message {
			t.Errorf("%s: %d %s", tc.name, code, b)
		}
	}
	// A global default class applies to pods that name none; a second one
	// is refused.
	var high schedulingv1.PriorityClass
	e.must(http.StatusCreated, "POST", "/apis/scheduling.k8s.io/v1/priorityclasses",
		`{"metadata":{"name":"high"},"value":1000,"globalDefault":true}`, &high)
	e.waitCache(schedulingv1.GroupName, "priorityclasses", high.ResourceVersion)
	code, b := e.do("POST", "/apis/scheduling.k8s.io/v1/priorityclasses", `{"metadata":{"name":"also"},"value":5,"globalDefault":true}`)
	if st := status(t, b); code != http.StatusForbidden ||
		st.Message != `priorityclasses.scheduling.k8s.io "also" is forbidden: PriorityClass high is already marked as default. Only one default can exist` {
		t.Errorf("second global default: %d %s", code, b)
	}
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "dflt"), &got)
	if got.Spec.PriorityClassName != "high" || *got.Spec.Priority != 1000 {
		t.Errorf("default class: %q %d", got.Spec.PriorityClassName, *got.Spec.Priority)
	}
}

// computePod returns a pod with one container requesting and limiting cpu
// and memory.
func computePod(name, cpu, mem string) *corev1.Pod {
	p := testPod("", name)
	rl := corev1.ResourceList{corev1.ResourceCPU: quantity.MustParse(cpu), corev1.ResourceMemory: quantity.MustParse(mem)}
	p.Spec.Containers[0].Resources = corev1.ResourceRequirements{Requests: rl, Limits: rl}
	return p
}

func TestResourceQuota(t *testing.T) {
	e := newEnv(t, Options{})
	// One pod exists before the quota: it is counted when the quota is made.
	e.must(http.StatusCreated, "POST", podsPath("default"), computePod("before", "100m", "64Mi"), nil)
	var q corev1.ResourceQuota
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/resourcequotas",
		`{"metadata":{"name":"compute"},"spec":{"hard":{"pods":"3","requests.cpu":"1","limits.memory":"1Gi","count/configmaps":"1"}}}`, &q)
	if diff := cmp.Diff(map[string]string{"pods": "1", "requests.cpu": "100m", "limits.memory": "64Mi", "count/configmaps": "0"}, quantities(q.Status.Used)); diff != "" {
		t.Errorf("initial used (-want +got):\n%s", diff)
	}
	if len(q.Status.Hard) != 4 {
		t.Errorf("status.hard %v", q.Status.Hard)
	}
	e.must(http.StatusCreated, "POST", podsPath("default"), computePod("a", "500m", "128Mi"), nil)
	code, b := e.do("POST", podsPath("default"), computePod("big", "600m", "128Mi"))
	if st := status(t, b); code != http.StatusForbidden || st.Reason != metav1.StatusReasonForbidden ||
		st.Message != `pods "big" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1` {
		t.Errorf("over quota: %d %s", code, b)
	}
	code, b = e.do("POST", podsPath("default"), testPod("", "besteffort"))
	if st := status(t, b); code != http.StatusForbidden ||
		st.Message != `pods "besteffort" is forbidden: failed quota: compute: must specify limits.memory for: app; requests.cpu for: app` {
		t.Errorf("no requests: %d %s", code, b)
	}
	e.must(http.StatusCreated, "POST", podsPath("default"), computePod("b", "100m", "128Mi"), nil)
	code, b = e.do("POST", podsPath("default"), computePod("c", "100m", "128Mi"))
	if st := status(t, b); code != http.StatusForbidden ||
		st.Message != `pods "c" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=3, limited: pods=3` {
		t.Errorf("pod count: %d %s", code, b)
	}
	e.must(http.StatusOK, "GET", "/api/v1/namespaces/default/resourcequotas/compute", nil, &q)
	if diff := cmp.Diff(map[string]string{"pods": "3", "requests.cpu": "700m", "limits.memory": "320Mi", "count/configmaps": "0"}, quantities(q.Status.Used)); diff != "" {
		t.Errorf("used (-want +got):\n%s", diff)
	}
	// Deleting releases; a dry run charges nothing.
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/a", nil, nil)
	e.must(http.StatusCreated, "POST", podsPath("default")+"?dryRun=All", computePod("dry", "100m", "1Mi"), nil)
	e.must(http.StatusCreated, "POST", podsPath("default"), computePod("c", "100m", "128Mi"), nil)
	e.must(http.StatusOK, "GET", "/api/v1/namespaces/default/resourcequotas/compute", nil, &q)
	if diff := cmp.Diff(map[string]string{"pods": "3", "requests.cpu": "300m", "limits.memory": "320Mi", "count/configmaps": "0"}, quantities(q.Status.Used)); diff != "" {
		t.Errorf("used after delete (-want +got):\n%s", diff)
	}
	// Object counts.
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"one"}}`, nil)
	code, b = e.do("POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"two"}}`)
	if st := status(t, b); code != http.StatusForbidden ||
		st.Message != `configmaps "two" is forbidden: exceeded quota: compute, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1` {
		t.Errorf("configmap count: %d %s", code, b)
	}
	// Other namespaces are not limited.
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/kube-system/configmaps", `{"metadata":{"name":"two"}}`, nil)
	// A create refused after quota admission gives its charge back.
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/c", nil, nil)
	code, _ = e.do("POST", podsPath("default"), computePod("b", "100m", "1Mi")) // exists: 409 after charging
	if code != http.StatusConflict {
		t.Errorf("duplicate create: %d", code)
	}
	e.must(http.StatusOK, "GET", "/api/v1/namespaces/default/resourcequotas/compute", nil, &q)
	if used := q.Status.Used[corev1.ResourcePods]; used.String() != "2" {
		t.Errorf("pods used %s after a refused create, want 2", used.String())
	}
}

// quantities prints a resource list.
func quantities(l corev1.ResourceList) map[string]string {
	out := map[string]string{}
	for k, v := range l {
		out[string(k)] = v.String()
	}
	return out
}

func TestResourceQuotaConcurrency(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/resourcequotas", `{"metadata":{"name":"q"},"spec":{"hard":{"count/configmaps":"5"}}}`, nil)
	var wg sync.WaitGroup
	var created, refused atomic.Int64
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, b := e.do("POST", "/api/v1/namespaces/default/configmaps", fmt.Sprintf(`{"metadata":{"name":"c%d"}}`, i))
			switch code {
			case http.StatusCreated:
				created.Add(1)
			case http.StatusForbidden:
				refused.Add(1)
			default:
				t.Errorf("create: %d %s", code, b)
			}
		}()
	}
	wg.Wait()
	if created.Load() != 5 || refused.Load() != 15 {
		t.Errorf("%d created and %d refused, want 5 and 15", created.Load(), refused.Load())
	}
	var q corev1.ResourceQuota
	e.must(http.StatusOK, "GET", "/api/v1/namespaces/default/resourcequotas/q", nil, &q)
	if used := q.Status.Used["count/configmaps"]; used.String() != "5" {
		t.Errorf("used %s", used.String())
	}
}

func TestResourceQuotaScopes(t *testing.T) {
	e := newEnv(t, Options{})
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/resourcequotas",
		`{"metadata":{"name":"be"},"spec":{"hard":{"pods":"1"},"scopes":["BestEffort"]}}`, nil)
	e.must(http.StatusCreated, "POST", podsPath("default"), testPod("", "be1"), nil)
	e.must(http.StatusForbidden, "POST", podsPath("default"), testPod("", "be2"), nil)
	e.must(http.StatusCreated, "POST", podsPath("default"), computePod("burst", "10m", "1Mi"), nil)
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"c"}}`, nil)
}

func TestUserAdmissionPlugins(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	e := newEnv(t, Options{
		Mutating: []MutatingAdmission{MutatingAdmissionFunc(func(_ context.Context, a *Attributes) error {
			mu.Lock()
			seen = append(seen, fmt.Sprintf("%s %s/%s %s", a.Operation, a.Resource, a.Subresource, a.Name))
			mu.Unlock()
			if a.Operation == Create && a.Resource == "configmaps" {
				cm := a.Object.(*corev1.ConfigMap)
				if cm.Labels == nil {
					cm.Labels = map[string]string{}
				}
				cm.Labels["admitted"] = "yes"
			}
			return nil
		})},
		Validating: []ValidatingAdmission{ValidatingAdmissionFunc(func(_ context.Context, a *Attributes) error {
			if a.Name == "forbidden" {
				return errors.New("the name is reserved")
			}
			if a.Name == "teapot" {
				return &metav1.Status{Status: metav1.StatusFailure, Code: 418, Reason: "Teapot", Message: "short and stout"}
			}
			return nil
		})},
	})
	var cm corev1.ConfigMap
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"c"}}`, &cm)
	if cm.Labels["admitted"] != "yes" {
		t.Errorf("mutation lost: %v", cm.Labels)
	}
	code, b := e.do("POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"forbidden"}}`)
	if st := status(t, b); code != http.StatusForbidden || st.Message != `configmaps "forbidden" is forbidden: the name is reserved` {
		t.Errorf("refused: %d %s", code, b)
	}
	if code, _ := e.do("POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"teapot"}}`); code != 418 {
		t.Errorf("Status from a plugin: %d", code)
	}
	e.must(http.StatusOK, "DELETE", "/api/v1/namespaces/default/configmaps/c", nil, nil)
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"CREATE configmaps/ c", "DELETE configmaps/ c"} {
		found := false
		for _, s := range seen {
			found = found || s == want
		}
		if !found {
			t.Errorf("plugin did not see %q: %v", want, seen)
		}
	}
}
