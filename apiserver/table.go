package apiserver

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "github.com/rigging-dev/rigging/api/apps/v1"
	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/jsoncodec"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
	"github.com/rigging-dev/rigging/internal/jsontext"
)

// Server-side printing: a get or list that asks for
// application/json;as=Table;g=meta.k8s.io;v=v1 (as kubectl get does) is
// answered with a meta.k8s.io Table, whose columns are Kubernetes' own for
// pods, nodes, namespaces, services, config maps, secrets, deployments,
// replica sets and stateful sets, and "Name" and "Age" for the other
// kinds. Each row carries the object's metadata (includeObject=Metadata,
// the default), the whole object (Object) or nothing (None). Watches are
// always answered with objects, which kubectl prints with its default
// columns.

// tableColumn is a meta.k8s.io TableColumnDefinition.
type tableColumn struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Format      string `json:"format"`
	Description string `json:"description"`
	Priority    int32  `json:"priority"`
}

// tableVersion returns the meta.k8s.io version of Table an Accept header
// asks for, or "" when it asks for none.
func tableVersion(accept string) string {
	if accept == "" || accept == "application/json" {
		return "" // what most clients send, answered without parsing
	}
	for part := range splitSeq(accept, ',') {
		mt, params, _ := strings.Cut(part, ";")
		if strings.TrimSpace(strings.ToLower(mt)) != "application/json" {
			continue
		}
		// The last value of each parameter counts.
		var as, g, v string
		for kv := range splitSeq(params, ';') {
			k, val, _ := strings.Cut(kv, "=")
			switch strings.TrimSpace(k) {
			case "as":
				as = strings.TrimSpace(val)
			case "g":
				g = strings.TrimSpace(val)
			case "v":
				v = strings.TrimSpace(val)
			}
		}
		if as == "Table" && g == "meta.k8s.io" && (v == "v1" || v == "v1beta1") {
			return v
		}
	}
	return ""
}

// printer gives the columns of a kind and the cells of one object.
type printer struct {
	columns []tableColumn
	cells   func(obj metav1.Object, now time.Time) []any
	// partial, when set, decodes from an object's JSON only what cells
	// reads, and returns that object and the JSON of its metadata, so
	// that a Table of packed objects (see watchcache_packed.go) decodes
	// none of them whole. An error (unexpected input) makes the caller
	// decode the object whole instead.
	partial func(r *resource, data []byte) (metav1.Object, []byte, error)
}

// column returns a column definition; priority 1 columns show with -o wide.
func column(name, typ string, priority int32, description string) tableColumn {
	format := ""
	if name == "Name" {
		format = "name"
	}
	return tableColumn{Name: name, Type: typ, Format: format, Description: description, Priority: priority}
}

var (
	nameColumn = column("Name", "string", 0, "Name must be unique within a namespace.")
	ageColumn  = column("Age", "string", 0, "CreationTimestamp is the time the object was created.")
)

// age is the Age cell of an object.
func age(m *metav1.ObjectMeta, now time.Time) string {
	if m.CreationTimestamp.IsZero() {
		return "<unknown>"
	}
	return humanDuration(now.Sub(m.CreationTimestamp.Time))
}

// humanDuration prints a duration as kubectl does: "45s", "3m20s", "5h",
// "3d4h", "2y".
func humanDuration(d time.Duration) string {
	if d < -time.Second {
		return "<invalid>"
	}
	if d < 0 {
		return "0s"
	}
	s := int(d.Seconds())
	m, h := s/60, s/3600
	days := h / 24
	pair := func(a int, ua string, b int, ub string) string {
		if b == 0 {
			return strconv.Itoa(a) + ua
		}
		return strconv.Itoa(a) + ua + strconv.Itoa(b) + ub
	}
	switch {
	case s < 120:
		return strconv.Itoa(s) + "s"
	case m < 10:
		return pair(m, "m", s%60, "s")
	case m < 180:
		return strconv.Itoa(m) + "m"
	case h < 8:
		return pair(h, "h", m%60, "m")
	case h < 48:
		return strconv.Itoa(h) + "h"
	case h < 24*8:
		return pair(days, "d", h%24, "h")
	case h < 24*365*2:
		return strconv.Itoa(days) + "d"
	case h < 24*365*8:
		return pair(days/365, "y", days%365, "d")
	}
	return strconv.Itoa(days/365) + "y"
}

