package process

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/rigging-dev/rigging/kubelet"
)

// journalOf reads what r's journal holds now.
func journalOf(t testing.TB, r *Runtime) journalState {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(r.opts.RootDir, journalName))
	if err != nil {
		t.Fatal(err)
	}
	st, _, _, err := replayJournal(data)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestNewCorruptJournal: New fails with a clear error on a damaged
// journal, and leaves the file for a person to look at.
func TestNewCorruptJournal(t *testing.T) {
	r := newTestRuntime(t, Options{})
	root := t.TempDir()
	path := filepath.Join(root, journalName)
	bad := string(frameLine([]byte(`{"removeSandbox":"a"}`))) + "00000000 {}\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{RootDir: root, CgroupRoot: r.cg.root})
	if !errors.Is(err, ErrCorruptState) {
		t.Fatalf("New on a corrupt journal: %v, want an error wrapping ErrCorruptState", err)
	}
	if data, _ := os.ReadFile(path); string(data) != bad {
		t.Errorf("New changed the corrupt journal to %q", data)
	}
}

// TestPauselessNamespaceFiles: the namespace files of pauseless sandboxes
// are hard links of one anchor file, each sandbox's bound namespace is
// its own, and removal leaves only the anchor.
func TestPauselessNamespaceFiles(t *testing.T) {
	r := newTestRuntime(t, Options{})
	ctx := t.Context()
	links := func() uint64 {
		var st unix.Stat_t
		if err := unix.Stat(r.nsAnchor, &st); err != nil {
			t.Fatal(err)
		}
		return st.Nlink
	}
	if n := links(); n != 1 {
		t.Fatalf("anchor has %d links at start, want 1", n)
	}
	var ids []string
	var ipc []string
	for _, name := range []string{"one", "two"} {
		cfg := sandboxConfig(t, name)
		cfg.Linux.Namespaces.PID = kubelet.NamespaceModeContainer
		sb := runSandbox(t, r, cfg)
		ids = append(ids, sb)
		c := startContainer(t, r, sb, cfg, shContainer("c", "exec sleep 1000"))
		st, err := r.ContainerStatus(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		ipc = append(ipc, nsLink(t, st.PID, "ipc"))
		s, _ := r.getSandbox(sb)
		for _, f := range r.nsFiles(&s.rec) {
			var fs unix.Statfs_t
			if err := unix.Statfs(f, &fs); err != nil || fs.Type != unix.NSFS_MAGIC {
				t.Errorf("%s is not a bound namespace: %v", f, err)
			}
		}
	}
	if n := links(); n != 5 { // the anchor and two files per sandbox
		t.Errorf("anchor has %d links with two sandboxes, want 5", n)
	}
	if ipc[0] == ipc[1] || ipc[0] == nsLink(t, os.Getpid(), "ipc") {
		t.Errorf("IPC namespaces of the two pods: %v (the host's %s); want two new ones", ipc, nsLink(t, os.Getpid(), "ipc"))
	}
	for _, sb := range ids {
		if err := r.RemovePodSandbox(ctx, sb); err != nil {
			t.Fatal(err)
		}
	}
	if n := links(); n != 1 {
		t.Errorf("anchor has %d links after removal, want 1", n)
	}
	entries, _ := os.ReadDir(filepath.Join(r.opts.RootDir, "ns"))
	if len(entries) != 1 || entries[0].Name() != nsAnchorName {
		t.Errorf("RootDir/ns holds %v after removal, want only %s", entries, nsAnchorName)
	}
	if st := journalOf(t, r); len(st.sandboxes)+len(st.containers) != 0 {
		t.Errorf("journal still holds %d sandboxes, %d containers", len(st.sandboxes), len(st.containers))
	}
}

// TestLegacyStateMigrated: a runtime finds the state an earlier version
// kept in a directory per sandbox and container (state.json, namespace
// files in sandboxes/<id>/ns/), moves it into the journal, and runs and
// removes those pods as its own.
func TestLegacyStateMigrated(t *testing.T) {
	r1 := newTestRuntime(t, Options{})
	ctx := t.Context()
	type pod struct {
		cfg     *kubelet.PodSandboxConfig
		sb, ctr string
		pid     int
	}
	var pods []pod
	for _, mode := range []kubelet.NamespaceMode{kubelet.NamespaceModePod, kubelet.NamespaceModeContainer} {
		cfg := sandboxConfig(t, "legacy")
		cfg.Linux.Namespaces.PID = mode
		sb := runSandbox(t, r1, cfg)
		ctr := startContainer(t, r1, sb, cfg, shContainer("c", "exec sleep 1000"))
		st, _ := r1.ContainerStatus(ctx, ctr)
		pods = append(pods, pod{cfg, sb, ctr, st.PID})
	}
	// Rewrite r1's state in the legacy layout.
	root := r1.opts.RootDir
	writeLegacy := func(dir string, v any) {
		t.Helper()
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, legacyStateName), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var legacyNS []string
	for _, p := range pods {
		s, _ := r1.getSandbox(p.sb)
		c, _ := r1.getContainer(p.ctr)
		s.mu.Lock()
		rec := s.rec
		s.mu.Unlock()
		c.mu.Lock()
		writeLegacy(r1.containerDir(p.ctr), &c.rec)
		c.mu.Unlock()
		if rec.NoPause {
			legacy := rec
			legacy.LegacyLayout = true
			for _, n := range boundNamespaces {
				if sandboxNSFlags(rec.Config.Linux.Namespaces)&n.flag == 0 {
					continue
				}
				to := r1.nsFile(&legacy, n.name)
				if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(to, nil, 0o444); err != nil {
					t.Fatal(err)
				}
				if err := unix.Mount(r1.nsFile(&rec, n.name), to, "", unix.MS_BIND, ""); err != nil {
					t.Fatal(err)
				}
				legacyNS = append(legacyNS, to)
			}
			if err := unbindNamespaces(r1.nsFiles(&rec)...); err != nil {
				t.Fatal(err)
			}
		}
		writeLegacy(r1.sandboxDir(p.sb), &rec)
	}
	if err := os.Remove(filepath.Join(root, journalName)); err != nil {
		t.Fatal(err)
	}

	r2 := newTestRuntime(t, Options{RootDir: root, CgroupRoot: r1.cg.root})
	for _, p := range pods {
		ps, err := r2.PodSandboxStatus(ctx, p.sb)
		if err != nil || ps.State != kubelet.SandboxReady {
			t.Errorf("migrated sandbox %s: %+v, %v; want ready", p.sb, ps, err)
		}
		st, err := r2.ContainerStatus(ctx, p.ctr)
		if err != nil || st.State != kubelet.ContainerRunning || st.PID != p.pid {
			t.Errorf("migrated container %s: %+v, %v; want running as PID %d", p.ctr, st, err, p.pid)
		}
		for _, f := range []string{filepath.Join(r2.sandboxDir(p.sb), legacyStateName), filepath.Join(r2.containerDir(p.ctr), legacyStateName)} {
			if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("legacy state %s left after migration: %v", f, err)
			}
		}
		// A new container joins the pod's namespaces.
		c := startContainer(t, r2, p.sb, p.cfg, shContainer("d", "exec sleep 1000"))
		st2, _ := r2.ContainerStatus(ctx, c)
		if got, want := nsLink(t, st2.PID, "ipc"), nsLink(t, p.pid, "ipc"); got != want {
			t.Errorf("container started after migration: IPC namespace %s, want the pod's %s", got, want)
		}
	}
	st := journalOf(t, r2)
	if len(st.sandboxes) != 2 || len(st.containers) != 4 {
		t.Errorf("journal after migration: %d sandboxes, %d containers; want 2, 4", len(st.sandboxes), len(st.containers))
	}
	// A third runtime reads the same from the journal alone.
	r3 := newTestRuntime(t, Options{RootDir: root, CgroupRoot: r1.cg.root})
	got, _ := r3.ListContainers(ctx, &kubelet.ContainerFilter{State: new(kubelet.ContainerRunning)})
	if len(got) != 4 {
		t.Errorf("third runtime lists %d running containers, want 4", len(got))
	}
	mountsBefore, _ := os.ReadFile("/proc/self/mountinfo")
	if len(ourMounts(string(mountsBefore), legacyNS...)) == 0 {
		t.Fatal("legacy namespace files are not mounted")
	}
	for _, p := range pods {
		if err := r3.RemovePodSandbox(ctx, p.sb); err != nil {
			t.Fatal(err)
		}
	}
	mountsAfter, _ := os.ReadFile("/proc/self/mountinfo")
	if diff := cmp.Diff([]string(nil), ourMounts(string(mountsAfter), legacyNS...)); diff != "" {
		t.Errorf("legacy namespace mounts left:\n%s", diff)
	}
	for _, d := range []string{"sandboxes", "containers"} {
		entries, _ := os.ReadDir(filepath.Join(root, d))
		if len(entries) != 0 {
			t.Errorf("RootDir/%s holds %d entries after removal", d, len(entries))
		}
	}
}
