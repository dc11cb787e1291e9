package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// ConfigMap holds configuration data for pods to consume as environment
// variables, command-line arguments or files. The keys of Data and
// BinaryData are disjoint; together they hold at most 1 MiB.
type ConfigMap struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Immutable true forbids changing Data and BinaryData; it cannot be
	// unset.
	Immutable *bool `json:"immutable,omitempty"`
	// Data holds UTF-8 values.
	Data map[string]string `json:"data,omitempty"`
	// BinaryData holds arbitrary bytes, base64 in JSON.
	BinaryData map[string][]byte `json:"binaryData,omitempty"`
}

// ConfigMapList is a list of config maps.
type ConfigMapList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	Items []ConfigMap `json:"items"`
}

// Secret holds a small amount of sensitive data (at most MaxSecretSize),
// such as passwords, tokens or keys.
type Secret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Immutable true forbids changing Data; it cannot be unset.
	Immutable *bool `json:"immutable,omitempty"`
	// Data holds the secret's values, base64 in JSON.
	Data map[string][]byte `json:"data,omitempty"`
	// StringData is a write-only convenience: the API server merges its
	// entries into Data (winning over Data) and never returns it.
	StringData map[string]string `json:"stringData,omitempty"`
	// Type says which keys Data must hold; empty means Opaque.
	Type SecretType `json:"type,omitempty"`
}

// SecretList is a list of secrets.
type SecretList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	Items []Secret `json:"items"`
}

// MaxSecretSize is the largest total size of a Secret's data: 1 MiB.
const MaxSecretSize = 1 * 1024 * 1024

// SecretType says what a Secret holds and which keys it must have.
type SecretType string

// The secret types and the keys they define.
const (
	// SecretTypeOpaque holds arbitrary user data.
	SecretTypeOpaque SecretType = "Opaque"

	// SecretTypeServiceAccountToken holds a long-lived token of the
	// service account named by the ServiceAccountNameKey and
	// ServiceAccountUIDKey annotations.
	SecretTypeServiceAccountToken SecretType = "kubernetes.io/service-account-token"
	ServiceAccountNameKey                    = "kubernetes.io/service-account.name"
	ServiceAccountUIDKey                     = "kubernetes.io/service-account.uid"
	ServiceAccountTokenKey                   = "token"
	ServiceAccountKubeconfigKey              = "kubernetes.kubeconfig"
	ServiceAccountRootCAKey                  = "ca.crt"
	ServiceAccountNamespaceKey               = "namespace"

	// SecretTypeDockercfg holds a legacy ~/.dockercfg under DockerConfigKey.
	SecretTypeDockercfg SecretType = "kubernetes.io/dockercfg"
	DockerConfigKey                = ".dockercfg"

	// SecretTypeDockerConfigJson holds a ~/.docker/config.json under
	// DockerConfigJsonKey.
	SecretTypeDockerConfigJson SecretType = "kubernetes.io/dockerconfigjson"
	DockerConfigJsonKey                   = ".dockerconfigjson"

	// SecretTypeBasicAuth holds a user name and password.
	SecretTypeBasicAuth  SecretType = "kubernetes.io/basic-auth"
	BasicAuthUsernameKey            = "username"
	BasicAuthPasswordKey            = "password"

	// SecretTypeSSHAuth holds an SSH private key.
	SecretTypeSSHAuth SecretType = "kubernetes.io/ssh-auth"
	SSHAuthPrivateKey            = "ssh-privatekey"

	// SecretTypeTLS holds a PEM certificate chain and its private key.
	SecretTypeTLS    SecretType = "kubernetes.io/tls"
	TLSCertKey                  = "tls.crt"
	TLSPrivateKeyKey            = "tls.key"

	// SecretTypeBootstrapToken holds a node bootstrap token.
	SecretTypeBootstrapToken SecretType = "bootstrap.kubernetes.io/token"
)

// ServiceAccount is an identity for processes in pods, with the secrets
// its pods may use.
type ServiceAccount struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Secrets are the secrets pods of this account may use; Kubernetes no
	// longer fills it with tokens.
	Secrets []ObjectReference `json:"secrets,omitempty" patchStrategy:"merge" patchMergeKey:"name"`
	// ImagePullSecrets are added to the pods of this account.
	ImagePullSecrets []LocalObjectReference `json:"imagePullSecrets,omitempty"`
	// AutomountServiceAccountToken says whether pods of this account
	// mount an API token unless they say otherwise.
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken,omitempty"`
}

// ServiceAccountList is a list of service accounts.
type ServiceAccountList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	Items []ServiceAccount `json:"items"`
}
