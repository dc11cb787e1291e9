package v1_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	coordinationv1 "github.com/rigging-dev/rigging/api/coordination/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func ptr[T any](v T) *T { return &v }

// TestLeaseJSON checks the wire form of Leases both ways: what a Go value
// encodes to, and that decoding it gives the value back.
func TestLeaseJSON(t *testing.T) {
	acquire := metav1.NewMicroTime(time.Date(2025, 1, 20, 8, 0, 1, 123456000, time.UTC))
	tests := []struct {
		name  string
		lease coordinationv1.Lease
		want  string
	}{
		{
			name:  "empty lease has no spec",
			lease: coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "a"}},
			want:  `{"metadata":{"name":"a"}}`,
		},
		{
			name: "held lease keeps microseconds",
			lease: coordinationv1.Lease{
				TypeMeta:   metav1.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"},
				ObjectMeta: metav1.ObjectMeta{Name: "node-a", Namespace: "kube-node-lease"},
				Spec: coordinationv1.LeaseSpec{
					HolderIdentity:       ptr("node-a"),
					LeaseDurationSeconds: ptr(int32(40)),
					AcquireTime:          &acquire,
					RenewTime:            &acquire,
					LeaseTransitions:     ptr(int32(0)),
				},
			},
			want: `{"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"node-a","namespace":"kube-node-lease"},` +
				`"spec":{"holderIdentity":"node-a","leaseDurationSeconds":40,"acquireTime":"2025-01-20T08:00:01.123456Z",` +
				`"renewTime":"2025-01-20T08:00:01.123456Z","leaseTransitions":0}}`,
		},
		{
			name: "coordinated leader election fields",
			lease: coordinationv1.Lease{
				Spec: coordinationv1.LeaseSpec{
					Strategy:        ptr(coordinationv1.OldestEmulationVersion),
					PreferredHolder: ptr("kcm-2"),
				},
			},
			want: `{"spec":{"strategy":"OldestEmulationVersion","preferredHolder":"kcm-2"}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(&tt.lease)
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("encoded JSON (-want +got):\n%s", diff)
			}
			var back coordinationv1.Lease
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("unmarshal %s: %v", got, err)
			}
			if diff := cmp.Diff(tt.lease, back); diff != "" {
				t.Errorf("decoded value (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLeaseDeepCopy checks that a deep copy shares no memory with the
// original.
func TestLeaseDeepCopy(t *testing.T) {
	renew := metav1.NewMicroTime(time.Date(2025, 1, 20, 8, 0, 0, 0, time.UTC))
	orig := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"k": "v"}},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr("x"), RenewTime: &renew},
	}
	want := orig.DeepCopy()
	cp := orig.DeepCopy()
	*cp.Spec.HolderIdentity = "y"
	cp.Spec.RenewTime.Time = cp.Spec.RenewTime.Add(time.Hour)
	cp.Labels["k"] = "changed"
	if diff := cmp.Diff(want, orig); diff != "" {
		t.Errorf("mutating the copy changed the original (-want +got):\n%s", diff)
	}
}

// A node heartbeat lease as the kubelet writes it.
func ExampleLease() {
	renew := metav1.NewMicroTime(time.Date(2025, 1, 20, 9, 14, 27, 654321000, time.UTC))
	holder, duration := "node-a", int32(40)
	lease := coordinationv1.Lease{
		TypeMeta:   metav1.TypeMeta{APIVersion: coordinationv1.GroupName + "/" + coordinationv1.Version, Kind: "Lease"},
		ObjectMeta: metav1.ObjectMeta{Name: "node-a", Namespace: "kube-node-lease"},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       &holder,
			LeaseDurationSeconds: &duration,
			RenewTime:            &renew,
		},
	}
	out, err := json.MarshalIndent(lease, "", "  ")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(out))
	// Output:
	// {
	//   "kind": "Lease",
	//   "apiVersion": "coordination.k8s.io/v1",
	//   "metadata": {
	//     "name": "node-a",
	//     "namespace": "kube-node-lease"
	//   },
	//   "spec": {
	//     "holderIdentity": "node-a",
	//     "leaseDurationSeconds": 40,
	//     "renewTime": "2025-01-20T09:14:27.654321Z"
	//   }
	// }
}
