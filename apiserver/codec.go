package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// The handlers' wire format is JSON, as Kubernetes writes it; Kubernetes'
// Protocol Buffers are translated at the edge (codec_protobuf.go), and YAML
// and other bodies are refused with 415.

// marshalObject encodes an object for a response.
func marshalObject(obj metav1.Object) ([]byte, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encode object: %w", err)
	}
	return b, nil
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
	b := make([]byte, 0, len(obj)+40)
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","object":`...)
	b = append(b, obj...)
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
