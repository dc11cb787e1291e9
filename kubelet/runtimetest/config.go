package runtimetest

import (
	"errors"
	"os"

	"github.com/rigging-dev/rigging/kubelet"
)

// configTests check that a container runs as its config says.
func configTests() []test {
	return []test{
		{"Env", func(h *harness) {
			p := h.sandbox("p", nil)
			id := h.createWith(p, "env", PrintEnv{Names: []string{"RUNTIMETEST_A", "RUNTIMETEST_B", "RUNTIMETEST_UNSET"}}, nil, func(c *kubelet.ContainerConfig) {
				c.Envs = []kubelet.KeyValue{{Key: "RUNTIMETEST_A", Value: "alpha"}, {Key: "RUNTIMETEST_B", Value: "with  spaces = and $signs"}}
			})
			h.start(id)
			h.wantLog(id, logLines{Stdout: []string{"alpha", "with  spaces = and $signs", ""}})
		}},
		{"WorkingDir", func(h *harness) {
			p := h.sandbox("p", nil)
			id := h.createWith(p, "pwd", PrintWorkingDir{}, nil, func(c *kubelet.ContainerConfig) {
				c.WorkingDir = "/dev"
			})
			h.start(id)
			h.wantLog(id, logLines{Stdout: []string{"/dev"}})
		}},
	}
}

// wantLog waits for container id to exit with 0 and its log to hold want.
func (h *harness) wantLog(id string, want logLines) {
	h.t.Helper()
	st := h.waitState(id, kubelet.ContainerExited)
	h.wantExit(st, 0)
	if st.LogPath == "" {
		h.t.Fatal("ContainerStatus has no LogPath")
	}
	h.eventually("the log "+st.LogPath, func() string {
		got, err := readCRILog(st.LogPath)
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, errIncomplete) {
			return err.Error()
		}
		if err != nil {
			h.t.Fatal(err)
		}
		return diff(want, got)
	})
}
