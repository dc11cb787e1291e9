package apiserver

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

const tableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"

func TestTables(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := now
	e := newEnv(t, Options{Now: func() time.Time { return clock }})
	p := testPod("", "web")
	p.Spec.NodeName = "n1"
	e.must(http.StatusCreated, "POST", podsPath("default"), p, nil)
	e.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps", `{"metadata":{"name":"c"},"data":{"a":"1","b":"2"}}`, nil)
	clock = now.Add(3*time.Minute + 20*time.Second)

	type row struct {
		Cells  []any           `json:"cells"`
		Object json.RawMessage `json:"object"`
	}
	var tbl struct {
		Kind, APIVersion  string
		Metadata          struct{ ResourceVersion string } `json:"metadata"`
		ColumnDefinitions []struct{ Name string }          `json:"columnDefinitions"`
		Rows              []row                            `json:"rows"`
	}
	get := func(path string) {
		t.Helper()
		tbl.Rows, tbl.ColumnDefinitions = nil, nil
		e.must(http.StatusOK, "GET", path, nil, &tbl, "Accept", tableAccept)
		if tbl.Kind != "Table" || tbl.APIVersion != "meta.k8s.io/v1" || tbl.Metadata.ResourceVersion == "" {
			t.Fatalf("%s: %s %s rv %q", path, tbl.Kind, tbl.APIVersion, tbl.Metadata.ResourceVersion)
		}
	}
	columns := func() []string {
		var out []string
		for _, c := range tbl.ColumnDefinitions {
			out = append(out, c.Name)
		}
		return out
	}
	get(podsPath("default"))
	if diff := cmp.Diff([]string{"Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"}, columns()); diff != "" {
		t.Errorf("pod columns (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"web", "0/1", "Pending", float64(0), "3m20s", "<none>", "n1", "<none>", "<none>"}, tbl.Rows[0].Cells); diff != "" {
		t.Errorf("pod cells (-want +got):\n%s", diff)
	}
	var meta struct{ Kind string }
	if err := json.Unmarshal(tbl.Rows[0].Object, &meta); err != nil || meta.Kind != "PartialObjectMetadata" {
		t.Errorf("row object: %s", tbl.Rows[0].Object)
	}
	// A deleting pod is Terminating.
	e.must(http.StatusOK, "DELETE", podsPath("default")+"/web", nil, nil)
	get(podsPath("default") + "/web?includeObject=Object")
	if tbl.Rows[0].Cells[2] != "Terminating" {
		t.Errorf("deleting pod status %v", tbl.Rows[0].Cells[2])
	}
	if err := json.Unmarshal(tbl.Rows[0].Object, &meta); err != nil || meta.Kind != "Pod" {
		t.Errorf("includeObject=Object: %s", tbl.Rows[0].Object)
	}
	get("/api/v1/namespaces/default/configmaps?includeObject=None")
	if diff := cmp.Diff([]any{"c", float64(2), "3m20s"}, tbl.Rows[0].Cells); diff != "" || tbl.Rows[0].Object != nil {
		t.Errorf("configmap row (-want +got):\n%s\nobject %s", diff, tbl.Rows[0].Object)
	}
	// Kinds without columns of their own get Name and Age.
	get("/apis/scheduling.k8s.io/v1/priorityclasses")
	if diff := cmp.Diff([]string{"Name", "Age"}, columns()); diff != "" || len(tbl.Rows) != 2 {
		t.Errorf("default columns (-want +got):\n%s", diff)
	}
	e.must(http.StatusBadRequest, "GET", podsPath("default")+"?includeObject=All", nil, nil, "Accept", tableAccept)
	// A Table alone is acceptable; protobuf alone is not.
	e.must(http.StatusOK, "GET", podsPath("default"), nil, nil, "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	e.must(http.StatusNotAcceptable, "GET", podsPath("default")+"/web/status", nil, nil, "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
}

func TestHumanDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{-2 * time.Second, "<invalid>"}, {-time.Millisecond, "0s"}, {45 * time.Second, "45s"}, {119 * time.Second, "119s"},
		{3*time.Minute + 20*time.Second, "3m20s"}, {5 * time.Minute, "5m"}, {90 * time.Minute, "90m"},
		{5*time.Hour + 30*time.Minute, "5h30m"}, {30 * time.Hour, "30h"}, {3*24*time.Hour + 4*time.Hour, "3d4h"},
		{100 * 24 * time.Hour, "100d"}, {3*365*24*time.Hour + 24*time.Hour, "3y1d"}, {10 * 365 * 24 * time.Hour, "10y"},
	} {
		if got := humanDuration(tc.d); got != tc.want {
			t.Errorf("humanDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// tableRow is a meta.k8s.io TableRow.
type tableRow struct {
	Cells  []any           `json:"cells"`
	Object json.RawMessage `json:"object,omitempty"`
}

// table is a meta.k8s.io Table.
type table struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ListMeta   `json:"metadata"`
	ColumnDefinitions []tableColumn `json:"columnDefinitions"`
	Rows              []tableRow    `json:"rows"`
}

// referenceTable is the Table writeTableItems must write, made the plain
// way: every object decoded whole, the rows' objects and the Table
// encoded by encoding/json.
func referenceTable(t *testing.T, p printer, version, include string, objs []metav1.Object, meta metav1.ListMeta, now time.Time) []byte {
	t.Helper()
	tbl := table{
		TypeMeta:          metav1.TypeMeta{Kind: "Table", APIVersion: "meta.k8s.io/" + version},
		ListMeta:          meta,
		ColumnDefinitions: p.columns,
		Rows:              make([]tableRow, 0, len(objs)),
	}
	for _, obj := range objs {
		row := tableRow{Cells: p.cells(obj, now)}
		var err error
		switch include {
		case "", "Metadata":
			row.Object, err = json.Marshal(struct {
				metav1.TypeMeta `json:",inline"`
				Metadata        *metav1.ObjectMeta `json:"metadata"`
			}{metav1.TypeMeta{Kind: "PartialObjectMetadata", APIVersion: "meta.k8s.io/" + version}, obj.GetObjectMeta()})
		case "Object":
			row.Object, err = json.Marshal(obj)
		}
		if err != nil {
			t.Fatal(err)
		}
		tbl.Rows = append(tbl.Rows, row)
	}
	b, err := json.Marshal(tbl)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTableOfPackedObjects checks that Tables of packed objects (rows
// made from a partial decoding and the objects' JSON) are byte for byte
// the Tables of the objects decoded whole, for pods in many states, a
// kind with the default columns (leases) and one with columns of its own
// but no partial decoding (config maps).
func TestTableOfPackedObjects(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	e := newEnv(t, Options{Now: func() time.Time { return now }, WatchCacheSize: 2})
	ts := func(d time.Duration) *metav1.Time { t := metav1.NewTime(now.Add(d)); return &t }
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: *ts(-time.Minute)}}
	pods := []struct {
		name   string
		spec   func(p *corev1.Pod)
		status corev1.PodStatus
	}{
		{name: "pending", spec: func(p *corev1.Pod) { p.Spec.NodeName = "n1" }},
		{name: "running", spec: func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "side", Image: "busybox"})
			p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "example.com/a"}, {ConditionType: "example.com/b"}}
			p.Annotations = map[string]string{"note": "a<b && c>d"} // escaped as encoding/json does
		}, status: corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: "10.0.0.7", NominatedNodeName: "n2",
			Conditions: []corev1.PodCondition{{Type: "example.com/a", Status: corev1.ConditionTrue}, {Type: "example.com/b", Status: corev1.ConditionFalse}},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "app", Ready: true, RestartCount: 3, State: running},
				{Name: "side", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}, RestartCount: 2},
			},
		}},
		{name: "init-waiting", spec: func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "i1", Image: "busybox"}, {Name: "i2", Image: "busybox"}}
		}, status: corev1.PodStatus{Phase: corev1.PodPending, InitContainerStatuses: []corev1.ContainerStatus{
			{Name: "i1", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}},
			{Name: "i2", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull"}}},
		}}},
		{name: "init-failed", spec: func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "i1", Image: "busybox"}}
		}, status: corev1.PodStatus{Phase: corev1.PodPending, InitContainerStatuses: []corev1.ContainerStatus{
			{Name: "i1", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 2}}},
		}}},
		{name: "completed", status: corev1.PodStatus{Phase: corev1.PodSucceeded, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "app", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}},
		}}},
		{name: "evicted", status: corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted", Message: "low on memory"}},
		{name: "terminating", spec: func(p *corev1.Pod) { p.Finalizers = []string{"example.com/hold"} }},
	}
	for _, tc := range pods {
		p := testPod("", tc.name)
		if tc.spec != nil {
			tc.spec(p)
		}
		var got corev1.Pod
		e.must(http.StatusCreated, http.MethodPost, podsPath("default"), p, &got)
		if tc.status.Phase != "" {
			got.Status = tc.status
			e.must(http.StatusOK, http.MethodPut, podsPath("default")+"/"+tc.name+"/status", &got, nil)
		}
	}
	e.must(http.StatusOK, http.MethodDelete, podsPath("default")+"/terminating", nil, nil)
	t.Cleanup(func() {
		e.do(http.MethodPatch, podsPath("default")+"/terminating", `{"metadata":{"finalizers":null}}`, "Content-Type", "application/merge-patch+json")
	})
	leases := "/apis/coordination.k8s.io/v1/namespaces/default/leases"
	for _, name := range []string{"l1", "l2"} {
		e.must(http.StatusCreated, http.MethodPost, leases, `{"metadata":{"name":"`+name+`","annotations":{"x":"<y> &"}},"spec":{"holderIdentity":"h"}}`, nil)
	}
	cms := "/api/v1/namespaces/default/configmaps"
	for _, name := range []string{"c1", "c2"} {
		e.must(http.StatusCreated, http.MethodPost, cms, `{"metadata":{"name":"`+name+`"},"data":{"a":"1"}}`, nil)
	}
	// Writes elsewhere push the last ones out of each cache's window of
	// two events, so that every object above is packed.
	for _, name := range []string{"o1", "o2", "o3"} {
		e.must(http.StatusCreated, http.MethodPost, "/api/v1/namespaces", `{"metadata":{"name":"`+name+`"}}`, nil)
		e.must(http.StatusCreated, http.MethodPost, podsPath(name), testPod(name, "x"), nil)
		e.must(http.StatusCreated, http.MethodPost, "/apis/coordination.k8s.io/v1/namespaces/"+name+"/leases", `{"metadata":{"name":"x"}}`, nil)
		e.must(http.StatusCreated, http.MethodPost, "/api/v1/namespaces/"+name+"/configmaps", `{"metadata":{"name":"x"}}`, nil)
	}

	kinds := []struct {
		group, plural, path string
		names               []string
		newObj              func() metav1.Object
	}{
		{"", "pods", podsPath("default"), []string{"completed", "evicted", "init-failed", "init-waiting", "pending", "running", "terminating"}, func() metav1.Object { return &corev1.Pod{} }},
		{"coordination.k8s.io", "leases", leases, []string{"l1", "l2"}, func() metav1.Object { return &coordinationv1.Lease{} }},
		{"", "configmaps", cms, []string{"c1", "c2"}, func() metav1.Object { return &corev1.ConfigMap{} }},
	}
	for _, k := range kinds {
		r := e.s.lookup(k.group, k.plural)
		var objs []metav1.Object
		for _, name := range k.names {
			co, _ := r.cache.get(r.key("default", name))
			if co == nil || co.obj != nil {
				t.Fatalf("%s %s is not cached packed", k.plural, name)
			}
			obj := k.newObj()
			e.must(http.StatusOK, http.MethodGet, k.path+"/"+name, nil, obj)
			objs = append(objs, obj)
		}
		for _, include := range []string{"", "Metadata", "Object", "None"} {
			for _, version := range []string{"v1", "v1beta1"} {
				q := "?resourceVersion=0"
				if include != "" {
					q += "&includeObject=" + include
				}
				got := e.must(http.StatusOK, http.MethodGet, k.path+q, nil, nil, "Accept", "application/json;as=Table;v="+version+";g=meta.k8s.io")
				var meta struct {
					Metadata metav1.ListMeta `json:"metadata"`
				}
				if err := json.Unmarshal(got, &meta); err != nil {
					t.Fatalf("%s: %v: %s", k.path+q, err, got)
				}
				want := referenceTable(t, printerFor(r), version, include, objs, meta.Metadata, now)
				if string(got) != string(want) {
					t.Errorf("%s %s Table (includeObject=%q):\n got %s\nwant %s", k.plural, version, include, got, want)
				}
			}
		}
	}
}

