package validation

import (
	"fmt"
	"path"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// supportedHostPathTypes lists the host path types, sorted as Kubernetes
// lists them.
var supportedHostPathTypes = []corev1.HostPathType{
	corev1.HostPathUnset, corev1.HostPathBlockDev, corev1.HostPathCharDev, corev1.HostPathDirectory,
	corev1.HostPathDirectoryOrCreate, corev1.HostPathFile, corev1.HostPathFileOrCreate, corev1.HostPathSocket,
}

// volumes checks a pod's volumes: names unique DNS labels, exactly one
// source each, and each source valid. It returns the volumes that passed,
// by name and pointing into vols, for the containers' mounts to refer to.
// podMeta is the pod's metadata when the spec is a real pod's (it names
// the claims of ephemeral volumes), nil for a template.
func volumes(vols []corev1.Volume, podMeta *metav1.ObjectMeta, p *field.Path) (map[string]*corev1.VolumeSource, field.ErrorList) {
	var errs field.ErrorList
	var createdPVCs map[string]bool // made only when the pod has ephemeral volumes
	if podMeta != nil && podMeta.Name != "" {
		for i := range vols {
			if v := &vols[i]; v.Ephemeral != nil {
				if createdPVCs == nil {
					createdPVCs = map[string]bool{}
				}
				createdPVCs[podMeta.Name+"-"+v.Name] = true
			}
		}
	}
	// valid also serves as the set of names seen: a name is recorded
	// exactly when its volume is valid.
	valid := make(map[string]*corev1.VolumeSource, len(vols))
	for i := range vols {
		v := &vols[i]
		vp := p.Index(i)
		np := vp.Child("name")
		el := volumeSource(&v.VolumeSource, vp, v.Name, podMeta)
		if v.Name == "" {
			el = append(el, field.Required(np, ""))
		} else {
			el = append(el, dns1123Label(v.Name, np)...)
		}
		if _, seen := valid[v.Name]; seen {
			el = append(el, field.Duplicate(np, v.Name))
		}
		if len(el) == 0 {
			valid[v.Name] = &v.VolumeSource
		} else {
			errs = append(errs, el...)
		}
		if v.PersistentVolumeClaim != nil && createdPVCs[v.PersistentVolumeClaim.ClaimName] {
			errs = append(errs, field.Invalid(vp.Child("persistentVolumeClaim").Child("claimName"), v.PersistentVolumeClaim.ClaimName,
				"must not reference a PVC that gets created for an ephemeral volume"))
		}
	}
	return valid, errs
}

// volumeSource checks that exactly one source is set, and that one.
func volumeSource(src *corev1.VolumeSource, p *field.Path, volName string, podMeta *metav1.ObjectMeta) field.ErrorList {
	var errs field.ErrorList
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
	if src.EmptyDir != nil {
		n++
		if src.EmptyDir.SizeLimit != nil && src.EmptyDir.SizeLimit.Sign() < 0 {
			errs = append(errs, field.Forbidden(p.Child("emptyDir").Child("sizeLimit"), "SizeLimit field must be a valid resource quantity"))
		}
	}
	add(src.HostPath != nil, "hostPath", func() field.ErrorList { return hostPathSource(src.HostPath, p.Child("hostPath")) })
	add(src.Secret != nil, "secret", func() field.ErrorList { return secretVolumeSource(src.Secret, p.Child("secret")) })
	add(src.NFS != nil, "nfs", func() field.ErrorList { return nfsSource(src.NFS, p.Child("nfs")) })
	add(src.PersistentVolumeClaim != nil, "persistentVolumeClaim", func() field.ErrorList {
		if src.PersistentVolumeClaim.ClaimName == "" {
			return field.ErrorList{field.Required(p.Child("persistentVolumeClaim").Child("claimName"), "")}
		}
		return nil
	})
	// Kubernetes misspells this path ("downwarAPI") in the error.
	add(src.DownwardAPI != nil, "downwarAPI", func() field.ErrorList {
		return downwardAPIVolumeSource(src.DownwardAPI, p.Child("downwardAPI"))
	})
	add(src.ConfigMap != nil, "configMap", func() field.ErrorList { return configMapVolumeSource(src.ConfigMap, p.Child("configMap")) })
	add(src.Projected != nil, "projected", func() field.ErrorList { return projectedSource(src.Projected, p.Child("projected")) })
	add(src.CSI != nil, "csi", func() field.ErrorList { return csiVolumeSource(src.CSI, p.Child("csi")) })
	add(src.Ephemeral != nil, "ephemeral", func() field.ErrorList {
		errs := ephemeralSource(src.Ephemeral, p.Child("ephemeral"))
		if podMeta != nil && podMeta.Name != "" && volName != "" {
			pvcName := podMeta.Name + "-" + volName
			for _, msg := range NameIsDNSSubdomain(pvcName, false) {
				errs = append(errs, field.Invalid(p.Child("name"), volName, fmt.Sprintf("PVC name %q: %v", pvcName, msg)))
			}
		}
		return errs
	})
	if n == 0 {
		errs = append(errs, field.Required(p, "must specify a volume type"))
	}
	return errs
}

func hostPathSource(hp *corev1.HostPathVolumeSource, p *field.Path) field.ErrorList {
	if hp.Path == "" {
		return field.ErrorList{field.Required(p.Child("path"), "")}
	}
	errs := pathNoBacksteps(hp.Path, p.Child("path"))
	if hp.Type != nil && !oneOf(*hp.Type, supportedHostPathTypes...) {
		errs = append(errs, field.NotSupported(p.Child("type"), hp.Type, supportedHostPathTypes))
	}
	return errs
}

func fileMode(mode *int32, p *field.Path) field.ErrorList {
	if mode != nil && (*mode > 0o777 || *mode < 0) {
		return field.ErrorList{field.Invalid(p, *mode, msgFileMode)}
	}
	return nil
}

func secretVolumeSource(s *corev1.SecretVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.SecretName == "" {
		errs = append(errs, field.Required(p.Child("secretName"), ""))
	}
	errs = append(errs, fileMode(s.DefaultMode, p.Child("defaultMode"))...)
	for i := range s.Items {
		errs = append(errs, keyToPath(&s.Items[i], p.Child("items").Index(i))...)
	}
	return errs
}

func configMapVolumeSource(s *corev1.ConfigMapVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	}
	errs = append(errs, fileMode(s.DefaultMode, p.Child("defaultMode"))...)
	for i := range s.Items {
		errs = append(errs, keyToPath(&s.Items[i], p.Child("items").Index(i))...)
	}
	return errs
}

