package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// ExampleNewInProcess calls a handler directly, as a single-process cluster
// calls its API server. The handler here serves one pod and Kubernetes'
// NotFound Status for everything else.
func ExampleNewInProcess() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet && r.URL.Path == "/api/v1/namespaces/default/pods/web" {
			_ = json.NewEncoder(w).Encode(corev1.Pod{
				TypeMeta:   metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
				ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", ResourceVersion: "7"},
				Spec:       corev1.PodSpec{NodeName: "node-1"},
			})
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(metav1.Status{
			TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
			Status:   metav1.StatusFailure, Code: http.StatusNotFound, Reason: metav1.StatusReasonNotFound,
			Message: `pods "db" not found`,
		})
	})

	c := client.NewInProcess(h)
	pods, err := client.For[corev1.Pod](c)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	web, err := pods.Namespace("default").Get(ctx, "web", client.GetOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(web.Name, "runs on", web.Spec.NodeName, "at resourceVersion", web.ResourceVersion)

	_, err = pods.Namespace("default").Get(ctx, "db", client.GetOptions{})
	fmt.Println(client.IsNotFound(err), err)
	// Output:
	// web runs on node-1 at resourceVersion 7
	// true GET /api/v1/namespaces/default/pods/db: pods "db" not found (NotFound, 404)
}

// ExampleNewKubeconfig writes the kubeconfig a single-process cluster hands
// to kubectl, and reads a Config back from it.
func ExampleNewKubeconfig() {
	k := client.NewKubeconfig("rigging", client.Config{
		Host:        "https://127.0.0.1:6443",
		BearerToken: "admin-token",
		TLS:         client.TLSConfig{CAFile: "/var/lib/rigging/pki/ca.crt"},
	}, "default")
	data, err := k.Marshal()
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(data)

	cfg, ns, err := k.ClientConfig("")
	fmt.Println(cfg.Host, cfg.TLS.CAFile, ns, err)
	// Output:
	// apiVersion: v1
	// clusters:
	// - cluster:
	//     certificate-authority: /var/lib/rigging/pki/ca.crt
	//     server: https://127.0.0.1:6443
	//   name: rigging
	// contexts:
	// - context:
	//     cluster: rigging
	//     namespace: default
	//     user: rigging
	//   name: rigging
	// current-context: rigging
	// kind: Config
	// preferences: {}
	// users:
	// - name: rigging
	//   user:
	//     token: admin-token
	// https://127.0.0.1:6443 /var/lib/rigging/pki/ca.crt default <nil>
}

// ExampleInformer caches the pods of a single-process cluster: Rigging's
// API server on a store in a temporary directory, called in-process.
func ExampleInformer() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "rigging-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	st, err := mvcc.Open(ctx, mvcc.Options{Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	srv, err := apiserver.New(st, apiserver.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	if err := srv.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}

	c := client.NewInProcess(srv)
	pods, _ := client.For[corev1.Pod](c) // Pod is a built-in kind: no error
	pods = pods.Namespace("default")
	newPod := func(name, node string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
		}
	}
	for _, p := range []*corev1.Pod{newPod("web-1", "node-a"), newPod("web-2", "node-b")} {
		if _, err := pods.Create(ctx, p, client.CreateOptions{}); err != nil {
			fmt.Println(err)
			return
		}
	}

	inf := client.NewInformer(pods, client.InformerOptions{})
	_ = inf.AddIndexers(client.Indexers[corev1.Pod]{client.PodNodeNameIndex: client.IndexPodsByNodeName})
	seen := make(chan string)
	reg, _ := inf.AddEventHandler(client.HandlerFuncs[corev1.Pod]{
		AddFunc: func(p *corev1.Pod, initial bool) {
			seen <- fmt.Sprintf("added %s (initial list: %v)", p.Name, initial)
		},
		DeleteFunc: func(p *corev1.Pod, _ bool) { seen <- "deleted " + p.Name },
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = inf.Run(ctx)
	}()

	fmt.Println(<-seen)
	fmt.Println(<-seen)
	if !client.WaitForCacheSync(ctx, reg) {
		return
	}
	onA, _ := inf.Lister().ByIndex(client.PodNodeNameIndex, "node-a")
	fmt.Println("on node-a:", onA[0].Name)

	if _, err := pods.Create(ctx, newPod("web-3", ""), client.CreateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(<-seen)
	zero := int64(0)
	if err := pods.Delete(ctx, "web-1", metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(<-seen)
	cancel()
	<-done
	// Output:
	// added web-1 (initial list: true)
	// added web-2 (initial list: true)
	// on node-a: web-1
	// added web-3 (initial list: false)
	// deleted web-1
}
