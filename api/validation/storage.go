package validation

import (
	"path"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	storagev1 "github.com/rigging-dev/rigging/api/storage/v1"
)

var (
	supportedAccessModes    = []corev1.PersistentVolumeAccessMode{corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOnce, corev1.ReadWriteOncePod}
	supportedReclaimPolicy  = []corev1.PersistentVolumeReclaimPolicy{corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle, corev1.PersistentVolumeReclaimRetain}
	supportedVolumeModes    = []corev1.PersistentVolumeMode{corev1.PersistentVolumeBlock, corev1.PersistentVolumeFilesystem}
	supportedClassReclaim   = []string{string(corev1.PersistentVolumeReclaimDelete), string(corev1.PersistentVolumeReclaimRetain)}
	supportedBindingModes   = []string{string(storagev1.VolumeBindingImmediate), string(storagev1.VolumeBindingWaitForFirstConsumer)}
	maxProvisionerParamSize = 256 * 1024
)

const maxProvisionerParams = 512

// accessModes checks the access modes of a volume or claim.
func accessModes(modes []corev1.PersistentVolumeAccessMode, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	rwop, other := false, false
	for _, m := range modes {
		if !oneOf(m, supportedAccessModes...) {
			errs = append(errs, field.NotSupported(p, m, supportedAccessModes))
		}
		if m == corev1.ReadWriteOncePod {
			rwop = true
		} else if oneOf(m, supportedAccessModes...) {
			other = true
		}
	}
	if rwop && other {
		errs = append(errs, field.Forbidden(p, "may not use ReadWriteOncePod with other access modes"))
	}
	return errs
}

// PersistentVolume checks a persistent volume: cluster-scoped metadata, at
// least one access mode, a positive storage capacity and nothing else,
// exactly one volume source, and valid reclaim policy, class, volume mode
// and node affinity (required for local volumes).
func PersistentVolume(pv *corev1.PersistentVolume) field.ErrorList {
	if pv == nil {
		pv = &corev1.PersistentVolume{}
	}
	errs := ObjectMeta(&pv.ObjectMeta, false, NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, persistentVolumeSpec(&pv.Spec, field.NewPath("spec"))...)
}

