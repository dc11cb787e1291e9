package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerated(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-nodes", "10", "-pods", "200"}, &out); err != nil {
		t.Fatal(err)
	}
	// 10 nodes of 4 CPUs hold all 180 small pods (18 CPUs) and, with the
	// 22 CPUs left, some of the 20 large ones (2 CPUs each).
	if !strings.Contains(out.String(), "pending pods: 200") || !strings.Contains(out.String(), "Insufficient cpu") {
		t.Errorf("unexpected summary:\n%s", out.String())
	}
}

func TestFromFile(t *testing.T) {
	c := generate(2, 3)
	c.Pods[0].Spec.NodeName = c.Nodes[0].Name
	c.Pods[2].Spec.NodeSelector = map[string]string{"disk": "ssd"}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cluster.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-in", path, "-profile", "mostallocated"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pending pods: 2, placed: 1 on 1 nodes, unschedulable: 1", "1: 2 node(s) didn't match Pod's node affinity/selector."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBadFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), []string{"-profile", "nope"}, &out); err == nil || !strings.Contains(err.Error(), `-profile "nope"`) {
		t.Errorf("run with a bad profile = %v", err)
	}
}
