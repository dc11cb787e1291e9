package kubelet

// How secret and configMap volumes follow their objects: the kubelet
// watches each Secret and ConfigMap that a volume of one of its pods
// refers to, as Kubernetes' kubelet does with its default Watch
// change-detection strategy: one informer per object (a field selector on
// metadata.name, so it lists and watches that object alone), shared by
// the pods that use it and stopped when the last of them ends. A change
// pokes those pods' workers, whose next sync rewrites the volume from the
// informer's cache (refreshVolumes), atomically (writeAtomic). Nothing
// polls the API.

import (
	"context"
	"strings"
	"sync"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/client"
)

// sourceKey names a Secret or ConfigMap: kind is "secret" or "configmap".
type sourceKey struct {
	kind, ns, name string
}

// sourceOf returns the object volume v of a pod in ns takes its files
// from, if it is a secret or configMap volume.
func sourceOf(ns string, v *corev1.Volume) (sourceKey, bool) {
	switch {
	case v.Secret != nil:
		return sourceKey{"secret", ns, v.Secret.SecretName}, true
	case v.ConfigMap != nil:
		return sourceKey{"configmap", ns, v.ConfigMap.Name}, true
	}
	return sourceKey{}, false
}

// sourceContent is what a volume is made of: the object's data, its
// resourceVersion, and whether it exists.
type sourceContent struct {
	rv    string
	data  map[string][]byte
	found bool
}

// sourceWatch is the informer of one object and the pods that use it.
type sourceWatch struct {
	users  map[string]func() // pod uid -> its worker's poke
	get    func() (sourceContent, bool)
	cancel context.CancelFunc
	done   chan struct{} // closed when the informer's goroutine ended
}

// volumeSources holds the kubelet's watches of volume sources. Its
// methods may be called from any goroutine; each watch's goroutine is
// ended and waited for by release, when the last pod using it is done
// (pod workers release when they end, before Run returns).
type volumeSources struct {
	c *client.Client

	mu      sync.Mutex // guards watches and written
	watches map[sourceKey]*sourceWatch
	// written is the resourceVersion of the source each volume was last
	// written from ("<pod uid>/<volume>" -> rv; "" when it did not exist).
	written map[string]string
}

func newVolumeSources(c *client.Client) *volumeSources {
	return &volumeSources{c: c, watches: map[sourceKey]*sourceWatch{}, written: map[string]string{}}
}

// track makes sure every source of pod's volumes is watched, with uid
// among its users (poked on each change). The watches run under ctx.
func (vs *volumeSources) track(ctx context.Context, uid string, pod *corev1.Pod, poke func()) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	for i := range pod.Spec.Volumes {
		key, ok := sourceOf(pod.Namespace, &pod.Spec.Volumes[i])
		if !ok || key.name == "" {
			continue
		}
		sw := vs.watches[key]
		if sw == nil {
			sw = vs.startLocked(ctx, key)
			if sw == nil {
				continue
			}
			vs.watches[key] = sw
		}
		sw.users[uid] = poke
	}
}

// startLocked starts the informer of key.
func (vs *volumeSources) startLocked(ctx context.Context, key sourceKey) *sourceWatch {
	notify := func() { vs.notify(key) }
	switch key.kind {
	case "secret":
		return startSourceWatch(ctx, vs.c, key, notify, func(s *corev1.Secret) sourceContent {
			return sourceContent{rv: s.ResourceVersion, data: s.Data, found: true}
		})
	default:
		return startSourceWatch(ctx, vs.c, key, notify, func(cm *corev1.ConfigMap) sourceContent {
			return sourceContent{rv: cm.ResourceVersion, data: configMapData(cm), found: true}
		})
	}
}

// startSourceWatch runs an informer on the one object key names, calling
// notify on each change; content reads it from the cache.
func startSourceWatch[T any, PT client.Object[T]](ctx context.Context, c *client.Client, key sourceKey,
	notify func(), content func(*T) sourceContent) *sourceWatch {
	r, err := client.For[T, PT](c)
	if err != nil {
		return nil
	}
	inf := client.NewInformer(r.Namespace(key.ns), client.InformerOptions{FieldSelector: "metadata.name=" + key.name})
	if _, err := inf.AddEventHandler(client.HandlerFuncs[T]{
		AddFunc:    func(*T, bool) { notify() },
		UpdateFunc: func(_, _ *T) { notify() },
		DeleteFunc: func(*T, bool) { notify() },
	}); err != nil {
		return nil
	}
	wctx, cancel := context.WithCancel(ctx)
	sw := &sourceWatch{users: map[string]func(){}, cancel: cancel, done: make(chan struct{})}
	lister := inf.Lister()
	sw.get = func() (sourceContent, bool) {
		if !inf.HasSynced() {
			return sourceContent{}, false
		}
		o, err := lister.Get(key.ns, key.name)
		if err != nil {
			return sourceContent{}, true // synced, and not there
		}
		return content(o), true
	}
	go func() {
		defer close(sw.done)
		_ = inf.Run(wctx)
	}()
	return sw
}

// notify pokes the workers of the pods that use key.
func (vs *volumeSources) notify(key sourceKey) {
	vs.mu.Lock()
	var pokes []func()
	if sw := vs.watches[key]; sw != nil {
		for _, p := range sw.users {
			pokes = append(pokes, p)
		}
	}
	vs.mu.Unlock()
	for _, p := range pokes {
		p()
	}
}

// lookup returns key's content from its informer's cache, and false when
// key is not watched or its informer has not synced yet.
func (vs *volumeSources) lookup(key sourceKey) (sourceContent, bool) {
	vs.mu.Lock()
	sw := vs.watches[key]
	vs.mu.Unlock()
	if sw == nil {
		return sourceContent{}, false
	}
	return sw.get()
}

// setWritten records that pod uid's volume was written from the source
// at resourceVersion rv.
func (vs *volumeSources) setWritten(uid, volume, rv string) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	vs.written[uid+"/"+volume] = rv
}

// lastWritten returns the resourceVersion pod uid's volume was last
// written from, and whether it was written at all.
func (vs *volumeSources) lastWritten(uid, volume string) (string, bool) {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	rv, ok := vs.written[uid+"/"+volume]
	return rv, ok
}

// release forgets pod uid: it stops, and waits for, the watches no other
// pod uses.
func (vs *volumeSources) release(uid string) {
	vs.mu.Lock()
	var stopped []*sourceWatch
	for key, sw := range vs.watches {
		delete(sw.users, uid)
		if len(sw.users) == 0 {
			delete(vs.watches, key)
			stopped = append(stopped, sw)
		}
	}
	for k := range vs.written {
		if strings.HasPrefix(k, uid+"/") {
			delete(vs.written, k)
		}
	}
	vs.mu.Unlock()
	for _, sw := range stopped {
		sw.cancel()
		<-sw.done
	}
}

// configMapData is a ConfigMap's data and binaryData as file contents.
func configMapData(cm *corev1.ConfigMap) map[string][]byte {
	data := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for key, val := range cm.Data {
		data[key] = []byte(val)
	}
	for key, val := range cm.BinaryData {
		data[key] = val
	}
	return data
}
