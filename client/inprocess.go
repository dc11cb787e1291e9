package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// handlerTransport is an http.RoundTripper that serves each request by
// calling an http.Handler on a goroutine of its own, streaming the response
// body to the client through a bodyPipe as the handler writes it: the
// handler's writes return at once up to bodyPipeLimit (1 MiB) of unread
// bytes, so a watch stream does not wait for its reader to be scheduled
// after every frame, and wait for the reader beyond that.
type handlerTransport struct {
	h http.Handler
}

var _ http.RoundTripper = (*handlerTransport)(nil)

// errBodyClosed is what a handler's Write returns once the client has closed
// the response body.
var errBodyClosed = errors.New("client: in-process response body closed by the client")

// RoundTrip returns as soon as the handler has written its header (by
// WriteHeader, its first Write or Flush, or by returning). The handler's
// request body is closed when the handler returns. The handler's
// request context is cancelled when req's context is, or when the response
// body is closed; then the handler's writes and Flush fail, and so do the
// body's reads (with req's context's error when that ended it). The handler
// goroutine ends when the handler returns.
func (t *handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	sreq := req.Clone(ctx)
	// Give the handler a request as net/http's server would.
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	} else if req.GetBody != nil {
		// req.Clone shares the body; take a fresh one so that the caller's
		// retry logic may read it again, and close req's, unread, as a
		// RoundTripper must.
		b, err := req.GetBody()
		req.Body.Close()
		if err != nil {
			cancel()
			return nil, fmt.Errorf("in-process %s %s: get body: %w", req.Method, req.URL.Path, err)
		}
		sreq.Body = b
	}
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = "in-process"
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	sreq.Proto, sreq.ProtoMajor, sreq.ProtoMinor = "HTTP/1.1", 1, 1

	// The pipe, the handler's writer and the client's body in one
	// allocation.
	x := &exchange{}
	pipe := &x.pipe
	pipe.init(bodyPipeLimit)
	// As a network transport does, fail the body's reads once req's
	// context is done, even when the handler does not return.
	stop := context.AfterFunc(req.Context(), func() {
		pipe.closeRead(req.Context().Err())
		cancel()
	})
	w := &x.w
	*w = pipeResponseWriter{header: make(http.Header), pipe: pipe, ready: make(chan struct{})}
	go func() {
		defer cancel()
		defer func() {
			// As net/http's server does, end the request body when the
			// handler returns: before the response ends, so that a
			// client that has read it all knows the body is closed.
			sreq.Body.Close()
			if p := recover(); p != nil {
				// As net/http's server does: a panicking handler aborts its
				// response; the client sees a 500 or a cut-off body.
				if !w.wroteHeader() {
					w.header = make(http.Header)
					w.WriteHeader(http.StatusInternalServerError)
				}
				pipe.closeWrite(fmt.Errorf("in-process handler panicked: %v", p))
				return
			}
			w.finish()
			pipe.closeWrite(io.EOF)
		}()
		t.h.ServeHTTP(w, sreq)
	}()

	select {
	case <-w.ready:
	case <-req.Context().Done():
		// The handler goroutine sees the cancelled context; closing the
		// pipe's read end unblocks any Write it is in.
		stop()
		pipe.closeRead(errBodyClosed)
		cancel()
		return nil, req.Context().Err()
	}
	x.body = pipeBody{pipe: pipe, cancel: cancel, stop: stop}
	resp := &http.Response{
		Status:        statusLine(w.code),
		StatusCode:    w.code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.sent,
		Body:          &x.body,
		ContentLength: -1,
		Request:       req,
	}
	if req.Method == http.MethodHead {
		resp.Body.Close()
		resp.Body = http.NoBody
	}
	return resp, nil
}

// exchange is what the in-process transport makes for one request: the
// response body's pipe, the handler's end of it and the client's.
type exchange struct {
	pipe bodyPipe
	w    pipeResponseWriter
	body pipeBody
}

// statusLines holds the Status of a response for each code with a text:
// "200 OK", as net/http's client sets it.
var statusLines = sync.OnceValue(func() []string {
	lines := make([]string, 600)
	for code := range lines {
		if text := http.StatusText(code); text != "" {
			lines[code] = strconv.Itoa(code) + " " + text
		}
	}
	return lines
})

// statusLine is resp.Status for code.
func statusLine(code int) string {
	if lines := statusLines(); code >= 0 && code < len(lines) && lines[code] != "" {
		return lines[code]
	}
	return fmt.Sprintf("%d %s", code, http.StatusText(code))
}

// pipeResponseWriter is the http.ResponseWriter (and http.Flusher) the
// handler writes to. Written bytes are readable by the client at once, so
// Flush has nothing to send; it only reports a client gone away.
type pipeResponseWriter struct {
	header http.Header // the handler's, until the header is written
	pipe   *bodyPipe

	once  sync.Once     // writes the header
	ready chan struct{} // closed once code and sent are set
	code  int
	sent  http.Header // the header as written; the client's from then on
}

var (
	_ http.Flusher = (*pipeResponseWriter)(nil)
	// FlushError is what http.ResponseController.Flush calls.
	_ interface{ FlushError() error } = (*pipeResponseWriter)(nil)
)

func (w *pipeResponseWriter) Header() http.Header { return w.header }

func (w *pipeResponseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		code = http.StatusInternalServerError
	}
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		return // informational responses are not passed on
	}
	w.once.Do(func() {
		w.code = code
		w.sent = w.header.Clone()
		close(w.ready)
	})
}

func (w *pipeResponseWriter) wroteHeader() bool {
	select {
	case <-w.ready:
		return true
	default:
		return false
	}
}

// Write sends p to the client, writing a 200 header first if none was
// written, and sniffing a Content-Type as net/http does when none is set.
func (w *pipeResponseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader() {
		if w.header.Get("Content-Type") == "" && len(p) > 0 {
			w.header.Set("Content-Type", http.DetectContentType(p))
		}
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	return w.pipe.Write(p)
}

// Flush writes the header if it has not been; the body needs no flushing.
func (w *pipeResponseWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush, failing once the client has closed the body (or its
// request's context is done), so that a streaming handler can stop.
func (w *pipeResponseWriter) FlushError() error {
	if !w.wroteHeader() {
		w.WriteHeader(http.StatusOK)
	}
	return w.pipe.closedRead()
}

// finish writes a 200 header if the handler returned without writing.
func (w *pipeResponseWriter) finish() {
	if !w.wroteHeader() {
		w.WriteHeader(http.StatusOK)
	}
}

// pipeBody is the response body: the read end of the pipe. Closing it
// cancels the handler's request context and fails the handler's writes.
type pipeBody struct {
	pipe   *bodyPipe
	cancel context.CancelFunc
	stop   func() bool // unregisters the AfterFunc on the request's context
}

func (b *pipeBody) Read(p []byte) (int, error) { return b.pipe.Read(p) }

func (b *pipeBody) Close() error {
	// Close the pipe first: a handler that sees its context done finds its
	// writes failing.
	b.stop()
	b.pipe.closeRead(errBodyClosed)
	b.cancel()
	return nil
}
