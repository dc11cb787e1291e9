package defaults

import (
	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	"github.com/rigging-dev/rigging/api/intstr"
)

// The apps/v1 defaults.
const (
	// defaultReplicas is the replica count of a workload without one.
	defaultReplicas = 1
	// defaultRevisionHistoryLimit is how many old revisions a Deployment,
	// DaemonSet or StatefulSet keeps.
	defaultRevisionHistoryLimit = 10
	// defaultProgressDeadlineSeconds is how long a Deployment may make no
	// progress before it is reported as failed.
	defaultProgressDeadlineSeconds = 600
	// deploymentMaxUnavailable and deploymentMaxSurge bound a Deployment's
	// rolling update.
	deploymentMaxUnavailable = "25%"
	deploymentMaxSurge       = "25%"
	// daemonSetMaxUnavailable and daemonSetMaxSurge bound a DaemonSet's
	// rolling update.
	daemonSetMaxUnavailable = 1
	daemonSetMaxSurge       = 0
)

// Deployment fills in the defaults Kubernetes gives a deployment:
//
//   - spec.replicas: 1
//   - spec.strategy.type: RollingUpdate
//   - for type RollingUpdate, spec.strategy.rollingUpdate.maxUnavailable
//     "25%" and maxSurge "25%"
//   - spec.revisionHistoryLimit: 10
//   - spec.progressDeadlineSeconds: 600
//   - spec.template.spec: the defaults of PodSpec
//
// A nil d is left alone.
func Deployment(d *appsv1.Deployment) {
	if d == nil {
		return
	}
	spec := &d.Spec
	if spec.Replicas == nil {
		spec.Replicas = new(int32(defaultReplicas))
	}
	strategy := &spec.Strategy
	if strategy.Type == "" {
		strategy.Type = appsv1.RollingUpdateDeploymentStrategyType
	}
	if strategy.Type == appsv1.RollingUpdateDeploymentStrategyType {
		if strategy.RollingUpdate == nil {
			strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{}
		}
		if strategy.RollingUpdate.MaxUnavailable == nil {
			strategy.RollingUpdate.MaxUnavailable = new(intstr.FromString(deploymentMaxUnavailable))
		}
		if strategy.RollingUpdate.MaxSurge == nil {
			strategy.RollingUpdate.MaxSurge = new(intstr.FromString(deploymentMaxSurge))
		}
	}
	if spec.RevisionHistoryLimit == nil {
		spec.RevisionHistoryLimit = new(int32(defaultRevisionHistoryLimit))
	}
	if spec.ProgressDeadlineSeconds == nil {
		spec.ProgressDeadlineSeconds = new(int32(defaultProgressDeadlineSeconds))
	}
	PodSpec(&spec.Template.Spec)
}

// ReplicaSet fills in the defaults Kubernetes gives a replica set:
// spec.replicas 1, and the defaults of PodSpec in spec.template.spec. A nil
// rs is left alone.
func ReplicaSet(rs *appsv1.ReplicaSet) {
	if rs == nil {
		return
	}
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = new(int32(defaultReplicas))
	}
	PodSpec(&rs.Spec.Template.Spec)
}

// DaemonSet fills in the defaults Kubernetes gives a daemon set:
//
//   - spec.updateStrategy.type: RollingUpdate
//   - for type RollingUpdate, spec.updateStrategy.rollingUpdate
//     maxUnavailable 1 and maxSurge 0
//   - spec.revisionHistoryLimit: 10
//   - spec.template.spec: the defaults of PodSpec
//
// A nil ds is left alone.
func DaemonSet(ds *appsv1.DaemonSet) {
	if ds == nil {
		return
	}
	strategy := &ds.Spec.UpdateStrategy
	if strategy.Type == "" {
		strategy.Type = appsv1.RollingUpdateDaemonSetStrategyType
	}
	if strategy.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if strategy.RollingUpdate == nil {
			strategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{}
		}
		if strategy.RollingUpdate.MaxUnavailable == nil {
			strategy.RollingUpdate.MaxUnavailable = new(intstr.FromInt32(daemonSetMaxUnavailable))
		}
		if strategy.RollingUpdate.MaxSurge == nil {
			strategy.RollingUpdate.MaxSurge = new(intstr.FromInt32(daemonSetMaxSurge))
		}
	}
	if ds.Spec.RevisionHistoryLimit == nil {
		ds.Spec.RevisionHistoryLimit = new(int32(defaultRevisionHistoryLimit))
	}
	PodSpec(&ds.Spec.Template.Spec)
}

// StatefulSet fills in the defaults Kubernetes gives a stateful set:
//
//   - spec.replicas: 1
//   - spec.podManagementPolicy: OrderedReady
//   - spec.updateStrategy.type: RollingUpdate, and then (only when the type
//     was absent) spec.updateStrategy.rollingUpdate: {}
//   - spec.updateStrategy.rollingUpdate.partition: 0, when the type is
//     RollingUpdate and rollingUpdate is present
//   - spec.revisionHistoryLimit: 10
//   - spec.persistentVolumeClaimRetentionPolicy: whenDeleted Retain,
//     whenScaled Retain
//   - spec.template.spec: the defaults of PodSpec
//   - spec.volumeClaimTemplates[]: the defaults of PersistentVolumeClaim
//     (volumeMode Filesystem, status.phase Pending, rounded resources)
//
// Kubernetes defaults rollingUpdate.maxUnavailable to 1 only behind the
// MaxUnavailableStatefulSet feature gate; it is left alone here. A nil ss
// is left alone.
func StatefulSet(ss *appsv1.StatefulSet) {
	if ss == nil {
		return
	}
	spec := &ss.Spec
	if spec.PodManagementPolicy == "" {
		spec.PodManagementPolicy = appsv1.OrderedReadyPodManagement
	}
	strategy := &spec.UpdateStrategy
	if strategy.Type == "" {
		strategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
		if strategy.RollingUpdate == nil {
			strategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
	}
	if strategy.Type == appsv1.RollingUpdateStatefulSetStrategyType &&
		strategy.RollingUpdate != nil && strategy.RollingUpdate.Partition == nil {
		strategy.RollingUpdate.Partition = new(int32(0))
	}
	if spec.PersistentVolumeClaimRetentionPolicy == nil {
		spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	if policy := spec.PersistentVolumeClaimRetentionPolicy; policy.WhenDeleted == "" {
		policy.WhenDeleted = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if policy := spec.PersistentVolumeClaimRetentionPolicy; policy.WhenScaled == "" {
		policy.WhenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if spec.Replicas == nil {
		spec.Replicas = new(int32(defaultReplicas))
	}
	if spec.RevisionHistoryLimit == nil {
		spec.RevisionHistoryLimit = new(int32(defaultRevisionHistoryLimit))
	}
	PodSpec(&spec.Template.Spec)
	for i := range spec.VolumeClaimTemplates {
		PersistentVolumeClaim(&spec.VolumeClaimTemplates[i])
	}
}
