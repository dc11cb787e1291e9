// Package replicaset is the ReplicaSet controller: it keeps spec.replicas
// pods matching each apps/v1 ReplicaSet's selector running, as Kubernetes'
// ReplicaSet controller does.
//
// For each ReplicaSet it lists the pods in its namespace, adopts orphans
// whose labels match its selector (a controller ownerReference with
// blockOwnerDeletion), releases the pods it owns whose labels no longer
// match, creates missing pods from spec.template in slow-start batches (1,
// 2, 4, ... stopping at the first error) and deletes surplus ones in the
// order of PodLess. It then writes status (replicas, fullyLabeledReplicas,
// readyReplicas, availableReplicas, observedGeneration) when it changed.
//
// Pods that are terminating (deletionTimestamp set), Succeeded or Failed do
// not count; pods controlled by another owner are never touched. Like
// Kubernetes, the controller remembers the pods it created and deleted and
// does not act again for a ReplicaSet until its pod cache has seen them
// (or 5 minutes passed), so that a stale cache does not make it create or
// delete twice.
//
// Register it with a Manager through Add.
package replicaset