// noneIfEmpty returns "<none>" for "".
func noneIfEmpty(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// printerFor returns the printer of r.
func printerFor(r *resource) printer {
	if p, ok := printers[r.info.Group+"/"+r.info.Plural]; ok {
		return p
	}
	return printer{
		columns: []tableColumn{nameColumn, ageColumn},
		cells: func(obj metav1.Object, now time.Time) []any {
			m := obj.GetObjectMeta()
			return []any{m.Name, age(m, now)}
		},
		partial: func(r *resource, data []byte) (metav1.Object, []byte, error) {
			obj := r.newObject()
			meta, err := decodeForRow(data, obj.GetObjectMeta(), nil)
			return obj, meta, err
		},
	}
}

// printers are the kinds with columns of their own.
var printers = map[string]printer{
	"/pods": {
		columns: []tableColumn{nameColumn,
			column("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."),
			column("Status", "string", 0, "The aggregate status of the containers in this pod."),
			column("Restarts", "string", 0, "The number of times the containers in this pod have been restarted."),
			ageColumn,
			column("IP", "string", 1, "IP address allocated to the pod."),
			column("Node", "string", 1, "Name of the Node this pod is assigned to."),
			column("Nominated Node", "string", 1, "Name of the node nominated to run this pod."),
			column("Readiness Gates", "string", 1, "Readiness gates of the pod.")},
		cells: func(obj metav1.Object, now time.Time) []any {
			p := obj.(*corev1.Pod)
			ready, restarts := 0, int64(0)
			for _, c := range p.Status.ContainerStatuses {
				if c.Ready {
					ready++
				}
				restarts += int64(c.RestartCount)
			}
			gates := "<none>"
			if len(p.Spec.ReadinessGates) > 0 {
				met := 0
				for _, g := range p.Spec.ReadinessGates {
					for _, c := range p.Status.Conditions {
						if c.Type == g.ConditionType && c.Status == corev1.ConditionTrue {
							met++
						}
					}
				}
				gates = fmt.Sprintf("%d/%d", met, len(p.Spec.ReadinessGates))
			}
			return []any{p.Name, fmt.Sprintf("%d/%d", ready, len(p.Spec.Containers)), podStatus(p), restarts, age(&p.ObjectMeta, now),
				noneIfEmpty(p.Status.PodIP), noneIfEmpty(p.Spec.NodeName), noneIfEmpty(p.Status.NominatedNodeName), gates}
		},
		partial: partialPod,
	},
	"/nodes": {
		columns: []tableColumn{nameColumn,
			column("Status", "string", 0, "The status of the node"),
			column("Roles", "string", 0, "The roles of the node"),
			ageColumn,
			column("Version", "string", 0, "Kubelet Version reported by the node."),
			column("Internal-IP", "string", 1, "List of internal IPs for the node."),
			column("External-IP", "string", 1, "List of external IPs for the node."),
			column("OS-Image", "string", 1, "OS Image reported by the node."),
			column("Kernel-Version", "string", 1, "Kernel Version reported by the node."),
			column("Container-Runtime", "string", 1, "Container Runtime Version reported by the node.")},
		cells: func(obj metav1.Object, now time.Time) []any {
			n := obj.(*corev1.Node)
			status := "Unknown"
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady {
					switch c.Status {
					case corev1.ConditionTrue:
						status = "Ready"
					case corev1.ConditionFalse:
						status = "NotReady"
					}
				}
			}
			if n.Spec.Unschedulable {
				status += ",SchedulingDisabled"
			}
			var roles []string
			for k := range n.Labels {
				if r, ok := strings.CutPrefix(k, "node-role.kubernetes.io/"); ok && r != "" {
					roles = append(roles, r)
				}
			}
			slices.Sort(roles)
			addr := func(t corev1.NodeAddressType) string {
				for _, a := range n.Status.Addresses {
					if a.Type == t {
						return a.Address
					}
				}
				return "<none>"
			}
			info := n.Status.NodeInfo
			return []any{n.Name, status, noneIfEmpty(strings.Join(roles, ",")), age(&n.ObjectMeta, now), info.KubeletVersion,
				addr(corev1.NodeInternalIP), addr(corev1.NodeExternalIP), noneIfEmpty(info.OSImage),
				noneIfEmpty(info.KernelVersion), noneIfEmpty(info.ContainerRuntimeVersion)}
		},
	},
	"/namespaces": {
		columns: []tableColumn{nameColumn, column("Status", "string", 0, "The status of the namespace"), ageColumn},
		cells: func(obj metav1.Object, now time.Time) []any {
			n := obj.(*corev1.Namespace)
			return []any{n.Name, string(n.Status.Phase), age(&n.ObjectMeta, now)}
		},
	},
	"/services": {
		columns: []tableColumn{nameColumn,
			column("Type", "string", 0, "The type of the service."),
			column("Cluster-IP", "string", 0, "The IP address of the service."),
			column("External-IP", "string", 0, "The external IP addresses of the service."),
			column("Port(s)", "string", 0, "The ports of the service."),
			ageColumn,
			column("Selector", "string", 1, "The label selector of the service.")},
		cells: func(obj metav1.Object, now time.Time) []any {
			s := obj.(*corev1.Service)
			var ports []string
			for _, p := range s.Spec.Ports {
				v := fmt.Sprintf("%d/%s", p.Port, p.Protocol)
				if p.NodePort != 0 {
					v = fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol)
				}
				ports = append(ports, v)
			}
			external := strings.Join(s.Spec.ExternalIPs, ",")
			switch {
			case s.Spec.Type == corev1.ServiceTypeExternalName:
				external = s.Spec.ExternalName
			case s.Spec.Type == corev1.ServiceTypeLoadBalancer && external == "":
				var ips []string
				for _, in := range s.Status.LoadBalancer.Ingress {
					ips = append(ips, in.IP+in.Hostname)
				}
				external = strings.Join(ips, ",")
				if external == "" {
					external = "<pending>"
				}
			}
			var sel []string
			for k, v := range s.Spec.Selector {
				sel = append(sel, k+"="+v)
			}
			slices.Sort(sel)
			return []any{s.Name, string(s.Spec.Type), noneIfEmpty(s.Spec.ClusterIP), noneIfEmpty(external),
				noneIfEmpty(strings.Join(ports, ",")), age(&s.ObjectMeta, now), noneIfEmpty(strings.Join(sel, ","))}
		},
	},
	"/configmaps": {
		columns: []tableColumn{nameColumn, column("Data", "integer", 0, "The number of keys."), ageColumn},
		cells: func(obj metav1.Object, now time.Time) []any {
			c := obj.(*corev1.ConfigMap)
			return []any{c.Name, int64(len(c.Data) + len(c.BinaryData)), age(&c.ObjectMeta, now)}
		},
	},
	"/secrets": {
		columns: []tableColumn{nameColumn, column("Type", "string", 0, "The type of the secret."),
			column("Data", "integer", 0, "The number of keys."), ageColumn},
		cells: func(obj metav1.Object, now time.Time) []any {
			s := obj.(*corev1.Secret)
			return []any{s.Name, string(s.Type), int64(len(s.Data) + len(s.StringData)), age(&s.ObjectMeta, now)}
		},
	},
	"apps/deployments": {
		columns: []tableColumn{nameColumn,
			column("Ready", "string", 0, "Number of the pods ready."),
			column("Up-to-date", "integer", 0, "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
			column("Available", "integer", 0, "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
			ageColumn,
			column("Containers", "string", 1, "Names of each container in the template."),
			column("Images", "string", 1, "Images referenced by each container in the template."),
			column("Selector", "string", 1, "Label selector for pods.")},
		cells: func(obj metav1.Object, now time.Time) []any {
			d := obj.(*appsv1.Deployment)
			names, images := containerColumns(d.Spec.Template.Spec.Containers)
			return []any{d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicas(d.Spec.Replicas)),
				int64(d.Status.UpdatedReplicas), int64(d.Status.AvailableReplicas), age(&d.ObjectMeta, now),
				names, images, noneIfEmpty(selectorString(d.Spec.Selector))}
		},
	},
	"apps/replicasets": {
		columns: []tableColumn{nameColumn,
			column("Desired", "integer", 0, "Number of desired pods."),
			column("Current", "integer", 0, "Number of actually running pods."),
			column("Ready", "integer", 0, "Number of ready pods."),
			ageColumn,
			column("Containers", "string", 1, "Names of each container in the template."),
			column("Images", "string", 1, "Images referenced by each container in the template."),
			column("Selector", "string", 1, "Label selector for pods.")},
		cells: func(obj metav1.Object, now time.Time) []any {
			rs := obj.(*appsv1.ReplicaSet)
			names, images := containerColumns(rs.Spec.Template.Spec.Containers)
			return []any{rs.Name, int64(replicas(rs.Spec.Replicas)), int64(rs.Status.Replicas), int64(rs.Status.ReadyReplicas),
				age(&rs.ObjectMeta, now), names, images, noneIfEmpty(selectorString(rs.Spec.Selector))}
		},
	},
	"apps/statefulsets": {
		columns: []tableColumn{nameColumn,
			column("Ready", "string", 0, "Number of the pods ready."),
			ageColumn,
			column("Containers", "string", 1, "Names of each container in the template."),
			column("Images", "string", 1, "Images referenced by each container in the template.")},
		cells: func(obj metav1.Object, now time.Time) []any {
			s := obj.(*appsv1.StatefulSet)
			names, images := containerColumns(s.Spec.Template.Spec.Containers)
			return []any{s.Name, fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, replicas(s.Spec.Replicas)), age(&s.ObjectMeta, now), names, images}
		},
	},
}

