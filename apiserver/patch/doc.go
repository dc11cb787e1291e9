// Package patch applies the three kinds of patch the Kubernetes API server
// accepts on PATCH requests, chosen by the request's Content-Type:
//
//	application/json-patch+json            JSONPatch           RFC 6902 operations (add, remove, replace, move, copy, test)
//	application/merge-patch+json           MergePatch          RFC 7386 merge patch (null deletes, objects merge, the rest replaces)
//	application/strategic-merge-patch+json StrategicMergePatch merge patch that merges lists by key, with directives
//
// Each takes the stored object and the request body as JSON and returns the
// patched object as JSON, for the API server to decode, validate and store.
// Start with StrategicMergePatch and SchemaOf: SchemaOf[corev1.Pod]() reads
// the patchStrategy and patchMergeKey struct tags of the Pod types (the same
// tags Kubernetes puts on its types), so that a patch of a pod's containers
// merges them by name as kubectl expects. CreateMergePatch computes a merge
// patch from two versions of a document, for clients and tests.
//
// # Errors
//
// Every error wraps one sentinel, which decides the HTTP status:
//
//	ErrInvalidPatch     400  the patch is malformed, whatever it is applied to
//	ErrPathNotFound     422  a JSON patch names a location the document lacks
//	ErrTestFailed       422  a JSON patch test operation failed
//	ErrTooLarge         413  more than MaxOperations operations, deeper than MaxDepth, more than MaxCopyBytes copied
//	ErrInvalidDocument  500  the stored document given is not JSON (or not an object)
//
// # Differences from Kubernetes
//
// Results were compared with those of the Kubernetes API server's libraries
// (k8s.io/apimachinery's strategicpatch and gopkg.in/evanphx/json-patch.v4)
// on the RFC examples, the cases of this package's tests and randomly
// generated pod patches; they agree except as listed here. Where Kubernetes
// departs from the RFCs, or its behaviour is an accident of its
// implementation, this package follows the RFC or the documented rule.
//
// JSON patch follows RFC 6902 where Kubernetes is lenient: replacing a
// missing member (Kubernetes adds it), copying from a missing location
// (Kubernetes copies null), testing a missing location against null, an
// add, replace or test without "value" (null to Kubernetes), and array
// indexes with leading zeros or a minus sign (counted from the end by
// Kubernetes) are errors here. An add at the whole document (""), and a copy
// or move from or to it, work here and fail in Kubernetes. Numbers compare by
// value in test: 1 equals 1.0 and 1e0 here, not in Kubernetes.
//
// Merge patch follows RFC 7386: a patch that is a string, number, boolean or
// null replaces the document (Kubernetes rejects it), and nulls inside an
// array of the patch are kept (Kubernetes drops null members of objects
// inside arrays).
//
// Strategic merge patch:
//
//   - Values the patch adds where the original had nothing, including new
//     elements of a merged list, and the contents of a "$patch": "replace"
//     object or list, are cleaned of null members and directives.
//     Kubernetes cleans new members of objects but stores new list elements
//     and replaced contents as sent, directives included. Directive
//     elements in a list that is replaced are dropped here.
//   - Order: when one merged list both loses elements to "$patch": "delete"
//     and gains new ones, Kubernetes may place the new elements after
//     original elements the patch does not name (an effect of slices it
//     shares internally); here they go where the ordering rule of
//     StrategicMergePatch puts them, as Kubernetes does when nothing is
//     deleted.
//   - "$patch": "merge" is accepted in an object (merge as usual) and as a
//     list element (merge the list even if its schema says replace);
//     Kubernetes rejects both.
//   - Kubernetes rejects some patches of empty lists ("no elements in any of
//     the given slices") and a $setElementOrder beside a "$patch": "replace"
//     element; both apply here. $setElementOrder on a list that is replaced
//     is ignored.
//   - $deleteFromPrimitiveList applies after its list is merged and ordered,
//     as in Kubernetes when the list also has a $setElementOrder; without
//     one, Kubernetes applies the two in Go's random map order.
//   - Status codes: Kubernetes answers 400, 422 or 500 (a panic, for a merge
//     key that is an object) depending on the fault; here every fault of
//     the patch is ErrInvalidPatch.
//
// JSON patch status codes: Kubernetes answers 400 only when a JSON patch is
// not JSON, and 422 for every other fault found while applying it (an
// unknown op, a malformed pointer). Here faults of the patch alone are
// ErrInvalidPatch (400); only faults that depend on the document are 422.
//
// In all three, a JSON object member name that appears twice keeps its last
// value, as in Go's encoding/json and in Kubernetes; RFC 6902 calls such a
// patch invalid, but it is not detected.
//
// All functions are safe for concurrent use, keep nothing, and do not modify
// their arguments.
package patch
