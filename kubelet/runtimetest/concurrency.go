package runtimetest

import (
	"context"
	"fmt"
	"sync"

	"github.com/rigging-dev/rigging/kubelet"
)

func concurrencyTests() []test {
	return []test{
		{"ManyPods", func(h *harness) {
			n := h.opts.Parallel
			errs := make(chan error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := h.podLife(i); err != nil {
						errs <- fmt.Errorf("pod %d: %w", i, err)
					}
				}()
			}
			err := h.block("the pods' lives", h.opts.Timeout, func(context.Context) error {
				wg.Wait()
				return nil
			})
			if err != nil {
				h.t.Fatal(err)
			}
			close(errs)
			for err := range errs {
				h.t.Error(err)
			}
			list, err := h.rt.ListPodSandbox(h.ctx, nil)
			if err != nil {
				h.t.Fatalf("ListPodSandbox: %v", err)
			}
			if len(list) != 0 {
				h.t.Errorf("%d sandboxes left after every pod removed its own", len(list))
			}
			containers, err := h.rt.ListContainers(h.ctx, nil)
			if err != nil {
				h.t.Fatalf("ListContainers: %v", err)
			}
			if len(containers) != 0 {
				h.t.Errorf("%d containers left after every pod removed its own", len(containers))
			}
		}},
		{"OneContainerManyCallers", func(h *harness) {
			p := h.sandbox("p", nil)
			id := h.run(p, "c", SleepForever{}, nil)
			var wg sync.WaitGroup
			errs := make(chan error, 3*h.opts.Parallel)
			for range h.opts.Parallel {
				wg.Add(3)
				go func() {
					defer wg.Done()
					if _, err := h.rt.ContainerStatus(h.ctx, id); err != nil {
						errs <- err
					}
				}()
				go func() {
					defer wg.Done()
					if _, err := h.rt.ListContainers(h.ctx, &kubelet.ContainerFilter{SandboxID: p.id}); err != nil {
						errs <- err
					}
				}()
				go func() {
					defer wg.Done()
					// Stops race each other; every one must succeed.
					if err := h.rt.StopContainer(h.ctx, id, h.opts.Timeout); err != nil {
						errs <- err
					}
				}()
			}
			err := h.block("the concurrent calls", h.opts.Timeout, func(context.Context) error {
				wg.Wait()
				return nil
			})
			if err != nil {
				h.t.Fatal(err)
			}
			close(errs)
			for err := range errs {
				h.t.Error(err)
			}
			h.wantExit(h.status(id), 143)
		}},
	}
}

// podLife runs one pod through its whole life, as a kubelet would: a
// sandbox with a long-running and a finishing container, status, stop and
// removal. Any goroutine may call it.
func (h *harness) podLife(i int) error {
	ctx := h.ctx
	p, err := h.runSandbox(h.sandboxConfig(fmt.Sprintf("pod-%d", i), map[string]string{"pod": fmt.Sprint(i)}))
	if err != nil {
		return err
	}
	var ids []string
	for _, c := range []struct {
		name string
		w    Workload
	}{{"server", SleepForever{}}, {"job", ExitWith{Code: int32(i % 3)}}} {
		config, err := h.containerConfig(p, c.name, c.w, nil)
		if err != nil {
			return err
		}
		id, err := h.rt.CreateContainer(ctx, p.id, config, p.config)
		if err != nil {
			return fmt.Errorf("CreateContainer(%s): %w", c.name, err)
		}
		if err := h.rt.StartContainer(ctx, id); err != nil {
			return fmt.Errorf("StartContainer(%s): %w", c.name, err)
		}
		ids = append(ids, id)
	}
	if err := h.waitReady(ids[0]); err != nil {
		return err
	}
	list, err := h.rt.ListContainers(ctx, &kubelet.ContainerFilter{SandboxID: p.id})
	if err != nil {
		return fmt.Errorf("ListContainers: %w", err)
	}
	if got := len(list); got != 2 {
		return fmt.Errorf("ListContainers of the pod: %d containers; want 2", got)
	}
	sbs, err := h.rt.ListPodSandbox(ctx, &kubelet.PodSandboxFilter{LabelSelector: map[string]string{"pod": fmt.Sprint(i)}})
	if err != nil {
		return fmt.Errorf("ListPodSandbox: %w", err)
	}
	if len(sbs) != 1 || sbs[0].ID != p.id {
		return fmt.Errorf("ListPodSandbox by the pod's label: %d sandboxes; want only %s", len(sbs), p.id)
	}
	if err := h.rt.StopContainer(ctx, ids[0], h.opts.Timeout); err != nil {
		return fmt.Errorf("StopContainer: %w", err)
	}
	st, err := h.rt.ContainerStatus(ctx, ids[0])
	if err != nil {
		return fmt.Errorf("ContainerStatus: %w", err)
	}
	if st.State != kubelet.ContainerExited || st.ExitCode != 143 {
		return fmt.Errorf("server after stop: %v, exit code %d; want exited with 143", st.State, st.ExitCode)
	}
	for _, id := range ids {
		if err := h.rt.RemoveContainer(ctx, id); err != nil {
			return fmt.Errorf("RemoveContainer: %w", err)
		}
	}
	if err := h.rt.StopPodSandbox(ctx, p.id); err != nil {
		return fmt.Errorf("StopPodSandbox: %w", err)
	}
	if err := h.rt.RemovePodSandbox(ctx, p.id); err != nil {
		return fmt.Errorf("RemovePodSandbox: %w", err)
	}
	return nil
}
