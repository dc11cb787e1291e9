package validation_test

import (
	"strings"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/field"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/api/resource"
	"github.com/rigging-dev/rigging/api/validation"
)

func TestNamespace(t *testing.T) {
	valid := func() *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes"}}}
	}
	runMutations(t, valid, validation.Namespace, []mutation[corev1.Namespace]{
		{"namespace set", func(n *corev1.Namespace) { n.Namespace = "default" },
			[]string{"metadata.namespace: Forbidden: not allowed on this type"}},
		{"name too long", func(n *corev1.Namespace) { n.Name = strings.Repeat("n", 64) },
			[]string{`metadata.name: Invalid value: "` + strings.Repeat("n", 64) + `": must be no more than 63 characters`}},
		{"finalizer", func(n *corev1.Namespace) { n.Spec.Finalizers = []corev1.FinalizerName{"cleanup"} },
			[]string{`spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified`}},
	})
}

func TestNode(t *testing.T) {
	valid := func() *corev1.Node {
		return &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: "worker-1", ResourceVersion: "1"},
			Spec: corev1.NodeSpec{
				PodCIDR:  "10.244.1.0/24",
				PodCIDRs: []string{"10.244.1.0/24", "fd00:10:244:1::/64"},
				Taints:   []corev1.Taint{{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule}},
			},
			Status: corev1.NodeStatus{Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourcePods: resource.MustParse("110")}},
		}
	}
	runMutations(t, valid, validation.Node, []mutation[corev1.Node]{
		{"taint effect required", func(n *corev1.Node) { n.Spec.Taints[0].Effect = "" },
			[]string{"metadata.taints[0].effect: Required value"}},
		{"taint effect unknown", func(n *corev1.Node) { n.Spec.Taints[0].Effect = "NoRun" },
			[]string{`metadata.taints[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`}},
		{"taint key", func(n *corev1.Node) { n.Spec.Taints[0].Key = "" },
			[]string{`metadata.taints[0].key: Invalid value: "": name part must be non-empty`, `metadata.taints[0].key: Invalid value: "": name part ` + msgQName}},
		{"taint value", func(n *corev1.Node) { n.Spec.Taints[0].Value = "a b" },
			[]string{`metadata.taints[0].value: Invalid value: "a b": ` + msgValue}},
		{"duplicate taint", func(n *corev1.Node) { n.Spec.Taints = append(n.Spec.Taints, n.Spec.Taints[0]) },
			[]string{`metadata.taints[1]: Duplicate value: {"key":"dedicated","value":"db","effect":"NoSchedule"}: taints must be unique by key and effect pair`}},
		{"pod CIDR", func(n *corev1.Node) { n.Spec.PodCIDRs = []string{"10.244.1.0"} },
			[]string{`spec.podCIDRs[0]: Invalid value: "10.244.1.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)`}},
		{"two IPv4 pod CIDRs", func(n *corev1.Node) { n.Spec.PodCIDRs = []string{"10.244.1.0/24", "10.244.2.0/24"} },
			[]string{`spec.podCIDRs: Invalid value: ["10.244.1.0/24","10.244.2.0/24"]: may specify no more than one CIDR for each IP family`}},
		{"fractional pods", func(n *corev1.Node) { n.Status.Capacity[corev1.ResourcePods] = resource.MustParse("1.5") },
			[]string{`status.capacity.pods: Invalid value: "1500m": must be an integer`}},
	})
	validate := func(n *corev1.Node) field.ErrorList { return validation.NodeUpdate(n, valid()) }
	runMutations(t, valid, validate, []mutation[corev1.Node]{
		{"unschedulable may change", func(n *corev1.Node) { n.Spec.Unschedulable = true }, nil},
		{"pod CIDRs are fixed", func(n *corev1.Node) { n.Spec.PodCIDRs = n.Spec.PodCIDRs[:1] },
			[]string{`spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid`}},
		{"duplicate address", func(n *corev1.Node) {
			a := corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "10.0.0.1"}
			n.Status.Addresses = []corev1.NodeAddress{a, a}
		}, []string{`status.addresses[1]: Duplicate value: {"type":"InternalIP","address":"10.0.0.1"}`}},
	})
}

