package apiserver

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/types"
	"github.com/rigging-dev/rigging/apiserver/patch"
)

// patchMediaTypes lists the PATCH bodies accepted, as the 415 says.
const patchMediaTypes = "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json"

// patchType returns the patch type of a PATCH request's Content-Type, or a
// 415: server-side apply (application/apply-patch+yaml) is not supported.
func patchType(contentType string) (types.PatchType, error) {
	mt, _, _ := strings.Cut(contentType, ";")
	pt := types.PatchType(strings.ToLower(strings.TrimSpace(mt)))
	switch pt {
	case types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType:
		return pt, nil
	case types.ApplyPatchType, "application/apply-patch+cbor":
		return "", errUnsupportedMediaType("server-side apply (" + string(pt) + ") is not supported by this server; " +
			"use client-side apply (kubectl apply --server-side=false) or a patch of type " + patchMediaTypes)
	}
	return "", errUnsupportedMediaType(fmt.Sprintf(
		"the body of the request was in an unknown format (%q) - accepted media types include: %s", contentType, patchMediaTypes))
}

// applyPatch applies a patch of type pt to the JSON document original,
// whose strategic merge schema is schema, mapping the patch library's
// errors to Statuses: a malformed patch is 400, a JSON patch that does not
// fit the document 422, one that asks for too much work 413.
func applyPatch(pt types.PatchType, original, body []byte, schema patch.Schema) ([]byte, error) {
	var out []byte
	var err error
	switch pt {
	case types.JSONPatchType:
		out, err = patch.JSONPatch(original, body)
	case types.MergePatchType:
		out, err = patch.MergePatch(original, body)
	default:
		out, err = patch.StrategicMergePatch(original, body, schema)
	}
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, patch.ErrPathNotFound), errors.Is(err, patch.ErrTestFailed):
		return nil, newStatus(http.StatusUnprocessableEntity, metav1.StatusReasonInvalid,
			fmt.Sprintf("the server rejected our request due to an error in our request: %v", err), nil)
	case errors.Is(err, patch.ErrTooLarge):
		return nil, newStatus(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge, err.Error(), nil)
	case errors.Is(err, patch.ErrInvalidPatch):
		return nil, errBadRequest(err.Error())
	}
	return nil, errInternal(err)
}

// handlePatch serves PATCH of an object or of its status: the patch is
// applied to the stored object (resourceVersion included, so that a patch
// that sets metadata.resourceVersion makes the update conditional), the
// result decoded and stored as by PUT; when another writer changes the
// object meanwhile the patch is applied again to the new version.
func (s *Server) handlePatch(w http.ResponseWriter, r *http.Request, ri *requestInfo) {
	pt, err := patchType(r.Header.Get("Content-Type"))
	if err != nil {
		s.writeError(w, err)
		return
	}
	wo, strict, err := parseWriteOptions(queryOf(r))
	if err != nil {
		s.writeError(w, err)
		return
	}
	body, err := s.readBody(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if ri.subresource == "scale" {
		s.patchScale(w, r, ri, pt, body, wo)
		return
	}
	res := ri.res
	// The patch reads cur only: it is encoded, patched and decoded anew.
	out, raw, _, err := s.guaranteedUpdateEncoded(r.Context(), res, ri.namespace, ri.name, wo, s.updateReadsOnlyOld(res), func(cur metav1.Object) (metav1.Object, error) {
		original, err := marshalObject(cur)
		if err != nil {
			return nil, errInternal(err)
		}
		patched, err := applyPatch(pt, original, body, res.patchSchema())
		if err != nil {
			return nil, err
		}
		next, err := res.decodeBody(patched, strict)
		if err != nil {
			return nil, err
		}
		if err := checkObjectName(res, ri.namespace, ri.name, next); err != nil {
			return nil, err
		}
		return s.prepareUpdate(r.Context(), res, ri.subresource, next.GetObjectMeta().ResourceVersion, next, cur, wo)
	})
	if err != nil {
		s.writeError(w, err)
		return
	}
	if raw.valid() {
		writeSpliced(w, http.StatusOK, raw)
		return
	}
	s.writeObject(w, http.StatusOK, out)
}

// patchSchema returns the strategic merge schema of the kind, built once.
func (r *resource) patchSchema() patch.Schema {
	r.schemaOnce.Do(func() { r.schema = patch.SchemaFor(r.typ) })
	return r.schema
}
