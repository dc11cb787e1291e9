package kubelet

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/api/names"
	"github.com/rigging-dev/rigging/client"
)

// Expand replaces each $(VAR) in input with mapping(VAR), as Kubernetes
// expands container command, args and env values: "$$" is an escaped "$",
// and a reference that mapping does not know, or that is not closed, stays
// as written. mapping returns the value and whether VAR is defined.
func Expand(input string, mapping func(string) (string, bool)) string {
	var buf strings.Builder
	checkpoint := 0
	for cursor := 0; cursor < len(input); cursor++ {
		if input[cursor] != '$' || cursor+1 >= len(input) {
			continue
		}
		buf.WriteString(input[checkpoint:cursor])
		rest := input[cursor+1:]
		advance := 1
		switch rest[0] {
		case '$':
			buf.WriteByte('$')
		case '(':
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				buf.WriteString("$(")
				break
			}
			name := rest[1:end]
			if v, ok := mapping(name); ok {
				buf.WriteString(v)
			} else {
				buf.WriteString("$(" + name + ")")
			}
			advance = end + 1
		default:
			buf.WriteByte('$')
			buf.WriteByte(rest[0])
		}
		cursor += advance
		checkpoint = cursor + 1
	}
	buf.WriteString(input[checkpoint:])
	return buf.String()
}

// envSource fetches the Secrets and ConfigMaps a container refers to,
// once each per sync.
type envSource struct {
	ctx        context.Context
	c          *client.Client
	ns         string
	secrets    map[string]*corev1.Secret    // made on first use
	configMaps map[string]*corev1.ConfigMap // made on first use
}

// newEnvSource returns an empty envSource; its caches are made on first
// use (most pods read no Secret or ConfigMap).
func newEnvSource(ctx context.Context, c *client.Client, ns string) *envSource {
	return &envSource{ctx: ctx, c: c, ns: ns}
}

// secret returns the named Secret, or nil when it does not exist.
func (s *envSource) secret(name string) (*corev1.Secret, error) {
	if o, ok := s.secrets[name]; ok {
		return o, nil
	}
	r, err := client.For[corev1.Secret](s.c)
	if err != nil {
		return nil, err
	}
	o, err := r.Namespace(s.ns).Get(s.ctx, name, client.GetOptions{})
	if client.IsNotFound(err) {
		o, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get secret %s/%s: %w", s.ns, name, err)
	}
	if s.secrets == nil {
		s.secrets = map[string]*corev1.Secret{}
	}
	s.secrets[name] = o
	return o, nil
}

// configMap returns the named ConfigMap, or nil when it does not exist.
func (s *envSource) configMap(name string) (*corev1.ConfigMap, error) {
	if o, ok := s.configMaps[name]; ok {
		return o, nil
	}
	r, err := client.For[corev1.ConfigMap](s.c)
	if err != nil {
		return nil, err
	}
	o, err := r.Namespace(s.ns).Get(s.ctx, name, client.GetOptions{})
	if client.IsNotFound(err) {
		o, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get configmap %s/%s: %w", s.ns, name, err)
	}
	if s.configMaps == nil {
		s.configMaps = map[string]*corev1.ConfigMap{}
	}
	s.configMaps[name] = o
	return o, nil
}

func isTrue(b *bool) bool { return b != nil && *b }

