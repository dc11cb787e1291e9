package apiserver

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/protobuf"
)

// Kubernetes' protobuf wire format (application/vnd.kubernetes.protobuf),
// which kubectl's generator commands and client-go configured for it send,
// is handled at the edge of dispatch: a protobuf body of a create or update
// is decoded and handed to the handlers as JSON, and a JSON answer is
// encoded as protobuf when the Accept header prefers it; a watch's JSON
// events are re-framed as Kubernetes' length-prefixed protobuf WatchEvents.
// The handlers see JSON only. Logs stay text.

// isProtobuf reports whether a Content-Type is Kubernetes' protobuf.
func isProtobuf(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), protobuf.MediaType)
}

// prefersProtobuf reports whether the media range an Accept header prefers
// (highest q, first among equals) is protobuf for a plain object.
func prefersProtobuf(accept string) bool {
	if accept == "" || accept == "application/json" {
		return false // what most clients send, answered without parsing
	}
	best, bestQ, bestPlain := "", -1.0, true
	for part := range splitSeq(accept, ',') {
		mt, params, _ := strings.Cut(part, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		if mt == "" {
			continue
		}
		q := 1.0
		plain := true
		for p := range splitSeq(params, ';') {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			switch strings.TrimSpace(k) {
			case "q":
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			case "as":
				plain = false
			}
		}
		if q > bestQ {
			best, bestQ, bestPlain = mt, q, plain
		}
	}
	return best == protobuf.MediaType && bestPlain && bestQ > 0
}

// dispatchNegotiated is dispatch with the protobuf wire format added.
func (s *Server) dispatchNegotiated(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	if ri.endpoint != epResource {
		s.dispatch(w, r, ri)
		return
	}
	wantPB := prefersProtobuf(r.Header.Get("Accept")) && ri.subresource != "log"
	var pw *protobufResponse
	out := w
	if wantPB {
		pw = &protobufResponse{header: w.Header(), code: http.StatusOK}
		out = pw
		if ri.verb == "watch" {
			pw.stream = w
			out = (*protobufWatch)(pw)
		}
		r = r.Clone(r.Context())
		r.Header.Set("Accept", "application/json")
	}
	if isProtobuf(r.Header.Get("Content-Type")) && (ri.verb == "create" || ri.verb == "update") {
		jr, err := s.protobufToJSON(r, ri)
		if err != nil {
			s.writeError(out, err)
		} else {
			s.dispatch(out, jr, ri)
		}
	} else {
		s.dispatch(out, r, ri)
	}
	if pw != nil {
		pw.finish(w)
	}
}

// protobufToJSON returns r with its protobuf body decoded and re-encoded as
// JSON, for the JSON handlers. Malformed bodies are a 400.
func (s *Server) protobufToJSON(r *http.Request, ri *requestInfo) (*http.Request, error) {
	body, err := s.readBody(r)
	if err != nil {
		return nil, err
	}
	apiVersion, kind, raw, err := protobuf.DecodeEnvelope(body)
	if err != nil {
		return nil, errBadRequest(fmt.Sprintf("the body of the request could not be decoded as protobuf: %v", err))
	}
	if apiVersion == "" && kind == "" && (ri.subresource == "" || ri.subresource == "status") {
		apiVersion, kind = ri.res.info.APIVersion(), ri.res.info.Kind
	}
	obj, ok := protobuf.New(apiVersion, kind)
	if !ok {
		return nil, errUnsupportedMediaType(fmt.Sprintf(
			"the body of the request was in protobuf, which is not supported for %s %q - accepted media types include: application/json", apiVersion, kind))
	}
	if err := protobuf.Unmarshal(raw, obj); err != nil {
		return nil, errBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", kind, apiVersion, kind, err))
	}
	if tm := reflect.ValueOf(obj).Elem().FieldByName("TypeMeta"); tm.IsValid() {
		tm.Set(reflect.ValueOf(metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}))
	}
	js, err := json.Marshal(obj)
	if err != nil {
		return nil, errBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", kind, apiVersion, kind, err))
	}
	jr := r.Clone(r.Context())
	jr.Body = io.NopCloser(bytes.NewReader(js))
	jr.ContentLength = int64(len(js))
	jr.Header.Set("Content-Type", "application/json")
	return jr, nil
}

// protobufResponse buffers a JSON answer and, in finish, sends it as
// protobuf. It shares the real writer's header map.
type protobufResponse struct {
	header http.Header
	code   int
	body   bytes.Buffer
	// stream, for a watch, is the real writer; streaming is set once the
	// watch answered 200 and its events go straight to stream.
	stream    http.ResponseWriter
	streaming bool
}

