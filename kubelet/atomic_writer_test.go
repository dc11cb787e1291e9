package kubelet

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// visible returns what a reader of dir sees: every file reached through
// the user-visible names, with its content and mode; and the writer's own
// entries ("..name") apart.
func visible(t *testing.T, dir string) (files map[string]string, own []string) {
	t.Helper()
	files = map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "..") {
			own = append(own, e.Name())
			continue
		}
		root := filepath.Join(dir, e.Name())
		if target, err := os.Readlink(root); err != nil || target != filepath.Join(dataDirName, e.Name()) {
			t.Errorf("%s is not a symlink to ..data/%s (%q, %v)", e.Name(), e.Name(), target, err)
		}
		err := filepath.Walk(root+"/", func(path string, info os.FileInfo, err error) error {
			if err != nil {
				path = root
				if info, err = os.Stat(root); err != nil {
					return err
				}
			}
			if info.IsDir() {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, filepath.Clean(path))
			files[rel] = string(b) + " " + info.Mode().Perm().String()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files, own
}

func TestWriteAtomicVersions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vol")
	steps := []struct {
		name      string
		payload   map[string]volumeFile
		wantWrite bool
		want      map[string]string
	}{
		{"first", map[string]volumeFile{"a": {[]byte("1"), 0o644}, "d/b": {[]byte("2"), 0o400}}, true,
			map[string]string{"a": "1 -rw-r--r--", "d/b": "2 -r--------"}},
		{"change a, drop d, add c", map[string]volumeFile{"a": {[]byte("1b"), 0o644}, "c": {[]byte("3"), 0o600}}, true,
			map[string]string{"a": "1b -rw-r--r--", "c": "3 -rw-------"}},
		{"same again writes nothing", map[string]volumeFile{"a": {[]byte("1b"), 0o644}, "c": {[]byte("3"), 0o600}}, false,
			map[string]string{"a": "1b -rw-r--r--", "c": "3 -rw-------"}},
		{"mode change is a change", map[string]volumeFile{"a": {[]byte("1b"), 0o640}, "c": {[]byte("3"), 0o600}}, true,
			map[string]string{"a": "1b -rw-r-----", "c": "3 -rw-------"}},
		{"empty", map[string]volumeFile{}, true, map[string]string{}},
	}
	prevTS := ""
	for _, s := range steps {
		wrote, err := writeAtomic(dir, s.payload)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if wrote != s.wantWrite {
			t.Errorf("%s: wrote = %v, want %v", s.name, wrote, s.wantWrite)
		}
		files, own := visible(t, dir)
		if d := cmp.Diff(s.want, files); d != "" {
			t.Errorf("%s: files (-want +got):\n%s", s.name, d)
		}
		ts, err := os.Readlink(filepath.Join(dir, dataDirName))
		if err != nil {
			t.Fatalf("%s: ..data: %v", s.name, err)
		}
		if d := cmp.Diff([]string{ts, dataDirName}, own); d != "" {
			t.Errorf("%s: the writer's entries (-want +got):\n%s", s.name, d)
		}
		if (ts != prevTS) != s.wantWrite {
			t.Errorf("%s: ..data went from %q to %q; a new version expected: %v", s.name, prevTS, ts, s.wantWrite)
		}
		prevTS = ts
	}
}

// TestWriteAtomicReplacesOldLayout: files written directly into the
// volume (the layout before this one) make way for the symlinks.
func TestWriteAtomicReplacesOldLayout(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"a": "old", "stale": "x", "a.tmp": "y"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := writeAtomic(dir, map[string]volumeFile{"a": {[]byte("new"), 0o644}}); err != nil {
		t.Fatal(err)
	}
	files, _ := visible(t, dir)
	if d := cmp.Diff(map[string]string{"a": "new -rw-r--r--"}, files); d != "" {
		t.Errorf("files (-want +got):\n%s", d)
	}
}

func TestWriteAtomicRejectsBadPaths(t *testing.T) {
	tests := []struct {
		path, want string
	}{
		{"../escape", `path "../escape" must not contain '..'`},
		{"a/../../b", `path "a/../../b" must not contain '..'`},
		{"/etc/passwd", `path "/etc/passwd" must be relative`},
		{"..data", `path "..data" must not start with '..'`},
		{"", "path must not be empty"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		_, err := writeAtomic(dir, map[string]volumeFile{tt.path: {[]byte("x"), 0o644}})
		if err == nil || err.Error() != tt.want {
			t.Errorf("path %q: error %v, want %q", tt.path, err, tt.want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("path %q: the refused write left %d entries", tt.path, len(entries))
		}
	}
}
