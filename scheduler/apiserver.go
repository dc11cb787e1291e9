package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/scheduler/framework"
)

// RunOptions configure Run.
type RunOptions struct {
	// Options are the scheduler's. Run supplies Binder (the pods/binding
	// subresource), Evictor (the pods/eviction subresource) and
	// NamespaceLister (a namespace informer); OnOutcome, if set, is called
	// after Run records a failure in the pod's status.
	Options
	// LeaderElection configures the election among several schedulers.
	LeaderElection LeaderElection
}

// Run schedules the pods of the API server c talks to until ctx ends: it
// waits to be elected leader (unless disabled), starts informers on pods,
// nodes and namespaces, feeds them to a Scheduler, binds through the
// binding subresource, evicts preemption victims through the eviction
// subresource, and records failures in the pod's status (the PodScheduled
// condition False with reason Unschedulable and the scheduler's message,
// and status.nominatedNodeName). It returns nil when ctx ends, or an error
// when it cannot start or loses the lease.
func Run(ctx context.Context, c *client.Client, opts RunOptions) error {
	le := opts.LeaderElection
	le.defaults()
	if !le.Disable {
		leases, err := client.For[coordinationv1.Lease](c)
		if err != nil {
			return err
		}
		e := &elector{cfg: le, leases: leases.Namespace(le.Namespace), now: time.Now}
		if err := e.acquire(ctx); err != nil {
			return nil
		}
		lctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		renewed := make(chan error, 1)
		go func() {
			err := e.renew(lctx)
			if err != nil {
				cancel(err)
			}
			renewed <- err
		}()
		err = runLeader(lctx, c, opts.Options)
		cancel(nil)
		if rerr := <-renewed; rerr != nil {
			return rerr
		}
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), le.RetryPeriod)
		defer rcancel()
		e.release(rctx)
		return err
	}
	return runLeader(ctx, c, opts.Options)
}

// informerLister adapts the namespace informer to NamespaceLister.
type informerLister struct {
	l *client.Lister[corev1.Namespace]
}

func (n informerLister) NamespaceLabels(name string) (map[string]string, bool) {
	ns, err := n.l.Get("", name)
	if err != nil {
		return nil, false
	}
	return ns.Labels, true
}

func runLeader(ctx context.Context, c *client.Client, opts Options) error {
	pods, err := client.For[corev1.Pod](c)
	if err != nil {
		return err
	}
	factory := client.NewInformerFactory(c, client.FactoryOptions{})
	defer factory.Shutdown()
	podInf, err := client.InformerFor[corev1.Pod](factory)
	if err != nil {
		return err
	}
	nodeInf, err := client.InformerFor[corev1.Node](factory)
	if err != nil {
		return err
	}
	nsInf, err := client.InformerFor[corev1.Namespace](factory)
	if err != nil {
		return err
	}
	var patches sync.WaitGroup // status patches in flight
	defer patches.Wait()
	rec, err := newEventRecorder(c)
	if err != nil {
		return err
	}
	defer rec.Close()
	userOutcome := opts.OnOutcome
	opts.Binder = framework.PodBinderFunc(func(ctx context.Context, pod *corev1.Pod, node string) error {
		return pods.Namespace(pod.Namespace).Bind(ctx, &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
			Target:     corev1.ObjectReference{Kind: "Node", Name: node},
		}, client.CreateOptions{})
	})
	opts.Evictor = framework.PodEvictorFunc(func(ctx context.Context, victim, _ *corev1.Pod) error {
		err := pods.Namespace(victim.Namespace).Evict(ctx, victim.Name, &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &victim.UID}})
		if client.IsNotFound(err) {
			return nil
		}
		return err
	})
	opts.NamespaceLister = informerLister{l: nsInf.Lister()}
	opts.OnOutcome = func(o Outcome) {
		recordOutcome(rec, o)
		if o.Err != nil {
			patches.Add(1)
			go func() {
				defer patches.Done()
				pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
				defer cancel()
				_ = recordFailure(pctx, pods, o)
			}()
		}
		if userOutcome != nil {
			userOutcome(o)
		}
	}
	s, err := New(ctx, opts)
	if err != nil {
		return err
	}
	nodeReg, err := nodeInf.AddEventHandler(client.HandlerFuncs[corev1.Node]{
		AddFunc:    func(n *corev1.Node, _ bool) { s.AddNode(n) },
		UpdateFunc: func(o, n *corev1.Node) { s.UpdateNode(o, n) },
		DeleteFunc: func(n *corev1.Node, _ bool) { _ = s.DeleteNode(n) },
	})
	if err != nil {
		return err
	}
	podReg, err := podInf.AddEventHandler(client.HandlerFuncs[corev1.Pod]{
		AddFunc: func(p *corev1.Pod, _ bool) {
			if !terminal(p) && !(p.Spec.NodeName == "" && p.DeletionTimestamp != nil) {
				_ = s.AddPod(p)
			}
		},
		UpdateFunc: func(o, n *corev1.Pod) {
			switch {
			case terminal(n) || (n.Spec.NodeName == "" && n.DeletionTimestamp != nil):
				_ = s.DeletePod(o)
			case terminal(o):
				_ = s.AddPod(n)
			default:
				_ = s.UpdatePod(o, n)
			}
		},
		DeleteFunc: func(p *corev1.Pod, _ bool) { _ = s.DeletePod(p) },
	})
	if err != nil {
		return err
	}
	factory.Start(ctx)
	// Schedule only once the handlers have put the initial nodes and pods
	// into the scheduler's cache: a pod tried against a half-filled cache
	// fails with a misleading "0/0 nodes are available".
	if !factory.WaitForCacheSync(ctx) || !client.WaitForCacheSync(ctx, nodeReg, podReg) {
		return nil
	}
	return s.Run(ctx)
}

// terminal reports whether the pod has finished and no longer uses its
// node's resources.
func terminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// recordFailure patches the pod's status with the PodScheduled condition
// and its nominated node, as kube-scheduler does.
func recordFailure(ctx context.Context, pods *client.Resource[corev1.Pod], o Outcome) error {
	reason := corev1.PodReasonUnschedulable
	var fe *framework.FitError
	if !errors.As(o.Err, &fe) {
		reason = "SchedulerError"
	}
	patch := map[string]any{"status": map[string]any{
		"conditions": []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: reason, Message: o.Err.Error(),
			LastTransitionTime: metav1.Now(),
		}},
		"nominatedNodeName": nullable(o.NominatedNodeName),
	}}
	data, err := json.Marshal(patch)
	if err != nil {
		return fmt.Errorf("record failure of pod %s/%s: %w", o.Pod.Namespace, o.Pod.Name, err)
	}
	_, err = pods.Namespace(o.Pod.Namespace).Patch(ctx, o.Pod.Name, client.StrategicMergePatchType, data, client.PatchOptions{}, "status")
	return err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
