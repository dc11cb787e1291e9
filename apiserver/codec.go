package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/rigging-dev/rigging/api/jsoncodec"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// The handlers' wire format is JSON, as Kubernetes writes it; Kubernetes'
// Protocol Buffers are translated at the edge (codec_protobuf.go), and YAML
// and other bodies are refused with 415.

// Objects are encoded and decoded with api/jsoncodec: the generated,
// reflection-free code of the api types when an object has it, with
// encoding/json's exact results.

// marshalObject encodes an object for a response.
func marshalObject(obj metav1.Object) ([]byte, error) {
	b, err := jsoncodec.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode object: %w", err)
	}
	return b, nil
}

// withResourceVersion returns stored, the JSON of obj as encodeForStore
// wrote it (without a resourceVersion), with obj's resourceVersion added
// where encoding/json puts it: right after metadata.uid, which a stored
// object always has and which precedes resourceVersion in ObjectMeta. It
// saves encoding the object a second time for the response. ok is false
// when it cannot be sure of the result: for a kind whose encoding it does
// not know (see resource.spliceRV), an object without a uid, or with
// characters in its uid or resourceVersion that JSON would escape; the
// caller then encodes obj. The first splice of each resource is checked
// against encoding/json, and a mismatch turns splicing off for the
// resource.
func (r *resource) withResourceVersion(stored []byte, obj metav1.Object) (out []byte, ok bool) {
	sp, ok := r.splice(stored, obj)
	if !ok {
		return nil, false
	}
	return sp.bytes(), true
}

// splice is withResourceVersion without building the result: it returns
// where the resourceVersion goes, and the result is written from the
// pieces (see splicedJSON).
func (r *resource) splice(stored []byte, obj metav1.Object) (splicedJSON, bool) {
	if !r.spliceRV || r.spliceOff.Load() {
		return splicedJSON{}, false
	}
	m := obj.GetObjectMeta()
	uid, rv := string(m.UID), m.ResourceVersion
	if uid == "" || rv == "" || !plainJSONString(uid) || !plainJSONString(rv) {
		return splicedJSON{}, false
	}
	// Inside a JSON string every quote is escaped, so `"uid":"` can only
	// be a member name, and the uid, random, is only the object's own.
	var pat [64]byte
	p := append(append(append(pat[:0], `"uid":"`...), uid...), '"')
	i := bytes.Index(stored, p)
	if i < 0 {
		return splicedJSON{}, false
	}
	sp := splicedJSON{json: stored, at: i + len(p), rv: rv}
	if !r.spliceChecked.Load() {
		want, err := json.Marshal(obj)
		if err != nil || !bytes.Equal(want, sp.bytes()) {
			r.spliceOff.Store(true)
			return splicedJSON{}, false
		}
		r.spliceChecked.Store(true)
	}
	return sp, true
}

// rvMember is what a splice inserts before the resourceVersion.
const rvMember = `,"resourceVersion":"`

// splicedJSON is an object's JSON in pieces: json with, when at >= 0,
// rvMember, rv and a quote inserted at at. Its bytes are shared: nobody
// modifies them. The zero value is no JSON.
type splicedJSON struct {
	json []byte
	at   int
	rv   string
}

// plainJSON returns b, whole, as a splicedJSON.
func plainJSON(b []byte) splicedJSON { return splicedJSON{json: b, at: -1} }

// valid reports whether sp holds JSON.
func (sp splicedJSON) valid() bool { return sp.json != nil }

// len returns the length of the JSON.
func (sp splicedJSON) len() int {
	if sp.at < 0 {
		return len(sp.json)
	}
	return len(sp.json) + len(rvMember) + len(sp.rv) + 1
}

// bytes returns the JSON in one slice: json itself when nothing is
// inserted, else a new one.
func (sp splicedJSON) bytes() []byte {
	if sp.at < 0 {
		return sp.json
	}
	return sp.appendTo(make([]byte, 0, sp.len()))
}

// writeTo writes the JSON to w, piece by piece.
func (sp splicedJSON) writeTo(w io.Writer) error {
	if sp.at < 0 {
		_, err := w.Write(sp.json)
		return err
	}
	for _, b := range [][]byte{sp.json[:sp.at], rvMemberBytes} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	if _, err := io.WriteString(w, sp.rv); err != nil {
		return err
	}
	for _, b := range [][]byte{quoteBytes, sp.json[sp.at:]} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// appendTo appends the JSON to b.
func (sp splicedJSON) appendTo(b []byte) []byte {
	if sp.at < 0 {
		return append(b, sp.json...)
	}
	b = append(b, sp.json[:sp.at]...)
	b = append(b, rvMember...)
	b = append(b, sp.rv...)
	b = append(b, '"')
	return append(b, sp.json[sp.at:]...)
}

// rvMemberBytes and quoteBytes are written by writeTo; nobody modifies
// them.
var (
	rvMemberBytes = []byte(rvMember)
	quoteBytes    = []byte{'"'}
)

// plainJSONString reports whether encoding/json writes s between quotes
// unchanged: printable ASCII without '"', '\\', '<', '>' or '&'.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

// formatRV returns a revision as a resourceVersion.
func formatRV(rev int64) string { return strconv.FormatInt(rev, 10) }

// parseRV parses a resourceVersion; "" is 0.
func parseRV(rv string) (int64, error) {
	if rv == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || n < 0 {
		return 0, errBadRequest(fmt.Sprintf("invalid resource version %q: must be a non-negative integer", rv))
	}
	return n, nil
}

// checkContentType refuses bodies that are not JSON with 415.
func checkContentType(ct string) error {
	mt, _, _ := strings.Cut(ct, ";")
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case "", "application/json", "*/*":
		return nil
	}
	return errUnsupportedMediaType(fmt.Sprintf(
		"the body of the request was in an unknown format (%q) - accepted media types include: application/json", ct))
}

