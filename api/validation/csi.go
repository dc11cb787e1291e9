package validation

import (
	"github.com/rigging-dev/rigging/api/field"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
)

// Token request expiration limits Kubernetes enforces on CSIDriver.
const (
	minTokenAgeSeconds = 10 * 60
	maxTokenAgeSeconds = 1 << 32
	maxCSINodeIDLength = 192
)

// CSIDriver validates a CSIDriver after defaulting: the name is a CSI
// driver name, the boolean switches that defaulting fills are set, the
// lifecycle modes are known, and token requests have distinct audiences
// and an expiration between 10 minutes and 2^32 seconds.
func CSIDriver(d *storagev1.CSIDriver) field.ErrorList {
	if d == nil {
		d = &storagev1.CSIDriver{}
	}
	errs := ObjectMeta(&d.ObjectMeta, false, NameIsDNSSubdomain, field.NewPath("metadata"))
	if d.Name != "" {
		errs = append(errs, CSIDriverName(d.Name, field.NewPath("metadata", "name"))...)
	}
	sp := field.NewPath("spec")
	for _, sw := range []struct {
		name string
		v    *bool
	}{
		{"attachRequired", d.Spec.AttachRequired},
		{"podInfoOnMount", d.Spec.PodInfoOnMount},
		{"storageCapacity", d.Spec.StorageCapacity},
		{"requiresRepublish", d.Spec.RequiresRepublish},
	} {
		if sw.v == nil {
			errs = append(errs, field.Required(sp.Child(sw.name), ""))
		}
	}
	modes := []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent, storagev1.VolumeLifecycleEphemeral}
	for i, m := range d.Spec.VolumeLifecycleModes {
		if !oneOf(m, modes...) {
			errs = append(errs, field.NotSupported(sp.Child("volumeLifecycleModes").Index(i), m, modes))
		}
	}
	seen := map[string]bool{}
	for i, tr := range d.Spec.TokenRequests {
		p := sp.Child("tokenRequests").Index(i)
		if seen[tr.Audience] {
			errs = append(errs, field.Duplicate(p.Child("audience"), tr.Audience))
		}
		seen[tr.Audience] = true
		if e := tr.ExpirationSeconds; e != nil {
			switch {
			case *e < minTokenAgeSeconds:
				errs = append(errs, field.Invalid(p.Child("expirationSeconds"), *e, "may not specify a duration less than 10 minutes"))
			case *e > maxTokenAgeSeconds:
				errs = append(errs, field.Invalid(p.Child("expirationSeconds"), *e, "may not specify a duration larger than 2^32 seconds"))
			}
		}
	}
	return errs
}

// VolumeAttachment validates a VolumeAttachment: attacher and nodeName are
// required, and the source names exactly one of a PersistentVolume or an
// inline volume spec.
func VolumeAttachment(va *storagev1.VolumeAttachment) field.ErrorList {
	if va == nil {
		va = &storagev1.VolumeAttachment{}
	}
	errs := ObjectMeta(&va.ObjectMeta, false, NameIsDNSSubdomain, field.NewPath("metadata"))
	sp := field.NewPath("spec")
	if va.Spec.Attacher == "" {
		errs = append(errs, field.Required(sp.Child("attacher"), ""))
	} else {
		errs = append(errs, CSIDriverName(va.Spec.Attacher, sp.Child("attacher"))...)
	}
	if va.Spec.NodeName == "" {
		errs = append(errs, field.Required(sp.Child("nodeName"), ""))
	} else {
		errs = append(errs, nameErrors(NameIsDNSSubdomain(va.Spec.NodeName, false), va.Spec.NodeName, sp.Child("nodeName"))...)
	}
	src := va.Spec.Source
	srcp := sp.Child("source")
	switch {
	case src.PersistentVolumeName == nil && src.InlineVolumeSpec == nil:
		errs = append(errs, field.Required(srcp, "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
	case src.PersistentVolumeName != nil && src.InlineVolumeSpec != nil:
		errs = append(errs, field.Forbidden(srcp, "must specify exactly one of inlineVolumeSpec and persistentVolumeName"))
	case src.PersistentVolumeName != nil:
		name := *src.PersistentVolumeName
		if name == "" {
			errs = append(errs, field.Required(srcp.Child("persistentVolumeName"), "must specify non empty persistentVolumeName"))
		} else {
			errs = append(errs, nameErrors(NameIsDNSSubdomain(name, false), name, srcp.Child("persistentVolumeName"))...)
		}
	}
	return errs
}

// CSINode validates a CSINode: each driver has a valid, unique name, a
// node ID of at most 192 characters, unique qualified topology keys and a
// non-negative allocatable count.
func CSINode(n *storagev1.CSINode) field.ErrorList {
	if n == nil {
		n = &storagev1.CSINode{}
	}
	errs := ObjectMeta(&n.ObjectMeta, false, NameIsDNSSubdomain, field.NewPath("metadata"))
	dp := field.NewPath("spec", "drivers")
	names := map[string]bool{}
	for i, d := range n.Spec.Drivers {
		p := dp.Index(i)
		errs = append(errs, CSIDriverName(d.Name, p.Child("name"))...)
		if names[d.Name] {
			errs = append(errs, field.Duplicate(p.Child("name"), d.Name))
		}
		names[d.Name] = true
		switch {
		case d.NodeID == "":
			errs = append(errs, field.Required(p.Child("nodeID"), ""))
		case len(d.NodeID) > maxCSINodeIDLength:
			errs = append(errs, field.Invalid(p.Child("nodeID"), d.NodeID, "must be 192 characters or less"))
		}
		keys := map[string]bool{}
		for j, k := range d.TopologyKeys {
			kp := p.Child("topologyKeys").Index(j)
			if keys[k] {
				errs = append(errs, field.Duplicate(kp, k))
			}
			keys[k] = true
			errs = append(errs, qualifiedName(k, kp)...)
		}
		if a := d.Allocatable; a != nil && a.Count != nil && *a.Count < 0 {
			errs = append(errs, field.Invalid(p.Child("allocatable", "count"), *a.Count, "must be greater than or equal to 0"))
		}
	}
	return errs
}
