package ebpf

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"github.com/go-logr/logr"

	"github.com/rigging-dev/rigging/proxy"
)

// ErrClosed is returned by Apply, ApplyService and Uninstall after Close or
// Uninstall.
var ErrClosed = errors.New("ebpf: dataplane closed")

var (
	_ proxy.Dataplane      = (*Dataplane)(nil)
	_ proxy.Uninstaller    = (*Dataplane)(nil)
	_ proxy.ServiceApplier = (*Dataplane)(nil)
)

// Dataplane is the eBPF implementation of proxy.Dataplane: cgroup
// sock_addr programs that load-balance sockets of the processes in one
// cgroup v2 subtree. Create it with New.
//
// Apply, ApplyService, Close and Uninstall are safe to call from any
// goroutine; they serialise on an internal lock.
type Dataplane struct {
	opts    Options // with defaults
	cgroup  string
	log     logr.Logger
	metrics *metrics
	objs    lbObjects
	links   []link.Link

	mu        sync.Mutex // guards every field below, and the maps' contents
	closed    bool
	services  map[proxy.ServiceKey]*programmed // by canonical key
	svcIDs    *idAlloc
	groups    *idAlloc
	bids      *idAlloc
	nBackends int
	verify    bool   // compare the maps with services on the next Apply
	gen       uint64 // Apply generation, for programmed.seen
}

// New loads the programs and maps, pins them under opts.PinPath and
// attaches the programs to opts.CgroupPath. If a dataplane was pinned there
// before (a restart), New adopts it: it reuses the pinned maps with their
// contents, replaces the programs of the pinned links atomically
// (link.Update), and reads back what was programmed, so connections keep
// flowing and the first Apply writes only what differs (and repairs any
// drift it finds).
//
// New fails with an error naming the missing kernel feature (wrapping
// ebpf.ErrNotSupported) on a kernel that lacks one, and with a clear error
// when PinPath is not on bpffs or CgroupPath is not a cgroup v2 directory.
// It must run as root (CAP_BPF, CAP_NET_ADMIN and CAP_SYS_ADMIN).
func New(ctx context.Context, opts Options) (*Dataplane, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// A no-op on Linux 5.11 and later, which account BPF memory to the cgroup.
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, fmt.Errorf("ebpf: raise RLIMIT_MEMLOCK: %w", err)
	}
	if err := checkKernel(); err != nil {
		return nil, err
	}
	cg := opts.CgroupPath
	if cg == "" {
		if cg, err = Cgroup2Root(); err != nil {
			return nil, err
		}
	}
	cgID, err := cgroupID(cg)
	if err != nil {
		return nil, err
	}
	created, err := ensurePinDir(opts.PinPath)
	if err != nil {
		return nil, err
	}

	d := &Dataplane{
		opts:     opts,
		cgroup:   cg,
		log:      opts.Logger.WithValues("pinPath", opts.PinPath, "cgroup", cg),
		services: make(map[proxy.ServiceKey]*programmed),
		svcIDs:   newIDAlloc(),
		groups:   newIDAlloc(),
		bids:     newIDAlloc(),
	}
	ok := false
	defer func() {
		if !ok {
			d.teardown(created)
		}
	}()

	spec, err := loadLb()
	if err != nil {
		return nil, fmt.Errorf("ebpf: %w", err)
	}
	for name, size := range map[string]uint32{
		lbMapRigServices: opts.MaxServices,
		lbMapRigSlots:    opts.MaxSlots,
		lbMapRigBackends: opts.MaxBackends,
		lbMapRigAffinity: opts.AffinityEntries,
		lbMapRigRevnat:   opts.RevNATEntries,
		lbMapRigRevsock:  revsockSlots(opts.RevNATEntries),
	} {
		spec.Maps[name].MaxEntries = size
	}
	if err := spec.Variables[lbVarRevsockMask].Set(revsockSlots(opts.RevNATEntries) - 1); err != nil {
		return nil, fmt.Errorf("ebpf: set %s: %w", lbVarRevsockMask, err)
	}
	if err := replaceStalePins(spec, opts.PinPath, d.log); err != nil {
		return nil, err
	}
	err = spec.LoadAndAssign(&d.objs, &ebpf.CollectionOptions{Maps: ebpf.MapOptions{PinPath: opts.PinPath}})
	if errors.Is(err, ebpf.ErrMapIncompatible) {
		return nil, fmt.Errorf("ebpf: maps pinned under %s differ from these Options (sizes) or this version; Uninstall the old dataplane first: %w", opts.PinPath, err)
	}
	if err != nil {
		return nil, fmt.Errorf("ebpf: load BPF maps and programs: %w", err)
	}
	if d.metrics, err = newMetrics(opts.Registerer); err != nil {
		return nil, err
	}
	adopted := 0
	for _, h := range d.objs.hooks() {
		l, reused, err := attachOrAdopt(h, opts.PinPath, cg, cgID)
		if err != nil {
			return nil, err
		}
		d.links = append(d.links, l)
		if reused {
			adopted++
		}
	}
	if err := d.loadState(); err != nil {
		return nil, err
	}
	d.updateGauges()
	d.log.Info("eBPF dataplane ready", "adoptedLinks", adopted, "adoptedServices", len(d.services))
	ok = true
	return d, nil
}

