package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
	rw := &responseWriter{ResponseWriter: w}
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
		s.metrics.observe(ri, rw.status(), time.Since(start))
	}()
	r, ok := s.authenticate(rw, r)
	if !ok {
		return
	}
	ri, err := s.parseRequest(r)
	if err != nil {
		s.writeError(rw, err)
		return
	}
	if !ri.longRunning() && ri.endpoint != epHealth && ri.endpoint != epMetrics {
		sem, kind := s.readSem, "readOnly"
		if ri.mutating() {
			sem, kind = s.mutSem, "mutating"
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
		g := s.metrics.inflight.WithLabelValues(kind)
		g.Inc()
		defer g.Dec()
		if hook := s.testHookInFlight; hook != nil {
			hook(r)
		}
		timeout := s.opts.RequestTimeout
		if t := r.URL.Query().Get("timeout"); t != "" {
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
	if r.Body == nil {
		return nil, nil
	}
	b, err := readAll(r.Body, r.ContentLength)
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
	if length <= 0 || length > 16<<20 {
		return io.ReadAll(body)
	}
	// One byte more, so that the final read sees EOF without growing.
	b := make([]byte, 0, length+1)
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
	if strings.TrimSpace(accept) == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
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

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(errInternal(fmt.Errorf("encode response: %w", err)))
		code = http.StatusInternalServerError
	}
	writeRaw(w, code, b)
}

// writeRaw answers with JSON bytes.
func writeRaw(w http.ResponseWriter, code int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache, private")
	w.WriteHeader(code)
	_, _ = w.Write(b)
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

// Flush sends buffered data to the client.
func (w *responseWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// status returns the code written, as a string for metrics.
func (w *responseWriter) status() string {
	if !w.wroteHeader {
		return "0"
	}
	return strconv.Itoa(w.code)
}
