package runtime

import (
	"fmt"
	"sync"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/scheduler/clock"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// maxPermitTimeout caps a Permit plugin's wait, as in Kubernetes.
const maxPermitTimeout = 15 * time.Minute

// WaitingPods is the set of pods parked by Permit. It is safe for
// concurrent use.
type WaitingPods struct {
	mu   sync.RWMutex // guards pods
	pods map[types.UID]*waitingPod
}

// NewWaitingPods returns an empty set.
func NewWaitingPods() *WaitingPods { return &WaitingPods{pods: make(map[types.UID]*waitingPod)} }

func (w *WaitingPods) add(wp *waitingPod) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pods[wp.pod.UID] = wp
}

func (w *WaitingPods) remove(uid types.UID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.pods, uid)
}

func (w *WaitingPods) get(uid types.UID) *waitingPod {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return w.pods[uid]
}

func (w *WaitingPods) iterate(fn func(framework.WaitingPod)) {
	w.mu.RLock()
	list := make([]*waitingPod, 0, len(w.pods))
	for _, wp := range w.pods {
		list = append(list, wp)
	}
	w.mu.RUnlock()
	for _, wp := range list {
		fn(wp)
	}
}

// waitingPod is one parked pod: the plugins it still waits for, each with
// its timeout timer, and the channel its verdict is sent on.
type waitingPod struct {
	pod *corev1.Pod

	mu      sync.Mutex             // guards pending
	pending map[string]clock.Timer // plugin -> timeout
	verdict chan *framework.Status // buffered 1; the first verdict wins
}

var _ framework.WaitingPod = (*waitingPod)(nil)

func newWaitingPod(pod *corev1.Pod, waits map[string]time.Duration, clk clock.Clock) *waitingPod {
	wp := &waitingPod{pod: pod, pending: make(map[string]clock.Timer, len(waits)), verdict: make(chan *framework.Status, 1)}
	wp.mu.Lock()
	defer wp.mu.Unlock()
	for plugin, d := range waits {
		wp.pending[plugin] = clk.AfterFunc(d, func() {
			wp.Reject(plugin, fmt.Sprintf("rejected due to timeout after waiting %v at plugin %v", d, plugin))
		})
	}
	return wp
}

func (wp *waitingPod) GetPod() *corev1.Pod { return wp.pod }

func (wp *waitingPod) GetPendingPlugins() []string {
	wp.mu.Lock()
	defer wp.mu.Unlock()
	out := make([]string, 0, len(wp.pending))
	for p := range wp.pending {
		out = append(out, p)
	}
	return out
}

func (wp *waitingPod) Allow(pluginName string) {
	wp.mu.Lock()
	defer wp.mu.Unlock()
	if t, ok := wp.pending[pluginName]; ok {
		t.Stop()
		delete(wp.pending, pluginName)
	}
	if len(wp.pending) != 0 {
		return
	}
	select {
	case wp.verdict <- nil:
	default:
	}
}

func (wp *waitingPod) Reject(pluginName, msg string) {
	wp.mu.Lock()
	defer wp.mu.Unlock()
	for _, t := range wp.pending {
		t.Stop()
	}
	select {
	case wp.verdict <- framework.NewStatus(framework.Unschedulable, msg).WithPlugin(pluginName):
	default:
	}
}
