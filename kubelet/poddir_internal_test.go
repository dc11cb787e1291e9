package kubelet

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestContainerLogPath(t *testing.T) {
	for _, tc := range []struct {
		layout    logLayout
		container string
		attempt   uint32
		want      string
	}{
		{logsFlat, "app", 0, "uid-1_app_0.log"},
		{logsFlat, "volumes", 12, "uid-1_volumes_12.log"},
		{logsFlat, "logs", 4294967295, "uid-1_logs_4294967295.log"},
		{logsNested, "app", 0, "app/0.log"},
		{logsNested, "app", 7, "app/7.log"},
	} {
		if got := containerLogPath(tc.layout, "uid-1", tc.container, tc.attempt); got != tc.want {
			t.Errorf("containerLogPath(%d, uid-1, %q, %d) = %q, want %q", tc.layout, tc.container, tc.attempt, got, tc.want)
		}
	}
}

// TestParseFlatLogName: every name containerLogPath makes parses back,
// rotated files are told apart, and other names are refused, whatever
// the UID holds.
func TestParseFlatLogName(t *testing.T) {
	type parsed struct {
		UID, Container string
		Attempt        uint32
		Rotated, OK    bool
	}
	for _, tc := range []struct {
		name string
		want parsed
	}{
		{"uid-1_app_0.log", parsed{"uid-1", "app", 0, false, true}},
		{"uid-1_app_12.log.3", parsed{"uid-1", "app", 12, true, true}},
		{"a_b_c_7.log", parsed{"a_b", "c", 7, false, true}}, // a UID with '_'
		{"a.b_c_7.log", parsed{"a.b", "c", 7, false, true}},
		{"uid_app_x.log", parsed{}},
		{"uid_app_+1.log", parsed{}},
		{"uid_app_-1.log", parsed{}},
		{"uid_app_1.log.x", parsed{}},
		{"uid_app_1.txt", parsed{}},
		{"app_1.log", parsed{}},
		{"_app_1.log", parsed{}},
		{"uid__1.log", parsed{}},
		{"uid_app_.log", parsed{}},
		{"uid_app_1", parsed{}},
		{"", parsed{}},
	} {
		var got parsed
		got.UID, got.Container, got.Attempt, got.Rotated, got.OK = parseFlatLogName(tc.name)
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("parseFlatLogName(%q) (-want +got):\n%s", tc.name, d)
		}
	}
	for _, c := range []string{"app", "a", "logs", "volumes", "x-1"} {
		for _, a := range []uint32{0, 1, 99, 4294967295} {
			name := containerLogPath(logsFlat, "0f8e-uid", c, a)
			u, gc, ga, rotated, ok := parseFlatLogName(name)
			if !ok || rotated || u != "0f8e-uid" || gc != c || ga != a {
				t.Errorf("parseFlatLogName(%q) = %q %q %d %v %v", name, u, gc, ga, rotated, ok)
			}
		}
	}
}

// FuzzParseFlatLogName: a name that parses is made of what it parsed to
// (a UID, a container name without '_', an attempt), and what
// containerLogPath makes of those parses back to them.
func FuzzParseFlatLogName(f *testing.F) {
	f.Add("uid-1_app_0.log.2")
	f.Add("a_b_c_7.log")
	f.Add("uid_app_007.log")
	f.Fuzz(func(t *testing.T, name string) {
		u, c, a, rotated, ok := parseFlatLogName(name)
		if !ok {
			return
		}
		if u == "" || c == "" || strings.Contains(c, "_") || !strings.HasPrefix(name, u+"_"+c+"_") ||
			rotated != !strings.HasSuffix(name, ".log") {
			t.Fatalf("%q parsed as %q %q %d rotated=%v", name, u, c, a, rotated)
		}
		back := containerLogPath(logsFlat, u, c, a)
		u2, c2, a2, rotated2, ok2 := parseFlatLogName(back)
		if !ok2 || rotated2 || u2 != u || c2 != c || a2 != a {
			t.Fatalf("%q: %q does not parse back: %q %q %d %v %v", name, back, u2, c2, a2, rotated2, ok2)
		}
	})
}