func persistentVolumeSpec(spec *corev1.PersistentVolumeSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(spec.AccessModes) == 0 {
		errs = append(errs, field.Required(p.Child("accessModes"), ""))
	}
	errs = append(errs, accessModes(spec.AccessModes, p.Child("accessModes"))...)
	cp := p.Child("capacity")
	if len(spec.Capacity) == 0 {
		errs = append(errs, field.Required(cp, ""))
	}
	if _, ok := spec.Capacity[corev1.ResourceStorage]; !ok || len(spec.Capacity) > 1 {
		errs = append(errs, field.NotSupported(cp, spec.Capacity, []corev1.ResourceName{corev1.ResourceStorage}))
	}
	for _, r := range sortedKeys(spec.Capacity) {
		q := spec.Capacity[r]
		if q.Value() < 0 {
			errs = append(errs, field.Invalid(cp.Key(string(r)), q.Value(), "must be a valid resource quantity"))
		}
		errs = append(errs, positiveQuantity(q, cp.Key(string(r)))...)
	}
	if spec.PersistentVolumeReclaimPolicy != "" && !oneOf(spec.PersistentVolumeReclaimPolicy, supportedReclaimPolicy...) {
		errs = append(errs, field.NotSupported(p.Child("persistentVolumeReclaimPolicy"), spec.PersistentVolumeReclaimPolicy, supportedReclaimPolicy))
	}
	affinitySet := false
	if spec.NodeAffinity != nil {
		affinitySet = true
		if spec.NodeAffinity.Required != nil {
			errs = append(errs, NodeSelector(spec.NodeAffinity.Required, p.Child("nodeAffinity").Child("required"))...)
		} else {
			errs = append(errs, field.Required(p.Child("nodeAffinity").Child("required"), "must specify required node constraints"))
		}
	}
	n := 0
	add := func(set bool, name string, validate func() field.ErrorList) {
		if !set {
			return
		}
		if n > 0 {
			errs = append(errs, field.Forbidden(p.Child(name), msgMoreThanOne))
			return
		}
		n++
		errs = append(errs, validate()...)
	}
	add(spec.HostPath != nil, "hostPath", func() field.ErrorList { return hostPathSource(spec.HostPath, p.Child("hostPath")) })
	add(spec.NFS != nil, "nfs", func() field.ErrorList { return nfsSource(spec.NFS, p.Child("nfs")) })
	add(spec.Local != nil, "local", func() field.ErrorList {
		var errs field.ErrorList
		if spec.Local.Path == "" {
			errs = append(errs, field.Required(p.Child("local").Child("path"), ""))
		} else {
			errs = append(errs, pathNoBacksteps(spec.Local.Path, p.Child("local").Child("path"))...)
		}
		if !affinitySet {
			errs = append(errs, field.Required(p.Child("nodeAffinity"), "Local volume requires node affinity"))
		}
		return errs
	})
	add(spec.CSI != nil, "csi", func() field.ErrorList { return csiPersistentVolumeSource(spec.CSI, p.Child("csi")) })
	if n == 0 {
		errs = append(errs, field.Required(p, "must specify a volume type"))
	}
	if spec.HostPath != nil && path.Clean(spec.HostPath.Path) == "/" && spec.PersistentVolumeReclaimPolicy == corev1.PersistentVolumeReclaimRecycle {
		errs = append(errs, field.Forbidden(p.Child("persistentVolumeReclaimPolicy"), "may not be 'recycle' for a hostPath mount of '/'"))
	}
	if spec.StorageClassName != "" {
		errs = append(errs, nameErrors(NameIsDNSSubdomain(spec.StorageClassName, false), spec.StorageClassName, p.Child("storageClassName"))...)
	}
	if spec.VolumeMode != nil && !oneOf(*spec.VolumeMode, supportedVolumeModes...) {
		errs = append(errs, field.NotSupported(p.Child("volumeMode"), *spec.VolumeMode, supportedVolumeModes))
	}
	if vac := spec.VolumeAttributesClassName; vac != nil {
		if *vac == "" {
			errs = append(errs, field.Required(p.Child("volumeAttributesClassName"), "an empty string is disallowed"))
		} else {
			errs = append(errs, nameErrors(NameIsDNSSubdomain(*vac, false), *vac, p.Child("volumeAttributesClassName"))...)
		}
		if spec.CSI == nil {
			errs = append(errs, field.Required(p.Child("csi"), "has to be specified when using volumeAttributesClassName"))
		}
	}
	return errs
}

func csiPersistentVolumeSource(csi *corev1.CSIPersistentVolumeSource, p *field.Path) field.ErrorList {
	errs := CSIDriverName(csi.Driver, p.Child("driver"))
	if csi.VolumeHandle == "" {
		errs = append(errs, field.Required(p.Child("volumeHandle"), ""))
	}
	for _, ref := range []struct {
		name string
		ref  *corev1.SecretReference
	}{
		{"controllerPublishSecretRef", csi.ControllerPublishSecretRef},
		{"controllerExpandSecretRef", csi.ControllerExpandSecretRef},
		{"nodePublishSecretRef", csi.NodePublishSecretRef},
		{"nodeExpandSecretRef", csi.NodeExpandSecretRef},
		{"nodeStageSecretRef", csi.NodeStageSecretRef},
	} {
		if ref.ref == nil {
			continue
		}
		rp := p.Child(ref.name)
		if ref.ref.Name == "" {
			errs = append(errs, field.Required(rp.Child("name"), ""))
		} else {
			errs = append(errs, dns1123Subdomain(ref.ref.Name, rp.Child("name"))...)
		}
		if ref.ref.Namespace == "" {
			errs = append(errs, field.Required(rp.Child("namespace"), ""))
		} else {
			errs = append(errs, dns1123Label(ref.ref.Namespace, rp.Child("namespace"))...)
		}
	}
	return errs
}