func TestConfigMapAndSecret(t *testing.T) {
	validCM := func() *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: "shop", ResourceVersion: "1"},
			Data: map[string]string{"app.yaml": "x"}, BinaryData: map[string][]byte{"logo.png": {1}}}
	}
	runMutations(t, validCM, validation.ConfigMap, []mutation[corev1.ConfigMap]{
		{"key", func(c *corev1.ConfigMap) { c.Data["conf/app.yaml"] = "" },
			[]string{`data[conf/app.yaml]: Invalid value: "conf/app.yaml": ` + msgCMKey}},
		{"dot-dot key", func(c *corev1.ConfigMap) { c.BinaryData[".."] = nil },
			[]string{`binaryData[..]: Invalid value: "..": must not be '..'`}},
		{"key in both maps", func(c *corev1.ConfigMap) { c.BinaryData["app.yaml"] = []byte("x") },
			[]string{`data[app.yaml]: Invalid value: "app.yaml": duplicate of key present in binaryData`}},
		{"too large", func(c *corev1.ConfigMap) { c.Data["big"] = strings.Repeat("x", 1024*1024) },
			[]string{": Too long: may not be more than 1048576 bytes"}},
	})
	immutable := func() *corev1.ConfigMap { c := validCM(); c.Immutable = ptr(true); return c }
	validate := func(c *corev1.ConfigMap) field.ErrorList { return validation.ConfigMapUpdate(c, immutable()) }
	runMutations(t, immutable, validate, []mutation[corev1.ConfigMap]{
		{"data of an immutable map", func(c *corev1.ConfigMap) { c.Data["app.yaml"] = "y" },
			[]string{"data: Forbidden: field is immutable when `immutable` is set"}},
		{"unset immutable", func(c *corev1.ConfigMap) { c.Immutable = nil },
			[]string{"immutable: Forbidden: field is immutable when `immutable` is set"}},
	})

	validSecret := func() *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tls", Namespace: "shop", ResourceVersion: "1"}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{corev1.TLSCertKey: []byte("cert"), corev1.TLSPrivateKeyKey: []byte("key")}}
	}
	runMutations(t, validSecret, validation.Secret, []mutation[corev1.Secret]{
		{"tls keys", func(s *corev1.Secret) { delete(s.Data, corev1.TLSPrivateKeyKey) },
			[]string{"data[tls.key]: Required value"}},
		{"dockerconfigjson", func(s *corev1.Secret) {
			s.Type, s.Data = corev1.SecretTypeDockerConfigJson, map[string][]byte{corev1.DockerConfigJsonKey: []byte("{")}
		}, []string{`data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": unexpected end of JSON input`}},
		{"dockerconfigjson missing", func(s *corev1.Secret) { s.Type, s.Data = corev1.SecretTypeDockerConfigJson, nil },
			[]string{"data[.dockerconfigjson]: Required value"}},
		{"basic auth", func(s *corev1.Secret) { s.Type = corev1.SecretTypeBasicAuth },
			[]string{"data[username]: Required value", "data[password]: Required value"}},
		{"service account token", func(s *corev1.Secret) { s.Type = corev1.SecretTypeServiceAccountToken },
			[]string{"metadata.annotations[kubernetes.io/service-account.name]: Required value"}},
		{"too large", func(s *corev1.Secret) { s.Data["big"] = make([]byte, 1024*1024) },
			[]string{"data: Too long: may not be more than 1048576 bytes"}},
	})
	validate2 := func(s *corev1.Secret) field.ErrorList { return validation.SecretUpdate(s, validSecret()) }
	runMutations(t, validSecret, validate2, []mutation[corev1.Secret]{
		{"type", func(s *corev1.Secret) { s.Type = corev1.SecretTypeOpaque },
			[]string{`type: Invalid value: "Opaque": field is immutable`}},
	})

	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "Web", Namespace: "shop"}}
	checkErrors(t, []string{`metadata.name: Invalid value: "Web": ` + msgSub}, validation.ServiceAccount(sa))
}

