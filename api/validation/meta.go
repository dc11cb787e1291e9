package validation

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/rigging-dev/rigging/api/field"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Message texts shared by many rules, as Kubernetes writes them.
const (
	msgNegative      = "must be greater than or equal to 0"
	msgNotPositive   = "must be greater than zero"
	msgImmutable     = "field is immutable"
	msgNotInteger    = "must be an integer"
	msgFileMode      = "must be a number between 0 and 0777 (octal), both inclusive"
	msgMoreThanOne   = "may not specify more than 1 volume type"
	msgInvalidQuota  = "must be a standard resource for quota"
	msgLabelSelector = "`selector` does not match template `labels`"
)

// TotalAnnotationSizeLimit is the largest total size, in bytes, of an
// object's annotation keys and values: 256 KiB.
const TotalAnnotationSizeLimit = 256 * 1024

// The standard finalizers that need no domain prefix.
const (
	finalizerOrphanDependents = "orphan"
	finalizerDeleteDependents = "foregroundDeletion"
	finalizerKubernetes       = "kubernetes"
)

// NameIsDNSSubdomain is the name rule of most kinds: a DNS-1123 subdomain,
// at most 253 characters. When prefix is true the name is a generateName
// prefix and may end with a dash. It returns Kubernetes' messages, or nil.
func NameIsDNSSubdomain(name string, prefix bool) []string {
	if prefix {
		name = maskTrailingDash(name)
	}
	return isDNS1123Subdomain(name)
}

// NameIsDNSLabel is the name rule of namespaces and other names that become
// DNS labels: a DNS-1123 label, at most 63 characters. When prefix is true
// the name is a generateName prefix and may end with a dash.
func NameIsDNSLabel(name string, prefix bool) []string {
	if prefix {
		name = maskTrailingDash(name)
	}
	return isDNS1123Label(name)
}

// NameIsDNS1035Label is the name rule of services: a DNS-1035 label, which
// starts with a letter. When prefix is true the name is a generateName
// prefix and may end with a dash.
func NameIsDNS1035Label(name string, prefix bool) []string {
	if prefix {
		name = maskTrailingDash(name)
	}
	return isDNS1035Label(name)
}

// NameIsPathSegment is the minimal name rule of RBAC roles and bindings: any
// name that can be one segment of a URL path, that is not "." or ".." and
// contains no "/" or "%".
func NameIsPathSegment(name string, prefix bool) []string {
	if !prefix {
		switch name {
		case ".", "..":
			return []string{fmt.Sprintf("may not be '%s'", name)}
		}
	}
	var msgs []string
	for _, bad := range []string{"/", "%"} {
		if strings.Contains(name, bad) {
			msgs = append(msgs, fmt.Sprintf("may not contain '%s'", bad))
		}
	}
	return msgs
}

// maskTrailingDash replaces the end of a generateName prefix that ends in
// "-" so that the name rules accept it. Kubernetes replaces the last two
// characters with "a"; the quirk is kept so that the same prefixes pass.
func maskTrailingDash(name string) string {
	if len(name) > 1 && strings.HasSuffix(name, "-") {
		return name[:len(name)-2] + "a"
	}
	return name
}

