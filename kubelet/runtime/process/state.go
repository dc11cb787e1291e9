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

// sandboxRecord is a sandbox's persisted state (RootDir/sandboxes/<id>/state.json).
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
	// or Node): its UTS and IPC namespaces are bound on files in
	// RootDir/sandboxes/<id>/ns/ instead.
	NoPause bool     `json:"noPause,omitempty"`
	IPs     []string `json:"ips,omitempty"`
}

// containerRecord is a container's persisted state (RootDir/containers/<id>/state.json).
type containerRecord struct {
	ID         string                   `json:"id"`
	SandboxID  string                   `json:"sandboxId"`
	Config     *kubelet.ContainerConfig `json:"config"`
	Init       initConfig               `json:"init"`
	PIDMode    kubelet.NamespaceMode    `json:"pidMode"`
	LogPath    string                   `json:"logPath"`
	Cgroup     cgroup                   `json:"cgroup"`
	State      kubelet.ContainerState   `json:"state"`
	CreatedAt  time.Time                `json:"createdAt"`
	StartedAt  time.Time                `json:"startedAt,omitzero"`
	FinishedAt time.Time                `json:"finishedAt,omitzero"`
	ExitCode   int32                    `json:"exitCode"`
	Reason     string                   `json:"reason,omitempty"`
	Message    string                   `json:"message,omitempty"`
	PID        int                      `json:"pid,omitempty"`
	PIDStart   uint64                   `json:"pidStart,omitempty"`
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeJSON replaces path atomically with v's JSON.
func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("persist %s: %w", path, err)
	}
	return nil
}

func (r *Runtime) sandboxDir(id string) string { return filepath.Join(r.opts.RootDir, "sandboxes", id) }
func (r *Runtime) containerDir(id string) string {
	return filepath.Join(r.opts.RootDir, "containers", id)
}

// loadState reads the records of a previous runtime on RootDir.
func loadRecords[T any](dir string) ([]*T, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*T
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name(), "state.json"))
		if err != nil {
			continue // created but never persisted: nothing to recover
		}
		v := new(T)
		if err := json.Unmarshal(data, v); err != nil {
			return nil, fmt.Errorf("decode %s: %w", filepath.Join(dir, e.Name(), "state.json"), err)
		}
		out = append(out, v)
	}
	return out, nil
}