// teardown undoes a failed New: it closes what it opened and, when New
// created the pin directory, removes what it pinned.
func (d *Dataplane) teardown(created bool) {
	for _, l := range d.links {
		if created {
			_ = l.Unpin()
		}
		_ = l.Close()
	}
	if created {
		for _, m := range d.maps() {
			if m != nil {
				_ = m.Unpin()
			}
		}
	}
	_ = d.objs.Close()
	if d.metrics != nil {
		d.metrics.unregister(d.opts.Registerer)
	}
	if created {
		_ = os.Remove(d.opts.PinPath)
	}
}

func (d *Dataplane) maps() []*ebpf.Map {
	return []*ebpf.Map{d.objs.RigServices, d.objs.RigSlots, d.objs.RigBackends, d.objs.RigAffinity, d.objs.RigRevnat, d.objs.RigRevsock}
}

// loadState rebuilds the Go mirror of the maps a previous dataplane left
// pinned, and schedules a full comparison for the next Apply.
func (d *Dataplane) loadState() error {
	type idBackend struct {
		id uint32
		b  proxy.Backend
	}
	bySvc := make(map[uint32][]idBackend)
	err := dump(d.objs.RigBackends, func(id uint32, v lbBackend) {
		bySvc[v.SvcId] = append(bySvc[v.SvcId], idBackend{id, backendOf(v)})
	})
	if err != nil {
		return fmt.Errorf("ebpf: read pinned backends: %w", err)
	}
	size := int(d.opts.MaglevTableSize)
	err = dump(d.objs.RigServices, func(k lbSvcKey, v lbSvcVal) {
		key := serviceKeyOf(k)
		p := &programmed{id: v.Id, group: v.Group, affinity: time.Duration(v.AffinityNs)}
		if v.Flags&svcFlagMaglev != 0 {
			p.balancing = proxy.BalanceMaglev
		}
		bs := bySvc[v.Id]
		slices.SortFunc(bs, func(a, b idBackend) int { return compareBackend(a.b, b.b) })
		bs = slices.CompactFunc(bs, func(a, b idBackend) bool { return a.b == b.b })
		for _, e := range bs {
			p.backends = append(p.backends, e.b)
			p.ids = append(p.ids, e.id)
			d.bids.mark(e.id)
		}
		if err := p.computeSlots(size); err != nil {
			// Rewritten by the next Apply, which will not match it.
			d.log.Info("pinned service does not fit the Maglev table size; it will be rewritten", "service", key, "error", err.Error())
			p.backends, p.ids, p.slots = nil, nil, nil
		}
		d.svcIDs.mark(p.id)
		d.groups.mark(p.group)
		d.services[key] = p
		d.nBackends += len(p.backends)
	})
	if err != nil {
		return fmt.Errorf("ebpf: read pinned services: %w", err)
	}
	// Check what a previous dataplane left (a fresh install has nothing).
	d.verify = len(d.services) > 0 || len(bySvc) > 0
	return nil
}

// Apply makes the programmed services equal desired, writing only the
// services that differ from the last Apply: for each, a complete new slot
// set under a new group, then its services entry, then it frees the old
// slots and backends. A connecting socket sees the old programming or the
// new one, never a mix. When desired equals what was programmed (a
// resync), Apply reads the maps back and repairs every entry that differs,
// is missing or is extra; it does the same on the first Apply after New.
//
// Frontend addresses are taken unmapped (::ffff:a.b.c.d is a.b.c.d);
// duplicate backends are programmed once. Each changed service is checked
// as proxy.State.Validate checks it; an invalid one is reported and not
// programmed while the valid ones are. Errors name the failing service;
// the services that could be programmed stay programmed, and a service
// that failed keeps its previous programming. Apply checks ctx only before
// it starts writing.
func (d *Dataplane) Apply(ctx context.Context, desired *proxy.State) error {
	start := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	err := d.apply(ctx, desired)
	d.observe(start, err)
	return err
}

func (d *Dataplane) observe(start time.Time, err error) {
	d.updateGauges()
	d.metrics.apply.Observe(time.Since(start).Seconds())
	if err != nil {
		d.metrics.errors.Inc()
	}
}

type change struct {
	key proxy.ServiceKey
	svc *proxy.Service
	cur *programmed
}