// PersistentVolumeUpdate checks an update of a persistent volume: the new
// volume must be valid, its metadata may change only as ObjectMetaUpdate
// allows, its source and volume mode are immutable, its node affinity is
// immutable once set, and a volume attributes class cannot be removed.
func PersistentVolumeUpdate(newPV, oldPV *corev1.PersistentVolume) field.ErrorList {
	if newPV == nil {
		newPV = &corev1.PersistentVolume{}
	}
	if oldPV == nil {
		oldPV = &corev1.PersistentVolume{}
	}
	errs := ObjectMetaUpdate(&newPV.ObjectMeta, &oldPV.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, PersistentVolume(newPV)...)
	newSrc := newPV.Spec.PersistentVolumeSource
	if oldPV.Spec.CSI != nil && oldPV.Spec.CSI.ControllerExpandSecretRef == nil && newSrc.CSI != nil && newSrc.CSI.ControllerExpandSecretRef != nil {
		// An expansion secret may be added to an existing CSI volume.
		csi := *newSrc.CSI
		csi.ControllerExpandSecretRef = nil
		newSrc.CSI = &csi
	}
	if !semanticEqual(newSrc, oldPV.Spec.PersistentVolumeSource) {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "persistentvolumesource"),
			"spec.persistentvolumesource is immutable after creation\n"+jsonDiff(oldPV.Spec.PersistentVolumeSource, newSrc, "spec")))
	}
	// Kubernetes reports these two at the root.
	errs = append(errs, immutable(newPV.Spec.VolumeMode, oldPV.Spec.VolumeMode, field.NewPath("volumeMode"))...)
	if oldPV.Spec.NodeAffinity != nil && !semanticEqual(newPV.Spec.NodeAffinity, oldPV.Spec.NodeAffinity) {
		errs = append(errs, field.Invalid(field.NewPath("nodeAffinity"), newPV.Spec.NodeAffinity, msgImmutable+", except for updating from beta label to GA"))
	}
	if oldPV.Spec.VolumeAttributesClassName != nil && newPV.Spec.VolumeAttributesClassName == nil {
		errs = append(errs, field.Forbidden(field.NewPath("spec", "volumeAttributesClassName"), "update from non-nil value to nil is forbidden"))
	}
	return dedupe(errs)
}

// PersistentVolumeClaim checks a claim: namespaced metadata and its spec.
func PersistentVolumeClaim(pvc *corev1.PersistentVolumeClaim) field.ErrorList {
	if pvc == nil {
		pvc = &corev1.PersistentVolumeClaim{}
	}
	errs := ObjectMeta(&pvc.ObjectMeta, true, NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, PersistentVolumeClaimSpec(&pvc.Spec, field.NewPath("spec"))...)
}

// PersistentVolumeClaimSpec checks what a claim (or an ephemeral volume's
// claim template) asks for: at least one valid access mode, a positive
// storage request, and valid selector, class, volume mode and data
// sources.
func PersistentVolumeClaimSpec(spec *corev1.PersistentVolumeClaimSpec, p *field.Path) field.ErrorList {
	if spec == nil {
		spec = &corev1.PersistentVolumeClaimSpec{}
	}
	var errs field.ErrorList
	if len(spec.AccessModes) == 0 {
		errs = append(errs, field.Required(p.Child("accessModes"), "at least 1 access mode is required"))
	}
	errs = append(errs, LabelSelector(spec.Selector, p.Child("selector"))...)
	errs = append(errs, accessModes(spec.AccessModes, p.Child("accessModes"))...)
	sp := p.Child("resources").Key(string(corev1.ResourceStorage))
	if q, ok := spec.Resources.Requests[corev1.ResourceStorage]; !ok {
		errs = append(errs, field.Required(sp, ""))
	} else if e := positiveQuantity(q, sp); len(e) > 0 {
		errs = append(errs, e...)
	} else {
		errs = append(errs, resourceQuantityValue(corev1.ResourceStorage, q, sp)...)
	}
	if c := spec.StorageClassName; c != nil && *c != "" {
		errs = append(errs, nameErrors(NameIsDNSSubdomain(*c, false), *c, p.Child("storageClassName"))...)
	}
	if spec.VolumeMode != nil && !oneOf(*spec.VolumeMode, supportedVolumeModes...) {
		errs = append(errs, field.NotSupported(p.Child("volumeMode"), *spec.VolumeMode, supportedVolumeModes))
	}
	if ds := spec.DataSource; ds != nil {
		errs = append(errs, dataSource(ds.Name, ds.Kind, ds.APIGroup, p.Child("dataSource"))...)
	}
	if ref := spec.DataSourceRef; ref != nil {
		dp := p.Child("dataSourceRef")
		errs = append(errs, dataSource(ref.Name, ref.Kind, ref.APIGroup, dp)...)
		if ref.Namespace != nil && *ref.Namespace != "" {
			errs = append(errs, nameErrors(NameIsDNSLabel(*ref.Namespace, false), *ref.Namespace, dp.Child("namespace"))...)
		}
	}
	if ref := spec.DataSourceRef; ref != nil && ref.Namespace != nil && *ref.Namespace != "" {
		if spec.DataSource != nil {
			// The bad value is a path, as in Kubernetes; a copy, so that p
			// stays on the caller's stack.
			errs = append(errs, field.Invalid(p, p.Child("dataSource").Copy(), "may not be specified when dataSourceRef.namespace is specified"))
		}
	} else if ds := spec.DataSource; ds != nil && ref != nil {
		if !semanticEqual(ds.APIGroup, ref.APIGroup) || ds.Kind != ref.Kind || ds.Name != ref.Name {
			errs = append(errs, field.Invalid(p, p.Child("dataSource").Copy(), "must match dataSourceRef"))
		}
	}
	if vac := spec.VolumeAttributesClassName; vac != nil && *vac != "" {
		errs = append(errs, nameErrors(NameIsDNSSubdomain(*vac, false), *vac, p.Child("volumeAttributesClassName"))...)
	}
	return errs
}

