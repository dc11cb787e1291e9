package defaults

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/resource"
)

// resourceList rounds every amount in rl up to a whole number of
// thousandths ("0.5m" becomes "1m", "-0.5m" becomes "-1m"), as Kubernetes
// does to every ResourceList it stores, keeping each amount's Format. An
// amount already a whole number of thousandths is left exactly as it is.
// An amount whose rounded count of thousandths does not fit in an int64
// (one beyond about ±9.2 × 10^15 with a fraction finer than thousandths)
// is left unrounded, since Quantity offers no exact rounding for it. A nil
// list is left nil.
func resourceList(rl corev1.ResourceList) {
	for name, q := range rl {
		if r, changed := roundUpMilli(q); changed {
			rl[name] = r
		}
	}
}

// roundUpMilli returns q rounded away from zero to a whole number of
// thousandths, and whether that differs from q. When the rounded amount
// does not fit in an int64 count of thousandths it returns q unchanged.
func roundUpMilli(q resource.Quantity) (resource.Quantity, bool) {
	r := *resource.NewMilliQuantity(q.MilliValue(), q.Format())
	switch c := r.Cmp(q); {
	case c == 0:
		return q, false // already whole thousandths
	case q.Sign() > 0 && c < 0, q.Sign() < 0 && c > 0:
		return q, false // MilliValue saturated: r is nearer zero than q
	}
	return r, true
}

// requestsFromLimits gives every resource that has a limit and no request a
// request equal to the limit, creating the Requests map when needed. It
// leaves resources that have a request alone, and a container without
// limits untouched.
func requestsFromLimits(r *corev1.ResourceRequirements) {
	if r.Limits == nil {
		return
	}
	if r.Requests == nil {
		r.Requests = make(corev1.ResourceList, len(r.Limits))
	}
	for name, limit := range r.Limits {
		if _, set := r.Requests[name]; !set {
			r.Requests[name] = limit.DeepCopy()
		}
	}
}