// ObjectMeta checks the metadata of an object being created: name (or
// generateName) by nameRule, namespace required when namespaced and
// forbidden otherwise, generation, labels, annotations, owner references
// and finalizers. The name must be set: the API server generates it from
// generateName before validating. path is the path of the metadata
// ("metadata"); a nil meta is checked as empty metadata.
func ObjectMeta(meta *metav1.ObjectMeta, namespaced bool, nameRule func(name string, prefix bool) []string, path *field.Path) field.ErrorList {
	if meta == nil {
		meta = &metav1.ObjectMeta{}
	}
	if nameRule == nil {
		nameRule = NameIsDNSSubdomain
	}
	var errs field.ErrorList
	if meta.GenerateName != "" {
		for _, msg := range nameRule(meta.GenerateName, true) {
			errs = append(errs, field.Invalid(path.Child("generateName"), meta.GenerateName, msg))
		}
	}
	if meta.Name == "" {
		errs = append(errs, field.Required(path.Child("name"), "name or generateName is required"))
	} else {
		for _, msg := range nameRule(meta.Name, false) {
			errs = append(errs, field.Invalid(path.Child("name"), meta.Name, msg))
		}
	}
	if namespaced {
		if meta.Namespace == "" {
			errs = append(errs, field.Required(path.Child("namespace"), ""))
		} else {
			for _, msg := range NameIsDNSLabel(meta.Namespace, false) {
				errs = append(errs, field.Invalid(path.Child("namespace"), meta.Namespace, msg))
			}
		}
	} else if meta.Namespace != "" {
		errs = append(errs, field.Forbidden(path.Child("namespace"), "not allowed on this type"))
	}
	errs = append(errs, nonNegative(meta.Generation, path.Child("generation"))...)
	errs = append(errs, Labels(meta.Labels, path.Child("labels"))...)
	errs = append(errs, Annotations(meta.Annotations, path.Child("annotations"))...)
	errs = append(errs, OwnerReferences(meta.OwnerReferences, path.Child("ownerReferences"))...)
	errs = append(errs, Finalizers(meta.Finalizers, path.Child("finalizers"))...)
	return errs
}

// ObjectMetaUpdate checks the metadata of an object being updated against
// the stored one: name, namespace, uid, creationTimestamp,
// deletionTimestamp and deletionGracePeriodSeconds are immutable
// ("field is immutable"), generation may not decrease, resourceVersion must
// be set (the API server copies the stored one into an unconditional
// update before validating), no finalizer may be added once deletion has
// begun, and the new labels, annotations, owner references and finalizers
// must be valid. Nil metadata is checked as empty metadata.
func ObjectMetaUpdate(newMeta, oldMeta *metav1.ObjectMeta, path *field.Path) field.ErrorList {
	if newMeta == nil {
		newMeta = &metav1.ObjectMeta{}
	}
	if oldMeta == nil {
		oldMeta = &metav1.ObjectMeta{}
	}
	var errs field.ErrorList
	if oldMeta.DeletionTimestamp != nil {
		var added []string
		for _, f := range newMeta.Finalizers {
			if !slices.Contains(oldMeta.Finalizers, f) && !slices.Contains(added, f) {
				added = append(added, f)
			}
		}
		if len(added) > 0 {
			slices.Sort(added)
			errs = append(errs, field.Forbidden(path.Child("finalizers"),
				fmt.Sprintf("no new finalizers can be added if the object is being deleted, found new finalizers %#v", added)))
		}
	}
	if newMeta.ResourceVersion == "" {
		errs = append(errs, field.Invalid(path.Child("resourceVersion"), newMeta.ResourceVersion, "must be specified for an update"))
	}
	errs = append(errs, nonNegative(newMeta.Generation, path.Child("generation"))...)
	if newMeta.Generation < oldMeta.Generation {
		errs = append(errs, field.Invalid(path.Child("generation"), newMeta.Generation, "must not be decremented"))
	}
	errs = append(errs, immutable(newMeta.Name, oldMeta.Name, path.Child("name"))...)
	errs = append(errs, immutable(newMeta.Namespace, oldMeta.Namespace, path.Child("namespace"))...)
	errs = append(errs, immutable(newMeta.UID, oldMeta.UID, path.Child("uid"))...)
	errs = append(errs, immutable(newMeta.CreationTimestamp, oldMeta.CreationTimestamp, path.Child("creationTimestamp"))...)
	errs = append(errs, immutable(newMeta.DeletionTimestamp, oldMeta.DeletionTimestamp, path.Child("deletionTimestamp"))...)
	errs = append(errs, immutable(newMeta.DeletionGracePeriodSeconds, oldMeta.DeletionGracePeriodSeconds, path.Child("deletionGracePeriodSeconds"))...)
	errs = append(errs, Labels(newMeta.Labels, path.Child("labels"))...)
	errs = append(errs, Annotations(newMeta.Annotations, path.Child("annotations"))...)
	errs = append(errs, OwnerReferences(newMeta.OwnerReferences, path.Child("ownerReferences"))...)
	for i, f := range newMeta.Finalizers {
		errs = append(errs, kubeFinalizerName(f, path.Child("finalizers").Index(i))...)
	}
	return errs
}