// TestTablePartialDecode checks partialPod's answers on input it must
// leave to the whole decoding, and that it reads what it should.
func TestTablePartialDecode(t *testing.T) {
	for _, in := range []string{
		`{"Metadata":{"name":"a"}}`,                         // case-folded: encoding/json's match
		`{"metadata":{"name":"a"},"Spec":{}}`,               //
		`{"metadata":{"Name":"a"}}`,                         //
		`{"metadata":{"name":"a"},"spec":{"NodeName":"n"}}`, //
		`{"spec":{}}`,       // no metadata
		`{"metadata":null}`, //
		`{"metadata":{"name":"a"},"spec":{"containers":[}}`,         // invalid JSON
		`{"metadata":{"name":"a"}} x`,                               //
		`{"metadata":{"name":1}}`,                                   // wrong type
		`{"metadata":{"name":"a"},"status":{"phase":1}}`,            //
		`{"metadata":{"name":"a","creationTimestamp":"yesterday"}}`, //
	} {
		if _, _, err := partialPod(nil, []byte(in)); err == nil {
			t.Errorf("partialPod(%s) succeeded", in)
		}
	}
	obj, meta, err := partialPod(nil, []byte(`{"kind":"Pod","metadata":{"name":"a","uid":"u","deletionTimestamp":"2025-06-01T12:00:00Z"},`+
		`"spec":{"containers":[{"name":"c"},{"name":"d"}],"initContainers":null,"nodeName":"n","readinessGates":[{"conditionType":"g"}],"volumes":[{"name":"v"}]},`+
		`"status":{"phase":"Running","podIP":"10.0.0.1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	p := obj.(*corev1.Pod)
	if p.Name != "a" || p.DeletionTimestamp == nil || len(p.Spec.Containers) != 2 || len(p.Spec.InitContainers) != 0 || p.Spec.NodeName != "n" ||
		len(p.Spec.ReadinessGates) != 1 || p.Spec.ReadinessGates[0].ConditionType != "g" || p.Status.Phase != corev1.PodRunning || p.Status.PodIP != "10.0.0.1" {
		t.Errorf("partialPod decoded %+v", p)
	}
	if string(meta) != `{"name":"a","uid":"u","deletionTimestamp":"2025-06-01T12:00:00Z"}` {
		t.Errorf("metadata JSON %s", meta)
	}
}