// containerColumns returns the names and images of containers, joined.
func containerColumns(cs []corev1.Container) (string, string) {
	var names, images []string
	for _, c := range cs {
		names = append(names, c.Name)
		images = append(images, c.Image)
	}
	return strings.Join(names, ","), strings.Join(images, ",")
}

// podStatus is the Status column of a pod, as kubectl derives it: the
// phase, or the pod's reason, or what its (init) containers wait for or
// ended with, and "Terminating" once deletion began.
func podStatus(p *corev1.Pod) string {
	reason := string(p.Status.Phase)
	if p.Status.Reason != "" {
		reason = p.Status.Reason
	}
	initializing := false
	for i, c := range p.Status.InitContainerStatuses {
		switch {
		case c.State.Terminated != nil && c.State.Terminated.ExitCode == 0:
			continue
		case c.State.Terminated != nil:
			reason = "Init:" + noneIfEmpty(c.State.Terminated.Reason)
			if c.State.Terminated.Reason == "" {
				reason = fmt.Sprintf("Init:ExitCode:%d", c.State.Terminated.ExitCode)
			}
		case c.State.Waiting != nil && c.State.Waiting.Reason != "" && c.State.Waiting.Reason != "PodInitializing":
			reason = "Init:" + c.State.Waiting.Reason
		default:
			reason = fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers))
		}
		initializing = true
		break
	}
	if !initializing {
		running := false
		for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
			c := p.Status.ContainerStatuses[i]
			switch {
			case c.State.Waiting != nil && c.State.Waiting.Reason != "":
				reason = c.State.Waiting.Reason
			case c.State.Terminated != nil && c.State.Terminated.Reason != "":
				reason = c.State.Terminated.Reason
			case c.State.Terminated != nil:
				reason = fmt.Sprintf("ExitCode:%d", c.State.Terminated.ExitCode)
			case c.Ready && c.State.Running != nil:
				running = true
			}
		}
		if reason == "Completed" && running {
			reason = "Running"
		}
	}
	if p.DeletionTimestamp != nil {
		reason = "Terminating"
	}
	return reason
}

