package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	return c.do(ctx, r, nil)
}

// do is Do. When enc is not nil, r.Body is enc's buffer, and do holds a
// reference to enc until it returns.
func (c *Client) do(ctx context.Context, r Request, enc *encoded) (*http.Response, error) {
	if enc != nil {
		defer enc.release()
	}
	u := *c.base
	u.Host = c.reqHost
	u.Path = c.base.Path + r.Path
	u.RawPath = ""
	if len(r.Query) > 0 {
		u.RawQuery = r.Query.Encode()
	}
	for attempt := 0; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				return nil, fmt.Errorf("%s %s: wait for rate limiter: %w", r.Method, r.Path, err)
			}
		}
		req, err := c.newRequest(ctx, &r, &u, enc)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s %s: %w", r.Method, r.Path, ctx.Err())
			}
			return nil, fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
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

// Header values shared by every request: an http.RoundTripper does not
// modify the request it is given, and net/http only reads them.
var headerJSON = []string{"application/json"}

// newRequest makes the request for one attempt at r, to *u (which it does
// not keep). For the methods the client sends, it builds the request
// directly, as http.NewRequestWithContext would build it from u's string,
// but without printing and parsing the URL again, with shared header
// values, and with one allocation for the body; the Content-Length is
// set, so that the transport need not probe or chunk the body. Anything
// else goes through http.NewRequestWithContext, for its checks and errors.
func (c *Client) newRequest(ctx context.Context, r *Request, u *url.URL, enc *encoded) (*http.Request, error) {
	if ctx == nil || !standardMethod(r.Method) {
		// Typed verbs (enc != nil) always use a standard method.
		body, getBody := bodyReader(r.Body)
		req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
		if err != nil {
			return nil, err
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
		return req, nil
	}
	// The URL and the body in one allocation.
	o := &outgoing{url: *u}
	uc := &o.url
	h := make(http.Header, 3)
	h["Accept"] = headerJSON
	h["User-Agent"] = c.userAgentHeader
	req := &http.Request{
		Method:     r.Method,
		URL:        uc,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Body:       http.NoBody,
		Host:       uc.Host,
	}
	if r.Body != nil {
		switch r.ContentType {
		case "", "application/json":
			h["Content-Type"] = headerJSON
		default:
			h["Content-Type"] = []string{r.ContentType}
		}
		if len(r.Body) > 0 {
			b := &o.body
			b.data, b.enc = r.Body, enc
			if enc != nil {
				enc.acquire()
			}
			req.Body, req.GetBody, req.ContentLength = b, b.reopen, int64(len(r.Body))
		} else {
			req.GetBody = noBody
		}
	}
	return req.WithContext(ctx), nil
}

// standardMethod reports whether m is one of the methods newRequest builds
// requests for itself.
func standardMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

func noBody() (io.ReadCloser, error) { return http.NoBody, nil }

// outgoing is the parts of a request newRequest allocates together.
type outgoing struct {
	url  url.URL
	body requestBody
}

// requestBody is a request body over bytes the caller keeps unchanged: a
// bytes.Reader that is also an io.Closer, in one allocation. When the
// bytes are an encoded object's (enc), closing the body gives up its
// reference to them; reading after Close fails, as reading a server's
// request body after the handler returned does.
type requestBody struct {
	data []byte   // the whole body; never changed
	enc  *encoded // data's buffer, or nil for bytes the caller owns

	mu     sync.Mutex // guards the fields below
	off    int
	closed bool
}

// errBodyReadAfterClose is what a requestBody's Read returns once closed.
var errBodyReadAfterClose = errors.New("client: read of a request body after it was closed")

func (b *requestBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errBodyReadAfterClose
	}
	if b.off >= len(b.data) {
		return 0, io.EOF
	}
	n := copy(p, b.data[b.off:])
	b.off += n
	return n, nil
}

// WriteTo writes the unread bytes to w, so that io.Copy needs no buffer.
func (b *requestBody) WriteTo(w io.Writer) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errBodyReadAfterClose
	}
	if b.off >= len(b.data) {
		return 0, nil
	}
	n, err := w.Write(b.data[b.off:])
	b.off += n
	return int64(n), err
}

