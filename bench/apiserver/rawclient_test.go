package apiserver

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The create rows' clients speak HTTP/1.1 themselves by default (rawCreator),
// so that the load generator takes as little CPU as it can from the 2 CPUs
// it shares with the server: in a cluster, an API server's clients run on
// other machines. -apiserver.client=nethttp runs the rows with net/http's
// client instead (creator), as sessions before 11 did.

// podCreator is one closed-loop client of a create row. It is used by one
// goroutine.
type podCreator interface {
	// create posts the pod name and fails unless the server answered 201.
	create(name string) error
	// close releases the client's connections.
	close()
}

// The -apiserver.client values.
const (
	clientRaw     = "raw"
	clientNetHTTP = "nethttp"
)

// newPodCreator returns a creator of pods in ns on the server at base
// (http://host:port) of the kind client names.
func newPodCreator(client, base, ns string) (podCreator, error) {
	switch client {
	case clientRaw, "":
		return newRawCreator(base, ns)
	case clientNetHTTP:
		return newCreator(newClient(), base, ns), nil
	default:
		return nil, fmt.Errorf("client %q: want %q or %q", client, clientRaw, clientNetHTTP)
	}
}

// rawCreator is one client's pod creator speaking HTTP/1.1 over one
// keep-alive TCP connection, dialled on first use and again after the
// server closes it: each create is one write of the whole request (head
// and podJSON's body, byte for byte) and the reads of the response, in
// the calling goroutine. It understands what RFC 9112 allows a server to
// answer a POST with: a body delimited by Content-Length, chunked, or by
// the connection's close, and Connection: close.
type rawCreator struct {
	addr, ns      string
	head          []byte // the request line and headers up to Content-Length's value
	before, after []byte // podJSON around the quoted name
	req           []byte
	conn          net.Conn
	br            *bufio.Reader
	body          []byte
	// timeout, when set, bounds each create's exchange (tests set it; the
	// benchmark's rows are bounded as a whole).
	timeout time.Duration
}

// rawMaxBody bounds a response body the client reads.
const rawMaxBody = 64 << 20

func newRawCreator(base, ns string) (*rawCreator, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" || u.Host == "" || u.Port() == "" {
		return nil, fmt.Errorf("base %q: want http://host:port", base)
	}
	path := (&url.URL{Path: "/api/v1/namespaces/" + ns + "/pods"}).EscapedPath()
	tmpl := podJSON(ns, namePlaceholder)
	before, after, _ := bytes.Cut(tmpl, []byte(strconv.Quote(namePlaceholder)))
	head := fmt.Appendf(nil, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: rigging-bench\r\nContent-Type: application/json\r\nContent-Length: ", path, u.Host)
	return &rawCreator{addr: u.Host, ns: ns, head: head, before: before, after: after}, nil
}

func (cr *rawCreator) create(name string) error {
	code, body, err := cr.post(name)
	if err != nil {
		cr.close()
		return fmt.Errorf("create pod %s/%s: %w", cr.ns, name, err)
	}
	if code != 201 {
		return fmt.Errorf("create pod %s/%s: %d %s: %s", cr.ns, name, code, http.StatusText(code), body)
	}
	return nil
}

func (cr *rawCreator) close() {
	if cr.conn != nil {
		cr.conn.Close()
		cr.conn, cr.br = nil, nil
	}
}

// post sends one create and reads its response.
func (cr *rawCreator) post(name string) (code int, body []byte, err error) {
	if cr.conn == nil {
		c, err := net.DialTimeout("tcp", cr.addr, 10*time.Second)
		if err != nil {
			return 0, nil, err
		}
		cr.conn, cr.br = c, bufio.NewReaderSize(c, 16<<10)
	}
	if cr.timeout > 0 {
		if err := cr.conn.SetDeadline(time.Now().Add(cr.timeout)); err != nil {
			return 0, nil, err
		}
	}
	n := len(cr.before) + len(name) + 2 + len(cr.after)
	b := strconv.AppendInt(append(cr.req[:0], cr.head...), int64(n), 10)
	b = append(b, "\r\n\r\n"...)
	b = append(b, cr.before...)
	b = append(append(append(b, '"'), name...), '"')
	b = append(b, cr.after...)
	cr.req = b
	if _, err := cr.conn.Write(b); err != nil {
		return 0, nil, err
	}
	code, body, keep, err := cr.readResponse()
	if err == nil && !keep {
		cr.close()
	}
	return code, body, err
}

