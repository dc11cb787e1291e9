package validation

import (
	"fmt"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	"github.com/rigging-dev/rigging/api/resource"
)

// The resource names Kubernetes knows, by where they may appear.
var (
	standardContainerResources = set(corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage)

	standardQuotaResources = set(
		corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage,
		corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory, corev1.ResourceRequestsStorage,
		corev1.ResourceRequestsEphemeralStorage, corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory,
		corev1.ResourceLimitsEphemeralStorage, corev1.ResourcePods, corev1.ResourceQuotas,
		corev1.ResourceServices, corev1.ResourceReplicationControllers, corev1.ResourceSecrets,
		corev1.ResourcePersistentVolumeClaims, corev1.ResourceConfigMaps,
		corev1.ResourceServicesNodePorts, corev1.ResourceServicesLoadBalancers)

	standardResources = set(
		corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage,
		corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory, corev1.ResourceRequestsEphemeralStorage,
		corev1.ResourceLimitsCPU, corev1.ResourceLimitsMemory, corev1.ResourceLimitsEphemeralStorage,
		corev1.ResourcePods, corev1.ResourceQuotas, corev1.ResourceServices,
		corev1.ResourceReplicationControllers, corev1.ResourceSecrets, corev1.ResourceConfigMaps,
		corev1.ResourcePersistentVolumeClaims, corev1.ResourceStorage, corev1.ResourceRequestsStorage,
		corev1.ResourceServicesNodePorts, corev1.ResourceServicesLoadBalancers)

	integerResources = set(
		corev1.ResourcePods, corev1.ResourceQuotas, corev1.ResourceServices,
		corev1.ResourceReplicationControllers, corev1.ResourceSecrets, corev1.ResourceConfigMaps,
		corev1.ResourcePersistentVolumeClaims, corev1.ResourceServicesNodePorts,
		corev1.ResourceServicesLoadBalancers)

	podObjectCountQuotaResources = set(corev1.ResourcePods)
	podComputeQuotaResources     = set(
		corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceLimitsCPU,
		corev1.ResourceLimitsMemory, corev1.ResourceRequestsCPU, corev1.ResourceRequestsMemory)
	pvcQuotaResources = set(corev1.ResourcePersistentVolumeClaims, corev1.ResourceRequestsStorage)
)

func set[T comparable](items ...T) map[T]bool {
	m := make(map[T]bool, len(items))
	for _, it := range items {
		m[it] = true
	}
	return m
}

// isStandardContainerResource reports whether name is one of
// standardContainerResources, without a map lookup: the common case of
// the resource checks.
func isStandardContainerResource(name corev1.ResourceName) bool {
	return name == corev1.ResourceCPU || name == corev1.ResourceMemory || name == corev1.ResourceEphemeralStorage
}

// isHugePageResourceName reports a "hugepages-<size>" name.
func isHugePageResourceName(name corev1.ResourceName) bool {
	return strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix)
}

// isQuotaHugePageResourceName reports a hugepages name or its quota.
func isQuotaHugePageResourceName(name corev1.ResourceName) bool {
	return isHugePageResourceName(name) || strings.HasPrefix(string(name), corev1.ResourceRequestsHugePagesPrefix)
}

// isNativeResource reports a name in the kubernetes.io domain; names
// without a domain are in it.
func isNativeResource(name corev1.ResourceName) bool {
	return !strings.Contains(string(name), "/") || strings.Contains(string(name), corev1.ResourceDefaultNamespacePrefix)
}