func TestPersistentVolumes(t *testing.T) {
	validPVC := func() *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "shop", ResourceVersion: "1"},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}},
				VolumeMode:  ptr(corev1.PersistentVolumeFilesystem),
			},
		}
	}
	runMutations(t, validPVC, validation.PersistentVolumeClaim, []mutation[corev1.PersistentVolumeClaim]{
		{"access modes required", func(c *corev1.PersistentVolumeClaim) { c.Spec.AccessModes = nil },
			[]string{"spec.accessModes: Required value: at least 1 access mode is required"}},
		{"access mode unknown", func(c *corev1.PersistentVolumeClaim) {
			c.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{"ReadWriteSome"}
		},
			[]string{`spec.accessModes: Unsupported value: "ReadWriteSome": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"`}},
		{"ReadWriteOncePod with others", func(c *corev1.PersistentVolumeClaim) {
			c.Spec.AccessModes = append(c.Spec.AccessModes, corev1.ReadWriteOncePod)
		}, []string{"spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"}},
		{"storage required", func(c *corev1.PersistentVolumeClaim) { c.Spec.Resources.Requests = nil },
			[]string{"spec.resources[storage]: Required value"}},
		{"storage positive", func(c *corev1.PersistentVolumeClaim) {
			c.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("0")
		},
			[]string{`spec.resources[storage]: Invalid value: "0": must be greater than zero`}},
		{"storage class", func(c *corev1.PersistentVolumeClaim) { c.Spec.StorageClassName = ptr("Fast") },
			[]string{`spec.storageClassName: Invalid value: "Fast": ` + msgSub}},
		{"data source kind", func(c *corev1.PersistentVolumeClaim) {
			c.Spec.DataSource = &corev1.TypedLocalObjectReference{Kind: "Snapshot", Name: "s"}
		}, []string{`spec.dataSource: Invalid value: "Snapshot": must be 'PersistentVolumeClaim' when referencing the default apiGroup`}},
	})
	validate := func(c *corev1.PersistentVolumeClaim) field.ErrorList {
		return validation.PersistentVolumeClaimUpdate(c, validPVC())
	}
	runMutations(t, validPVC, validate, []mutation[corev1.PersistentVolumeClaim]{
		{"bind to a volume", func(c *corev1.PersistentVolumeClaim) { c.Spec.VolumeName = "pv-1" }, nil},
		{"grow a bound claim", func(c *corev1.PersistentVolumeClaim) {
			c.Status.Phase = corev1.ClaimBound
			c.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("20Gi")
		}, nil},
		{"access modes are immutable", func(c *corev1.PersistentVolumeClaim) {
			c.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
		}, []string{"spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n" +
			"- spec.accessModes[0]: \"ReadWriteOnce\"\n+ spec.accessModes[0]: \"ReadWriteMany\""}},
	})

	validPV := func() *corev1.PersistentVolume {
		return &corev1.PersistentVolume{
			ObjectMeta: metav1.ObjectMeta{Name: "pv-1", ResourceVersion: "1"},
			Spec: corev1.PersistentVolumeSpec{
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")},
				AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
				PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/srv/pv-1"}},
				VolumeMode:                    ptr(corev1.PersistentVolumeFilesystem),
			},
		}
	}
	runMutations(t, validPV, validation.PersistentVolume, []mutation[corev1.PersistentVolume]{
		{"capacity required", func(v *corev1.PersistentVolume) { v.Spec.Capacity = nil },
			[]string{"spec.capacity: Required value", `spec.capacity: Unsupported value: null: supported values: "storage"`}},
		{"capacity other than storage", func(v *corev1.PersistentVolume) { v.Spec.Capacity[corev1.ResourceCPU] = resource.MustParse("1") },
			[]string{`spec.capacity: Unsupported value: {"cpu":"1","storage":"10Gi"}: supported values: "storage"`}},
		{"no source", func(v *corev1.PersistentVolume) { v.Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{} },
			[]string{"spec: Required value: must specify a volume type"}},
		{"local needs node affinity", func(v *corev1.PersistentVolume) {
			v.Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: "/mnt/disk"}}
		}, []string{"spec.nodeAffinity: Required value: Local volume requires node affinity"}},
		{"reclaim policy", func(v *corev1.PersistentVolume) { v.Spec.PersistentVolumeReclaimPolicy = "Keep" },
			[]string{`spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"`}},
		{"namespaced", func(v *corev1.PersistentVolume) { v.Namespace = "shop" },
			[]string{"metadata.namespace: Forbidden: not allowed on this type"}},
	})
	validatePV := func(v *corev1.PersistentVolume) field.ErrorList {
		return validation.PersistentVolumeUpdate(v, validPV())
	}
	runMutations(t, validPV, validatePV, []mutation[corev1.PersistentVolume]{
		{"source is immutable", func(v *corev1.PersistentVolume) { v.Spec.HostPath.Path = "/srv/other" },
			[]string{"spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation\n" +
				"- spec.hostPath.path: \"/srv/pv-1\"\n+ spec.hostPath.path: \"/srv/other\""}},
	})
}