// Labels checks a label map: keys are qualified names and values label
// values. Errors name the map itself (path), as Kubernetes does:
//
//	metadata.labels: Invalid value: "-a": name part must consist of ...
func Labels(labels map[string]string, path *field.Path) field.ErrorList {
	if labelsValid(labels) {
		return nil
	}
	var errs field.ErrorList
	for _, k := range sortedKeys(labels) {
		errs = append(errs, labelName(k, path)...)
		for _, msg := range isValidLabelValue(labels[k]) {
			errs = append(errs, field.Invalid(path, labels[k], msg))
		}
	}
	return errs
}

// labelsValid reports, without sorting or allocating, whether Labels
// finds nothing wrong; when it is false, Labels finds the errors in order.
func labelsValid(labels map[string]string) bool {
	for k, v := range labels {
		if !qualifiedNameOK(k) || (v != "" && !qualifiedNamePart(v)) {
			return false
		}
	}
	return true
}

// annotationsValid reports, without sorting, whether Annotations finds
// nothing wrong.
func annotationsValid(annotations map[string]string) bool {
	size := 0
	for k, v := range annotations {
		if !qualifiedNameOK(strings.ToLower(k)) {
			return false
		}
		size += len(k) + len(v)
	}
	return size <= TotalAnnotationSizeLimit
}

// labelName checks one label key (or any other qualified name) at path.
func labelName(name string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range isQualifiedName(name) {
		errs = append(errs, field.Invalid(path, name, msg))
	}
	return errs
}

// Annotations checks an annotation map: keys are qualified names (compared
// in lower case) and keys and values together hold at most
// TotalAnnotationSizeLimit bytes.
func Annotations(annotations map[string]string, path *field.Path) field.ErrorList {
	if annotationsValid(annotations) {
		return nil
	}
	var errs field.ErrorList
	size := 0
	for _, k := range sortedKeys(annotations) {
		for _, msg := range isQualifiedName(strings.ToLower(k)) {
			errs = append(errs, field.Invalid(path, k, msg))
		}
		size += len(k) + len(annotations[k])
	}
	if size > TotalAnnotationSizeLimit {
		errs = append(errs, field.TooLong(path, "", TotalAnnotationSizeLimit))
	}
	return errs
}

// OwnerReferences checks owner references: apiVersion, kind, name and uid
// are required, apiVersion is "<group>/<version>" or "<version>", an Event
// may not be an owner, and at most one reference is the controller.
func OwnerReferences(refs []metav1.OwnerReference, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	firstController := ""
	for i, ref := range refs {
		errs = append(errs, ownerReference(ref, path.Index(i))...)
		if ref.Controller != nil && *ref.Controller {
			name := ref.Kind + "/" + ref.Name
			if firstController != "" {
				errs = append(errs, field.Invalid(path, refs, fmt.Sprintf(
					"Only one reference can have Controller set to true. Found \"true\" in references for %v and %v", firstController, name)))
			} else {
				firstController = name
			}
		}
	}
	return errs
}

func ownerReference(ref metav1.OwnerReference, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	group, version, ok := parseGroupVersion(ref.APIVersion)
	if ref.APIVersion == "" {
		errs = append(errs, field.Required(path.Child("apiVersion"), "must not be empty"))
	} else if !ok || version == "" {
		errs = append(errs, field.Invalid(path.Child("apiVersion"), ref.APIVersion, "must be <group>/<version> or <version>"))
	}
	if ref.Kind == "" {
		errs = append(errs, field.Required(path.Child("kind"), "must not be empty"))
	}
	if ref.Name == "" {
		errs = append(errs, field.Required(path.Child("name"), "must not be empty"))
	}
	if ref.UID == "" {
		errs = append(errs, field.Required(path.Child("uid"), "must not be empty"))
	}
	if group == "" && version == "v1" && ref.Kind == "Event" {
		errs = append(errs, field.Invalid(path, ref, "/v1, Kind=Event is disallowed from being an owner"))
	}
	return errs
}

