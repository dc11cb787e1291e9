package apiserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/store/mvcc"
)

// Example starts an API server on an mvcc store in a temporary directory,
// creates a pod over HTTP as kubectl would, and prints what the server
// filled in.
func Example() {
	dir, err := os.MkdirTemp("", "apiserver-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := mvcc.Open(ctx, mvcc.Options{Dir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()

	s, err := apiserver.New(st, apiserver.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	ts := httptest.NewServer(s)
	defer ts.Close()

	body := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},
	          "spec":{"containers":[{"name":"app","image":"nginx:1.27"}]}}`
	resp, err := http.Post(ts.URL+"/api/v1/namespaces/default/pods", "application/json", strings.NewReader(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var pod corev1.Pod
	if err := json.NewDecoder(resp.Body).Decode(&pod); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Status)
	fmt.Println(pod.Namespace+"/"+pod.Name, "generation", pod.Generation, "uid set:", pod.UID != "")
	fmt.Println("phase:", pod.Status.Phase, "qos:", pod.Status.QOSClass)
	fmt.Println("serviceAccountName:", pod.Spec.ServiceAccountName, "priority:", *pod.Spec.Priority)
	fmt.Println("restartPolicy:", pod.Spec.RestartPolicy, "imagePullPolicy:", pod.Spec.Containers[0].ImagePullPolicy)
	for _, t := range pod.Spec.Tolerations {
		fmt.Println("toleration:", t.Key, t.Effect, *t.TolerationSeconds)
	}
	// Output:
	// 201 Created
	// default/web generation 1 uid set: true
	// phase: Pending qos: BestEffort
	// serviceAccountName: default priority: 0
	// restartPolicy: Always imagePullPolicy: IfNotPresent
	// toleration: node.kubernetes.io/not-ready NoExecute 300
	// toleration: node.kubernetes.io/unreachable NoExecute 300
}
