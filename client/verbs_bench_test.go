package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/jsoncodec"
)

// benchPodJSON is a pod as a Deployment creates it (nginx with labels,
// annotations, ports, env, probes and a volume), as stored by the server:
// about 1.6 KB, the pod of bench/apiserver's create rows.
const benchPodJSON = `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"nginx-000-000001","namespace":"bench",` +
	`"uid":"6f1c1d2e-0000-4000-8000-000000000001","resourceVersion":"4242","creationTimestamp":"2026-01-02T03:04:05Z",` +
	`"labels":{"app":"web","tier":"frontend","pod-template-hash":"7d9c6b8f5d","app.kubernetes.io/name":"nginx","app.kubernetes.io/version":"1.27.3"},` +
	`"annotations":{"kubectl.kubernetes.io/default-container":"nginx","prometheus.io/scrape":"true","prometheus.io/port":"9113"}},` +
	`"spec":{"volumes":[{"name":"config","configMap":{"name":"nginx-config"}}],` +
	`"containers":[{"name":"nginx","image":"registry.k8s.io/nginx:1.27.3",` +
	`"ports":[{"name":"http","containerPort":80,"protocol":"TCP"},{"name":"metrics","containerPort":9113,"protocol":"TCP"}],` +
	`"env":[{"name":"NGINX_WORKER_PROCESSES","value":"2"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],` +
	`"resources":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},` +
	`"volumeMounts":[{"name":"config","readOnly":true,"mountPath":"/etc/nginx/conf.d"}],` +
	`"livenessProbe":{"httpGet":{"path":"/healthz","port":80},"initialDelaySeconds":10,"periodSeconds":10},` +
	`"readinessProbe":{"httpGet":{"path":"/ready","port":"http"},"periodSeconds":5},` +
	`"imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst"},` +
	`"status":{"phase":"Pending","qosClass":"Burstable"}}`

// verbsHandler answers every request as the API server answers a write
// or a get of benchPodJSON: it reads the body whole and sends the pod with
// its length, 201 for POST and 200 otherwise.
func verbsHandler(b *testing.B) http.Handler {
	body := []byte(benchPodJSON)
	length := strconv.Itoa(len(body))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			b.Errorf("read request body: %v", err)
			return
		}
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{length}
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		} else {
			w.WriteHeader(http.StatusOK)
		}
		_, _ = w.Write(body)
	})
}

// BenchmarkVerbs measures one typed request of each kind the components
// send most, end to end, over loopback HTTP (httptest) and through the
// in-process transport. The allocations include the server side's, which
// the raw rows (a net/http client posting prepared bytes, and reading the
// answer into a reused buffer) show as a floor for each transport.
func BenchmarkVerbs(b *testing.B) {
	var pod corev1.Pod
	if err := jsoncodec.Unmarshal([]byte(benchPodJSON), &pod); err != nil {
		b.Fatal(err)
	}
	pod.ResourceVersion = ""
	pod.UID = ""
	update := pod
	update.ResourceVersion = "4242"

	srv := httptest.NewServer(verbsHandler(b))
	b.Cleanup(srv.Close)
	httpClient, err := New(Config{Host: srv.URL, QPS: -1})
	if err != nil {
		b.Fatal(err)
	}
	transports := []struct {
		name string
		c    *Client
		raw  func(ctx context.Context, method, url string, body []byte, resp *bytes.Buffer) error
	}{
		{"http", httpClient, rawDo(srv.Client(), srv.URL)},
		{"inproc", NewInProcess(verbsHandler(b)), rawDo(&http.Client{Transport: &handlerTransport{h: verbsHandler(b)}}, "http://in-process")},
	}
	for _, tr := range transports {
		pods, err := For[corev1.Pod](tr.c)
		if err != nil {
			b.Fatal(err)
		}
		pods = pods.Namespace("bench")
		verbs := []struct {
			name string
			do   func(ctx context.Context) (*corev1.Pod, error)
		}{
			{"create", func(ctx context.Context) (*corev1.Pod, error) { return pods.Create(ctx, &pod, CreateOptions{}) }},
			{"get", func(ctx context.Context) (*corev1.Pod, error) {
				return pods.Get(ctx, "nginx-000-000001", GetOptions{})
			}},
			{"update", func(ctx context.Context) (*corev1.Pod, error) { return pods.Update(ctx, &update, UpdateOptions{}) }},
			{"updatestatus", func(ctx context.Context) (*corev1.Pod, error) {
				return pods.UpdateStatus(ctx, &update, UpdateOptions{})
			}},
		}
		for _, v := range verbs {
			b.Run(tr.name+"/"+v.name, func(b *testing.B) {
				b.ReportAllocs()
				ctx := b.Context()
				for b.Loop() {
					got, err := v.do(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if got.Name != "nginx-000-000001" || got.Kind != "Pod" {
						b.Fatalf("got %s %s", got.Kind, got.Name)
					}
				}
			})
		}
		b.Run(tr.name+"/raw-create", func(b *testing.B) {
			b.ReportAllocs()
			body, err := jsoncodec.Marshal(&pod)
			if err != nil {
				b.Fatal(err)
			}
			var resp bytes.Buffer
			ctx := b.Context()
			for b.Loop() {
				if err := tr.raw(ctx, http.MethodPost, "/api/v1/namespaces/bench/pods", body, &resp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// rawDo returns a function that sends one request with c as a lean load
// generator would: prepared body, response read into a reused buffer, no
// decoding.
func rawDo(c *http.Client, base string) func(ctx context.Context, method, path string, body []byte, resp *bytes.Buffer) error {
	var r bytes.Reader
	return func(ctx context.Context, method, path string, body []byte, resp *bytes.Buffer) error {
		r.Reset(body)
		req, err := http.NewRequestWithContext(ctx, method, base+path, &r)
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		res, err := c.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		resp.Reset()
		if _, err := resp.ReadFrom(res.Body); err != nil {
			return err
		}
		if res.StatusCode != http.StatusCreated {
			return fmt.Errorf("%s: %s", res.Status, resp.Bytes())
		}
		return nil
	}
}