// readResponse reads one response from the connection: its status code,
// its body (valid until the next call) and whether the connection may be
// used again. Interim (1xx) responses are read and skipped, as RFC 9110
// asks of a client; 101 (a protocol switch nobody asked for) is an error.
func (cr *rawCreator) readResponse() (code int, body []byte, keep bool, err error) {
	for {
		code, keep, length, chunked, err := cr.readHead()
		if err != nil {
			return 0, nil, false, err
		}
		if code == 101 {
			return 0, nil, false, errors.New("unexpected 101 Switching Protocols")
		}
		if code < 200 {
			continue
		}
		cr.body = cr.body[:0]
		switch {
		case code == 204 || code == 304:
		case chunked:
			if err := cr.readChunked(); err != nil {
				return 0, nil, false, err
			}
		case length >= 0:
			if length > rawMaxBody {
				return 0, nil, false, fmt.Errorf("body of %d bytes: more than %d", length, rawMaxBody)
			}
			cr.body = grow(cr.body, int(length))
			if _, err := io.ReadFull(cr.br, cr.body); err != nil {
				return 0, nil, false, fmt.Errorf("read body: %w", err)
			}
		default: // delimited by the close
			keep = false
			if cr.body, err = readAtMost(cr.br, cr.body, rawMaxBody); err != nil {
				return 0, nil, false, fmt.Errorf("read body: %w", err)
			}
		}
		return code, cr.body, keep, nil
	}
}

// readHead reads a response's status line and header fields: its code,
// whether the connection stays open after it, and how its body is framed
// (length -1 when no Content-Length was sent).
func (cr *rawCreator) readHead() (code int, keep bool, length int64, chunked bool, err error) {
	line, err := cr.line()
	if err != nil {
		return 0, false, 0, false, fmt.Errorf("read status line: %w", err)
	}
	// HTTP/1.x SP 3DIGIT SP reason
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') || !digits(line[9:12]) {
		return 0, false, 0, false, fmt.Errorf("malformed status line %q", line)
	}
	code, _ = strconv.Atoi(string(line[9:12]))
	if code < 100 {
		return 0, false, 0, false, fmt.Errorf("malformed status line %q", line)
	}
	keep = line[7] == '1' // HTTP/1.1 keeps the connection unless told not to
	length = -1
	for {
		line, err := cr.line()
		if err != nil {
			return 0, false, 0, false, fmt.Errorf("read header: %w", err)
		}
		if len(line) == 0 {
			break
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || !token(k) {
			return 0, false, 0, false, fmt.Errorf("malformed header line %q", line)
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if !digits(v) || len(v) > 18 {
				return 0, false, 0, false, fmt.Errorf("bad Content-Length %q", v)
			}
			l, _ := strconv.ParseInt(string(v), 10, 64)
			if length >= 0 && l != length {
				return 0, false, 0, false, fmt.Errorf("bad Content-Length %q: another said %d", v, length)
			}
			length = l
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			if !bytes.EqualFold(v, []byte("chunked")) {
				return 0, false, 0, false, fmt.Errorf("unsupported Transfer-Encoding %q", v)
			}
			chunked = true
		case bytes.EqualFold(k, []byte("Connection")):
			for _, opt := range bytes.Split(v, []byte(",")) {
				if bytes.EqualFold(bytes.TrimSpace(opt), []byte("close")) {
					keep = false
				}
			}
		}
	}
	if chunked && length >= 0 {
		// RFC 9112 §6.3: a response with both is an attempt to smuggle.
		return 0, false, 0, false, errors.New("both Transfer-Encoding and Content-Length")
	}
	return code, keep, length, chunked, nil
}

// digits reports whether b is one or more ASCII digits.
func digits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// token reports whether b is an RFC 9110 token, as a field name must be.
func token(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte(`"(),/:;<=>?@[\]{}`), c) >= 0 {
			return false
		}
	}
	return len(b) > 0
}

// readChunked appends a chunked body to cr.body and reads its trailers.
func (cr *rawCreator) readChunked() error {
	for {
		line, err := cr.line()
		if err != nil {
			return fmt.Errorf("read chunk size: %w", err)
		}
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			break
		}
		if int64(len(cr.body))+n > rawMaxBody {
			return fmt.Errorf("chunked body of more than %d bytes", rawMaxBody)
		}
		off := len(cr.body)
		cr.body = grow(cr.body, off+int(n))
		if _, err := io.ReadFull(cr.br, cr.body[off:]); err != nil {
			return fmt.Errorf("read chunk: %w", err)
		}
		if line, err := cr.line(); err != nil || len(line) != 0 {
			return fmt.Errorf("chunk not followed by CRLF (%q, %v)", line, err)
		}
	}
	for { // trailers, up to the empty line
		line, err := cr.line()
		if err != nil {
			return fmt.Errorf("read trailer: %w", err)
		}
		if len(line) == 0 {
			return nil
		}
	}
}

// line reads one line, without its CRLF (or LF); it is valid until the
// next read.
func (cr *rawCreator) line() ([]byte, error) {
	line, err := cr.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("line longer than 16 KiB")
		}
		if errors.Is(err, io.EOF) && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// grow returns b resized to n bytes, reusing its array when it can.
func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return append(b[:cap(b)], make([]byte, n-cap(b))...)[:n]
	}
	return b[:n]
}

// readAtMost appends what r has until EOF to b, failing beyond max bytes.
func readAtMost(r io.Reader, b []byte, max int) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if len(b) > max {
			return b, fmt.Errorf("more than %d bytes", max)
		}
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
