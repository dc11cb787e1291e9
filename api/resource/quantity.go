// Package resource holds Quantity, the fixed-point number used for resource
// amounts ("100m", "1.5Gi", "2", "1e3"), parsed and formatted exactly as
// Kubernetes does.
package resource

// Quantity is a fixed-point number with a unit suffix.
// PLACEHOLDER: the representation is being written (issue 2).
type Quantity struct {
	s string
}

// DeepCopyInto copies q into out.
func (q *Quantity) DeepCopyInto(out *Quantity) { *out = *q }

// DeepCopy returns a copy of q.
func (q Quantity) DeepCopy() Quantity { return q }