// decodeBody decodes a request body into a new object of r, checking its
// apiVersion and kind (when set) against r's, which it then sets. With
// strict, unknown fields are refused (fieldValidation=Strict).
func (r *resource) decodeBody(body []byte, strict bool) (metav1.Object, error) {
	return decodeInto(r.newObject(), r.info.APIVersion(), r.info.Kind, body, strict, func(obj metav1.Object) { r.setTypeMeta(obj) },
		func(obj metav1.Object) metav1.TypeMeta { return r.typeMetaOf(obj) })
}

// decodeInto decodes body into obj, which must be of apiVersion and kind.
func decodeInto[O any](obj O, apiVersion, kind string, body []byte, strict bool, setTM func(O), getTM func(O) metav1.TypeMeta) (O, error) {
	var zero O
	if len(bytes.TrimSpace(body)) == 0 {
		return zero, errBadRequest(fmt.Sprintf("the body of the request is empty: expected a %s object", kind))
	}
	// The generated decoder succeeds only where the json.Decoder below
	// would succeed with the same result (one value, nothing but
	// whitespace after it, no unknown fields); otherwise obj is reset and
	// decoded again below, for encoding/json's messages.
	if f, ok := jsoncodec.As(obj); ok {
		if f.UnmarshalJSONFast(body) == nil {
			return checkTypeMeta(obj, apiVersion, kind, setTM, getTM)
		}
		reflect.ValueOf(obj).Elem().SetZero()
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(obj); err != nil {
		msg := fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", kind, apiVersion, kind, err)
		if strict && strings.HasPrefix(err.Error(), "json: unknown field") {
			msg = "strict decoding error: " + strings.TrimPrefix(err.Error(), "json: ")
		}
		return zero, errBadRequest(msg)
	}
	if dec.More() {
		return zero, errBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: unexpected data after the object", kind, apiVersion, kind))
	}
	return checkTypeMeta(obj, apiVersion, kind, setTM, getTM)
}

// checkTypeMeta checks a decoded object's apiVersion and kind, when set,
// against the expected ones, and sets them.
func checkTypeMeta[O any](obj O, apiVersion, kind string, setTM func(O), getTM func(O) metav1.TypeMeta) (O, error) {
	var zero O
	tm := getTM(obj)
	if tm.APIVersion != "" && tm.APIVersion != apiVersion {
		return zero, errBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", tm.APIVersion, apiVersion))
	}
	if tm.Kind != "" && tm.Kind != kind {
		return zero, errBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (%s)", tm.Kind, kind))
	}
	setTM(obj)
	return obj, nil
}

// decodeDeleteOptions decodes an optional DELETE body.
func decodeDeleteOptions(body []byte) (*metav1.DeleteOptions, error) {
	opts := &metav1.DeleteOptions{}
	if len(bytes.TrimSpace(body)) == 0 {
		return opts, nil
	}
	if err := json.Unmarshal(body, opts); err != nil {
		return nil, errBadRequest(fmt.Sprintf("DeleteOptions in version \"v1\" cannot be handled as a DeleteOptions: %v", err))
	}
	if opts.Kind != "" && opts.Kind != "DeleteOptions" {
		return nil, errBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (DeleteOptions)", opts.Kind))
	}
	return opts, nil
}

// watchFrame returns one newline-terminated watch event.
func watchFrame(typ metav1.EventType, obj []byte) []byte {
	return watchFrameJSON(typ, plainJSON(obj))
}

// watchFrameJSON is watchFrame of an object's JSON in pieces.
func watchFrameJSON(typ metav1.EventType, obj splicedJSON) []byte {
	b := make([]byte, 0, obj.len()+40)
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","object":`...)
	b = obj.appendTo(b)
	return append(b, "}\n"...)
}

// bookmarkObject returns the object of a BOOKMARK event: only apiVersion,
// kind and metadata.resourceVersion, plus annotations when given.
func (r *resource) bookmarkObject(rev int64, annotations map[string]string) []byte {
	// Marshalling these fixed types cannot fail.
	b, _ := json.Marshal(struct {
		metav1.TypeMeta `json:",inline"`
		Metadata        metav1.ObjectMeta `json:"metadata"`
	}{
		TypeMeta: metav1.TypeMeta{APIVersion: r.info.APIVersion(), Kind: r.info.Kind},
		Metadata: metav1.ObjectMeta{ResourceVersion: formatRV(rev), Annotations: annotations},
	})
	return b
}