func dataSource(name, kind string, apiGroup *string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	}
	if kind == "" {
		errs = append(errs, field.Required(p.Child("kind"), ""))
	}
	group := ""
	if apiGroup != nil {
		group = *apiGroup
	}
	if group == "" && kind != "PersistentVolumeClaim" {
		errs = append(errs, field.Invalid(p, kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"))
	}
	if group != "" {
		errs = append(errs, dns1123Subdomain(group, p.Child("apiGroup"))...)
	}
	return errs
}

// PersistentVolumeClaimUpdate checks an update of a claim: the new claim
// must be valid, its metadata may change only as ObjectMetaUpdate allows,
// its spec is immutable except for binding to a volume (once), the
// storage request of a bound claim (which may not shrink) and the volume
// attributes class (which may not be removed).
func PersistentVolumeClaimUpdate(newPVC, oldPVC *corev1.PersistentVolumeClaim) field.ErrorList {
	if newPVC == nil {
		newPVC = &corev1.PersistentVolumeClaim{}
	}
	if oldPVC == nil {
		oldPVC = &corev1.PersistentVolumeClaim{}
	}
	errs := ObjectMetaUpdate(&newPVC.ObjectMeta, &oldPVC.ObjectMeta, field.NewPath("metadata"))
	errs = append(errs, PersistentVolumeClaim(newPVC)...)
	newSpec := *newPVC.Spec.DeepCopy()
	oldSpec := *oldPVC.Spec.DeepCopy()
	if oldSpec.VolumeName == "" {
		oldSpec.VolumeName = newSpec.VolumeName
	}
	if newSpec.StorageClassName != nil && oldSpec.StorageClassName == nil {
		// A class may be set on a claim that had none.
		oldSpec.StorageClassName = newSpec.StorageClassName
	}
	if newPVC.Status.Phase == corev1.ClaimBound && newSpec.Resources.Requests != nil {
		if q, ok := oldPVC.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
			newSpec.Resources.Requests[corev1.ResourceStorage] = q
		} else {
			delete(newSpec.Resources.Requests, corev1.ResourceStorage)
		}
	}
	newSpec.VolumeAttributesClassName = oldSpec.VolumeAttributesClassName
	if !semanticEqual(newSpec, oldSpec) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"),
			"spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n"+jsonDiff(oldSpec, newSpec, "spec")))
	}
	oldSize := oldPVC.Spec.Resources.Requests[corev1.ResourceStorage]
	newSize := newPVC.Spec.Resources.Requests[corev1.ResourceStorage]
	if newSize.Cmp(oldSize) < 0 {
		statusSize := oldPVC.Status.Capacity[corev1.ResourceStorage]
		if newSize.Cmp(statusSize) <= 0 {
			errs = append(errs, field.Forbidden(field.NewPath("spec", "resources", "requests", "storage"), "field can not be less than status.capacity"))
		}
	}
	errs = append(errs, immutable(newPVC.Spec.VolumeMode, oldPVC.Spec.VolumeMode, field.NewPath("volumeMode"))...)
	if o, n := oldPVC.Spec.VolumeAttributesClassName, newPVC.Spec.VolumeAttributesClassName; o != nil {
		if n == nil {
			errs = append(errs, field.Forbidden(field.NewPath("spec", "volumeAttributesClassName"), "update from non-nil value to nil is forbidden"))
		} else if *n == "" {
			errs = append(errs, field.Forbidden(field.NewPath("spec", "volumeAttributesClassName"), "update from non-nil value to an empty string is forbidden"))
		}
	}
	return dedupe(errs)
}

