package process

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// cgroup2Mount returns where cgroup2 is mounted; it fails t when it is not.
func cgroup2Mount(t *testing.T) string {
	t.Helper()
	mounts, err := readMountinfo()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mounts {
		if m.fstype == "cgroup2" {
			return m.point
		}
	}
	t.Fatal("no cgroup2 mount")
	return ""
}

// TestCloseRemovesCgroupRoot: Close removes the cgroup root directories
// New made (in cgroup v2 and in the v1 hierarchies of a hybrid host) once
// the pods are gone, and keeps a root that existed before New.
func TestCloseRemovesCgroupRoot(t *testing.T) {
	requireRoot(t)
	mount := cgroup2Mount(t)
	for _, existed := range []bool{false, true} {
		root := filepath.Join(mount, "rigging-test-close-"+newID()[:12])
		if existed {
			if err := os.Mkdir(root, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		r, err := New(Options{RootDir: t.TempDir(), CgroupRoot: root})
		if err != nil {
			t.Fatal(err)
		}
		dirs := append([]string{root}, mapValues(r.cg.v1)...)
		for _, d := range dirs {
			if _, err := os.Stat(d); err != nil {
				t.Fatalf("after New: %v", err)
			}
		}
		sbCfg := sandboxConfig(t, "closing")
		sb := runSandbox(t, r, sbCfg)
		id := startContainer(t, r, sb, sbCfg, shContainer("c", "exec sleep 1000"))
		if err := r.RemovePodSandbox(t.Context(), sb); err != nil {
			t.Fatal(err)
		}
		if _, err := r.ContainerStatus(t.Context(), id); err == nil {
			t.Error("container still there after RemovePodSandbox")
		}
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		var left []string
		for _, d := range dirs {
			if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
				left = append(left, d)
			}
		}
		want := []string(nil)
		if existed {
			want = []string{root}
			if err := os.Remove(root); err != nil {
				t.Error(err)
			}
		}
		if diff := cmp.Diff(want, left); diff != "" {
			t.Errorf("root existed before New: %v; cgroup directories left after Close (-want +got):\n%s", existed, diff)
		}
	}
	checkOwnNamespaces(t)
}
