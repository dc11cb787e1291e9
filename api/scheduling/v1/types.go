package v1

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Priorities and names with a fixed meaning.
const (
	// HighestUserDefinablePriority is the largest Value a user-created
	// PriorityClass may have; larger values are reserved for the system
	// classes.
	HighestUserDefinablePriority = int32(1000000000)
	// SystemCriticalPriority is the lowest priority reserved for critical
	// system components: twice HighestUserDefinablePriority.
	SystemCriticalPriority = 2 * HighestUserDefinablePriority
	// SystemPriorityClassPrefix starts the names of the system classes; a
	// user-created PriorityClass may not use it.
	SystemPriorityClassPrefix = "system-"
	// SystemClusterCritical is the class of cluster-wide critical add-ons
	// (DNS, the metrics server); its value is SystemCriticalPriority,
	// 2000000000.
	SystemClusterCritical = SystemPriorityClassPrefix + "cluster-critical"
	// SystemNodeCritical is the class of pods a node cannot run without
	// (its network and storage agents); its value is
	// SystemCriticalPriority + 1000, 2000001000.
	SystemNodeCritical = SystemPriorityClassPrefix + "node-critical"
	// DefaultPriorityWhenNoDefaultClassExists is the priority of a pod that
	// names no class when no PriorityClass has GlobalDefault set.
	DefaultPriorityWhenNoDefaultClassExists = int32(0)
)

// SystemPriorityClasses returns new copies of the two built-in classes,
// system-node-critical and system-cluster-critical, as the API server
// creates them at start-up. The caller owns the result.
func SystemPriorityClasses() []*PriorityClass {
	return []*PriorityClass{
		{
			TypeMeta:    metav1.TypeMeta{APIVersion: GroupName + "/" + Version, Kind: "PriorityClass"},
			ObjectMeta:  metav1.ObjectMeta{Name: SystemNodeCritical},
			Value:       SystemCriticalPriority + 1000,
			Description: "Used for system critical pods that must not be moved from their current node.",
		},
		{
			TypeMeta:    metav1.TypeMeta{APIVersion: GroupName + "/" + Version, Kind: "PriorityClass"},
			ObjectMeta:  metav1.ObjectMeta{Name: SystemClusterCritical},
			Value:       SystemCriticalPriority,
			Description: "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
		},
	}
}

// PriorityClass maps a class name to a pod priority. Pods name it in
// spec.priorityClassName; admission copies Value into spec.priority. It is
// cluster-scoped.
type PriorityClass struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Value is the priority of pods of this class; higher runs first and
	// may preempt lower. At most HighestUserDefinablePriority for classes
	// users create.
	Value int32 `json:"value"`
	// GlobalDefault makes this the class of pods that name none. Should
	// several classes set it, the smallest of their values is used.
	GlobalDefault bool `json:"globalDefault,omitempty"`
	// Description says when to use the class; free text.
	Description string `json:"description,omitempty"`
	// PreemptionPolicy is Never or PreemptLowerPriority; nil means
	// PreemptLowerPriority.
	PreemptionPolicy *corev1.PreemptionPolicy `json:"preemptionPolicy,omitempty"`
}

// PriorityClassList is a list of PriorityClasses.
type PriorityClassList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the PriorityClasses.
	Items []PriorityClass `json:"items"`
}