func (d *Dataplane) apply(ctx context.Context, desired *proxy.State) error {
	if desired == nil {
		return errors.New("ebpf: nil State")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	d.gen++
	size := int(d.opts.MaglevTableSize)
	var errs []error
	var changes []change
	matched := 0
	for k, svc := range desired.Services {
		ck := canonicalKey(k)
		cur := d.services[ck]
		if cur != nil {
			cur.seen = d.gen // an invalid update keeps the old programming
			matched++
			if svc != nil && ck == k && cur.matches(svc, size) {
				cur.name = svc.Name
				continue
			}
		}
		// Only what changed is validated: what matches was valid when
		// it was programmed.
		if err := validateOne(k, svc); err != nil {
			errs = append(errs, err)
			continue
		}
		if ck != k {
			if _, dup := desired.Services[ck]; dup {
				errs = append(errs, fmt.Errorf("ebpf: service %q (%s): same frontend as %s", svc.Name, k, ck))
				continue
			}
		}
		changes = append(changes, change{key: ck, svc: svc, cur: cur})
	}
	var deletes []proxy.ServiceKey
	if matched < len(d.services) {
		for k, p := range d.services {
			if p.seen != d.gen {
				deletes = append(deletes, k)
			}
		}
	}
	if len(changes) == 0 && len(deletes) == 0 {
		d.verify = true
	}
	slices.SortFunc(changes, func(a, b change) int { return compareKey(a.key, b.key) })
	errs = append(errs, d.program(changes, deletes)...)
	if d.verify {
		if err := d.repair(); err != nil {
			errs = append(errs, err)
		} else {
			d.verify = false
		}
	}
	return errors.Join(errs...)
}

// validateOne applies proxy.State.Validate to one service.
func validateOne(k proxy.ServiceKey, svc *proxy.Service) error {
	st := proxy.State{Services: map[proxy.ServiceKey]*proxy.Service{k: svc}}
	return st.Validate()
}

func compareKey(a, b proxy.ServiceKey) int {
	if c := a.Addr.Compare(b.Addr); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Port, b.Port); c != 0 {
		return c
	}
	return cmp.Compare(a.Protocol, b.Protocol)
}

// ApplyService programs one frontend (svc nil removes it), leaving every
// other service alone: the incremental path for a proxy that knows what
// changed, costing a few map writes whatever the number of services. It
// follows Apply's update protocol and error rules, and a later Apply
// compares against the result.
func (d *Dataplane) ApplyService(ctx context.Context, key proxy.ServiceKey, svc *proxy.Service) error {
	start := time.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	err := d.applyService(ctx, key, svc)
	d.observe(start, err)
	return err
}

func (d *Dataplane) applyService(ctx context.Context, key proxy.ServiceKey, svc *proxy.Service) error {
	if svc != nil {
		if err := validateOne(key, svc); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ck := canonicalKey(key)
	cur := d.services[ck]
	var errs []error
	switch {
	case svc == nil && cur == nil:
		return nil
	case svc == nil:
		errs = d.program(nil, []proxy.ServiceKey{ck})
	case cur != nil && cur.matches(svc, int(d.opts.MaglevTableSize)):
		cur.name = svc.Name
		return nil
	default:
		errs = d.program([]change{{key: ck, svc: svc, cur: cur}}, nil)
	}
	return errors.Join(errs...)
}

// Close releases the file descriptors this process holds and leaves the
// pinned links, programs and maps in the kernel, so traffic keeps flowing
// and a later New on the same PinPath adopts them. Close is idempotent.
func (d *Dataplane) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	var errs []error
	for _, l := range d.links {
		errs = append(errs, l.Close())
	}
	errs = append(errs, d.objs.Close())
	d.metrics.unregister(d.opts.Registerer)
	return errors.Join(errs...)
}

// Uninstall detaches the programs, removes the pinned links and maps and
// then the pin directory, and closes the dataplane. Sockets already
// connected to a backend stay connected; new connections to a VIP are no
// longer load-balanced. It implements proxy.Uninstaller.
func (d *Dataplane) Uninstall(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return ErrClosed
	}
	d.closed = true
	var errs []error
	for _, l := range d.links {
		if err := l.Unpin(); err != nil {
			errs = append(errs, fmt.Errorf("ebpf: unpin link: %w", err))
		}
		if err := l.Close(); err != nil {
			errs = append(errs, fmt.Errorf("ebpf: detach link: %w", err))
		}
	}
	for _, m := range d.maps() {
		if err := m.Unpin(); err != nil {
			errs = append(errs, fmt.Errorf("ebpf: unpin map: %w", err))
		}
	}
	errs = append(errs, d.objs.Close())
	d.metrics.unregister(d.opts.Registerer)
	if err := os.Remove(d.opts.PinPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		left, _ := filepath.Glob(filepath.Join(d.opts.PinPath, "*"))
		errs = append(errs, fmt.Errorf("ebpf: remove pin path %s (left: %v): %w", d.opts.PinPath, left, err))
	}
	d.services = map[proxy.ServiceKey]*programmed{}
	d.nBackends = 0
	d.updateGauges()
	d.log.Info("eBPF dataplane uninstalled")
	return errors.Join(errs...)
}

func (d *Dataplane) updateGauges() {
	d.metrics.services.Set(float64(len(d.services)))
	d.metrics.backends.Set(float64(d.nBackends))
}
