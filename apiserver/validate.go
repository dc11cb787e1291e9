package apiserver

import (
	"github.com/rigging-dev/rigging/api/defaults"
	"github.com/rigging-dev/rigging/api/field"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/validation"
)

// The generic strategy's defaulting and validation come from api/defaults
// and api/validation, which know every kind of Rigging's api packages.

// defaultObject applies api/defaults to obj, when it knows obj's kind.
func defaultObject(obj metav1.Object) { defaults.Object(obj) }

// validateObject validates a new object with api/validation; known is
// false when it does not know obj's kind.
func validateObject(obj metav1.Object) (errs field.ErrorList, known bool) {
	return validation.Object(obj)
}

// validateObjectUpdate validates an update with api/validation; known is
// false when it does not know obj's kind.
func validateObjectUpdate(obj, old metav1.Object) (errs field.ErrorList, known bool) {
	return validation.ObjectUpdate(obj, old)
}

// validateMeta checks the metadata of a new object of a kind that
// api/validation does not know: a DNS subdomain name and a namespace
// exactly when namespaced.
func validateMeta(m *metav1.ObjectMeta, namespaced bool) field.ErrorList {
	return validation.ObjectMeta(m, namespaced, validation.NameIsDNSSubdomain, field.NewPath("metadata"))
}

// validateMetaUpdate checks the metadata of an update of a kind that
// api/validation does not know.
func validateMetaUpdate(m, old *metav1.ObjectMeta) field.ErrorList {
	return validation.ObjectMetaUpdate(m, old, field.NewPath("metadata"))
}
