package apiserver

import (
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
)

// The defaults a zero Options field stands for.
const (
	// DefaultMaxRequestBodyBytes is the largest request body: 3 MiB, as
	// Kubernetes allows. A larger body is refused with 413.
	DefaultMaxRequestBodyBytes = 3 << 20
	// DefaultRequestTimeout bounds every request but watches: 60 s, as
	// Kubernetes' --request-timeout.
	DefaultRequestTimeout = 60 * time.Second
	// DefaultMaxReadInFlight is how many non-mutating requests (get, list,
	// discovery) may run at once before more are refused with 429: 400, as
	// Kubernetes' --max-requests-inflight. Watches are not counted.
	DefaultMaxReadInFlight = 400
	// DefaultMaxMutatingInFlight is the same for create, update, patch and
	// delete: 200, as Kubernetes' --max-mutating-requests-inflight.
	DefaultMaxMutatingInFlight = 200
	// DefaultWatchCacheSize is how many recent events each resource's
	// watch cache keeps, so that a watch may resume from a resourceVersion
	// that many events back: 1000. An older resourceVersion gets 410 Gone.
	DefaultWatchCacheSize = 1000
	// DefaultWatchBufferSize is how many events may wait for one watch
	// client before the server ends that watch (the client then watches
	// again from the last resourceVersion it saw): 1024.
	DefaultWatchBufferSize = 1024
	// DefaultBookmarkInterval is how often a watch that asked for
	// bookmarks gets one: 1 minute, as Kubernetes sends them.
	DefaultBookmarkInterval = time.Minute
	// DefaultWatchTimeout is how long a watch lasts when the client gives
	// no timeoutSeconds: 30 minutes, Kubernetes' --min-request-timeout.
	DefaultWatchTimeout = 30 * time.Minute
	// DefaultCompactionInterval is how often the server compacts the
	// store's history: 5 minutes, as Kubernetes' --etcd-compaction-interval.
	DefaultCompactionInterval = 5 * time.Minute
	// DefaultEventTTL is how long an event lives after its last write: 1
	// hour, as Kubernetes' --event-ttl.
	DefaultEventTTL = time.Hour
	// DefaultServiceCIDR is the range services' cluster IPs come from:
	// 10.96.0.0/12, kubeadm's default.
	DefaultServiceCIDR = "10.96.0.0/12"
	// DefaultNodePortRange is the range of node ports: 30000-32767, as
	// Kubernetes' --service-node-port-range.
	DefaultNodePortRange = "30000-32767"
	// DefaultGitVersion is the version /version reports; kubectl reads
	// its major and minor version to check its skew.
	DefaultGitVersion = "v1.33.0+rigging"
)

// Options configure a Server. The zero value works: each field states its
// default.
type Options struct {
	// Logger receives request failures that are the server's fault, panics
	// and watch cache restarts. Default: discard.
	Logger logr.Logger
	// Metrics is the registry the server's Prometheus metrics are
	// registered on and that /metrics serves. Default: a new registry.
	Metrics *prometheus.Registry
	// MaxRequestBodyBytes is the largest request body. Default
	// DefaultMaxRequestBodyBytes (3 MiB).
	MaxRequestBodyBytes int64
	// RequestTimeout bounds each request but watches; a request's own
	// ?timeout= may shorten it. Default DefaultRequestTimeout (60 s).
	RequestTimeout time.Duration
	// MaxReadInFlight is how many non-mutating requests may run at once;
	// more are refused with 429 and Retry-After: 1. Default
	// DefaultMaxReadInFlight (400); negative means no limit.
	MaxReadInFlight int
	// MaxMutatingInFlight is the same for mutating requests. Default
	// DefaultMaxMutatingInFlight (200); negative means no limit.
	MaxMutatingInFlight int
	// WatchCacheSize is how many recent events each resource's watch cache
	// keeps. Default DefaultWatchCacheSize (1000).
	WatchCacheSize int
	// WatchBufferSize is how many events may queue for one watch client
	// before the server ends that watch. Default DefaultWatchBufferSize
	// (1024).
	WatchBufferSize int
	// BookmarkInterval is how often a watch that asked for bookmarks
	// (allowWatchBookmarks=true) gets one. Default DefaultBookmarkInterval
	// (1 minute).
	BookmarkInterval time.Duration
	// WatchTimeout is how long a watch without timeoutSeconds lasts.
	// Default DefaultWatchTimeout (30 minutes).
	WatchTimeout time.Duration
	// CompactionInterval is how often the server compacts the store, each
	// time at the revision it saw one interval earlier, so that at least
	// one interval of history stays available to watches and paginated
	// lists. Default DefaultCompactionInterval (5 minutes); negative
	// disables compaction (when another server or the store does it).
	CompactionInterval time.Duration
	// EventTTL is how long a core/v1 Event lives after its last create or
	// update: the store deletes it then, and watchers see DELETED (see
	// Strategy.TTL, which applies it: one store lease serves the event
	// writes of up to 60 s, so an event may live up to 60 s longer).
	// Default DefaultEventTTL (1 hour); negative is invalid. It cannot be
	// turned off, as in Kubernetes: a very long TTL (up to the store's
	// longest lease; store/mvcc and etcd grant up to 9,000,000,000 s)
	// keeps events practically for good.
	EventTTL time.Duration
	// ServiceCIDR is the network services' cluster IPs are allocated
	// from; its family (IPv4 or IPv6) is the cluster's (single-stack).
	// Default DefaultServiceCIDR (10.96.0.0/12).
	ServiceCIDR string
	// NodePortRange is the range "first-last" of node ports. Default
	// DefaultNodePortRange (30000-32767).
	NodePortRange string
	// GitVersion is the version /version reports, a semantic version
	// starting with "v". Default DefaultGitVersion.
	GitVersion string
	// Mutating are admission plugins run after the built-in mutating
	// ones, in order, on every create, update, patch and delete.
	Mutating []MutatingAdmission
	// Validating are admission plugins run after the built-in validating
	// ones.
	Validating []ValidatingAdmission
	// DisableAdmission names built-in admission plugins not to run:
	// "NamespaceLifecycle", "ServiceAccount", "DefaultTolerationSeconds",
	// "Priority", "ResourceQuota". Default: all run.
	DisableAdmission []string
	// Now is the clock of creationTimestamp and deletionTimestamp.
	// Default time.Now.
	Now func() time.Time
	// Authenticator, when set, authenticates every request before it is
	// served: the user goes in the request's context (see UserFrom), and
	// a request whose credentials it does not accept gets 401
	// Unauthorized. Default nil: no authentication, every request is
	// served without a user, as anonymous, and allowed.
	Authenticator Authenticator
	// AllowAnonymous, with an Authenticator, serves requests that carry
	// no credentials at all (no Authorization header, no client
	// certificate) as UserAnonymous in group GroupUnauthenticated instead
	// of refusing them with 401. Requests with credentials the
	// Authenticator refuses get 401 regardless. Default false.
	AllowAnonymous bool
}