// parseGroupVersion splits "group/version" or "version"; ok is false when
// there is more than one "/".
func parseGroupVersion(gv string) (group, version string, ok bool) {
	if gv == "" || gv == "/" {
		return "", "", true
	}
	switch strings.Count(gv, "/") {
	case 0:
		return "", gv, true
	case 1:
		i := strings.IndexByte(gv, '/')
		return gv[:i], gv[i+1:], true
	}
	return "", "", false
}

// Finalizers checks finalizer names: each is a qualified name, and one
// without a domain prefix must be a standard one ("kubernetes", "orphan",
// "foregroundDeletion"); "orphan" and "foregroundDeletion" exclude each
// other.
func Finalizers(finalizers []string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	orphan, foreground := false, false
	for _, f := range finalizers {
		for _, msg := range isQualifiedName(f) {
			errs = append(errs, field.Invalid(path, f, msg))
		}
		orphan = orphan || f == finalizerOrphanDependents
		foreground = foreground || f == finalizerDeleteDependents
	}
	if orphan && foreground {
		errs = append(errs, field.Invalid(path, finalizers, fmt.Sprintf("finalizer %s and %s cannot be both set",
			finalizerOrphanDependents, finalizerDeleteDependents)))
	}
	for i, f := range finalizers {
		errs = append(errs, kubeFinalizerName(f, path.Index(i))...)
	}
	return errs
}

// kubeFinalizerName rejects unqualified finalizer names other than the
// standard ones.
func kubeFinalizerName(name string, path *field.Path) field.ErrorList {
	if strings.Contains(name, "/") {
		return nil
	}
	switch name {
	case finalizerKubernetes, finalizerOrphanDependents, finalizerDeleteDependents:
		return nil
	}
	return field.ErrorList{field.Invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified")}
}

// immutable reports newVal when it differs from oldVal.
func immutable(newVal, oldVal any, path *field.Path) field.ErrorList {
	if semanticEqual(newVal, oldVal) {
		return nil
	}
	return field.ErrorList{field.Invalid(path, jsonValue(newVal), msgImmutable)}
}

// jsonValue returns a time as its JSON text, which Kubernetes prints as a
// bad value (api/field would print a time's String form), and any other
// value unchanged.
func jsonValue(v any) any {
	switch t := v.(type) {
	case metav1.Time:
		return jsonString(t)
	case *metav1.Time:
		if t != nil {
			return jsonString(t)
		}
	case metav1.MicroTime:
		return jsonString(t)
	case *metav1.MicroTime:
		if t != nil {
			return jsonString(t)
		}
	}
	return v
}

func jsonString(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	if string(b) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return json.RawMessage(b)
	}
	return s
}

// nonNegative reports a negative value.
func nonNegative(v int64, path *field.Path) field.ErrorList {
	if v < 0 {
		return field.ErrorList{field.Invalid(path, v, msgNegative)}
	}
	return nil
}

// nameErrors reports each message of a name rule for value at path. It is
// generic so that value becomes an interface (which may allocate) only
// when there is an error to report.
func nameErrors[T any](msgs []string, value T, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range msgs {
		errs = append(errs, field.Invalid(path, value, msg))
	}
	return errs
}

// dns1123Label checks value as a DNS-1123 label.
func dns1123Label(value string, path *field.Path) field.ErrorList {
	return nameErrors(isDNS1123Label(value), value, path)
}

// dns1123Subdomain checks value as a DNS-1123 subdomain.
func dns1123Subdomain(value string, path *field.Path) field.ErrorList {
	return nameErrors(isDNS1123Subdomain(value), value, path)
}

// qualifiedName checks value as a qualified name.
func qualifiedName(value string, path *field.Path) field.ErrorList {
	return nameErrors(isQualifiedName(value), value, path)
}

// sortedKeys returns the keys of m in order. It is small enough to be
// inlined, so that for a map of up to 8 keys (labels, resource lists) the
// keys live in the caller's stack frame, unless the caller keeps them.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	return appendSortedKeys(make([]K, 0, 8), m)
}

// appendSortedKeys appends the keys of m to keys, in order.
func appendSortedKeys[K ~string, V any](keys []K, m map[K]V) []K {
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
