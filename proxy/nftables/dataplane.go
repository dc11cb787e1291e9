package nftables

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	nft "github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rigging-dev/rigging/proxy"
)

// DefaultTable is the name of the table a Dataplane owns when
// Options.Table is empty.
const DefaultTable = "rigging-proxy"

// elemChunk bounds the elements per netlink message: a message's nested
// attributes are limited to 64 KiB.
const elemChunk = 512

// Options configure a Dataplane. The zero value programs the table
// DefaultTable ("rigging-proxy") in the caller's network namespace.
type Options struct {
	// Table is the name of the inet table the dataplane owns (creates,
	// rewrites and deletes). Default DefaultTable.
	Table string
	// NetNS is the path of the network namespace to program (such as
	// /run/netns/x or /proc/<pid>/ns/net). Default "": the namespace of
	// the calling process.
	NetNS string
	// Logger receives rebuilds after drift. Default: discard.
	Logger logr.Logger
	// Metrics, when not nil, registers
	// rigging_proxy_nftables_apply_duration_seconds (histogram) and
	// rigging_proxy_nftables_rebuilds_total (counter). Default nil: not
	// registered.
	Metrics prometheus.Registerer
}

// Dataplane is a proxy.Dataplane on nftables, laid out as kube-proxy's
// nftables mode lays out its table; see the package documentation. Make
// one with New. Apply, Close and Uninstall are serialised by an internal
// lock, so misuse from several goroutines is safe, if pointless.
type Dataplane struct {
	opts    Options
	table   *nft.Table
	ns      *os.File // the NetNS, open; nil for the caller's namespace
	applyH  prometheus.Histogram
	rebuild prometheus.Counter

	// mu guards the fields below.
	mu      sync.Mutex
	applied map[proxy.ServiceKey]*proxy.Service // what the kernel holds; nil: unknown
	gen     uint32                              // ruleset generation after our last commit
	genOK   bool                                // gen is known to be ours
	closed  bool
}

var (
	_ proxy.Dataplane   = (*Dataplane)(nil)
	_ proxy.Uninstaller = (*Dataplane)(nil)
)

// New checks opts and that nf_tables answers in the namespace, and returns
// a Dataplane. It programs nothing until Apply. It fails with an error
// wrapping ErrUnavailable when nf_tables is missing or the caller lacks
// CAP_NET_ADMIN.
func New(opts Options) (*Dataplane, error) {
	if opts.Table == "" {
		opts.Table = DefaultTable
	}
	if len(opts.Table) > 255 || strings.ContainsRune(opts.Table, 0) {
		return nil, fmt.Errorf("nftables: invalid table name %q", opts.Table)
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	d := &Dataplane{
		opts:  opts,
		table: &nft.Table{Name: opts.Table, Family: nft.TableFamilyINet},
		applyH: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "rigging_proxy_nftables_apply_duration_seconds",
			Help:    "Time of one Apply of the nftables dataplane.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 20),
		}),
		rebuild: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rigging_proxy_nftables_rebuilds_total",
			Help: "Full atomic rebuilds of the table: on the first Apply, after drift, after a failed incremental change.",
		}),
	}
	if opts.NetNS != "" {
		f, err := os.Open(opts.NetNS)
		if err != nil {
			return nil, fmt.Errorf("nftables: open network namespace: %w", err)
		}
		d.ns = f
	}
	if _, err := generation(d.nsFd()); err != nil {
		d.closeNS()
		return nil, fmt.Errorf("nftables: %w", err)
	}
	if opts.Metrics != nil {
		for _, c := range []prometheus.Collector{d.applyH, d.rebuild} {
			if err := opts.Metrics.Register(c); err != nil {
				d.closeNS()
				return nil, fmt.Errorf("nftables: register metrics: %w", err)
			}
		}
	}
	return d, nil
}

func (d *Dataplane) nsFd() int {
	if d.ns == nil {
		return 0
	}
	return int(d.ns.Fd())
}

