package api_test

import (
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
)

// init registers the core group's kinds (apiVersion "v1") and their lists
// with the manifest round-trip harness in roundtrip_test.go.
func init() {
	for kind, newObj := range map[string]func() any{
		"Pod":                       func() any { return new(corev1.Pod) },
		"PodList":                   func() any { return new(corev1.PodList) },
		"Node":                      func() any { return new(corev1.Node) },
		"NodeList":                  func() any { return new(corev1.NodeList) },
		"Namespace":                 func() any { return new(corev1.Namespace) },
		"NamespaceList":             func() any { return new(corev1.NamespaceList) },
		"Service":                   func() any { return new(corev1.Service) },
		"ServiceList":               func() any { return new(corev1.ServiceList) },
		"Endpoints":                 func() any { return new(corev1.Endpoints) },
		"EndpointsList":             func() any { return new(corev1.EndpointsList) },
		"ConfigMap":                 func() any { return new(corev1.ConfigMap) },
		"ConfigMapList":             func() any { return new(corev1.ConfigMapList) },
		"Secret":                    func() any { return new(corev1.Secret) },
		"SecretList":                func() any { return new(corev1.SecretList) },
		"ServiceAccount":            func() any { return new(corev1.ServiceAccount) },
		"ServiceAccountList":        func() any { return new(corev1.ServiceAccountList) },
		"PersistentVolume":          func() any { return new(corev1.PersistentVolume) },
		"PersistentVolumeList":      func() any { return new(corev1.PersistentVolumeList) },
		"PersistentVolumeClaim":     func() any { return new(corev1.PersistentVolumeClaim) },
		"PersistentVolumeClaimList": func() any { return new(corev1.PersistentVolumeClaimList) },
		"Event":                     func() any { return new(corev1.Event) },
		"EventList":                 func() any { return new(corev1.EventList) },
		"ResourceQuota":             func() any { return new(corev1.ResourceQuota) },
		"ResourceQuotaList":         func() any { return new(corev1.ResourceQuotaList) },
		"LimitRange":                func() any { return new(corev1.LimitRange) },
		"LimitRangeList":            func() any { return new(corev1.LimitRangeList) },
		"Binding":                   func() any { return new(corev1.Binding) },
	} {
		register("v1", kind, newObj)
	}
}
