// Package deployment is the Deployment controller: it rolls each apps/v1
// Deployment's pod template out through ReplicaSets, as Kubernetes'
// Deployment controller does, leaving the pods themselves to the
// ReplicaSet controller (package controller/replicaset).
//
// # Where to start
//
// Register it with a Manager through Add, next to the ReplicaSet
// controller:
//
//	mgr, _ := controller.NewManager(controller.ManagerOptions{Client: c})
//	_, _ = replicaset.Add(mgr, c, controller.Options{})
//	_, _ = deployment.Add(mgr, c, controller.Options{})
//	err := mgr.Start(ctx)
//
// # What it does
//
// A Deployment owns ReplicaSets (a controller ownerReference; it adopts
// orphans its selector matches and releases those it no longer matches).
// The ReplicaSet of its current template, the new one, is named
// <deployment>-<pod-template-hash>, where the hash is ComputeHash of the
// template and status.collisionCount; the label pod-template-hash=<hash>
// is added to its selector, template and so its pods. When the name is
// taken by a ReplicaSet with another template, collisionCount goes up and
// the next try hashes differently.
//
// Strategy RollingUpdate scales the new ReplicaSet up while all of them
// together have at most replicas+maxSurge pods, and old ones down while at
// least replicas-maxUnavailable pods stay available (ResolveFenceposts:
// percentages of surge round up, of unavailability down; both 0 makes
// unavailability 1). Old ReplicaSets' unavailable pods go first. Strategy
// Recreate scales every old ReplicaSet to 0, waits until none of their
// pods is left, then creates the new one at full size.
//
// Each template gets a revision (annotation deployment.kubernetes.io/revision
// on the ReplicaSet and the Deployment). Setting the template back to an
// old one (a rollback) re-uses that ReplicaSet, with the next revision
// number. Old ReplicaSets scaled to 0 beyond spec.revisionHistoryLimit are
// deleted, oldest revision first. A paused Deployment rolls nothing out but
// is still scaled. Scaling a Deployment in mid-rollout spreads the change
// over its ReplicaSets in proportion to their sizes (annotations
// desired-replicas and max-replicas record the size each was scaled for).
//
// Status: observedGeneration, replicas, updatedReplicas, readyReplicas,
// availableReplicas and unavailableReplicas from the ReplicaSets; condition
// Available (MinimumReplicasAvailable when at least replicas-maxUnavailable
// pods are available, else MinimumReplicasUnavailable) and Progressing
// (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated,
// NewReplicaSetAvailable; False with ProgressDeadlineExceeded when the
// rollout made no progress for spec.progressDeadlineSeconds; Unknown with
// DeploymentPaused/DeploymentResumed); ReplicaFailure copied from the
// ReplicaSets' own.
//
// # Differences from Kubernetes
//
// The pod-template-hash is an FNV-32a hash of the template's JSON, not of
// a spew dump of the Go value, so its values differ from Kubernetes'. When
// counting on old ReplicaSets' available pods, the controller counts no
// more than each one's spec.replicas, so that a ReplicaSet scaled down but
// not yet reporting it cannot make the rollout exceed maxUnavailable; and
// it waits for its ReplicaSet cache to show its own writes before acting
// on a Deployment again (or 5 minutes). The deprecated rollbackTo field
// and events are not supported.
package deployment