func (d *Dataplane) closeNS() {
	if d.ns != nil {
		d.ns.Close()
		d.ns = nil
	}
}

// Apply makes the table hold exactly desired, in one atomic nftables
// transaction. The first Apply of a Dataplane rebuilds the table from
// scratch (deleting what an earlier process left, in the same
// transaction); later ones change only the frontends that differ from the
// last applied State. When nothing differs, Apply checks the namespace's
// ruleset generation: if anything committed a change since this
// Dataplane's last transaction, the table is rebuilt, which repairs drift
// (the rebuild also empties the affinity sets). A failed incremental
// change is retried as a rebuild.
//
// Balancing is ignored: nftables picks at random (numgen). Because the
// change is one transaction, an error means nothing of it was applied; it
// names the kernel's complaint.
func (d *Dataplane) Apply(ctx context.Context, desired *proxy.State) error {
	if err := desired.Validate(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errors.New("nftables: Apply after Close")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	start := time.Now()
	defer func() { d.applyH.Observe(time.Since(start).Seconds()) }()
	want := snapshot(desired)
	if d.applied == nil {
		return d.rebuildLocked(want, "first apply")
	}
	enc, changed, err := d.diff(want)
	if err != nil {
		return err
	}
	if !changed {
		g, err := generation(d.nsFd())
		if err != nil {
			return fmt.Errorf("nftables: %w", err)
		}
		if d.genOK && g == d.gen {
			return nil
		}
		return d.rebuildLocked(want, "ruleset changed since the last apply")
	}
	if err := d.commit(enc); err != nil {
		d.opts.Logger.Info("incremental change failed; rebuilding", "error", err.Error())
		return d.rebuildLocked(want, "incremental change failed")
	}
	d.applied = want
	return nil
}

// commit sends enc's batch and records the generation it made.
func (d *Dataplane) commit(enc *encoder) error {
	msgs, err := enc.batch()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	g0, err := generation(d.nsFd())
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	if err := sendBatch(d.nsFd(), msgs); err != nil {
		d.genOK = false
		return fmt.Errorf("nftables: table %s: %w", d.opts.Table, err)
	}
	g1, err := generation(d.nsFd())
	if err != nil {
		d.genOK = false
		return nil // committed; the next resync rebuilds
	}
	// Another transaction between ours and the read makes the generation
	// unknown: the next no-change Apply rebuilds.
	d.gen, d.genOK = g1, g1 == g0+1
	return nil
}

// rebuildLocked replaces the table with one holding want, atomically.
func (d *Dataplane) rebuildLocked(want map[proxy.ServiceKey]*proxy.Service, why string) error {
	d.rebuild.Inc()
	d.opts.Logger.V(1).Info("rebuilding nftables table", "table", d.opts.Table, "reason", why, "services", len(want))
	enc, err := newEncoder()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	// "add table; delete table; add table ..." replaces whatever was there
	// in one transaction, whether or not it existed.
	enc.AddTable(d.table)
	enc.DelTable(d.table)
	maps, noEP, err := baseObjects(enc.Conn, d.table)
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	var elems, empties [2][]nft.SetElement
	for _, k := range sortedKeys(want) {
		s := want[k]
		if err := addService(enc.Conn, d.table, k, s); err != nil {
			return fmt.Errorf("nftables: service %q (%s): %w", s.Name, k, err)
		}
		f := family(k)
		if len(s.Backends) > 0 {
			elems[f] = append(elems[f], mapElement(k))
		} else {
			empties[f] = append(empties[f], nft.SetElement{Key: elementKey(k)})
		}
	}
	for f := range 2 {
		if err := addElements(enc.Conn, maps[f], elems[f]); err != nil {
			return err
		}
		if err := addElements(enc.Conn, noEP[f], empties[f]); err != nil {
			return err
		}
	}
	if err := d.commit(enc); err != nil {
		d.applied = nil
		return err
	}
	d.applied = want
	return nil
}

// diff encodes the changes from d.applied to want.
func (d *Dataplane) diff(want map[proxy.ServiceKey]*proxy.Service) (*encoder, bool, error) {
	enc, err := newEncoder()
	if err != nil {
		return nil, false, fmt.Errorf("nftables: %w", err)
	}
	t := d.table
	maps, noEP := setRefs(t)
	// Phases, so that nothing is deleted while referenced and nothing is
	// referenced before it exists.
	var delElems, addElems [2][2][]nft.SetElement // [map/noEP][family]
	var later []func()                            // deletions of chains and sets
	changed := false
	for _, k := range sortedKeys(d.applied) {
		if _, ok := want[k]; ok {
			continue
		}
		changed = true
		old := d.applied[k]
		delElems[membership(old)][family(k)] = append(delElems[membership(old)][family(k)], element(k, old))
		later = append(later, func() {
			ch := &nft.Chain{Table: t, Name: serviceChain(k)}
			enc.FlushChain(ch)
			enc.DelChain(ch)
			for _, b := range old.Backends {
				delEndpoint(enc.Conn, t, k, b, old.Affinity)
			}
		})
	}
	var adds []func() error
	for _, k := range sortedKeys(want) {
		s := want[k]
		old, ok := d.applied[k]
		switch {
		case !ok:
			changed = true
			adds = append(adds, func() error { return addService(enc.Conn, t, k, s) })
			addElems[membership(s)][family(k)] = append(addElems[membership(s)][family(k)], element(k, s))
		case old.Affinity != s.Affinity || !slices.Equal(old.Backends, s.Backends):
			changed = true
			if mo, mn := membership(old), membership(s); mo != mn {
				delElems[mo][family(k)] = append(delElems[mo][family(k)], element(k, old))
				addElems[mn][family(k)] = append(addElems[mn][family(k)], element(k, s))
			}
			oldIDs := map[string]bool{}
			for _, b := range old.Backends {
				oldIDs[endpointID(k, b, old.Affinity)] = true
			}
			newIDs := map[string]bool{}
			for _, b := range s.Backends {
				newIDs[endpointID(k, b, s.Affinity)] = true
			}
			adds = append(adds, func() error {
				for _, b := range s.Backends {
					if !oldIDs[endpointID(k, b, s.Affinity)] {
						if err := addEndpoint(enc.Conn, t, k, b, s.Affinity); err != nil {
							return err
						}
					}
				}
				enc.FlushChain(&nft.Chain{Table: t, Name: serviceChain(k)})
				return fillServiceChain(enc.Conn, t, k, s)
			})
			later = append(later, func() {
				for _, b := range old.Backends {
					if !newIDs[endpointID(k, b, old.Affinity)] {
						delEndpoint(enc.Conn, t, k, b, old.Affinity)
					}
				}
			})
		}
	}
	if !changed {
		return enc, false, nil
	}
	sets := [2][2]*nft.Set{maps, noEP}
	for m := range 2 {
		for f := range 2 {
			for c := range slices.Chunk(delElems[m][f], elemChunk) {
				if err := enc.SetDeleteElements(sets[m][f], c); err != nil {
					return nil, false, fmt.Errorf("nftables: %w", err)
				}
			}
		}
	}
	for _, f := range adds {
		if err := f(); err != nil {
			return nil, false, fmt.Errorf("nftables: %w", err)
		}
	}
	for m := range 2 {
		for f := range 2 {
			if err := addElements(enc.Conn, sets[m][f], addElems[m][f]); err != nil {
				return nil, false, err
			}
		}
	}
	for _, f := range later {
		f()
	}
	return enc, true, nil
}

// Close releases the namespace handle. The table stays programmed, so that
// traffic keeps flowing and a new Dataplane adopts it (its first Apply
// rebuilds it atomically). Close is idempotent.
func (d *Dataplane) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	d.closeNS()
	return nil
}