// Close may be called more than once; only the first counts.
func (b *requestBody) Close() error {
	b.mu.Lock()
	closed := b.closed
	b.closed = true
	b.mu.Unlock()
	if !closed && b.enc != nil {
		b.enc.release()
	}
	return nil
}

// reopen is the request's GetBody: the same bytes from the start.
func (b *requestBody) reopen() (io.ReadCloser, error) {
	nb := &requestBody{data: b.data, enc: b.enc}
	if nb.enc != nil {
		nb.enc.acquire()
	}
	return nb, nil
}

// encoded is an object a typed verb encoded, in a buffer from
// encodedPool. Every request body made from it holds a reference, and so
// does the request (Client.do) while it is being sent; the buffer goes
// back to the pool when the last is given up: when do has returned and
// the transports have closed every body, as an http.RoundTripper must.
type encoded struct {
	buf  []byte
	refs atomic.Int32
}

// encodedPool recycles encoded buffers of up to maxPooledEncoded bytes.
var encodedPool = sync.Pool{New: func() any { return &encoded{buf: make([]byte, 0, 4096)} }}

// maxPooledEncoded is the largest buffer encodedPool keeps: 1 MiB.
const maxPooledEncoded = 1 << 20

// encode returns v's JSON (jsoncodec.Append) in a pooled buffer, with one
// reference, the caller's.
func encode(v any) (*encoded, error) {
	e := encodedPool.Get().(*encoded)
	b, err := jsoncodec.Append(e.buf[:0], v)
	if err != nil {
		e.buf = e.buf[:0]
		encodedPool.Put(e)
		return nil, err
	}
	e.buf = b
	e.refs.Store(1)
	return e, nil
}

func (e *encoded) acquire() { e.refs.Add(1) }

// release gives up a reference; the last one returns e to the pool.
func (e *encoded) release() {
	if e.refs.Add(-1) != 0 {
		return
	}
	if cap(e.buf) <= maxPooledEncoded {
		e.buf = e.buf[:0]
		encodedPool.Put(e)
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
	return c.doJSONEncoded(ctx, r, nil, out)
}

// doJSONEncoded is doJSON for a request whose body, when enc is not nil,
// is enc's buffer; it releases enc.
func (c *Client) doJSONEncoded(ctx context.Context, r Request, enc *encoded, out any) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	resp, err := c.do(ctx, r, enc)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return fmt.Errorf("%s %s: read response: %w", r.Method, r.Path, err)
		}
		return nil
	}
	buf := responseBuffers.Get().(*[]byte)
	defer putResponseBuffer(buf)
	data, err := readBody(resp, (*buf)[:0])
	*buf = data
	if err != nil {
		return fmt.Errorf("%s %s: read response: %w", r.Method, r.Path, err)
	}
	// The decoders copy what they keep (the generated code's strings,
	// encoding/json's, and by its contract every json.Unmarshaler's), so
	// data goes back to the pool afterwards.
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

// responseBuffers recycles the buffers doJSON reads response bodies into,
// of up to maxPooledResponse bytes: 16 KiB to start, a dozen pods.
var responseBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// maxPooledResponse is the largest buffer responseBuffers keeps: 1 MiB;
// larger ones, for big lists, are left to the garbage collector.
const maxPooledResponse = 1 << 20

func putResponseBuffer(b *[]byte) {
	if cap(*b) <= maxPooledResponse {
		*b = (*b)[:0]
		responseBuffers.Put(b)
	}
}

// readBody appends resp's body to b, until its end, growing b once up
// front to the length the response declares (at most 64 MiB ahead).
func readBody(resp *http.Response, b []byte) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 {
		// The in-process transport streams, but passes on the
		// handler's Content-Length header.
		if v := resp.Header.Get("Content-Length"); v != "" {
			n, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	if n > 0 && n <= 64<<20 && int(n)+1 > cap(b)-len(b) {
		// One byte more, so that the read that finds the end needs no
		// room made.
		b = slices.Grow(b, int(n)+1)
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		m, err := resp.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
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