// writeTable answers a get with a Table of objs.
func (s *Server) writeTable(w http.ResponseWriter, r *http.Request, version string, res *resource, objs []metav1.Object, meta metav1.ListMeta) {
	items := make([]*cachedObject, len(objs))
	for i, obj := range objs {
		items[i] = &cachedObject{obj: obj}
	}
	s.writeTableItems(w, r, version, res, items, meta)
}

// writeTableItems answers a get or list with a Table of items. A packed
// item (see watchcache_packed.go) is decoded only as far as its printer's
// cells need (printer.partial), and its row's object is cut from its JSON
// rather than encoded again. The Table is encoded by hand, byte for byte
// as encoding/json would encode a table (TestTableEncoding).
func (s *Server) writeTableItems(w http.ResponseWriter, r *http.Request, version string, res *resource, items []*cachedObject, meta metav1.ListMeta) {
	include := r.URL.Query().Get("includeObject")
	switch include {
	case "", "Metadata", "Object", "None":
	default:
		s.writeError(w, errBadRequest(fmt.Sprintf("includeObject must be one of None, Metadata or Object, not %q", include)))
		return
	}
	p := printerFor(res)
	now := s.opts.Now()
	apiVersion := jsontext.AppendString(nil, "meta.k8s.io/"+version)
	b := make([]byte, 0, 512)
	b = append(b, `{"kind":"Table","apiVersion":`...)
	b = append(b, apiVersion...)
	b = append(b, `,"metadata":`...)
	b, err := jsontext.AppendMarshal(b, meta)
	if err == nil {
		b = append(b, `,"columnDefinitions":`...)
		b, err = jsontext.AppendMarshal(b, p.columns)
	}
	if err != nil {
		s.writeError(w, errInternal(err))
		return
	}
	b = append(b, `,"rows":[`...)
	rowsAt := len(b)
	var data []byte // a packed item's JSON
	for i, it := range items {
		var obj metav1.Object
		var metaJSON []byte // a packed item's metadata, in data
		if it.obj == nil && p.partial != nil {
			if sp, err := it.encoded(); err == nil {
				data = sp.appendTo(data[:0])
				if obj, metaJSON, err = p.partial(res, data); err != nil {
					obj, metaJSON = nil, nil
				}
			}
		}
		if obj == nil {
			if obj, err = it.object(res); err != nil {
				s.writeError(w, errInternal(err))
				return
			}
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"cells":`...)
		if b, err = appendCells(b, p.cells(obj, now)); err != nil {
			s.writeError(w, errInternal(err))
			return
		}
		switch include {
		case "", "Metadata":
			b = append(b, `,"object":{"kind":"PartialObjectMetadata","apiVersion":`...)
			b = append(b, apiVersion...)
			b = append(b, `,"metadata":`...)
			if metaJSON != nil {
				b = append(b, metaJSON...)
			} else {
				b, err = jsoncodec.Append(b, obj.GetObjectMeta())
			}
			b = append(b, '}')
		case "Object":
			b = append(b, `,"object":`...)
			if metaJSON != nil {
				b = append(b, data...)
			} else {
				var raw []byte
				raw, err = marshalObject(obj)
				b = append(b, raw...)
			}
		}
		if err != nil {
			s.writeError(w, errInternal(err))
			return
		}
		b = append(b, '}')
		if i == 0 && len(items) > 1 {
			// Room for the other rows, sized after the first (at most
			// 16 MiB ahead: a large first object must not reserve much).
			b = slices.Grow(b, min((len(b)-rowsAt)*(len(items)-1), 16<<20)+2)
		}
	}
	b = append(b, "]}"...)
	writeRaw(w, http.StatusOK, b)
}

// appendCells appends a row's cells as encoding/json encodes them.
func appendCells(b []byte, cells []any) ([]byte, error) {
	if cells == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, c := range cells {
		if i > 0 {
			b = append(b, ',')
		}
		switch v := c.(type) {
		case string:
			b = jsontext.AppendString(b, v)
		case int64:
			b = strconv.AppendInt(b, v, 10)
		default:
			var err error
			if b, err = jsontext.AppendMarshal(b, v); err != nil {
				return b, err
			}
		}
	}
	return append(b, ']'), nil
}

// decodeForRow reads an object's JSON for a Table row: the name and
// timestamps of its metadata into m, and each other top-level member
// through member (nil: none), which reports whether it consumed the value
// (else it is skipped, its syntax checked). It returns the JSON of the
// metadata. A member name that encoding/json would match only by case
// folding gives jsontext.ErrUnsure, as does an object without metadata.
func decodeForRow(data []byte, m *metav1.ObjectMeta, member func(d *jsontext.Decoder, key []byte) (bool, error)) ([]byte, error) {
	d := jsontext.NewDecoder(data)
	if err := d.ObjectStart(); err != nil {
		return nil, err
	}
	var meta []byte
	for {
		key, more, err := d.Key()
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		switch {
		case string(key) == "metadata":
			if meta, err = d.Raw(); err != nil {
				return nil, err
			}
		case foldsTo(key, "metadata"):
			return nil, jsontext.ErrUnsure
		default:
			used := false
			if member != nil {
				if used, err = member(d, key); err != nil {
					return nil, err
				}
			}
			if !used {
				if _, err := d.Raw(); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := d.End(); err != nil {
		return nil, err
	}
	if len(meta) == 0 || meta[0] != '{' {
		return nil, jsontext.ErrUnsure
	}
	return meta, decodeRowMeta(meta, m)
}

// decodeRowMeta decodes the name, creationTimestamp and deletionTimestamp
// of an object's metadata JSON into m.
func decodeRowMeta(meta []byte, m *metav1.ObjectMeta) error {
	d := jsontext.NewDecoder(meta)
	if err := d.ObjectStart(); err != nil {
		return err
	}
	for {
		key, more, err := d.Key()
		if err != nil {
			return err
		}
		if !more {
			return d.End()
		}
		switch string(key) {
		case "name":
			err = d.StringTo(&m.Name)
		case "creationTimestamp":
			var raw []byte
			if raw, err = d.Raw(); err == nil {
				err = m.CreationTimestamp.UnmarshalJSON(raw)
			}
		case "deletionTimestamp":
			if d.Null() {
				m.DeletionTimestamp = nil
				break
			}
			var raw []byte
			if raw, err = d.Raw(); err == nil {
				m.DeletionTimestamp = new(metav1.Time)
				err = m.DeletionTimestamp.UnmarshalJSON(raw)
			}
		default:
			if foldsTo(key, "name", "creationTimestamp", "deletionTimestamp") {
				return jsontext.ErrUnsure
			}
			_, err = d.Raw()
		}
		if err != nil {
			return err
		}
	}
}

// foldsTo reports whether key equals one of names under case folding,
// as encoding/json matches member names to fields when no name is exact.
func foldsTo(key []byte, names ...string) bool {
	for _, n := range names {
		if len(key) == len(n) && strings.EqualFold(string(key), n) {
			return true
		}
	}
	return false
}

// partialPod decodes what the pod printer's cells read: the metadata's
// name and timestamps, the spec's number of containers and init
// containers (as that many empty ones), node name and readiness gates,
// and the whole status. Keep it in step with the cells
// (TestTablePartialDecode compares rows from both).
func partialPod(_ *resource, data []byte) (metav1.Object, []byte, error) {
	p := &corev1.Pod{}
	meta, err := decodeForRow(data, &p.ObjectMeta, func(d *jsontext.Decoder, key []byte) (bool, error) {
		switch {
		case string(key) == "spec":
			return true, decodePodSpecForRow(d, &p.Spec)
		case string(key) == "status":
			return true, p.Status.UnmarshalJSONFrom(d)
		case foldsTo(key, "spec", "status"):
			return false, jsontext.ErrUnsure
		}
		return false, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return p, meta, nil
}

// decodePodSpecForRow decodes the fields of a pod's spec that its Table
// row shows (see partialPod) and skips the others.
func decodePodSpecForRow(d *jsontext.Decoder, s *corev1.PodSpec) error {
	if d.Null() {
		return nil
	}
	if err := d.ObjectStart(); err != nil {
		return err
	}
	for {
		key, more, err := d.Key()
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
		switch string(key) {
		case "containers":
			var n int
			if n, err = countElements(d); err == nil {
				s.Containers = make([]corev1.Container, n)
			}
		case "initContainers":
			var n int
			if n, err = countElements(d); err == nil {
				s.InitContainers = make([]corev1.Container, n)
			}
		case "nodeName":
			err = d.StringTo(&s.NodeName)
		case "readinessGates":
			s.ReadinessGates = nil
			if d.Null() {
				break
			}
			if err = d.ArrayStart(); err != nil {
				return err
			}
			for {
				more, err := d.More()
				if err != nil {
					return err
				}
				if !more {
					break
				}
				var g corev1.PodReadinessGate
				if err := g.UnmarshalJSONFrom(d); err != nil {
					return err
				}
				s.ReadinessGates = append(s.ReadinessGates, g)
			}
		default:
			if foldsTo(key, "containers", "initContainers", "nodeName", "readinessGates") {
				return jsontext.ErrUnsure
			}
			_, err = d.Raw()
		}
		if err != nil {
			return err
		}
	}
}

// countElements skips an array (or null: 0) and returns its length.
func countElements(d *jsontext.Decoder) (int, error) {
	if d.Null() {
		return 0, nil
	}
	if err := d.ArrayStart(); err != nil {
		return 0, err
	}
	n := 0
	for {
		more, err := d.More()
		if err != nil || !more {
			return n, err
		}
		if _, err := d.Raw(); err != nil {
			return n, err
		}
		n++
	}
}