// Uninstall deletes the table and everything in it. It works whether or
// not the table exists, and before or after Close... unless the Dataplane
// programs another namespace, whose handle Close released: then call it
// before Close.
func (d *Dataplane) Uninstall(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.closed && d.opts.NetNS != "" {
		return errors.New("nftables: Uninstall after Close of a Dataplane of another namespace")
	}
	enc, err := newEncoder()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	enc.AddTable(d.table)
	enc.DelTable(d.table)
	msgs, err := enc.batch()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	if err := sendBatch(d.nsFd(), msgs); err != nil {
		return fmt.Errorf("nftables: delete table %s: %w", d.opts.Table, err)
	}
	d.applied, d.genOK = nil, false
	return nil
}

// addService adds a frontend's endpoint chains and its service chain (not
// its map element).
func addService(c *nft.Conn, t *nft.Table, k proxy.ServiceKey, s *proxy.Service) error {
	for _, b := range s.Backends {
		if err := addEndpoint(c, t, k, b, s.Affinity); err != nil {
			return err
		}
	}
	c.AddChain(&nft.Chain{Table: t, Name: serviceChain(k)})
	return fillServiceChain(c, t, k, s)
}

func addElements(c *nft.Conn, s *nft.Set, elems []nft.SetElement) error {
	for chunk := range slices.Chunk(elems, elemChunk) {
		if err := c.SetAddElements(s, chunk); err != nil {
			return fmt.Errorf("nftables: add elements to %s: %w", s.Name, err)
		}
	}
	return nil
}

