package kubelet

// The pod directory: its layout on disk, and where container logs go.

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Layout under Config.RootDir:
//
//	logs/                                     the LogDirectory of every sandbox the kubelet makes
//	logs/<pod-uid>_<container>_<attempt>.log  container logs (CRI format); the runtime may add
//	                                          rotated files <...>.log.<n>
//	pods/<uid>/                               the pod directory, made only for a pod with volumes
//	pods/<uid>/volumes/<kind>/<volume>        emptyDir, secret and configMap contents
//	pods/<uid>/volumes/kubernetes.io~csi/<volume>/{vol_data.json,mount}
//	                                          inline CSI volumes (volumes_csi.go)
//	pods/<uid>/logs/<container>/<attempt>.log container logs of sandboxes made by kubelets
//	                                          before the flat layout (read, and still written
//	                                          for such a sandbox when it is adopted)
//
// Starting a pod without volumes makes no directory, and one log file per
// container (through the runtime): on a filesystem where inode allocation
// is costly, each new directory or file is a noticeable part of a pod's
// start. A log file's name is that of no other pod's or container's:
// container names are DNS labels (no '_'), so the name parses from its
// end as <uid>_<container>_<attempt>.log whatever the UID holds.
func (k *Kubelet) podDir(uid string) string {
	return filepath.Join(k.cfg.RootDir, "pods", uid)
}

// logDir is the node's log directory, the flat layout's LogDirectory.
func (k *Kubelet) logDir() string { return filepath.Join(k.cfg.RootDir, "logs") }

// nestedLogDir is a pod's log directory in the nested layout.
func (k *Kubelet) nestedLogDir(uid string) string { return filepath.Join(k.podDir(uid), "logs") }

// logLayout says where a sandbox's container logs go.
type logLayout uint8

const (
	// logsFlat: LogDirectory is <RootDir>/logs, LogPath
	// "<pod-uid>_<container>_<attempt>.log". Sandboxes made by this
	// kubelet.
	logsFlat logLayout = iota
	// logsNested: LogDirectory is pods/<uid>/logs, LogPath
	// "<container>/<attempt>.log", whose directory the kubelet makes
	// before the container. Sandboxes made by older kubelets (they lack
	// LabelLogLayout), adopted after a restart: a runtime writes a
	// container's log under the LogDirectory its sandbox was made with.
	logsNested
)

// LabelLogLayout on a sandbox names the layout of its container logs
// ("flat": <RootDir>/logs/<pod-uid>_<container>_<attempt>.log). A sandbox
// without it was made by an older kubelet that wrote
// pods/<uid>/logs/<container>/<attempt>.log.
const LabelLogLayout = "rigging.dev/log-layout"

const logLayoutFlat = "flat"

// sandboxLogLayout is the layout of a sandbox's logs, from its labels.
func sandboxLogLayout(labels map[string]string) logLayout {
	if labels[LabelLogLayout] == logLayoutFlat {
		return logsFlat
	}
	return logsNested
}

// logDirectory is the sandbox LogDirectory of layout l for pod uid.
func (k *Kubelet) logDirectory(uid string, l logLayout) string {
	if l == logsNested {
		return k.nestedLogDir(uid)
	}
	return k.logDir()
}

// containerLogPath is a container's LogPath (relative to the sandbox's
// LogDirectory) in layout l.
func containerLogPath(l logLayout, uid, container string, attempt uint32) string {
	if l == logsNested {
		return container + "/" + strconv.FormatUint(uint64(attempt), 10) + ".log"
	}
	b := make([]byte, 0, len(uid)+len(container)+16)
	b = append(b, uid...)
	b = append(b, '_')
	b = append(b, container...)
	b = append(b, '_')
	b = strconv.AppendUint(b, uint64(attempt), 10)
	b = append(b, ".log"...)
	return string(b)
}

// parseFlatLogName parses a file name of the flat layout,
// "<uid>_<container>_<attempt>.log" with an optional rotation suffix
// ".<n>" (rotated reports it).
func parseFlatLogName(name string) (uid, container string, attempt uint32, rotated, ok bool) {
	rest := name
	if i := strings.LastIndexByte(rest, '.'); i >= 0 && rest[i+1:] != "log" {
		if _, err := strconv.ParseUint(rest[i+1:], 10, 32); err != nil {
			return "", "", 0, false, false
		}
		rest, rotated = rest[:i], true
	}
	rest, ok = strings.CutSuffix(rest, ".log")
	if !ok {
		return "", "", 0, false, false
	}
	i := strings.LastIndexByte(rest, '_')
	if i < 0 {
		return "", "", 0, false, false
	}
	a, err := strconv.ParseUint(rest[i+1:], 10, 32) // digits only: no sign
	if err != nil {
		return "", "", 0, false, false
	}
	rest = rest[:i]
	j := strings.LastIndexByte(rest, '_')
	if j <= 0 || j == len(rest)-1 {
		return "", "", 0, false, false
	}
	return rest[:j], rest[j+1:], uint32(a), rotated, true
}

// mkdir makes directory dir (mode 0755) as os.MkdirAll does, in one
// system call when its parent exists and it does not (the common case),
// where os.MkdirAll first looks at each level.
func mkdir(dir string) error {
	if os.Mkdir(dir, 0o755) == nil {
		return nil
	}
	return os.MkdirAll(dir, 0o755)
}

// logFile is one log file of a container.
type logFile struct {
	attempt uint32
	path    string
}

// logFiles returns the log files of a container of pod uid, newest first:
// those of the flat layout by attempt, then those of the nested layout
// by attempt (a pod has nested ones only from a sandbox of an older
// kubelet, which any flat one replaced).
func (k *Kubelet) logFiles(uid, container string) []logFile {
	var flat []logFile
	if ents, err := os.ReadDir(k.logDir()); err == nil {
		for _, e := range ents {
			u, c, a, rotated, ok := parseFlatLogName(e.Name())
			if ok && !rotated && u == uid && c == container && !e.IsDir() {
				flat = append(flat, logFile{a, filepath.Join(k.logDir(), e.Name())})
			}
		}
		sortLogFiles(flat)
	}
	var nested []logFile
	dir := filepath.Join(k.nestedLogDir(uid), container)
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			n, ok := strings.CutSuffix(e.Name(), ".log")
			a, err := strconv.ParseUint(n, 10, 32) // digits only: no sign
			if ok && err == nil && !e.IsDir() {
				nested = append(nested, logFile{uint32(a), filepath.Join(dir, e.Name())})
			}
		}
		sortLogFiles(nested)
	}
	return append(flat, nested...)
}

func sortLogFiles(fs []logFile) {
	slices.SortFunc(fs, func(a, b logFile) int { return cmp.Compare(b.attempt, a.attempt) })
}

// removePodFiles removes everything of pod uid on disk: its pod directory
// and its log files.
func (k *Kubelet) removePodFiles(uid string) {
	_ = os.RemoveAll(k.podDir(uid))
	k.removeLogs(func(u string) bool { return u == uid })
}

// removeLogs removes the flat layout's log files (rotated ones too) of
// the pods whose UID match selects. It reads the names of the log
// directory once, unsorted.
func (k *Kubelet) removeLogs(match func(uid string) bool) {
	f, err := os.Open(k.logDir())
	if err != nil {
		return
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	for _, name := range names {
		if u, _, _, _, ok := parseFlatLogName(name); ok && match(u) {
			_ = os.Remove(filepath.Join(k.logDir(), name))
		}
	}
}
