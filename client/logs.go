package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// PodLogOptions select the log PodLogs returns, as the query of
// Kubernetes' pods/log subresource. The zero value asks for the whole log
// of the pod's only container.
type PodLogOptions struct {
	// Container names the container; required when the pod has more than
	// one.
	Container string
	// Follow streams the log until the container stops or ctx ends.
	Follow bool
	// Previous returns the log of the container's previous run.
	Previous bool
	// Timestamps prefixes each line with its RFC 3339 timestamp.
	Timestamps bool
	// TailLines, when not nil, returns only that many last lines.
	TailLines *int64
	// LimitBytes, when positive, caps the bytes returned.
	LimitBytes int64
	// SinceSeconds, when positive, returns only lines from that many
	// seconds ago on.
	SinceSeconds int64
	// SinceTime, when not zero, returns only lines from then on (whole
	// seconds). SinceSeconds wins when both are set.
	SinceTime time.Time
}

func (o PodLogOptions) query() url.Values {
	var q url.Values
	setString(&q, "container", o.Container)
	if o.Follow {
		setQuery(&q, "follow", "true")
	}
	if o.Previous {
		setQuery(&q, "previous", "true")
	}
	if o.Timestamps {
		setQuery(&q, "timestamps", "true")
	}
	if o.TailLines != nil {
		setQuery(&q, "tailLines", strconv.FormatInt(*o.TailLines, 10))
	}
	if o.LimitBytes > 0 {
		setQuery(&q, "limitBytes", strconv.FormatInt(o.LimitBytes, 10))
	}
	if o.SinceSeconds > 0 {
		setQuery(&q, "sinceSeconds", strconv.FormatInt(o.SinceSeconds, 10))
	} else if !o.SinceTime.IsZero() {
		setQuery(&q, "sinceTime", o.SinceTime.UTC().Format(time.RFC3339))
	}
	return q
}

// PodLogs returns the log of a container of pod namespace/name (the
// pods/log subresource, as kubectl logs reads it). The caller reads and
// closes the stream; with Follow it ends when the container stops, the
// server ends it, or ctx ends. A refusal (no such pod, an ambiguous
// container, a pod not yet on a node) is an *APIError.
func PodLogs(ctx context.Context, c *Client, namespace, name string, opts PodLogOptions) (io.ReadCloser, error) {
	if c == nil {
		return nil, errors.New("pod logs: nil client")
	}
	if namespace == "" || name == "" {
		return nil, errors.New("pod logs: namespace and name are required")
	}
	if err := validPathSegment("namespace", namespace); err != nil {
		return nil, err
	}
	if err := validPathSegment("name", name); err != nil {
		return nil, err
	}
	if opts.TailLines != nil && *opts.TailLines < 0 {
		return nil, errors.New("pod logs: TailLines must not be negative")
	}
	resp, err := c.Do(ctx, Request{
		Method: http.MethodGet,
		Path:   "/api/v1/namespaces/" + namespace + "/pods/" + name + "/log",
		Query:  opts.query(),
	})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}
