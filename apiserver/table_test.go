package apiserver

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
