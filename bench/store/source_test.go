package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// rootDir is the Rigging module root, seen from this package's directory
// (go test runs a test binary in its package's directory).
const rootDir = "../.."

// benchmarkedDirs are the directories, relative to rootDir, whose code the
// targets run: the store contract, store/mvcc (with mvccpb) and
// store/etcd.
var benchmarkedDirs = []string{"store", "store/mvcc", "store/mvcc/mvccpb", "store/etcd"}

// sourceFingerprint names the version of the store code under test, which
// the replace directive takes from the working tree: the commit, the
// number of files in benchmarkedDirs that differ from it or are new, and a
// SHA-256 prefix of their non-test .go files. Two runs with the same
// fingerprint benchmarked the same store code.
func sourceFingerprint() string {
	h := sha256.New()
	files := 0
	var err error
	for _, dir := range benchmarkedDirs {
		var paths []string
		if paths, err = filepath.Glob(filepath.Join(rootDir, dir, "*.go")); err != nil {
			break
		}
		for _, path := range paths {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			var b []byte
			if b, err = os.ReadFile(path); err != nil {
				break
			}
			fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(path), len(b))
			h.Write(b)
			files++
		}
	}
	sum := "unknown"
	if err == nil {
		sum = hex.EncodeToString(h.Sum(nil))[:16]
	}
	commit, dirty := "unknown commit", "unknown"
	if out, err := exec.Command("git", "-C", rootDir, "rev-parse", "--short", "HEAD").Output(); err == nil {
		commit = "commit " + strings.TrimSpace(string(out))
	}
	var pathspecs []string
	for _, dir := range benchmarkedDirs {
		pathspecs = append(pathspecs, ":(glob)"+dir+"/*.go")
	}
	if out, err := exec.Command("git", append([]string{"-C", rootDir, "status", "--porcelain", "--untracked-files=all", "--"}, pathspecs...)...).Output(); err == nil {
		dirty = fmt.Sprint(len(strings.FieldsFunc(string(out), func(r rune) bool { return r == '\n' })))
	}
	return fmt.Sprintf("%s; %s .go file(s) in %s changed or new since; sha256 of their %d non-test .go files %s",
		commit, dirty, strings.Join(benchmarkedDirs, ", "), files, sum)
}
