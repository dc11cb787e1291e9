package dataplanetest

import (
	"testing"

	"golang.org/x/sys/unix"
)

// BPFFS mounts a bpf filesystem of t's own on a temporary directory and
// returns the directory, so that a dataplane's pins never touch
// /sys/fs/bpf; unmounting it when t ends drops anything a failed test
// left pinned. Like NewEnv it needs root (see Require).
func BPFFS(t testing.TB) string {
	t.Helper()
	Require(t)
	dir := t.TempDir()
	if err := unix.Mount("bpf", dir, "bpf", 0, "mode=0700"); err != nil {
		t.Fatalf("dataplanetest: mount bpffs on %s: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("dataplanetest: unmount bpffs %s: %v", dir, err)
		}
	})
	return dir
}