// isExtendedResourceName reports a domain-prefixed resource outside
// kubernetes.io that can also be quota'd as "requests.<name>".
func isExtendedResourceName(name corev1.ResourceName) bool {
	if isNativeResource(name) || strings.HasPrefix(string(name), corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	return len(isQualifiedName(corev1.DefaultResourceRequestsPrefix+string(name))) == 0
}

// isOvercommitAllowed reports a resource whose request may be below its
// limit: native resources other than hugepages.
func isOvercommitAllowed(name corev1.ResourceName) bool {
	return isNativeResource(name) && !isHugePageResourceName(name)
}

// isIntegerResourceName reports a resource counted in whole units.
func isIntegerResourceName(name corev1.ResourceName) bool {
	if isStandardContainerResource(name) {
		return false
	}
	return integerResources[name] || isExtendedResourceName(name)
}

// resourceName checks a resource name: a qualified name, and a standard
// one when it has no domain.
func resourceName(name corev1.ResourceName, path *field.Path) field.ErrorList {
	errs := nameErrors(isQualifiedName(string(name)), name, path)
	if len(errs) != 0 {
		return errs
	}
	if !strings.Contains(string(name), "/") && !standardResources[name] && !isQuotaHugePageResourceName(name) {
		errs = append(errs, field.Invalid(path, name, "must be a standard resource type or fully qualified"))
	}
	return errs
}

// containerResourceName checks the name of a container request or limit.
func containerResourceName(name corev1.ResourceName, path *field.Path) field.ErrorList {
	if isStandardContainerResource(name) {
		return nil // a qualified, standard resource for containers
	}
	errs := resourceName(name, path)
	if !strings.Contains(string(name), "/") {
		if !standardContainerResources[name] && !isHugePageResourceName(name) {
			errs = append(errs, field.Invalid(path, name, "must be a standard resource for containers"))
		}
	} else if !isNativeResource(name) && !isExtendedResourceName(name) {
		errs = append(errs, field.Invalid(path, name, "doesn't follow extended resource name standard"))
	}
	return errs
}

// quotaResourceName checks the name of a quota.
func quotaResourceName(name corev1.ResourceName, path *field.Path) field.ErrorList {
	errs := resourceName(name, path)
	if !strings.Contains(string(name), "/") && !standardQuotaResources[name] && !isQuotaHugePageResourceName(name) {
		errs = append(errs, field.Invalid(path, name, msgInvalidQuota))
	}
	return errs
}

// hugePageValueError returns why a hugepages amount is not a whole number
// of pages, or "".
func hugePageValueError(name corev1.ResourceName, q resource.Quantity) string {
	if !isHugePageResourceName(name) || hugePageDivisible(name, q) {
		return ""
	}
	return fmt.Sprintf("%s is not positive integer multiple of %s", q.String(), name)
}

func hugePageDivisible(name corev1.ResourceName, q resource.Quantity) bool {
	size, err := resource.ParseQuantity(strings.TrimPrefix(string(name), corev1.ResourceHugePagesPrefix))
	if err != nil || size.Sign() <= 0 || size.MilliValue()%1000 != 0 || size.Value() == 0 {
		return false
	}
	return q.Value()%size.Value() == 0
}

// ResourceRequirements checks a container's requests and limits: resource
// names, non-negative (and for counted resources integer) amounts, requests
// no larger than limits (and equal to them for resources that cannot be
// overcommitted, such as hugepages and extended resources), whole numbers
// of huge pages, and hugepages only together with cpu or memory.
func ResourceRequirements(req *corev1.ResourceRequirements, path *field.Path) field.ErrorList {
	if req == nil {
		return nil
	}
	var errs field.ErrorList
	limPath, reqPath := path.Child("limits"), path.Child("requests")
	limCPUOrMem, reqCPUOrMem, limHuge, reqHuge := false, false, false, false
	for _, name := range sortedKeys(req.Limits) {
		q := req.Limits[name]
		p := limPath.Key(string(name))
		errs = append(errs, containerResourceName(name, p)...)
		errs = append(errs, resourceQuantityValue(name, q, p)...)
		if isHugePageResourceName(name) {
			limHuge = true
			if msg := hugePageValueError(name, q); msg != "" {
				errs = append(errs, field.Invalid(p, q.String(), msg))
			}
		}
		if name == corev1.ResourceCPU || name == corev1.ResourceMemory {
			limCPUOrMem = true
		}
	}
	for _, name := range sortedKeys(req.Requests) {
		q := req.Requests[name]
		p := reqPath.Key(string(name))
		errs = append(errs, containerResourceName(name, p)...)
		errs = append(errs, resourceQuantityValue(name, q, p)...)
		if limit, ok := req.Limits[name]; ok {
			switch {
			case q.Cmp(limit) != 0 && !isOvercommitAllowed(name):
				errs = append(errs, field.Invalid(reqPath, q.String(), fmt.Sprintf("must be equal to %s limit of %s", name, limit.String())))
			case q.Cmp(limit) > 0:
				errs = append(errs, field.Invalid(reqPath, q.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
			}
		} else if !isOvercommitAllowed(name) {
			errs = append(errs, field.Required(limPath, "Limit must be set for non overcommitable resources"))
		}
		if isHugePageResourceName(name) {
			reqHuge = true
			if msg := hugePageValueError(name, q); msg != "" {
				errs = append(errs, field.Invalid(p, q.String(), msg))
			}
		}
		if name == corev1.ResourceCPU || name == corev1.ResourceMemory {
			reqCPUOrMem = true
		}
	}
	if !limCPUOrMem && !reqCPUOrMem && (reqHuge || limHuge) {
		errs = append(errs, field.Forbidden(path, "HugePages require cpu or memory"))
	}
	return errs
}
