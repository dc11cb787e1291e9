package runtimetest

import (
	"context"
	"errors"
	"time"

	"github.com/rigging-dev/rigging/kubelet"
)

func execTests() []test {
	return []test{
		{"Output", func(h *harness) {
			p := h.sandbox("p", nil)
			id := h.run(p, "c", SleepForever{}, nil)
			for _, tc := range []ExecEcho{
				{Stdout: "ok"},
				{Stdout: "out\nput", Stderr: "err", Code: 3},
				{Stderr: "only errors", Code: 1},
			} {
				var res kubelet.ExecResult
				err := h.block("ExecSync", 0, func(ctx context.Context) error {
					var err error
					res, err = h.rt.ExecSync(ctx, id, h.opts.Workloads.Exec(tc), h.opts.Timeout)
					return err
				})
				if err != nil {
					h.t.Fatalf("ExecSync(%+v): %v", tc, err)
				}
				want := kubelet.ExecResult{Stdout: []byte(tc.Stdout), Stderr: []byte(tc.Stderr), ExitCode: tc.Code}
				if d := diff(want, res); d != "" {
					h.t.Errorf("ExecSync(%+v) (-want +got):\n%s", tc, d)
				}
			}
			if st := h.status(id); st.State != kubelet.ContainerRunning {
				h.t.Errorf("container is %v after execs; want running", st.State)
			}
		}},
		{"Timeout", func(h *harness) {
			p := h.sandbox("p", nil)
			id := h.run(p, "c", SleepForever{}, nil)
			const timeout = time.Second
			err := h.block("ExecSync", timeout, func(ctx context.Context) error {
				_, err := h.rt.ExecSync(ctx, id, h.opts.Workloads.Exec(ExecSleep{Duration: h.opts.Timeout}), timeout)
				return err
			})
			if !errors.Is(err, kubelet.ErrExecTimeout) {
				h.t.Errorf("ExecSync of a command outliving its %v timeout = %v; want an error wrapping kubelet.ErrExecTimeout", timeout, err)
			}
			if st := h.status(id); st.State != kubelet.ContainerRunning {
				h.t.Errorf("container is %v after a timed-out exec; want running", st.State)
			}
		}},
	}
}
