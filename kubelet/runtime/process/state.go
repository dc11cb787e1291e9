package process

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rigging-dev/rigging/kubelet"
)

// sandboxRecord is a sandbox's persisted state (a line of the journal; see
// journal.go).
type sandboxRecord struct {
	ID         string                    `json:"id"`
	Config     *kubelet.PodSandboxConfig `json:"config"`
	CreatedAt  time.Time                 `json:"createdAt"`
	Stopped    bool                      `json:"stopped,omitempty"`
	Cgroup     cgroup                    `json:"cgroup"`
	PauseCg    cgroup                    `json:"pauseCgroup"`
	PausePID   int                       `json:"pausePid"`
	PauseStart uint64                    `json:"pauseStart"`
	// NoPause marks a sandbox without a pause process (PID mode Container
	// or Node): its UTS and IPC namespaces are bound on files instead,
	// RootDir/ns/<id>.uts and <id>.ipc (see nsFile).
	NoPause bool     `json:"noPause,omitempty"`
	IPs     []string `json:"ips,omitempty"`
	// LegacyLayout marks a sandbox made by a runtime that kept state in a
	// directory per sandbox: its namespace files are
	// RootDir/sandboxes/<id>/ns/{uts,ipc}.
	LegacyLayout bool `json:"legacyLayout,omitempty"`
}

// containerRecord is a container's persisted state (a line of the journal).
type containerRecord struct {
	ID        string                   `json:"id"`
	SandboxID string                   `json:"sandboxId"`
	Config    *kubelet.ContainerConfig `json:"config"`
	Init      initConfig               `json:"init"`
	PIDMode   kubelet.NamespaceMode    `json:"pidMode"`
	LogPath   string                   `json:"logPath"`
	Cgroup    cgroup                   `json:"cgroup"`
	CreatedAt time.Time                `json:"createdAt"`
	// containerStatus is what changes after CreateContainer; encoding/json
	// inlines its fields.
	containerStatus
}

// containerStatus is the part of a container's record that starting it
// and its exit change: the journal records it on its own then (a
// containerStatusEntry), not the whole record.
type containerStatus struct {
	State      kubelet.ContainerState `json:"state"`
	StartedAt  time.Time              `json:"startedAt,omitzero"`
	FinishedAt time.Time              `json:"finishedAt,omitzero"`
	ExitCode   int32                  `json:"exitCode"`
	Reason     string                 `json:"reason,omitempty"`
	Message    string                 `json:"message,omitempty"`
	PID        int                    `json:"pid,omitempty"`
	PIDStart   uint64                 `json:"pidStart,omitempty"`
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// legacyStateName is the state file of each sandbox and container
// directory (RootDir/sandboxes/<id>, RootDir/containers/<id>) that
// runtimes before the journal wrote; recover moves them into the journal.
const legacyStateName = "state.json"

// loadLegacyRecords reads the state files of the directories in dir
// (RootDir/sandboxes or RootDir/containers) of an earlier runtime version.
func loadLegacyRecords[T any](dir string) ([]*T, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*T
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name(), legacyStateName))
		if err != nil {
			continue // created but never persisted: nothing to recover
		}
		v := new(T)
		if err := json.Unmarshal(data, v); err != nil {
			return nil, fmt.Errorf("decode %s: %w: %w", filepath.Join(dir, e.Name(), legacyStateName), err, ErrCorruptState)
		}
		out = append(out, v)
	}
	return out, nil
}

// sandboxDir and containerDir are the directories of a sandbox and a
// container in the layout before the journal (legacy state, and the log
// of a container whose sandbox has no LogDirectory).
func (r *Runtime) sandboxDir(id string) string { return filepath.Join(r.opts.RootDir, "sandboxes", id) }
func (r *Runtime) containerDir(id string) string {
	return filepath.Join(r.opts.RootDir, "containers", id)
}