// StorageClass checks a storage class: cluster-scoped metadata, a
// provisioner that is a qualified name, parameters of at most 512 entries
// and 256 KiB, reclaim policy Delete or Retain, a binding mode, and
// allowed topologies without duplicates.
func StorageClass(sc *storagev1.StorageClass) field.ErrorList {
	if sc == nil {
		sc = &storagev1.StorageClass{}
	}
	errs := ObjectMeta(&sc.ObjectMeta, false, NameIsDNSSubdomain, field.NewPath("metadata"))
	pp := field.NewPath("provisioner")
	if sc.Provisioner == "" {
		errs = append(errs, field.Required(pp, ""))
	} else {
		errs = append(errs, qualifiedName(strings.ToLower(sc.Provisioner), pp)...)
	}
	errs = append(errs, provisionerParameters(sc.Parameters, field.NewPath("parameters"))...)
	if sc.ReclaimPolicy != nil && *sc.ReclaimPolicy != "" && !oneOf(string(*sc.ReclaimPolicy), supportedClassReclaim...) {
		errs = append(errs, field.NotSupported(field.NewPath("reclaimPolicy"), sc.ReclaimPolicy, supportedClassReclaim))
	}
	bp := field.NewPath("volumeBindingMode")
	if sc.VolumeBindingMode == nil {
		errs = append(errs, field.Required(bp, ""))
	} else if !oneOf(string(*sc.VolumeBindingMode), supportedBindingModes...) {
		errs = append(errs, field.NotSupported(bp, sc.VolumeBindingMode, supportedBindingModes))
	}
	var terms []map[string]map[string]bool
	tp := field.NewPath("allowedTopologies")
	for i, term := range sc.AllowedTopologies {
		exprs, terrs := topologySelectorTerm(term, tp.Index(i))
		errs = append(errs, terrs...)
		for _, t := range terms {
			if semanticEqual(exprs, t) {
				errs = append(errs, field.Duplicate(tp.Index(i).Child("matchLabelExpressions"), ""))
			}
		}
		terms = append(terms, exprs)
	}
	return errs
}

func provisionerParameters(params map[string]string, p *field.Path) field.ErrorList {
	if len(params) > maxProvisionerParams {
		return field.ErrorList{field.TooLong(p, "", maxProvisionerParams)}
	}
	var errs field.ErrorList
	size := 0
	for _, k := range sortedKeys(params) {
		if k == "" {
			errs = append(errs, field.Invalid(p, k, "field can not be empty."))
		}
		size += len(k) + len(params[k])
	}
	if size > maxProvisionerParamSize {
		errs = append(errs, field.TooLong(p, "", maxProvisionerParamSize))
	}
	return errs
}

// StorageClassUpdate checks an update of a storage class: the new class
// must be valid, and its parameters, provisioner, reclaim policy and
// binding mode are immutable.
func StorageClassUpdate(newSC, oldSC *storagev1.StorageClass) field.ErrorList {
	if newSC == nil {
		newSC = &storagev1.StorageClass{}
	}
	if oldSC == nil {
		oldSC = &storagev1.StorageClass{}
	}
	errs := StorageClass(newSC)
	errs = append(errs, ObjectMetaUpdate(&newSC.ObjectMeta, &oldSC.ObjectMeta, field.NewPath("metadata"))...)
	if !semanticEqual(newSC.Parameters, oldSC.Parameters) {
		errs = append(errs, field.Forbidden(field.NewPath("parameters"), "updates to parameters are forbidden."))
	}
	if newSC.Provisioner != oldSC.Provisioner {
		errs = append(errs, field.Forbidden(field.NewPath("provisioner"), "updates to provisioner are forbidden."))
	}
	if !semanticEqual(newSC.ReclaimPolicy, oldSC.ReclaimPolicy) {
		errs = append(errs, field.Forbidden(field.NewPath("reclaimPolicy"), "updates to reclaimPolicy are forbidden."))
	}
	errs = append(errs, immutable(newSC.VolumeBindingMode, oldSC.VolumeBindingMode, field.NewPath("volumeBindingMode"))...)
	return dedupe(errs)
}
