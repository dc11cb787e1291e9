package process

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func fixedClock() func() time.Time {
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time { t = t.Add(time.Millisecond); return t }
}

func TestCopyLinesPartial(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.log")
	lf, err := openLogFile(path, 1<<20, 2)
	if err != nil {
		t.Fatal(err)
	}
	lf.now = fixedClock()
	long := strings.Repeat("x", 40)
	copyLines(lf, "stdout", strings.NewReader("short\n"+long+"\n\nlast"), 16)
	lf.Close()
	want := []logEntry{
		{"stdout", "F", "short"},
		{"stdout", "P", long[:16]},
		{"stdout", "P", long[16:32]},
		{"stdout", "F", long[32:]},
		{"stdout", "F", ""},
		{"stdout", "F", "last"},
	}
	if diff := cmp.Diff(want, readLog(t, path)); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), "2026-01-02T03:04:05.001Z stdout F short\n") {
		t.Errorf("first line = %q, want the CRI format with an RFC3339Nano time", strings.SplitN(string(data), "\n", 2)[0])
	}
}

func TestLogRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.log")
	const maxSize, maxFiles = 200, 3
	lf, err := openLogFile(path, maxSize, maxFiles)
	if err != nil {
		t.Fatal(err)
	}
	lf.now = fixedClock()
	const n = 50
	for i := range n {
		if err := lf.writeEntry("stderr", "F", []byte(fmt.Sprintf("line %03d", i))); err != nil {
			t.Fatal(err)
		}
	}
	lf.Close()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"c.log", "c.log.1", "c.log.2"}, names); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	// Oldest first: c.log.2, c.log.1, c.log; together the newest lines,
	// consecutive, ending with the last one.
	var got []string
	for _, f := range []string{"c.log.2", "c.log.1", "c.log"} {
		st, _ := os.Stat(filepath.Join(dir, f))
		if st.Size() > maxSize {
			t.Errorf("%s is %d bytes, over the limit %d", f, st.Size(), maxSize)
		}
		for _, e := range readLog(t, filepath.Join(dir, f)) {
			got = append(got, e.Text)
		}
	}
	var want []string
	for i := n - len(got); i < n; i++ {
		want = append(want, fmt.Sprintf("line %03d", i))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kept lines (-want +got):\n%s", diff)
	}
	if len(got) < 9 {
		t.Errorf("only %d lines kept in %d files of %d bytes", len(got), maxFiles, maxSize)
	}
}

func TestContainerLogPartialAndRotation(t *testing.T) {
	r := newTestRuntime(t, Options{LogMaxSize: 8 << 10, LogMaxFiles: 3, LogMaxLineSize: 1024})
	sbCfg := sandboxConfig(t, "logs")
	sb := runSandbox(t, r, sbCfg)

	// A 3000-byte line: two partial entries of 1024 bytes and a full one.
	id := startContainer(t, r, sb, sbCfg, shContainer("long", `i=0; s=; while [ $i -lt 300 ]; do s="${s}aaaaaaaaaa"; i=$((i+1)); done; echo "$s"`))
	st := waitExited(t, r, id)
	got := readLog(t, st.LogPath)
	want := []logEntry{{"stdout", "P", strings.Repeat("a", 1024)}, {"stdout", "P", strings.Repeat("a", 1024)}, {"stdout", "F", strings.Repeat("a", 952)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("long line entries (-want +got):\n%s", diff)
	}

	// 2000 lines of ~60 bytes in CRI format rotate through 3 files of 8 KiB.
	id = startContainer(t, r, sb, sbCfg, shContainer("many", `i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done`))
	st = waitExited(t, r, id)
	files, _ := filepath.Glob(st.LogPath + "*")
	if diff := cmp.Diff([]string{st.LogPath, st.LogPath + ".1", st.LogPath + ".2"}, files); diff != "" {
		t.Fatalf("log files (-want +got):\n%s", diff)
	}
	last := readLog(t, st.LogPath)
	if len(last) == 0 || last[len(last)-1].Text != "line 1999" {
		t.Errorf("live log ends with %v, want line 1999", last[len(last)-1:])
	}
}
