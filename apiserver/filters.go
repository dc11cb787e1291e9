package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// serve runs one request through the server's filters, in order: panic
// recovery and metrics around everything; authentication (401, see
// Options.Authenticator); parsing of the path; the
// in-flight limit (429), the request timeout and the body limit (413) for
// all but watches; then the handler.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	// The writer and the parsed request share one allocation.
	st := &requestState{rw: responseWriter{ResponseWriter: w}}
	rw := &st.rw
	var ri *requestInfo
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error(fmt.Errorf("panic: %v", v), "request panicked",
				"method", r.Method, "path", r.URL.Path, "stack", string(debug.Stack()))
			if !rw.wroteHeader {
				s.writeError(rw, errInternal(fmt.Errorf("panic: %v", v)))
			}
		}
		s.metrics.observe(ri, rw.statusCode(), time.Since(start))
	}()
	r, ok := s.authenticate(rw, r)
	if !ok {
		return
	}
	ri, err := s.parseRequest(r, &st.ri)
	if err != nil {
		s.writeError(rw, err)
		return
	}
	if !ri.longRunning() && ri.endpoint != epHealth && ri.endpoint != epMetrics {
		sem, mutating := s.readSem, ri.mutating()
		if mutating {
			sem = s.mutSem
		}
		if sem != nil {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			default:
				rw.Header().Set("Retry-After", "1")
				s.writeError(rw, errTooManyRequests())
				return
			}
		}
		g := s.metrics.inflightGauge(mutating)
		g.Inc()
		defer g.Dec()
		if hook := s.testHookInFlight; hook != nil {
			hook(r)
		}
		timeout := s.opts.RequestTimeout
		if t := queryOf(r).Get("timeout"); t != "" {
			d, err := time.ParseDuration(t)
			if err != nil {
				s.writeError(rw, errBadRequest(fmt.Sprintf("invalid timeout %q: %v", t, err)))
				return
			}
			if d > 0 && d < timeout {
				timeout = d
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(rw, r.Body, s.opts.MaxRequestBodyBytes)
	}
	s.dispatchNegotiated(rw, r, ri)
}

// readBody reads a request body within the body limit.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	return s.readBodyTo(nil, r)
}

// readBodyTo is readBody into buf's memory when the body declares a
// length that fits it (see readAllTo).
func (s *Server) readBodyTo(buf []byte, r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := readAllTo(buf, r.Body, r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errEntityTooLarge(mbe.Limit)
		}
		return nil, errBadRequest(fmt.Sprintf("read request body: %v", err))
	}
	return b, nil
}

// readAll is io.ReadAll that, given the body's declared length (-1 when
// unknown), reads it into one buffer of that size instead of growing one
// from 512 bytes.
func readAll(body io.Reader, length int64) ([]byte, error) {
	return readAllTo(nil, body, length)
}

// readAllTo is readAll into buf's memory when the declared length fits
// it, else into a new buffer.
func readAllTo(buf []byte, body io.Reader, length int64) ([]byte, error) {
	if length <= 0 || length > 16<<20 {
		return io.ReadAll(body)
	}
	// One byte more, so that the final read sees EOF without growing.
	b := buf[:0]
	if int64(cap(b)) < length+1 {
		b = make([]byte, 0, length+1)
	}
	for {
		n, err := body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			// Longer than declared: let io.ReadAll finish the job.
			rest, err := io.ReadAll(body)
			return append(b, rest...), err
		}
	}
}

// acceptsJSON reports whether an Accept header allows a plain JSON answer.
func acceptsJSON(accept string) bool {
	if strings.TrimSpace(accept) == "" || accept == "application/json" {
		return true
	}
	for part := range splitSeq(accept, ',') {
		mt, params, _ := strings.Cut(part, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		switch mt {
		case "*/*", "application/*":
			return true
		case "application/json":
			// A JSON alternative that asks for another kind (as=Table) is
			// not a plain JSON answer.
			if !strings.Contains(strings.ReplaceAll(params, " ", ""), "as=") {
				return true
			}
		}
	}
	return false
}

// splitSeq yields the parts of s between seps, as strings.Split(s,
// string(sep)) returns them, without allocating.
func splitSeq(s string, sep byte) iter.Seq[string] {
	return func(yield func(string) bool) {
		for {
			i := strings.IndexByte(s, sep)
			if i < 0 {
				yield(s)
				return
			}
			if !yield(s[:i]) {
				return
			}
			s = s[i+1:]
		}
	}
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(errInternal(fmt.Errorf("encode response: %w", err)))
		code = http.StatusInternalServerError
	}
	writeRaw(w, code, b)
}

// queryOf returns r's query parameters for reading: nil (which reads as
// empty) when r has none, without parsing or allocating anything.
func queryOf(r *http.Request) url.Values {
	if r.URL.RawQuery == "" {
		return nil
	}
	return r.URL.Query()
}

// writeRaw answers with JSON bytes, with their Content-Length, so that
// net/http sends them as one body instead of a chunked stream (an object
// of more than 2 KiB would be chunked).
func writeRaw(w http.ResponseWriter, code int, b []byte) {
	setJSONHeaders(w, len(b))
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// writeSpliced is writeRaw for JSON in pieces.
func writeSpliced(w http.ResponseWriter, code int, sp splicedJSON) {
	setJSONHeaders(w, sp.len())
	w.WriteHeader(code)
	_ = sp.writeTo(w)
}

// setJSONHeaders sets the headers of a JSON answer of n bytes.
func setJSONHeaders(w http.ResponseWriter, n int) {
	h := w.Header()
	// One array holds the three values, as http.Header.Clone does; each
	// header gets a slice of it without room to grow into the next.
	vals := make([]string, 3)
	vals[0], vals[1], vals[2] = "application/json", "no-cache, private", strconv.Itoa(n)
	h["Content-Type"] = vals[0:1:1]
	h["Cache-Control"] = vals[1:2:2]
	h["Content-Length"] = vals[2:3:3]
}

// writeError answers with err as a Status; errors that are not a Status
// become a 500, which is logged.
func (s *Server) writeError(w http.ResponseWriter, err error) {
	st := asStatus(err)
	if st.Code >= 500 && st.Reason == metav1.StatusReasonInternalError {
		s.log.Error(err, "internal error")
	}
	if st.Code == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", "1")
	}
	code := int(st.Code)
	if code == 0 {
		code = http.StatusInternalServerError
	}
	writeJSON(w, code, st)
}

// writeSuccess answers with a Success Status.
func writeSuccess(w http.ResponseWriter, code int, details *metav1.StatusDetails) {
	writeJSON(w, code, &metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusSuccess,
		Code:     int32(code),
		Details:  details,
	})
}

// responseWriter records the status code for metrics and passes Flush
// through for watch streams.
type responseWriter struct {
	http.ResponseWriter
	code        int
	wroteHeader bool
}

func (w *responseWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.code, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.code, w.wroteHeader = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

// WriteString writes s without copying it when the underlying writer can
// (net/http's does).
func (w *responseWriter) WriteString(s string) (int, error) {
	if !w.wroteHeader {
		w.code, w.wroteHeader = http.StatusOK, true
	}
	return io.WriteString(w.ResponseWriter, s)
}

// Flush sends buffered data to the client.
func (w *responseWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusCode returns the code written, 0 when none was.
func (w *responseWriter) statusCode() int {
	if !w.wroteHeader {
		return 0
	}
	return w.code
}

// requestState is what serve allocates for a request.
type requestState struct {
	rw responseWriter
	ri requestInfo
}