func (p *protobufResponse) Header() http.Header         { return p.header }
func (p *protobufResponse) WriteHeader(code int)        { p.code = code }
func (p *protobufResponse) Write(b []byte) (int, error) { return p.body.Write(b) }

// finish writes the buffered answer to w: an object of a kind with a
// protobuf encoding as protobuf, anything else as it is.
func (p *protobufResponse) finish(w http.ResponseWriter) {
	if p.streaming {
		return
	}
	body := p.body.Bytes()
	if b, ok := jsonToProtobuf(p.header.Get("Content-Type"), body); ok {
		body = b
		p.header.Set("Content-Type", protobuf.MediaType)
	}
	p.header.Del("Content-Length")
	w.WriteHeader(p.code)
	_, _ = w.Write(body)
}

// jsonToProtobuf encodes a JSON answer as an enveloped protobuf object.
func jsonToProtobuf(ct string, body []byte) ([]byte, bool) {
	mt, _, _ := strings.Cut(ct, ";")
	if strings.TrimSpace(mt) != "application/json" {
		return nil, false
	}
	var head struct{ APIVersion, Kind string }
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, false
	}
	obj, ok := protobuf.New(head.APIVersion, head.Kind)
	if !ok {
		return nil, false
	}
	if err := json.Unmarshal(body, obj); err != nil {
		return nil, false
	}
	raw, err := protobuf.Marshal(obj)
	if err != nil {
		return nil, false
	}
	return protobuf.EncodeEnvelope(head.APIVersion, head.Kind, raw), true
}

// watchMediaType is the Content-Type of a protobuf watch stream.
const watchMediaType = protobuf.MediaType + ";stream=watch"

// protobufWatch re-frames a JSON watch stream (one {"type","object"} per
// line) as Kubernetes' protobuf stream: each event a 4-byte big-endian
// length and a metav1.WatchEvent message {type=1, object=2 {raw=1}} whose
// raw is the enveloped protobuf object. An answer other than 200 (an
// error before the stream began) is buffered and sent as a protobuf
// Status by finish.
type protobufWatch protobufResponse

func (p *protobufWatch) Header() http.Header { return p.header }

func (p *protobufWatch) WriteHeader(code int) {
	mt, _, _ := strings.Cut(p.header.Get("Content-Type"), ";")
	if code != http.StatusOK || strings.TrimSpace(mt) != "application/json" || p.streaming {
		p.code = code
		return
	}
	p.streaming = true
	p.header.Set("Content-Type", watchMediaType)
	p.stream.WriteHeader(code)
}

func (p *protobufWatch) Write(b []byte) (int, error) {
	if !p.streaming {
		if p.code == http.StatusOK && p.body.Len() == 0 {
			p.WriteHeader(http.StatusOK)
		}
		if !p.streaming {
			return p.body.Write(b)
		}
	}
	p.body.Write(b)
	for {
		i := bytes.IndexByte(p.body.Bytes(), '\n')
		if i < 0 {
			return len(b), nil
		}
		frame := watchEventFrame(p.body.Next(i + 1))
		if _, err := p.stream.Write(frame); err != nil {
			return 0, err
		}
	}
}

// FlushError sends what was written to the client.
func (p *protobufWatch) FlushError() error {
	if !p.streaming {
		return nil
	}
	return http.NewResponseController(p.stream).Flush()
}

// watchEventFrame encodes one JSON watch event as a length-prefixed
// protobuf WatchEvent. An event whose object has no protobuf encoding
// becomes an ERROR event with an InternalError Status.
func watchEventFrame(line []byte) []byte {
	var ev struct {
		Type   string          `json:"type"`
		Object json.RawMessage `json:"object"`
	}
	obj, ok := []byte(nil), false
	if err := json.Unmarshal(line, &ev); err == nil {
		obj, ok = jsonToProtobuf("application/json", ev.Object)
	}
	if !ok {
		st := errInternal(fmt.Errorf("cannot encode a watch event in protobuf"))
		raw, _ := protobuf.Marshal(st)
		ev.Type, obj = string(metav1.Error), protobuf.EncodeEnvelope("v1", "Status", raw)
	}
	msg, _ := protobuf.Marshal(&metav1.WatchEvent{Type: metav1.EventType(ev.Type), Object: obj})
	frame := make([]byte, 4, 4+len(msg))
	binary.BigEndian.PutUint32(frame, uint32(len(msg)))
	return append(frame, msg...)
}
