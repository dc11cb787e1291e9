package process

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// TestKeyedValue: keyedValue reads a key as readKeyed (the parser of the
// larger stat files) does.
func TestKeyedValue(t *testing.T) {
	for _, in := range []string{
		"populated 1\nfrozen 0\n",
		"populated 0\n",
		"frozen 0\npopulated 1",
		"low 0\nhigh 0\nmax 0\noom 2\noom_kill 3\n",
		"oom_kill_disable 0\nunder_oom 0\noom_kill 7\n",
		"oom_kill x\n", "oom_kill\n", "oom_kill 1 2\n", "oom_kill -1\n", "oom_kill 18446744073709551616\n",
		"oom_kill 18446744073709551615\n", "oom_kill 1\noom_kill 2\n", "oom_kill 2\noom_kill x\n",
		"  oom_kill\t 5 \r\n", "", "\n\n",
	} {
		path := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := readKeyed(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"populated", "oom_kill"} {
			want, wantOK := m[key]
			got, ok := keyedValue([]byte(in), key)
			if got != want || ok != wantOK {
				t.Errorf("keyedValue(%q, %s) = %d, %v; readKeyed says %d, %v", in, key, got, ok, want, wantOK)
			}
		}
	}
}

// TestParseProcStart: the start time is field 22 whatever the command
// name (field 2, in parentheses) holds, and procStart reads it for a
// live process as the fields of /proc/<pid>/stat say.
func TestParseProcStart(t *testing.T) {
	rest := " S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 424242 20 21\n"
	for _, comm := range []string{"sh", "a b", "x) S 1 (y", ")", ""} {
		line := "123 (" + comm + ")" + rest
		got, err := parseProcStart([]byte(line), 123)
		if err != nil || got != 424242 {
			t.Errorf("parseProcStart(%q) = %d, %v; want 424242", line, got, err)
		}
	}
	for _, bad := range []string{"", "123 sh S 1", "123 (sh) S 1 2 3\n", "123 (sh)" + strings.Replace(rest, "424242", "x", 1)} {
		if got, err := parseProcStart([]byte(bad), 123); err == nil {
			t.Errorf("parseProcStart(%q) = %d, want an error", bad, got)
		}
	}
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	want, _ := strconv.ParseUint(f[19], 10, 64)
	if got, err := procStart(os.Getpid()); err != nil || got != want {
		t.Errorf("procStart(self) = %d, %v; want %d", got, err, want)
	}
	if _, err := procStart(-1); err == nil {
		t.Error("procStart(-1) succeeded")
	}
}

// TestCgroupAt: paths below a held root directory are opened relative to
// it; any other path (the root itself, a sibling sharing its prefix, a
// path elsewhere) as it is.
func TestCgroupAt(t *testing.T) {
	h := &cgroupHost{}
	dirs := []cgroupDir{{path: "/sys/fs/cgroup/unified/rigging", fd: 7}, {path: "/sys/fs/cgroup/cpu/rigging", fd: 8}}
	h.dirs.Store(&dirs)
	type at struct {
		FD  int
		Rel string
	}
	for path, want := range map[string]at{
		"/sys/fs/cgroup/unified/rigging/podx/ctr-y": {7, "podx/ctr-y"},
		"/sys/fs/cgroup/cpu/rigging/podx":           {8, "podx"},
		"/sys/fs/cgroup/unified/rigging":            {unix.AT_FDCWD, "/sys/fs/cgroup/unified/rigging"},
		"/sys/fs/cgroup/unified/rigging2/podx":      {unix.AT_FDCWD, "/sys/fs/cgroup/unified/rigging2/podx"},
		"/sys/fs/cgroup/memory/rigging/podx":        {unix.AT_FDCWD, "/sys/fs/cgroup/memory/rigging/podx"},
	} {
		fd, rel := h.at(path)
		if diff := cmp.Diff(want, at{fd, rel}); diff != "" {
			t.Errorf("at(%s) (-want +got):\n%s", path, diff)
		}
	}
	h.dirs.Store(nil) // closed
	if fd, rel := h.at("/sys/fs/cgroup/unified/rigging/podx"); fd != unix.AT_FDCWD || rel != "/sys/fs/cgroup/unified/rigging/podx" {
		t.Errorf("at after close = %d, %s; want AT_FDCWD and the path", fd, rel)
	}
}
