package v1

import (
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// Lease is a time-bounded claim on a named resource: its holder renews it
// before LeaseDurationSeconds have passed since RenewTime, and any other
// candidate may take it over once that time has elapsed. The kubelet keeps
// one per node in the kube-node-lease namespace as its heartbeat; leader
// election keeps one per elected component.
type Lease struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty,omitzero"`

	// Spec is the claim itself.
	Spec LeaseSpec `json:"spec,omitempty,omitzero"`
}

// LeaseSpec is the state of a Lease. Every field is optional; an empty spec
// is a lease that nobody holds.
type LeaseSpec struct {
	// HolderIdentity names the current holder; nil when nobody holds the
	// lease.
	HolderIdentity *string `json:"holderIdentity,omitempty"`
	// LeaseDurationSeconds is how long candidates must wait after RenewTime
	// before they may take the lease over.
	LeaseDurationSeconds *int32 `json:"leaseDurationSeconds,omitempty"`
	// AcquireTime is when the current holder acquired the lease.
	AcquireTime *metav1.MicroTime `json:"acquireTime,omitempty"`
	// RenewTime is when the current holder last renewed the lease.
	RenewTime *metav1.MicroTime `json:"renewTime,omitempty"`
	// LeaseTransitions counts how many times the lease changed holder.
	LeaseTransitions *int32 `json:"leaseTransitions,omitempty"`
	// Strategy is how coordinated leader election picks the next holder;
	// it is set only on leases managed by coordinated leader election.
	Strategy *CoordinatedLeaseStrategy `json:"strategy,omitempty"`
	// PreferredHolder asks the current holder to hand the lease over to the
	// named candidate; used by coordinated leader election.
	PreferredHolder *string `json:"preferredHolder,omitempty"`
}

// CoordinatedLeaseStrategy is how coordinated leader election picks a
// holder among the candidates.
type CoordinatedLeaseStrategy string

// The coordinated lease strategies.
const (
	// OldestEmulationVersion picks the candidate with the oldest emulation
	// version, then the oldest binary version, then the earliest creation
	// time.
	OldestEmulationVersion CoordinatedLeaseStrategy = "OldestEmulationVersion"
)

// LeaseList is a list of Leases.
type LeaseList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty,omitzero"`

	// Items are the Leases.
	Items []Lease `json:"items"`
}
