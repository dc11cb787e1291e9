package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Wildcards that match every value in a PolicyRule field.
const (
	// APIGroupAll in APIGroups matches every API group.
	APIGroupAll = "*"
	// ResourceAll in Resources matches every resource.
	ResourceAll = "*"
	// VerbAll in Verbs matches every verb.
	VerbAll = "*"
	// NonResourceAll in NonResourceURLs matches every non-resource URL.
	NonResourceAll = "*"
)

// The kinds of Subject.
const (
	// GroupKind is a Subject naming a group of users.
	GroupKind = "Group"
	// ServiceAccountKind is a Subject naming a ServiceAccount; its
	// Namespace is required and its APIGroup is "".
	ServiceAccountKind = "ServiceAccount"
	// UserKind is a Subject naming a user.
	UserKind = "User"
)

// AutoUpdateAnnotationKey is the annotation that, when "false" on a default
// role or binding, stops the API server from reconciling it back to its
// bootstrap contents at start-up.
const AutoUpdateAnnotationKey = "rbac.authorization.kubernetes.io/autoupdate"

// PolicyRule allows a set of verbs on a set of resources (APIGroups,
// Resources, optionally ResourceNames) or on a set of non-resource URLs. A
// rule names either resources or non-resource URLs, not both; the latter
// only in a ClusterRole.
type PolicyRule struct {
	// Verbs are the allowed verbs (get, list, watch, create, update, patch,
	// delete, deletecollection, or VerbAll).
	Verbs []string `json:"verbs"`
	// APIGroups are the API groups of Resources; "" is the core group.
	APIGroups []string `json:"apiGroups,omitempty"`
	// Resources are the resource names, optionally with a subresource
	// ("pods/log"), or ResourceAll.
	Resources []string `json:"resources,omitempty"`
	// ResourceNames, when set, restrict the rule to objects of these names.
	ResourceNames []string `json:"resourceNames,omitempty"`
	// NonResourceURLs are URL paths ("/healthz", "/api/*") that the rule
	// allows; only GET-like verbs make sense here.
	NonResourceURLs []string `json:"nonResourceURLs,omitempty"`
}

// Subject is who a binding grants its role to: a user, a group or a
// ServiceAccount.
type Subject struct {
	// Kind is UserKind, GroupKind or ServiceAccountKind.
	Kind string `json:"kind"`
	// APIGroup is "rbac.authorization.k8s.io" for users and groups and ""
	// for service accounts.
	APIGroup string `json:"apiGroup,omitempty"`
	// Name is the name of the user, group or service account.
	Name string `json:"name"`
	// Namespace is the namespace of a service account; empty for users and
	// groups.
	Namespace string `json:"namespace,omitempty"`
}

// RoleRef names the role a binding grants. It cannot be changed after the
// binding is created.
type RoleRef struct {
	// APIGroup is the group of the role, "rbac.authorization.k8s.io".
	APIGroup string `json:"apiGroup"`
	// Kind is "Role" or "ClusterRole".
	Kind string `json:"kind"`
	// Name is the name of the role.
	Name string `json:"name"`
}

// Role is a namespaced set of PolicyRules, granted by a RoleBinding in the
// same namespace.
type Role struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Rules are the permissions of the role.
	Rules []PolicyRule `json:"rules"`
}

// RoleBinding grants the permissions of a Role, or of a ClusterRole within
// the binding's namespace, to Subjects.
type RoleBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Subjects receive the role.
	Subjects []Subject `json:"subjects,omitempty"`
	// RoleRef names the Role in this namespace or a ClusterRole.
	RoleRef RoleRef `json:"roleRef"`
}

// RoleBindingList is a list of RoleBindings.
type RoleBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the RoleBindings.
	Items []RoleBinding `json:"items"`
}

// RoleList is a list of Roles.
type RoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the Roles.
	Items []Role `json:"items"`
}

// ClusterRole is a cluster-wide set of PolicyRules, granted by a
// ClusterRoleBinding everywhere or by a RoleBinding in one namespace.
type ClusterRole struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Rules are the permissions of the role. When AggregationRule is set,
	// the controller manager owns them and overwrites any edit.
	Rules []PolicyRule `json:"rules"`
	// AggregationRule, when set, makes Rules the union of the rules of
	// every ClusterRole its selectors match.
	AggregationRule *AggregationRule `json:"aggregationRule,omitempty"`
}

// AggregationRule selects the ClusterRoles whose rules are combined into an
// aggregated ClusterRole.
type AggregationRule struct {
	// ClusterRoleSelectors are ORed: a ClusterRole matching any of them
	// contributes its rules.
	ClusterRoleSelectors []metav1.LabelSelector `json:"clusterRoleSelectors,omitempty"`
}

// ClusterRoleBinding grants the permissions of a ClusterRole, in every
// namespace and on cluster-scoped resources, to Subjects.
type ClusterRoleBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Subjects receive the role.
	Subjects []Subject `json:"subjects,omitempty"`
	// RoleRef names a ClusterRole.
	RoleRef RoleRef `json:"roleRef"`
}

// ClusterRoleBindingList is a list of ClusterRoleBindings.
type ClusterRoleBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the ClusterRoleBindings.
	Items []ClusterRoleBinding `json:"items"`
}

// ClusterRoleList is a list of ClusterRoles.
type ClusterRoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the ClusterRoles.
	Items []ClusterRole `json:"items"`
}
