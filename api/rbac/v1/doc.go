// Package v1 holds the rbac.authorization.k8s.io/v1 API group: role-based
// access control. A Role (in one namespace) or ClusterRole (cluster-wide)
// is a set of PolicyRules naming what may be done; a RoleBinding or
// ClusterRoleBinding grants a role to Subjects (users, groups, service
// accounts). Access is additive: there are no deny rules.
//
// The JSON shapes are Kubernetes' own (k8s.io/api/rbac/v1), field for
// field, so RBAC manifests written for Kubernetes decode into these types
// and back unchanged.
//
// The package holds types and the wildcard, subject-kind and annotation
// constants; values returned by DeepCopy share nothing with the original,
// and the types hold no locks.
//
// Import it as rbacv1.
//
// +kubebuilder:object:generate=true
package v1

// GroupName is the API group of every kind in this package.
const GroupName = "rbac.authorization.k8s.io"

// Version is the API version of every kind in this package.
const Version = "v1"
