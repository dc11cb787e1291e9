package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedUpToDate regenerates the packages named by the go:generate
// line in api/doc.go into a temporary directory and compares the result
// with the committed files, so that the generated code cannot drift from
// the types.
func TestGeneratedUpToDate(t *testing.T) {
	doc, err := os.ReadFile("../../doc.go")
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "//go:generate go run ./internal/jsongen "
	var dirs []string
	for _, line := range strings.Split(string(doc), "\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			for _, d := range strings.Fields(rest) {
				dirs = append(dirs, filepath.Join("../..", d))
			}
		}
	}
	if len(dirs) == 0 {
		t.Fatalf("api/doc.go has no %q line", prefix)
	}
	out := t.TempDir()
	if err := run(out, dirs); err != nil {
		t.Fatal(err)
	}
	root, _, err := findModule(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		abs, _ := filepath.Abs(d)
		rel, _ := filepath.Rel(root, abs)
		for _, name := range []string{generatedName, strings.TrimSuffix(generatedName, ".go") + "_test.go"} {
			want, err := os.ReadFile(filepath.Join(out, rel, name))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(d, name))
			if err != nil {
				t.Fatalf("%v (run go generate ./api)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s/%s is not what jsongen writes now: run go generate ./api", rel, name)
			}
		}
	}
}

// TestRunErrors checks that bad arguments are refused with an error.
func TestRunErrors(t *testing.T) {
	for _, dirs := range [][]string{nil, {"/"}, {"../../no/such/package"}} {
		if err := run(t.TempDir(), dirs); err == nil {
			t.Errorf("run(%q) succeeded, want an error", dirs)
		}
	}
}