func keyToPath(kp *corev1.KeyToPath, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if kp.Key == "" {
		errs = append(errs, field.Required(p.Child("key"), ""))
	}
	if kp.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	}
	errs = append(errs, localNonReservedPath(kp.Path, p.Child("path"))...)
	return append(errs, fileMode(kp.Mode, p.Child("mode"))...)
}

func nfsSource(nfs *corev1.NFSVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if nfs.Server == "" {
		errs = append(errs, field.Required(p.Child("server"), ""))
	}
	if nfs.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	}
	if !path.IsAbs(nfs.Path) {
		errs = append(errs, field.Invalid(p.Child("path"), nfs.Path, "must be an absolute path"))
	}
	return errs
}

func downwardAPIVolumeSource(d *corev1.DownwardAPIVolumeSource, p *field.Path) field.ErrorList {
	errs := fileMode(d.DefaultMode, p.Child("defaultMode"))
	for i := range d.Items {
		// Kubernetes reports the items under the volume's path, unindexed.
		errs = append(errs, downwardAPIVolumeFile(&d.Items[i], p)...)
	}
	return errs
}

func downwardAPIVolumeFile(f *corev1.DownwardAPIVolumeFile, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if f.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	}
	errs = append(errs, localNonReservedPath(f.Path, p.Child("path"))...)
	switch {
	case f.FieldRef != nil:
		errs = append(errs, objectFieldSelector(f.FieldRef, volumeFieldPaths, p.Child("fieldRef"))...)
		if f.ResourceFieldRef != nil {
			errs = append(errs, field.Invalid(p, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
		}
	case f.ResourceFieldRef != nil:
		errs = append(errs, resourceFieldSelector(f.ResourceFieldRef, true, p.Child("resourceFieldRef"))...)
	default:
		errs = append(errs, field.Required(p, "one of fieldRef and resourceFieldRef is required"))
	}
	return append(errs, fileMode(f.Mode, p.Child("mode"))...)
}

func projectedSource(proj *corev1.ProjectedVolumeSource, p *field.Path) field.ErrorList {
	errs := fileMode(proj.DefaultMode, p.Child("defaultMode"))
	paths := map[string]bool{}
	addPath := func(file string, bad any) {
		if paths[file] {
			errs = append(errs, field.Invalid(p, bad, "conflicting duplicate paths"))
		}
		paths[file] = true
	}
	for i, src := range proj.Sources {
		n := 0
		sp := p.Child("sources").Index(i)
		if src.Secret != nil {
			n++
			pp := sp.Child("secret")
			if src.Secret.Name == "" {
				errs = append(errs, field.Required(pp.Child("name"), ""))
			}
			for j := range src.Secret.Items {
				kp := &src.Secret.Items[j]
				errs = append(errs, keyToPath(kp, pp.Child("items").Index(j))...)
				if kp.Path != "" {
					addPath(kp.Path, src.Secret.Name)
				}
			}
		}
		if src.ConfigMap != nil {
			n++
			pp := sp.Child("configMap")
			if src.ConfigMap.Name == "" {
				errs = append(errs, field.Required(pp.Child("name"), ""))
			}
			for j := range src.ConfigMap.Items {
				kp := &src.ConfigMap.Items[j]
				errs = append(errs, keyToPath(kp, pp.Child("items").Index(j))...)
				if kp.Path != "" {
					addPath(kp.Path, src.ConfigMap.Name)
				}
			}
		}
		if src.DownwardAPI != nil {
			n++
			for j := range src.DownwardAPI.Items {
				f := &src.DownwardAPI.Items[j]
				errs = append(errs, downwardAPIVolumeFile(f, sp.Child("downwardAPI"))...)
				if f.Path != "" {
					addPath(f.Path, f.Path)
				}
			}
		}
		if t := src.ServiceAccountToken; t != nil {
			n++
			pp := sp.Child("serviceAccountToken")
			if t.ExpirationSeconds != nil {
				if *t.ExpirationSeconds < 10*60 {
					errs = append(errs, field.Invalid(pp.Child("expirationSeconds"), *t.ExpirationSeconds, "may not specify a duration less than 10 minutes"))
				}
				if *t.ExpirationSeconds > 1<<32 {
					errs = append(errs, field.Invalid(pp.Child("expirationSeconds"), *t.ExpirationSeconds, "may not specify a duration larger than 2^32 seconds"))
				}
			}
			// Kubernetes reports the token path under the volume's path.
			if t.Path == "" {
				errs = append(errs, field.Required(p.Child("path"), ""))
			} else {
				errs = append(errs, localNonReservedPath(t.Path, p.Child("path"))...)
			}
		}
		if n > 1 {
			errs = append(errs, field.Forbidden(sp, msgMoreThanOne))
		}
	}
	return errs
}

// CSIDriverName checks the name of a CSI driver: at most 63 characters,
// a DNS subdomain in lower case.
func CSIDriverName(name string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(p, ""))
	}
	if len(name) > 63 {
		errs = append(errs, field.TooLong(p, name, 63))
	}
	return append(errs, nameErrors(isDNS1123Subdomain(strings.ToLower(name)), name, p)...)
}

