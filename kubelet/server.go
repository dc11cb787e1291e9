package kubelet

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Handler returns the kubelet's HTTP API:
//
//	GET /healthz                                           "ok"
//	GET /containerLogs/{namespace}/{pod}/{container}       a container's log (text/plain)
//	    ?follow=&tailLines=&previous=&timestamps=&limitBytes=&sinceSeconds=&sinceTime=
//	GET /stats/summary                                     Summary as JSON
//
// The server New starts serves it; it is exported for tests and for
// embedding behind another listener.
func (k *Kubelet) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	})
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", k.serveLogs)
	mux.HandleFunc("GET /stats/summary", func(w http.ResponseWriter, r *http.Request) {
		s, err := k.summary(r.Context())
		if err != nil {
			http.Error(w, "stats: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s)
	})
	return mux
}

func (k *Kubelet) serveLogs(w http.ResponseWriter, r *http.Request) {
	ns, name, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	pod, ok := k.podByName(ns, name)
	if !ok {
		http.Error(w, fmt.Sprintf("pod %s/%s not found on node %s", ns, name, k.cfg.NodeName), http.StatusNotFound)
		return
	}
	if findContainer(pod, container) == nil {
		http.Error(w, fmt.Sprintf("container %s is not valid for pod %s", container, name), http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	opts, previous, err := parseLogQuery(q, k.clock.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	files := k.logFiles(string(pod.UID), container)
	idx := 0
	if previous {
		idx = 1
	}
	if len(files) <= idx {
		if previous {
			http.Error(w, fmt.Sprintf("previous terminated container %q in pod %q not found", container, name), http.StatusBadRequest)
		} else {
			http.Error(w, fmt.Sprintf("container %q in pod %q is waiting to start: ContainerCreating", container, name), http.StatusBadRequest)
		}
		return
	}
	path := files[idx].path
	if opts.Follow && !previous {
		attempt := files[idx].attempt
		opts.Running = func() bool { return k.containerRunning(r, string(pod.UID), container, attempt) }
	} else {
		opts.Follow = false
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Transfer-Encoding", "chunked")
	fw := &flushWriter{w: w}
	if fl, ok := w.(http.Flusher); ok {
		fw.f = fl
	}
	if err := ReadLogs(r.Context(), path, opts, fw); err != nil && r.Context().Err() == nil {
		k.log.Error(err, "serve logs", "pod", ns+"/"+name, "container", container)
	}
}

// containerRunning reports whether the container attempt still runs.
func (k *Kubelet) containerRunning(r *http.Request, uid, container string, attempt uint32) bool {
	list, err := k.cfg.Runtime.ListContainers(r.Context(), &ContainerFilter{LabelSelector: map[string]string{LabelPodUID: uid, LabelContainerName: container}})
	if err != nil {
		return false
	}
	for _, c := range list {
		if c.Metadata.Attempt == attempt {
			return c.State == ContainerRunning || c.State == ContainerCreated
		}
	}
	return false
}

// parseLogQuery reads the log endpoint's query parameters.
func parseLogQuery(q map[string][]string, now time.Time) (LogOptions, bool, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var o LogOptions
	var previous bool
	var err error
	parseBool := func(k string) (bool, error) {
		v := get(k)
		if v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("invalid %s %q: must be true or false", k, v)
		}
		return b, nil
	}
	if o.Follow, err = parseBool("follow"); err != nil {
		return o, false, err
	}
	if previous, err = parseBool("previous"); err != nil {
		return o, false, err
	}
	if o.Timestamps, err = parseBool("timestamps"); err != nil {
		return o, false, err
	}
	if v := get("tailLines"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return o, false, fmt.Errorf("invalid tailLines %q: must be a non-negative integer", v)
		}
		o.TailLines, o.NoLines = n, n == 0
	}
	if v := get("limitBytes"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return o, false, fmt.Errorf("invalid limitBytes %q: must be a positive integer", v)
		}
		o.LimitBytes = n
	}
	if v := get("sinceSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return o, false, fmt.Errorf("invalid sinceSeconds %q: must be a positive integer", v)
		}
		o.Since = now.Add(-time.Duration(n) * time.Second)
	}
	if v := get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return o, false, fmt.Errorf("invalid sinceTime %q: %v", v, err)
		}
		o.Since = t
	}
	return o, previous, nil
}

// flushWriter flushes after every write, for followed logs.
type flushWriter struct {
	w http.ResponseWriter
	f http.Flusher
}

// Write writes p and flushes.
func (fw *flushWriter) Write(p []byte) (int, error) {
	n, err := fw.w.Write(p)
	if fw.f != nil {
		fw.f.Flush()
	}
	return n, err
}
