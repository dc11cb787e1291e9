package runtime

import (
	"github.com/rigging-dev/rigging/scheduler/clock"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// PluginConfig enables one plugin in a profile.
type PluginConfig struct {
	// Name is the plugin's name in the Registry.
	Name string
	// Weight multiplies the plugin's normalised score; 0 means 1. Ignored
	// for plugins that do not score.
	Weight int32
	// Args are the plugin's arguments, of the type its factory expects;
	// nil means the plugin's defaults.
	Args any
	// Only, when not empty, enables the plugin at these extension points
	// alone (Kubernetes' per-extension-point "enabled" lists); each must
	// be one the plugin implements. Empty means every extension point the
	// plugin implements (Kubernetes' "multiPoint").
	Only []ExtensionPoint
	// Disabled lists extension points at which the plugin is not run even
	// though it implements them (Kubernetes' per-extension-point
	// "disabled" lists), for example a plugin kept for Filter but not
	// Score. Disabling QueueSort is an error: a profile needs one.
	Disabled []ExtensionPoint
}

// ExtensionPoint names an extension point of the scheduling framework, as
// Kubernetes' KubeSchedulerConfiguration spells it.
type ExtensionPoint string

// The extension points.
const (
	PreEnqueue ExtensionPoint = "preEnqueue"
	QueueSort  ExtensionPoint = "queueSort"
	PreFilter  ExtensionPoint = "preFilter"
	Filter     ExtensionPoint = "filter"
	PostFilter ExtensionPoint = "postFilter"
	PreScore   ExtensionPoint = "preScore"
	Score      ExtensionPoint = "score"
	Reserve    ExtensionPoint = "reserve"
	Permit     ExtensionPoint = "permit"
	PreBind    ExtensionPoint = "preBind"
	Bind       ExtensionPoint = "bind"
	PostBind   ExtensionPoint = "postBind"
)

// extensionPoints is every ExtensionPoint, in the order a cycle runs them.
var extensionPoints = []ExtensionPoint{PreEnqueue, QueueSort, PreFilter, Filter, PostFilter, PreScore, Score, Reserve, Permit, PreBind, Bind, PostBind}

// Profile is a named set of plugins. Each plugin is enabled at every
// extension point it implements (Kubernetes' "multiPoint"), and the plugins
// of one extension point run in the order listed.
type Profile struct {
	// SchedulerName selects the profile: pods whose spec.schedulerName
	// equals it are scheduled with it. "" means "default-scheduler".
	SchedulerName string
	// Plugins are the enabled plugins, in order.
	Plugins []PluginConfig
	// PercentageOfNodesToScore overrides the scheduler-wide percentage of
	// nodes evaluated per cycle; nil keeps the scheduler's.
	PercentageOfNodesToScore *int32
}

// Option configures a Framework.
type Option func(*options)

type options struct {
	snapshot     framework.SharedLister
	nominator    framework.PodNominator
	parallelizer framework.Parallelizer
	evictor      framework.PodEvictor
	activator    framework.PodActivator
	namespaces   framework.NamespaceLister
	binder       framework.PodBinder
	clock        clock.Clock
	waitingPods  *WaitingPods
}

// WithSnapshotSharedLister sets what SnapshotSharedLister returns; the
// scheduler passes the Snapshot it updates before every cycle.
func WithSnapshotSharedLister(s framework.SharedLister) Option {
	return func(o *options) { o.snapshot = s }
}

// WithPodNominator sets the nominator; the default tracks nominations in
// memory.
func WithPodNominator(n framework.PodNominator) Option {
	return func(o *options) { o.nominator = n }
}

// WithParallelism sets the parallelism of Filter and Score; 0 (the
// default) means GOMAXPROCS.
func WithParallelism(n int) Option {
	return func(o *options) { o.parallelizer = framework.Parallelizer{Parallelism: n} }
}

// WithPodEvictor sets the evictor preemption uses; the default fails
// every eviction.
func WithPodEvictor(e framework.PodEvictor) Option {
	return func(o *options) { o.evictor = e }
}

// WithPodActivator sets the activator; the default does nothing.
func WithPodActivator(a framework.PodActivator) Option {
	return func(o *options) { o.activator = a }
}

// WithNamespaceLister sets the namespace lister; the default knows no
// namespace.
func WithNamespaceLister(l framework.NamespaceLister) Option {
	return func(o *options) { o.namespaces = l }
}

// WithPodBinder sets the binder DefaultBinder uses; the default fails
// every bind.
func WithPodBinder(b framework.PodBinder) Option {
	return func(o *options) { o.binder = b }
}

// WithClock sets the clock of Permit timeouts; the default is the real
// clock.
func WithClock(c clock.Clock) Option {
	return func(o *options) { o.clock = c }
}

// WithWaitingPods shares one set of waiting pods between the frameworks of
// several profiles, so that a plugin sees every waiting pod; the default
// is a set of the framework's own.
func WithWaitingPods(w *WaitingPods) Option {
	return func(o *options) { o.waitingPods = w }
}