func csiVolumeSource(csi *corev1.CSIVolumeSource, p *field.Path) field.ErrorList {
	errs := CSIDriverName(csi.Driver, p.Child("driver"))
	if ref := csi.NodePublishSecretRef; ref != nil {
		if ref.Name == "" {
			errs = append(errs, field.Required(p.Child("nodePublishSecretRef", "name"), ""))
		} else {
			// Kubernetes reports this one at csi.name.
			errs = append(errs, nameErrors(NameIsDNSSubdomain(ref.Name, false), ref.Name, p.Child("name"))...)
		}
	}
	return errs
}

func ephemeralSource(e *corev1.EphemeralVolumeSource, p *field.Path) field.ErrorList {
	if e.VolumeClaimTemplate == nil {
		return field.ErrorList{field.Required(p.Child("volumeClaimTemplate"), "")}
	}
	tp := p.Child("volumeClaimTemplate")
	errs := templateObjectMeta(&e.VolumeClaimTemplate.ObjectMeta, tp.Child("metadata"))
	return append(errs, PersistentVolumeClaimSpec(&e.VolumeClaimTemplate.Spec, tp.Child("spec"))...)
}

// templateObjectMeta checks the metadata of an embedded claim template:
// labels and annotations, and nothing else set.
func templateObjectMeta(m *metav1.ObjectMeta, p *field.Path) field.ErrorList {
	errs := Annotations(m.Annotations, p.Child("annotations"))
	errs = append(errs, Labels(m.Labels, p.Child("labels"))...)
	const msg = "cannot be set"
	set := []struct {
		name  string
		isSet bool
	}{
		{"name", m.Name != ""},
		{"generateName", m.GenerateName != ""},
		{"namespace", m.Namespace != ""},
		{"uID", m.UID != ""}, // Kubernetes lower-cases only the first letter of UID
		{"resourceVersion", m.ResourceVersion != ""},
		{"generation", m.Generation != 0},
		{"creationTimestamp", !m.CreationTimestamp.IsZero()},
		{"deletionTimestamp", m.DeletionTimestamp != nil},
		{"deletionGracePeriodSeconds", m.DeletionGracePeriodSeconds != nil},
		{"ownerReferences", m.OwnerReferences != nil},
		{"finalizers", m.Finalizers != nil},
	}
	for _, f := range set {
		if f.isSet {
			errs = append(errs, field.Forbidden(p.Child(f.name), msg))
		}
	}
	return errs
}