func TestSandboxLogLayout(t *testing.T) {
	for _, tc := range []struct {
		labels map[string]string
		want   logLayout
	}{
		{nil, logsNested}, // made by an older kubelet
		{map[string]string{LabelPodUID: "u"}, logsNested},
		{map[string]string{LabelLogLayout: "flat"}, logsFlat},
		{map[string]string{LabelLogLayout: "other"}, logsNested},
	} {
		if got := sandboxLogLayout(tc.labels); got != tc.want {
			t.Errorf("sandboxLogLayout(%v) = %d, want %d", tc.labels, got, tc.want)
		}
	}
}

// TestLogFilesBothLayouts: a container's log files are found in both
// layouts, the flat layout's first (they are the newer), each newest
// attempt first; other pods' and containers' files, rotated files, the
// pod directory's other entries and malformed names are not taken.
// removePodFiles removes all of one pod's files and no other pod's.
func TestLogFilesBothLayouts(t *testing.T) {
	root := t.TempDir()
	k := &Kubelet{cfg: Config{RootDir: root}}
	pod := filepath.Join(root, "pods", "uid-1")
	logs := filepath.Join(root, "logs")
	files := []string{
		"logs/uid-1_app_0.log", "logs/uid-1_app_1.log", "logs/uid-1_app_1.log.1", "logs/uid-1_app_10.log",
		"logs/uid-1_app-x_5.log", "logs/uid-1_apps_3.log", "logs/uid-1_app_.log", "logs/uid-1_app_+2.log",
		"logs/uid-1_app_-1.log", "logs/uid-1_app_1x.log", "logs/uid-1_app_2.txt",
		"logs/uid-2_app_4.log", "logs/uid_1_app_6.log", "logs/1_app_8.log", "logs/stray",
		"pods/uid-1/logs/app/0.log", "pods/uid-1/logs/app/7.log", "pods/uid-1/logs/app/7.log.1",
		"pods/uid-1/logs/app/junk", "pods/uid-1/logs/app-x/9.log",
		"pods/uid-1/volumes/empty-dir/app_4.log", "pods/uid-2/volumes/empty-dir/x",
	}
	for _, f := range files {
		p := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A directory with a log file's name is not a log file.
	if err := os.Mkdir(filepath.Join(logs, "uid-1_app_3.log"), 0o755); err != nil {
		t.Fatal(err)
	}
	got := k.logFiles("uid-1", "app")
	want := []logFile{
		{10, filepath.Join(logs, "uid-1_app_10.log")},
		{1, filepath.Join(logs, "uid-1_app_1.log")},
		{0, filepath.Join(logs, "uid-1_app_0.log")},
		{7, filepath.Join(pod, "logs/app/7.log")},
		{0, filepath.Join(pod, "logs/app/0.log")},
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(logFile{})); d != "" {
		t.Errorf("logFiles(app) (-want +got):\n%s", d)
	}
	want = []logFile{{5, filepath.Join(logs, "uid-1_app-x_5.log")}, {9, filepath.Join(pod, "logs/app-x/9.log")}}
	if d := cmp.Diff(want, k.logFiles("uid-1", "app-x"), cmp.AllowUnexported(logFile{})); d != "" {
		t.Errorf("logFiles(app-x) (-want +got):\n%s", d)
	}
	for _, c := range []string{"volumes", "logs", "none"} {
		if got := k.logFiles("uid-1", c); len(got) != 0 {
			t.Errorf("logFiles(%s) = %v, want none", c, got)
		}
	}
	if got := k.logFiles("no-such-pod", "app"); len(got) != 0 {
		t.Errorf("logFiles of a pod without files = %v", got)
	}

	k.removePodFiles("uid-1")
	var left []string // the files left
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			left = append(left, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wantLeft := []string{
		"logs/1_app_8.log", "logs/stray", "logs/uid-1_app_+2.log", "logs/uid-1_app_-1.log",
		"logs/uid-1_app_.log", "logs/uid-1_app_1x.log", "logs/uid-1_app_2.txt",
		"logs/uid-2_app_4.log", "logs/uid_1_app_6.log", "pods/uid-2/volumes/empty-dir/x",
	}
	if d := cmp.Diff(wantLeft, left); d != "" {
		t.Errorf("after removePodFiles(uid-1) (-want +got):\n%s", d)
	}
}