// makeEnv returns a container's environment as Kubernetes builds it:
// envFrom sources in order, then env entries (later ones win), with
// $(VAR) references in literal values expanded against the variables
// defined before them. podIPs and hostIP feed the downward API.
func makeEnv(src *envSource, pod *corev1.Pod, c *corev1.Container, podIP string, podIPs []string, hostIP string) ([]KeyValue, error) {
	var order []string
	vals := map[string]string{}
	set := func(k, v string) {
		if _, ok := vals[k]; !ok {
			order = append(order, k)
		}
		vals[k] = v
	}
	for _, ef := range c.EnvFrom {
		var data map[string]string
		switch {
		case ef.ConfigMapRef != nil:
			cm, err := src.configMap(ef.ConfigMapRef.Name)
			if err != nil {
				return nil, err
			}
			if cm == nil {
				if isTrue(ef.ConfigMapRef.Optional) {
					continue
				}
				return nil, fmt.Errorf("configmap %q not found", ef.ConfigMapRef.Name)
			}
			data = cm.Data
		case ef.SecretRef != nil:
			s, err := src.secret(ef.SecretRef.Name)
			if err != nil {
				return nil, err
			}
			if s == nil {
				if isTrue(ef.SecretRef.Optional) {
					continue
				}
				return nil, fmt.Errorf("secret %q not found", ef.SecretRef.Name)
			}
			data = map[string]string{}
			for k, v := range s.Data {
				data[k] = string(v)
			}
			for k, v := range s.StringData {
				data[k] = v
			}
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			name := ef.Prefix + k
			if len(names.IsEnvVarName(name)) > 0 {
				continue // Kubernetes skips invalid names (and reports an event)
			}
			set(name, data[k])
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			set(e.Name, Expand(e.Value, func(n string) (string, bool) { v, ok := vals[n]; return v, ok }))
			continue
		}
		v, ok, err := envValueFrom(src, pod, e.ValueFrom, podIP, podIPs, hostIP)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", e.Name, err)
		}
		if ok {
			set(e.Name, v)
		}
	}
	out := make([]KeyValue, 0, len(order))
	for _, k := range order {
		out = append(out, KeyValue{Key: k, Value: vals[k]})
	}
	return out, nil
}

// envValueFrom resolves one valueFrom; ok is false when an optional source
// is missing (the variable is then not set).
func envValueFrom(src *envSource, pod *corev1.Pod, vf *corev1.EnvVarSource, podIP string, podIPs []string, hostIP string) (string, bool, error) {
	switch {
	case vf.FieldRef != nil:
		v, err := podField(pod, vf.FieldRef.FieldPath, podIP, podIPs, hostIP)
		return v, err == nil, err
	case vf.SecretKeyRef != nil:
		ref := vf.SecretKeyRef
		s, err := src.secret(ref.Name)
		if err != nil {
			return "", false, err
		}
		if s == nil {
			if isTrue(ref.Optional) {
				return "", false, nil
			}
			return "", false, fmt.Errorf("secret %q not found", ref.Name)
		}
		if v, ok := s.Data[ref.Key]; ok {
			return string(v), true, nil
		}
		if v, ok := s.StringData[ref.Key]; ok {
			return v, true, nil
		}
		if isTrue(ref.Optional) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("couldn't find key %s in Secret %s/%s", ref.Key, pod.Namespace, ref.Name)
	case vf.ConfigMapKeyRef != nil:
		ref := vf.ConfigMapKeyRef
		cm, err := src.configMap(ref.Name)
		if err != nil {
			return "", false, err
		}
		if cm == nil {
			if isTrue(ref.Optional) {
				return "", false, nil
			}
			return "", false, fmt.Errorf("configmap %q not found", ref.Name)
		}
		if v, ok := cm.Data[ref.Key]; ok {
			return v, true, nil
		}
		if isTrue(ref.Optional) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("couldn't find key %s in ConfigMap %s/%s", ref.Key, pod.Namespace, ref.Name)
	case vf.ResourceFieldRef != nil:
		return "", false, fmt.Errorf("resourceFieldRef is not supported")
	}
	return "", false, fmt.Errorf("valueFrom has no source")
}

// podField returns a downward API field of pod.
func podField(pod *corev1.Pod, path, podIP string, podIPs []string, hostIP string) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP":
		return podIP, nil
	case "status.podIPs":
		return strings.Join(podIPs, ","), nil
	case "status.hostIP", "status.hostIPs":
		return hostIP, nil
	}
	for _, p := range []struct {
		prefix string
		m      map[string]string
	}{{"metadata.labels['", pod.Labels}, {"metadata.annotations['", pod.Annotations}} {
		if rest, ok := strings.CutPrefix(path, p.prefix); ok {
			if key, ok := strings.CutSuffix(rest, "']"); ok {
				return p.m[key], nil
			}
		}
	}
	return "", fmt.Errorf("unsupported fieldPath %q", path)
}

// expandCommand expands $(VAR) in command and args against env.
func expandCommand(args []string, env []KeyValue) []string {
	if args == nil {
		return nil
	}
	m := make(map[string]string, len(env))
	for _, kv := range env {
		m[kv.Key] = kv.Value
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = Expand(a, func(n string) (string, bool) { v, ok := m[n]; return v, ok })
	}
	return out
}
