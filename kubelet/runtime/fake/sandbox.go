package fake

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/rigging-dev/rigging/kubelet"
)

// RunPodSandbox records a ready sandbox, with an IP from Options.PodCIDR
// when that is set. It fails with kubelet.ErrInvalid when config is nil or
// has no Metadata.Name or Metadata.Namespace. The runtime keeps copies of
// config's maps.
func (r *Runtime) RunPodSandbox(ctx context.Context, config *kubelet.PodSandboxConfig) (string, error) {
	if err := r.begin(ctx, Call{Method: "RunPodSandbox"}); err != nil {
		return "", err
	}
	if config == nil {
		return "", fmt.Errorf("run pod sandbox: nil config: %w", kubelet.ErrInvalid)
	}
	if config.Metadata.Name == "" || config.Metadata.Namespace == "" {
		return "", fmt.Errorf("run pod sandbox: metadata %+v lacks a name or namespace: %w", config.Metadata, kubelet.ErrInvalid)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var ip netip.Addr
	if r.opts.PodCIDR.IsValid() && config.Linux.Namespaces.Network != kubelet.NamespaceModeNode {
		var ok bool
		if ip, ok = r.allocateIPLocked(); !ok {
			return "", fmt.Errorf("run pod sandbox %s/%s: no free address in %v", config.Metadata.Namespace, config.Metadata.Name, r.opts.PodCIDR)
		}
	}
	s := &sandbox{
		ip:          ip,
		id:          r.newIDLocked(),
		meta:        config.Metadata,
		logDir:      config.LogDirectory,
		labels:      maps.Clone(config.Labels),
		annotations: maps.Clone(config.Annotations),
		state:       kubelet.SandboxReady,
		createdAt:   r.now(),
		containers:  make(map[string]*container),
	}
	r.sandboxes[s.id] = s
	r.opts.Logger.V(1).Info("sandbox created", "sandbox", s.id, "pod", s.meta.Namespace+"/"+s.meta.Name)
	return s.id, nil
}

// StopPodSandbox kills every container of the sandbox that has not exited
// (exit code 137) and marks the sandbox not ready. It succeeds on an
// unknown ID.
func (r *Runtime) StopPodSandbox(ctx context.Context, sandboxID string) error {
	if err := r.begin(ctx, Call{Method: "StopPodSandbox", ID: sandboxID}); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sandboxes[sandboxID]
	if !ok {
		return nil
	}
	now := r.now()
	for _, c := range s.containers {
		c.exit(now, 137, kubelet.ReasonError, "")
	}
	s.state = kubelet.SandboxNotReady
	return nil
}

// RemovePodSandbox removes the sandbox and its containers, killing those
// that run. It succeeds on an unknown ID. Log files stay.
func (r *Runtime) RemovePodSandbox(ctx context.Context, sandboxID string) error {
	if err := r.begin(ctx, Call{Method: "RemovePodSandbox", ID: sandboxID}); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sandboxes[sandboxID]
	if !ok {
		return nil
	}
	now := r.now()
	for id, c := range s.containers {
		c.exit(now, 137, kubelet.ReasonError, "")
		c.wake()
		delete(r.containers, id)
	}
	delete(r.sandboxes, sandboxID)
	delete(r.ips, s.ip)
	return nil
}

// allocateIPLocked returns the lowest free address of Options.PodCIDR
// after its network address (and before its broadcast address, for IPv4).
func (r *Runtime) allocateIPLocked() (netip.Addr, bool) {
	prefix := r.opts.PodCIDR.Masked()
	for a := prefix.Addr().Next(); a.IsValid() && prefix.Contains(a); a = a.Next() {
		if a.Is4() && !prefix.Contains(a.Next()) {
			break // the broadcast address
		}
		if !r.ips[a] {
			r.ips[a] = true
			return a, true
		}
	}
	return netip.Addr{}, false
}

// PodSandboxStatus reports one sandbox; the caller owns the result.
func (r *Runtime) PodSandboxStatus(ctx context.Context, sandboxID string) (*kubelet.PodSandboxStatus, error) {
	if err := r.begin(ctx, Call{Method: "PodSandboxStatus", ID: sandboxID}); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.sandboxes[sandboxID]
	if !ok {
		return nil, fmt.Errorf("pod sandbox %q: %w", sandboxID, kubelet.ErrNotFound)
	}
	return s.status(), nil
}

// ListPodSandbox lists the matching sandboxes in creation order; the caller
// owns the result.
func (r *Runtime) ListPodSandbox(ctx context.Context, filter *kubelet.PodSandboxFilter) ([]*kubelet.PodSandboxStatus, error) {
	if err := r.begin(ctx, Call{Method: "ListPodSandbox"}); err != nil {
		return nil, err
	}
	if filter == nil {
		filter = &kubelet.PodSandboxFilter{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*kubelet.PodSandboxStatus
	for _, s := range r.sandboxes {
		if (filter.ID == "" || filter.ID == s.id) &&
			(filter.State == nil || *filter.State == s.state) &&
			matches(s.labels, filter.LabelSelector) {
			out = append(out, s.status())
		}
	}
	slices.SortFunc(out, func(a, b *kubelet.PodSandboxStatus) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
