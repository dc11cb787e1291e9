package apiserver

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// The pods/log subresource: GET /api/v1/namespaces/{ns}/pods/{name}/log
// finds the pod's node and proxies the request to that node's kubelet
// (http://<InternalIP>:<daemonEndpoints.kubeletEndpoint.Port>/containerLogs/
// {ns}/{name}/{container}), streaming the answer as it comes.

// logQueryParams are the query parameters pods/log passes on to the
// kubelet, with how each is checked.
var logQueryParams = []struct {
	name string
	kind string // "bool", "nonneg" (integer >= 0), "pos" (integer > 0), "time"
}{
	{"follow", "bool"}, {"previous", "bool"}, {"timestamps", "bool"},
	{"tailLines", "nonneg"}, {"limitBytes", "pos"}, {"sinceSeconds", "pos"}, {"sinceTime", "time"},
}

// logTransport reaches kubelets; it has no overall timeout, since a
// followed log streams for as long as the client wants it.
var logTransport = &http.Transport{
	Proxy:               nil,
	DialContext:         (&net.Dialer{}).DialContext,
	MaxIdleConnsPerHost: 4,
}

// handleLog serves GET of pods/log.
func (s *Server) handleLog(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	q := r.URL.Query()
	fwd := url.Values{}
	for _, p := range logQueryParams {
		v := q.Get(p.name)
		if v == "" {
			continue
		}
		if err := checkLogParam(p.name, p.kind, v); err != nil {
			s.writeError(w, err)
			return
		}
		fwd.Set(p.name, v)
	}
	obj, err := s.get(r.Context(), ri.res, ri.namespace, ri.name, "")
	if err != nil {
		s.writeError(w, err)
		return
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		s.writeError(w, errInternal(fmt.Errorf("pods/log: stored object is a %T", obj)))
		return
	}
	container, err := logContainer(pod, q.Get("container"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	if pod.Spec.NodeName == "" {
		s.writeError(w, errBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name)))
		return
	}
	target, err := s.kubeletURL(r.Context(), pod.Spec.NodeName)
	if err != nil {
		s.writeError(w, err)
		return
	}
	target.Path = "/containerLogs/" + url.PathEscape(pod.Namespace) + "/" + url.PathEscape(pod.Name) + "/" + url.PathEscape(container)
	target.RawQuery = fwd.Encode()
	s.proxyLog(w, r, target)
}

func checkLogParam(name, kind, v string) error {
	bad := func(why string) error {
		return errBadRequest(fmt.Sprintf("invalid %s %q: %s", name, v, why))
	}
	switch kind {
	case "bool":
		if _, err := strconv.ParseBool(v); err != nil {
			return bad("must be true or false")
		}
	case "nonneg", "pos":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || (kind == "pos" && n == 0) {
			if kind == "pos" {
				return bad("must be greater than 0")
			}
			return bad("must be greater than or equal to 0")
		}
	case "time":
		var t metav1.Time
		if err := t.UnmarshalJSON([]byte(strconv.Quote(v))); err != nil {
			return bad("must be an RFC 3339 time")
		}
	}
	return nil
}

// logContainer picks the container whose log is asked for, with
// Kubernetes' messages when it is ambiguous or unknown.
func logContainer(pod *corev1.Pod, name string) (string, error) {
	var names, initNames []string
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	for _, c := range pod.Spec.InitContainers {
		initNames = append(initNames, c.Name)
	}
	if name == "" {
		if len(names) == 1 {
			return names[0], nil
		}
		msg := fmt.Sprintf("a container name must be specified for pod %s, choose one of: [%s]", pod.Name, strings.Join(names, " "))
		if len(initNames) > 0 {
			msg += fmt.Sprintf(" or one of the init containers: [%s]", strings.Join(initNames, " "))
		}
		return "", errBadRequest(msg)
	}
	for _, n := range append(names, initNames...) {
		if n == name {
			return name, nil
		}
	}
	return "", errBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
}

// kubeletURL returns the base URL of a node's kubelet from its Node:
// the first InternalIP (else the first address) and the kubelet port.
func (s *Server) kubeletURL(ctx context.Context, nodeName string) (*url.URL, error) {
	nodes := s.lookup("", "nodes")
	if nodes == nil {
		return nil, errInternal(fmt.Errorf("nodes are not served"))
	}
	obj, err := s.get(ctx, nodes, "", nodeName, "")
	if err != nil {
		return nil, err
	}
	node, ok := obj.(*corev1.Node)
	if !ok {
		return nil, errInternal(fmt.Errorf("pods/log: stored node is a %T", obj))
	}
	host := ""
	for _, a := range node.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			host = a.Address
			break
		}
	}
	if host == "" && len(node.Status.Addresses) > 0 {
		host = node.Status.Addresses[0].Address
	}
	port := node.Status.DaemonEndpoints.KubeletEndpoint.Port
	if host == "" || port <= 0 {
		return nil, errServiceUnavailable(fmt.Sprintf("node %s has no kubelet address or port in its status", nodeName))
	}
	return &url.URL{Scheme: "http", Host: net.JoinHostPort(host, strconv.Itoa(int(port)))}, nil
}

// proxyLog sends the request to the kubelet and streams its answer,
// flushing after every chunk so that followed logs arrive as written.
// A kubelet error becomes a Status with the kubelet's code and text.
func (s *Server) proxyLog(w http.ResponseWriter, r *http.Request, target *url.URL) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, target.String(), nil)
	if err != nil {
		s.writeError(w, errInternal(err))
		return
	}
	resp, err := logTransport.RoundTrip(req)
	if err != nil {
		if r.Context().Err() != nil {
			return
		}
		s.writeError(w, errServiceUnavailable(fmt.Sprintf("get logs from the kubelet at %s: %v", target.Host, err)))
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		reason := metav1.StatusReasonBadRequest
		switch resp.StatusCode {
		case http.StatusNotFound:
			reason = metav1.StatusReasonNotFound
		case http.StatusInternalServerError:
			reason = metav1.StatusReasonInternalError
		}
		s.writeError(w, newStatus(int32(resp.StatusCode), reason, strings.TrimSpace(string(body)), nil))
		return
	}
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if fl != nil {
				fl.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}
