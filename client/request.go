package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rigging-dev/rigging/api/jsoncodec"
)

// Request is one raw API request, for what the typed Resource does not
// cover. Path is the URL path below the client's Host, unescaped
// ("/api/v1/namespaces/default/pods/web/log"); Body, when not nil, is sent
// with ContentType (default "application/json").
type Request struct {
	Method      string
	Path        string
	Query       url.Values
	Body        []byte
	ContentType string
	// NoRetry turns off the retries (Config.MaxRetries) for this request: for requests
	// whose 429 is an answer rather than throttling, such as an eviction a
	// disruption budget forbids.
	NoRetry bool
}

// Do sends r and returns the response with a 2xx status; its body is the
// caller's to read and close. Any other status becomes an *APIError carrying
// the server's Status. Do waits for the rate limiter, retries a 429, or a
// 5xx with Retry-After, as Config.MaxRetries says, and returns promptly
// when ctx is done, also while waiting to retry. Config's
// Timeout is not applied: it bounds the typed verbs, not streams.
func (c *Client) Do(ctx context.Context, r Request) (*http.Response, error) {
	u := *c.base
	u.Path = c.base.Path + r.Path
	u.RawPath = ""
	if len(r.Query) > 0 {
		u.RawQuery = r.Query.Encode()
	}
	what := r.Method + " " + r.Path
	for attempt := 0; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				return nil, fmt.Errorf("%s: wait for rate limiter: %w", what, err)
			}
		}
		body, getBody := bodyReader(r.Body)
		req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		req.GetBody = getBody
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.userAgent)
		if r.Body != nil {
			ct := r.ContentType
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s: %w", what, ctx.Err())
			}
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return resp, nil
		}
		// Bound what we read of an error body: it is a Status, which is
		// small, or an error page.
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		apiErr := newAPIError(r.Method, r.Path, resp.StatusCode, data)
		if r.NoRetry || attempt >= c.maxRetries {
			return nil, apiErr
		}
		delay, ok := retryDelay(resp.StatusCode, resp.Header, apiErr)
		if !ok {
			return nil, apiErr
		}
		if err := c.wait(ctx, min(delay, c.maxWait)); err != nil {
			return nil, fmt.Errorf("%w (gave up waiting to retry: %w)", apiErr, err)
		}
	}
}

// retryDelay says whether an answer with code may be retried, and after
// how long, as client-go decides: a 429 or a 5xx that carries a
// Retry-After header (whole seconds) is; a 429 whose Status has
// retryAfterSeconds is too. Anything else may have been executed.
func retryDelay(code int, h http.Header, e *APIError) (time.Duration, bool) {
	if code != http.StatusTooManyRequests && code < 500 {
		return 0, false
	}
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
			return time.Duration(s) * time.Second, true
		}
	}
	if code != http.StatusTooManyRequests {
		return 0, false
	}
	if s, ok := SuggestsClientDelay(e); ok {
		return time.Duration(s) * time.Second, true
	}
	return 0, false
}

// sleepCtx waits for d or until ctx is done, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// doJSON sends r, within Config.Timeout, and decodes the 2xx response body
// into out (unless out is nil, when the body is discarded).
func (c *Client) doJSON(ctx context.Context, r Request, out any) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	resp, err := c.Do(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read response: %w", r.Method, r.Path, err)
	}
	if out == nil {
		return nil
	}
	if l, ok := out.(listUnmarshaler); ok {
		err = l.unmarshalList(data)
	} else {
		err = jsoncodec.Unmarshal(data, out)
	}
	if err != nil {
		return fmt.Errorf("%s %s: decode response: %w", r.Method, r.Path, err)
	}
	return nil
}

// errNoName and friends are argument errors, reported before any request.
var (
	errNoName      = errors.New("name is empty")
	errNoNamespace = errors.New("namespace is empty for a namespaced resource")
)

// validPathSegment checks a name or namespace that goes into a URL path, with
// Kubernetes' rule for path segment names: not "." or "..", no "/" or "%".
func validPathSegment(kind, s string) error {
	switch {
	case s == "." || s == "..":
		return fmt.Errorf("%s %q may not be %q", kind, s, s)
	case strings.ContainsAny(s, "/%"):
		return fmt.Errorf("%s %q may not contain '/' or '%%'", kind, s)
	}
	return nil
}

// bodyReader returns a request body for b and the GetBody function that
// makes it again, for requests that may be retried.
func bodyReader(b []byte) (io.ReadCloser, func() (io.ReadCloser, error)) {
	if b == nil {
		return http.NoBody, nil
	}
	get := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r, _ := get()
	return r, get
}
