package netns_test

import (
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/rigging-dev/rigging/cni/netns"
)

func TestCreateDoDelete(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test needs root, and CI must run it")
		}
		t.Skip("needs root")
	}
	// The test's own thread stays put, so /proc/thread-self names the
	// namespace it runs in. (/proc/self would name the main thread's,
	// which may be the very thread Create used and wedged, as Go does with
	// a locked main thread whose goroutine exits.)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	own, err := netns.Inode("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "ns1")
	if err := netns.Create(p); err != nil {
		t.Fatal(err)
	}
	if err := netns.Create(p); err == nil {
		t.Fatal("Create over an existing path succeeded")
	}
	ino, err := netns.Inode(p)
	if err != nil {
		t.Fatal(err)
	}
	if ino == own {
		t.Fatal("the new namespace is the caller's")
	}
	var names []string
	if err := netns.Do(p, func() error {
		ifs, err := net.Interfaces()
		for _, i := range ifs {
			names = append(names, i.Name)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != "lo" {
		t.Fatalf("interfaces in a new namespace: %v, want [lo]", names)
	}
	// The caller's goroutine is still in its own namespace.
	if again, _ := netns.Inode("/proc/thread-self/ns/net"); again != own {
		t.Fatal("Do left the calling thread in the namespace")
	}
	if err := netns.Delete(p); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("path remains after Delete: %v", err)
	}
	if err := netns.Delete(p); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	if err := netns.Do(p, func() error { return nil }); err == nil {
		t.Fatal("Do in a deleted namespace succeeded")
	}
}