func TestEvent(t *testing.T) {
	valid := func() *corev1.Event {
		return &corev1.Event{
			ObjectMeta:          metav1.ObjectMeta{Name: "web.17c9", Namespace: "shop"},
			InvolvedObject:      corev1.ObjectReference{APIVersion: "v1", Kind: "Pod", Namespace: "shop", Name: "web"},
			Reason:              "FailedScheduling",
			Action:              "Scheduling",
			Type:                corev1.EventTypeWarning,
			EventTime:           metav1.NewMicroTime(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)),
			ReportingController: "default-scheduler",
			ReportingInstance:   "scheduler-1",
		}
	}
	runMutations(t, valid, validation.Event, []mutation[corev1.Event]{
		{"namespace mismatch", func(e *corev1.Event) { e.InvolvedObject.Namespace = "" },
			[]string{`involvedObject.namespace: Invalid value: "": does not match event.namespace`}},
		{"reporting fields", func(e *corev1.Event) { e.ReportingController, e.ReportingInstance, e.Action, e.Reason = "", "", "", "" },
			[]string{
				"reportingController: Required value",
				`reportingController: Invalid value: "": name part must be non-empty`,
				`reportingController: Invalid value: "": name part ` + msgQName,
				"reportingInstance: Required value",
				"action: Required value",
				"reason: Required value",
			}},
		{"long reason", func(e *corev1.Event) { e.Reason = strings.Repeat("r", 129) },
			[]string{`reason: Invalid value: "": can have at most 128 characters`}},
		{"old-style event", func(e *corev1.Event) {
			e.EventTime, e.ReportingController, e.ReportingInstance, e.Action = metav1.MicroTime{}, "", "", ""
		}, nil},
		{"old-style namespace mismatch", func(e *corev1.Event) {
			e.EventTime = metav1.MicroTime{}
			e.InvolvedObject.Namespace = "other"
		}, []string{`involvedObject.namespace: Invalid value: "other": does not match event.namespace`}},
	})
}

func TestResourceQuota(t *testing.T) {
	valid := func() *corev1.ResourceQuota {
		return &corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{Name: "compute", Namespace: "shop", ResourceVersion: "1"},
			Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
				corev1.ResourceRequestsCPU: resource.MustParse("10"), corev1.ResourcePods: resource.MustParse("20"), "count/deployments.apps": resource.MustParse("5"),
			}},
		}
	}
	runMutations(t, valid, validation.ResourceQuota, []mutation[corev1.ResourceQuota]{
		{"negative", func(q *corev1.ResourceQuota) { q.Spec.Hard[corev1.ResourceRequestsCPU] = resource.MustParse("-1") },
			[]string{`spec.hard[requests.cpu]: Invalid value: "-1": must be greater than or equal to 0`}},
		{"fractional count", func(q *corev1.ResourceQuota) { q.Spec.Hard[corev1.ResourcePods] = resource.MustParse("0.5") },
			[]string{`spec.hard[pods]: Invalid value: "500m": must be an integer`}},
		{"unknown name", func(q *corev1.ResourceQuota) { q.Spec.Hard["gpus"] = resource.MustParse("1") },
			[]string{
				`spec.hard[gpus]: Invalid value: "gpus": must be a standard resource type or fully qualified`,
				`spec.hard[gpus]: Invalid value: "gpus": must be a standard resource for quota`,
			}},
		{"scope for a compute quota", func(q *corev1.ResourceQuota) {
			q.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}
		},
			[]string{`spec.scopes: Invalid value: ["BestEffort"]: unsupported scope applied to resource`}},
		{"conflicting scopes", func(q *corev1.ResourceQuota) {
			q.Spec.Hard = corev1.ResourceList{corev1.ResourcePods: resource.MustParse("1")}
			q.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeTerminating, corev1.ResourceQuotaScopeNotTerminating}
		}, []string{`spec.scopes: Invalid value: ["Terminating","NotTerminating"]: conflicting scopes`}},
		{"scope selector", func(q *corev1.ResourceQuota) {
			q.Spec.ScopeSelector = &corev1.ScopeSelector{MatchExpressions: []corev1.ScopedResourceSelectorRequirement{
				{ScopeName: corev1.ResourceQuotaScopePriorityClass, Operator: corev1.ScopeSelectorOpIn},
			}}
		}, []string{"spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"}},
	})
	validate := func(q *corev1.ResourceQuota) field.ErrorList { return validation.ResourceQuotaUpdate(q, valid()) }
	runMutations(t, valid, validate, []mutation[corev1.ResourceQuota]{
		{"scopes are immutable", func(q *corev1.ResourceQuota) {
			q.Spec.Hard = corev1.ResourceList{corev1.ResourcePods: resource.MustParse("1")}
			q.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeBestEffort}
		}, []string{`spec.scopes: Invalid value: ["BestEffort"]: field is immutable`}},
	})
}