// setRefs returns references to the existing maps and no-endpoint sets.
func setRefs(t *nft.Table) (maps, noEP [2]*nft.Set) {
	maps[0] = &nft.Set{Table: t, Name: mapServices4, IsMap: true, Concatenation: true, KeyType: keyType4, DataType: nft.TypeVerdict}
	maps[1] = &nft.Set{Table: t, Name: mapServices6, IsMap: true, Concatenation: true, KeyType: keyType6, DataType: nft.TypeVerdict}
	noEP[0] = &nft.Set{Table: t, Name: setNoEndpoints4, Concatenation: true, KeyType: keyType4}
	noEP[1] = &nft.Set{Table: t, Name: setNoEndpoints6, Concatenation: true, KeyType: keyType6}
	return
}

// membership is 0 when the frontend is in the services map (it has
// backends), 1 when it is in the no-endpoint set.
func membership(s *proxy.Service) int {
	if len(s.Backends) > 0 {
		return 0
	}
	return 1
}

func element(k proxy.ServiceKey, s *proxy.Service) nft.SetElement {
	if membership(s) == 0 {
		return mapElement(k)
	}
	return nft.SetElement{Key: elementKey(k)}
}

func mapElement(k proxy.ServiceKey) nft.SetElement {
	return nft.SetElement{Key: elementKey(k), VerdictData: &expr.Verdict{Kind: expr.VerdictGoto, Chain: serviceChain(k)}}
}

func family(k proxy.ServiceKey) int {
	if k.Addr.Unmap().Is6() {
		return 1
	}
	return 0
}

// snapshot copies a State's services, so that the caller may change it
// after Apply returns.
func snapshot(st *proxy.State) map[proxy.ServiceKey]*proxy.Service {
	out := make(map[proxy.ServiceKey]*proxy.Service, len(st.Services))
	for k, s := range st.Services {
		c := *s
		c.Backends = slices.Clone(s.Backends)
		slices.SortFunc(c.Backends, func(a, b proxy.Backend) int {
			if x := a.Addr.Compare(b.Addr); x != 0 {
				return x
			}
			return int(a.Port) - int(b.Port)
		})
		c.Backends = slices.Compact(c.Backends)
		k.Addr = k.Addr.Unmap()
		out[k] = &c
	}
	return out
}

func sortedKeys(m map[proxy.ServiceKey]*proxy.Service) []proxy.ServiceKey {
	return slices.SortedFunc(maps.Keys(m), func(a, b proxy.ServiceKey) int {
		if x := a.Addr.Compare(b.Addr); x != 0 {
			return x
		}
		if a.Port != b.Port {
			return int(a.Port) - int(b.Port)
		}
		return int(a.Protocol) - int(b.Protocol)
	})
}
