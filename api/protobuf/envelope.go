package protobuf

import "bytes"

// MediaType is the media type of Kubernetes' protobuf encoding.
const MediaType = "application/vnd.kubernetes.protobuf"

// envelopePrefix starts every enveloped object.
var envelopePrefix = []byte("k8s\x00")

// EncodeEnvelope wraps raw, the protobuf message of an object (from
// [Marshal]), the way Kubernetes sends it: "k8s\x00" then a runtime.Unknown
// {typeMeta=1 {apiVersion=1, kind=2}, raw=2, contentEncoding=3,
// contentType=4} with empty contentEncoding and contentType.
func EncodeEnvelope(apiVersion, kind string, raw []byte) []byte {
	tm := appendBytesField(nil, 1, []byte(apiVersion))
	tm = appendBytesField(tm, 2, []byte(kind))
	b := make([]byte, 0, len(envelopePrefix)+len(tm)+len(raw)+16)
	b = append(b, envelopePrefix...)
	b = appendBytesField(b, 1, tm)
	b = appendBytesField(b, 2, raw)
	b = appendBytesField(b, 3, nil)
	return appendBytesField(b, 4, nil)
}

// DecodeEnvelope unwraps an enveloped object, returning its apiVersion,
// kind and protobuf message. raw aliases data. It refuses data without the
// "k8s\x00" prefix, and a contentEncoding or a contentType other than
// protobuf, with an error wrapping ErrMalformed.
func DecodeEnvelope(data []byte) (apiVersion, kind string, raw []byte, err error) {
	if !bytes.HasPrefix(data, envelopePrefix) {
		return "", "", nil, malformed("missing the k8s\\x00 prefix of an enveloped object")
	}
	r := &reader{data: data[len(envelopePrefix):]}
	for r.pos < len(r.data) {
		num, wt, err := r.next()
		if err != nil {
			return "", "", nil, err
		}
		if num > 4 {
			if err := r.skip(wt); err != nil {
				return "", "", nil, err
			}
			continue
		}
		b, err := bytesOf(r, wt)
		if err != nil {
			return "", "", nil, err
		}
		switch num {
		case 1:
			tr := &reader{data: b}
			for tr.pos < len(tr.data) {
				tn, twt, err := tr.next()
				if err != nil {
					return "", "", nil, err
				}
				if tn > 2 {
					if err := tr.skip(twt); err != nil {
						return "", "", nil, err
					}
					continue
				}
				s, err := bytesOf(tr, twt)
				if err != nil {
					return "", "", nil, err
				}
				if tn == 1 {
					apiVersion = string(s)
				} else {
					kind = string(s)
				}
			}
		case 2:
			raw = b
		case 3:
			if len(b) > 0 {
				return "", "", nil, malformed("unsupported contentEncoding %q", b)
			}
		case 4:
			if len(b) > 0 && string(b) != MediaType {
				return "", "", nil, malformed("unsupported contentType %q", b)
			}
		}
	}
	return apiVersion, kind, raw, nil
}
