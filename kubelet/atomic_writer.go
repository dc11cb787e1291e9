package kubelet

// The atomic layout of secret and configMap volumes, as Kubernetes'
// AtomicWriter makes it:
//
//	<dir>/..2026_11_28_06_00_00.123456789/<files>   one version of the payload
//	<dir>/..data -> ..2026_11_28_06_00_00.123456789  the current version
//	<dir>/<key>  -> ..data/<key>                     what containers open
//
// An update writes a whole new timestamped directory, then renames a new
// ..data symlink over the old one (rename(2) is atomic), then removes the
// old directory: a reader resolves every path in one version, never a
// file half written or a mix of two versions.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const (
	// dataDirName is the symlink to the current version.
	dataDirName = "..data"
	// newDataDirName is the symlink renamed over dataDirName.
	newDataDirName = "..data_tmp"
)

// volumeFile is one file of a payload: its content and permission bits.
type volumeFile struct {
	data []byte
	mode os.FileMode
}

// validatePayloadPath checks a payload path as Kubernetes does: relative,
// without "..", and not starting with ".." (the writer's own names).
func validatePayloadPath(p string) error {
	if p == "" {
		return errors.New("path must not be empty")
	}
	if filepath.IsAbs(p) {
		return fmt.Errorf("path %q must be relative", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return fmt.Errorf("path %q must not contain '..'", p)
		}
	}
	if strings.HasPrefix(p, "..") {
		return fmt.Errorf("path %q must not start with '..'", p)
	}
	return nil
}

// writeAtomic makes dir hold exactly payload (path -> file) in the atomic
// layout. It reports whether it wrote a new version: a payload equal to
// the current one changes nothing. One goroutine at a time may write a
// given dir.
func writeAtomic(dir string, payload map[string]volumeFile) (bool, error) {
	clean := make(map[string]volumeFile, len(payload))
	for p, f := range payload {
		if err := validatePayloadPath(p); err != nil {
			return false, err
		}
		clean[filepath.Clean(p)] = f
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	oldTS, _ := os.Readlink(filepath.Join(dir, dataDirName))
	if oldTS != "" && payloadEqual(filepath.Join(dir, oldTS), clean) {
		// Nothing to write; mend the user-visible links should an
		// earlier write have stopped before them.
		return false, linkUserVisible(dir, clean)
	}
	tsDir, err := os.MkdirTemp(dir, time.Now().UTC().Format("..2006_01_02_15_04_05."))
	if err != nil {
		return false, err
	}
	if err := writePayload(tsDir, clean); err != nil {
		_ = os.RemoveAll(tsDir)
		return false, err
	}
	// Swap ..data to the new version in one rename.
	tmpLink := filepath.Join(dir, newDataDirName)
	_ = os.Remove(tmpLink)
	if err := os.Symlink(filepath.Base(tsDir), tmpLink); err != nil {
		_ = os.RemoveAll(tsDir)
		return false, err
	}
	if err := os.Rename(tmpLink, filepath.Join(dir, dataDirName)); err != nil {
		_ = os.Remove(tmpLink)
		_ = os.RemoveAll(tsDir)
		return false, err
	}
	if err := linkUserVisible(dir, clean); err != nil {
		return true, err
	}
	if oldTS != "" && oldTS != filepath.Base(tsDir) {
		if err := os.RemoveAll(filepath.Join(dir, oldTS)); err != nil {
			return true, err
		}
	}
	return true, nil
}

// writePayload writes every file of payload under tsDir, with its mode.
func writePayload(tsDir string, payload map[string]volumeFile) error {
	if err := os.Chmod(tsDir, 0o755); err != nil {
		return err
	}
	for p, f := range payload {
		full := filepath.Join(tsDir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, f.data, f.mode); err != nil {
			return err
		}
		// WriteFile's mode is masked by the umask; set it exactly.
		if err := os.Chmod(full, f.mode); err != nil {
			return err
		}
	}
	return nil
}

// linkUserVisible makes a symlink "<top> -> ..data/<top>" for the first
// component of every payload path, and removes every other entry of dir
// that is not the writer's own ("..<name>"): keys that left the payload,
// and files of the layout before this one.
func linkUserVisible(dir string, payload map[string]volumeFile) error {
	top := map[string]bool{}
	for p := range payload {
		top[strings.SplitN(p, string(filepath.Separator), 2)[0]] = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "..") {
			continue
		}
		want := filepath.Join(dataDirName, name)
		if top[name] {
			if target, err := os.Readlink(filepath.Join(dir, name)); err == nil && target == want {
				delete(top, name) // already linked
				continue
			}
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	for name := range top {
		if err := os.Symlink(filepath.Join(dataDirName, name), filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// payloadEqual reports whether the version in tsDir holds exactly
// payload, contents and modes.
func payloadEqual(tsDir string, payload map[string]volumeFile) bool {
	seen := 0
	err := filepath.WalkDir(tsDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(tsDir, path)
		if err != nil {
			return err
		}
		f, ok := payload[rel]
		if !ok {
			return errors.New("extra file")
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm() != f.mode.Perm() {
			return errors.New("mode differs")
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !bytes.Equal(data, f.data) {
			return errors.New("content differs")
		}
		seen++
		return nil
	})
	return err == nil && seen == len(payload)
}