func TestLimitRange(t *testing.T) {
	valid := func() *corev1.LimitRange {
		return &corev1.LimitRange{
			ObjectMeta: metav1.ObjectMeta{Name: "defaults", Namespace: "shop"},
			Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
				Type:           corev1.LimitTypeContainer,
				Min:            corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")},
				DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
				Default:        corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
				Max:            corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4")},
			}}},
		}
	}
	item := func(l *corev1.LimitRange) *corev1.LimitRangeItem { return &l.Spec.Limits[0] }
	runMutations(t, valid, validation.LimitRange, []mutation[corev1.LimitRange]{
		{"min above max", func(l *corev1.LimitRange) { item(l).Min[corev1.ResourceCPU] = resource.MustParse("5") },
			[]string{
				`spec.limits[0].min[cpu]: Invalid value: "5": min value 5 is greater than max value 4`,
				`spec.limits[0].defaultRequest[cpu]: Invalid value: "100m": min value 5 is greater than default request value 100m`,
				`spec.limits[0].default[cpu]: Invalid value: "5": min value 5 is greater than default value 500m`,
			}},
		{"default above max", func(l *corev1.LimitRange) { item(l).Default[corev1.ResourceCPU] = resource.MustParse("8") },
			[]string{`spec.limits[0].default[cpu]: Invalid value: "4": default value 8 is greater than max value 4`}},
		{"default request above default", func(l *corev1.LimitRange) { item(l).DefaultRequest[corev1.ResourceCPU] = resource.MustParse("1") },
			[]string{`spec.limits[0].defaultRequest[cpu]: Invalid value: "1": default request value 1 is greater than default limit value 500m`}},
		{"ratio below 1", func(l *corev1.LimitRange) {
			item(l).MaxLimitRequestRatio = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}
		}, []string{`spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "500m": ratio 500m is less than 1`}},
		{"ratio above max/min", func(l *corev1.LimitRange) {
			item(l).MaxLimitRequestRatio = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1000")}
		}, []string{`spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "1k": ratio 1k is greater than max/min = 400.000000`}},
		{"pod defaults", func(l *corev1.LimitRange) { item(l).Type = corev1.LimitTypePod },
			[]string{
				"spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
				"spec.limits[0].defaultRequest: Forbidden: may not be specified when `type` is 'Pod'",
			}},
		{"claim needs storage bounds", func(l *corev1.LimitRange) {
			l.Spec.Limits = append(l.Spec.Limits, corev1.LimitRangeItem{Type: corev1.LimitTypePersistentVolumeClaim})
		}, []string{"spec.limits[1].limits: Required value: either minimum or maximum storage value is required, but neither was provided"}},
		{"unknown type", func(l *corev1.LimitRange) { item(l).Type = "Node" },
			[]string{`spec.limits[0].type: Invalid value: "Node": must be a standard limit type or fully qualified`}},
	})
}

func TestBinding(t *testing.T) {
	checkErrors(t, nil, validation.Binding(&corev1.Binding{Target: corev1.ObjectReference{Kind: "Node", Name: "worker-1"}}))
	checkErrors(t, []string{`target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"`, "target.name: Required value"},
		validation.Binding(&corev1.Binding{Target: corev1.ObjectReference{Kind: "Pod"}}))
}