// withDefaults checks o and fills in its zero fields.
func (o Options) withDefaults() (Options, error) {
	if o.MaxRequestBodyBytes < 0 {
		return o, fmt.Errorf("apiserver: negative MaxRequestBodyBytes %d", o.MaxRequestBodyBytes)
	}
	for name, d := range map[string]time.Duration{
		"RequestTimeout": o.RequestTimeout, "BookmarkInterval": o.BookmarkInterval, "WatchTimeout": o.WatchTimeout,
		"EventTTL": o.EventTTL,
	} {
		if d < 0 {
			return o, fmt.Errorf("apiserver: negative %s %v", name, d)
		}
	}
	if o.WatchCacheSize < 0 || o.WatchBufferSize < 0 {
		return o, fmt.Errorf("apiserver: negative WatchCacheSize %d or WatchBufferSize %d", o.WatchCacheSize, o.WatchBufferSize)
	}
	for _, name := range o.DisableAdmission {
		if !isBuiltinAdmission(name) {
			return o, fmt.Errorf("apiserver: DisableAdmission: no built-in admission plugin %q", name)
		}
	}
	if o.GitVersion == "" {
		o.GitVersion = DefaultGitVersion
	}
	if _, _, err := parseGitVersion(o.GitVersion); err != nil {
		return o, err
	}
	if o.ServiceCIDR == "" {
		o.ServiceCIDR = DefaultServiceCIDR
	}
	if o.NodePortRange == "" {
		o.NodePortRange = DefaultNodePortRange
	}
	if _, _, _, err := parseServiceRanges(o.ServiceCIDR, o.NodePortRange); err != nil {
		return o, err
	}
	if o.Metrics == nil {
		o.Metrics = prometheus.NewRegistry()
	}
	if o.MaxRequestBodyBytes == 0 {
		o.MaxRequestBodyBytes = DefaultMaxRequestBodyBytes
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.MaxReadInFlight == 0 {
		o.MaxReadInFlight = DefaultMaxReadInFlight
	}
	if o.MaxMutatingInFlight == 0 {
		o.MaxMutatingInFlight = DefaultMaxMutatingInFlight
	}
	if o.WatchCacheSize == 0 {
		o.WatchCacheSize = DefaultWatchCacheSize
	}
	if o.WatchBufferSize == 0 {
		o.WatchBufferSize = DefaultWatchBufferSize
	}
	if o.BookmarkInterval == 0 {
		o.BookmarkInterval = DefaultBookmarkInterval
	}
	if o.WatchTimeout == 0 {
		o.WatchTimeout = DefaultWatchTimeout
	}
	if o.CompactionInterval == 0 {
		o.CompactionInterval = DefaultCompactionInterval
	}
	if o.EventTTL == 0 {
		o.EventTTL = DefaultEventTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}
