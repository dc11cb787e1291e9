package process

// The journal's JSON, written without reflection: encoding/json spent
// more CPU on a record than the rest of appending it. The output is
// byte for byte what json.Marshal makes of the same entry (the tests
// compare the two on records with every field set, and fuzz the
// strings), so lines written by either read back the same with the
// decoder, encoding/json. A field added to the records or to the
// kubelet's config types needs a line here; TestEncodeEntryMatchesJSON
// fails until it has one.

import (
	"slices"
	"strconv"
	"time"

	"github.com/rigging-dev/rigging/internal/jsontext"
	"github.com/rigging-dev/rigging/kubelet"
)

// appendEntry appends e as JSON to b. ok is false when a value cannot be
// written as encoding/json would (a time outside RFC 3339); the caller
// then falls back to encoding/json, which reports the error.
func appendEntry(b []byte, e *journalEntry) (_ []byte, ok bool) {
	b = append(b, '{')
	first := true
	field := func(name string) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
	}
	if e.Sandbox != nil {
		field("sandbox")
		if b, ok = appendSandboxRecord(b, e.Sandbox); !ok {
			return b, false
		}
	}
	if e.Container != nil {
		field("container")
		if b, ok = appendContainerRecord(b, e.Container); !ok {
			return b, false
		}
	}
	if e.ContainerStatus != nil {
		field("containerStatus")
		b = append(b, `{"id":`...)
		b = jsontext.AppendString(b, e.ContainerStatus.ID)
		if b, ok = appendContainerStatus(b, &e.ContainerStatus.containerStatus); !ok {
			return b, false
		}
		b = append(b, '}')
	}
	if e.RemoveSandbox != "" {
		field("removeSandbox")
		b = jsontext.AppendString(b, e.RemoveSandbox)
	}
	if e.RemoveContainer != "" {
		field("removeContainer")
		b = jsontext.AppendString(b, e.RemoveContainer)
	}
	return append(b, '}'), true
}

func appendSandboxRecord(b []byte, r *sandboxRecord) (_ []byte, ok bool) {
	b = append(b, `{"id":`...)
	b = jsontext.AppendString(b, r.ID)
	b = append(b, `,"config":`...)
	b = appendSandboxConfig(b, r.Config)
	b = append(b, `,"createdAt":`...)
	if b, ok = appendJSONTime(b, r.CreatedAt); !ok {
		return b, false
	}
	if r.Stopped {
		b = append(b, `,"stopped":true`...)
	}
	b = append(b, `,"cgroup":`...)
	b = appendCgroup(b, &r.Cgroup)
	b = append(b, `,"pauseCgroup":`...)
	b = appendCgroup(b, &r.PauseCg)
	b = append(b, `,"pausePid":`...)
	b = strconv.AppendInt(b, int64(r.PausePID), 10)
	b = append(b, `,"pauseStart":`...)
	b = strconv.AppendUint(b, r.PauseStart, 10)
	if r.NoPause {
		b = append(b, `,"noPause":true`...)
	}
	if len(r.IPs) > 0 {
		b = append(b, `,"ips":`...)
		b = appendStrings(b, r.IPs)
	}
	if r.LegacyLayout {
		b = append(b, `,"legacyLayout":true`...)
	}
	return append(b, '}'), true
}

func appendSandboxConfig(b []byte, c *kubelet.PodSandboxConfig) []byte {
	if c == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"Metadata":{"Name":`...)
	b = jsontext.AppendString(b, c.Metadata.Name)
	b = append(b, `,"Namespace":`...)
	b = jsontext.AppendString(b, c.Metadata.Namespace)
	b = append(b, `,"UID":`...)
	b = jsontext.AppendString(b, c.Metadata.UID)
	b = append(b, `,"Attempt":`...)
	b = strconv.AppendUint(b, uint64(c.Metadata.Attempt), 10)
	b = append(b, `},"Hostname":`...)
	b = jsontext.AppendString(b, c.Hostname)
	b = append(b, `,"LogDirectory":`...)
	b = jsontext.AppendString(b, c.LogDirectory)
	b = append(b, `,"Labels":`...)
	b = appendStringMap(b, c.Labels)
	b = append(b, `,"Annotations":`...)
	b = appendStringMap(b, c.Annotations)
	l := &c.Linux
	b = append(b, `,"Linux":{"CgroupParent":`...)
	b = jsontext.AppendString(b, l.CgroupParent)
	b = append(b, `,"Namespaces":{"Network":`...)
	b = strconv.AppendInt(b, int64(l.Namespaces.Network), 10)
	b = append(b, `,"NetNSPath":`...)
	b = jsontext.AppendString(b, l.Namespaces.NetNSPath)
	b = append(b, `,"PID":`...)
	b = strconv.AppendInt(b, int64(l.Namespaces.PID), 10)
	b = append(b, `,"IPC":`...)
	b = strconv.AppendInt(b, int64(l.Namespaces.IPC), 10)
	b = append(b, `},"Sysctls":`...)
	b = appendStringMap(b, l.Sysctls)
	return append(b, "}}"...)
}

func appendCgroup(b []byte, cg *cgroup) []byte {
	b = append(b, `{"v2":`...)
	b = jsontext.AppendString(b, cg.V2)
	if len(cg.V1) > 0 {
		b = append(b, `,"v1":`...)
		b = appendStringMap(b, cg.V1)
	}
	return append(b, '}')
}

func appendContainerRecord(b []byte, r *containerRecord) (_ []byte, ok bool) {
	b = append(b, `{"id":`...)
	b = jsontext.AppendString(b, r.ID)
	b = append(b, `,"sandboxId":`...)
	b = jsontext.AppendString(b, r.SandboxID)
	b = append(b, `,"config":`...)
	b = appendContainerConfig(b, r.Config)
	b = append(b, `,"init":`...)
	b = appendInitConfig(b, &r.Init)
	b = append(b, `,"pidMode":`...)
	b = strconv.AppendInt(b, int64(r.PIDMode), 10)
	b = append(b, `,"logPath":`...)
	b = jsontext.AppendString(b, r.LogPath)
	b = append(b, `,"cgroup":`...)
	b = appendCgroup(b, &r.Cgroup)
	b = append(b, `,"createdAt":`...)
	if b, ok = appendJSONTime(b, r.CreatedAt); !ok {
		return b, false
	}
	if b, ok = appendContainerStatus(b, &r.containerStatus); !ok {
		return b, false
	}
	return append(b, '}'), true
}

// appendContainerStatus appends the fields of s, each after a comma (they
// are inlined in the object being written).
func appendContainerStatus(b []byte, s *containerStatus) (_ []byte, ok bool) {
	b = append(b, `,"state":`...)
	b = strconv.AppendInt(b, int64(s.State), 10)
	if !s.StartedAt.IsZero() {
		b = append(b, `,"startedAt":`...)
		if b, ok = appendJSONTime(b, s.StartedAt); !ok {
			return b, false
		}
	}
	if !s.FinishedAt.IsZero() {
		b = append(b, `,"finishedAt":`...)
		if b, ok = appendJSONTime(b, s.FinishedAt); !ok {
			return b, false
		}
	}
	b = append(b, `,"exitCode":`...)
	b = strconv.AppendInt(b, int64(s.ExitCode), 10)
	if s.Reason != "" {
		b = append(b, `,"reason":`...)
		b = jsontext.AppendString(b, s.Reason)
	}
	if s.Message != "" {
		b = append(b, `,"message":`...)
		b = jsontext.AppendString(b, s.Message)
	}
	if s.PID != 0 {
		b = append(b, `,"pid":`...)
		b = strconv.AppendInt(b, int64(s.PID), 10)
	}
	if s.PIDStart != 0 {
		b = append(b, `,"pidStart":`...)
		b = strconv.AppendUint(b, s.PIDStart, 10)
	}
	return b, true
}

func appendContainerConfig(b []byte, c *kubelet.ContainerConfig) []byte {
	if c == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"Metadata":{"Name":`...)
	b = jsontext.AppendString(b, c.Metadata.Name)
	b = append(b, `,"Attempt":`...)
	b = strconv.AppendUint(b, uint64(c.Metadata.Attempt), 10)
	b = append(b, `},"Image":`...)
	b = jsontext.AppendString(b, c.Image)
	b = append(b, `,"Command":`...)
	b = appendStrings(b, c.Command)
	b = append(b, `,"Args":`...)
	b = appendStrings(b, c.Args)
	b = append(b, `,"WorkingDir":`...)
	b = jsontext.AppendString(b, c.WorkingDir)
	b = append(b, `,"Envs":`...)
	if c.Envs == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, kv := range c.Envs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"Key":`...)
			b = jsontext.AppendString(b, kv.Key)
			b = append(b, `,"Value":`...)
			b = jsontext.AppendString(b, kv.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"Mounts":`...)
	if c.Mounts == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, m := range c.Mounts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"ContainerPath":`...)
			b = jsontext.AppendString(b, m.ContainerPath)
			b = append(b, `,"HostPath":`...)
			b = jsontext.AppendString(b, m.HostPath)
			b = append(b, `,"Readonly":`...)
			b = strconv.AppendBool(b, m.Readonly)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"LogPath":`...)
	b = jsontext.AppendString(b, c.LogPath)
	b = append(b, `,"Labels":`...)
	b = appendStringMap(b, c.Labels)
	b = append(b, `,"Annotations":`...)
	b = appendStringMap(b, c.Annotations)
	r := &c.Resources
	b = append(b, `,"Resources":{"CPUPeriod":`...)
	b = strconv.AppendInt(b, r.CPUPeriod, 10)
	b = append(b, `,"CPUQuota":`...)
	b = strconv.AppendInt(b, r.CPUQuota, 10)
	b = append(b, `,"CPUShares":`...)
	b = strconv.AppendInt(b, r.CPUShares, 10)
	b = append(b, `,"MemoryLimitInBytes":`...)
	b = strconv.AppendInt(b, r.MemoryLimitInBytes, 10)
	b = append(b, `,"PidsLimit":`...)
	b = strconv.AppendInt(b, r.PidsLimit, 10)
	b = append(b, `},"StopSignal":`...)
	b = jsontext.AppendString(b, c.StopSignal)
	return append(b, '}')
}

// appendInitConfig appends ic as encoding/json would; the init helper's
// config is sent in this form too.
func appendInitConfig(b []byte, ic *initConfig) []byte {
	b = append(b, `{"argv":`...)
	b = appendStrings(b, ic.Argv)
	b = append(b, `,"env":`...)
	b = appendStrings(b, ic.Env)
	if ic.Dir != "" {
		b = append(b, `,"dir":`...)
		b = jsontext.AppendString(b, ic.Dir)
	}
	if ic.Rootfs != "" {
		b = append(b, `,"rootfs":`...)
		b = jsontext.AppendString(b, ic.Rootfs)
	}
	if len(ic.Mounts) > 0 {
		b = append(b, `,"mounts":[`...)
		for i, m := range ic.Mounts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"source":`...)
			b = jsontext.AppendString(b, m.Source)
			b = append(b, `,"target":`...)
			b = jsontext.AppendString(b, m.Target)
			if m.Readonly {
				b = append(b, `,"readonly":true`...)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if ic.PrivateMounts {
		b = append(b, `,"privateMounts":true`...)
	}
	return append(b, '}')
}

// appendJSONTime appends t as time.Time's MarshalJSON does; ok is false
// when MarshalJSON would fail.
func appendJSONTime(b []byte, t time.Time) (_ []byte, ok bool) {
	out, err := t.AppendText(append(b, '"'))
	if err != nil {
		return b, false // AppendText returned nil
	}
	return append(out, '"'), true
}

// appendStrings appends a []string: null when nil.
func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsontext.AppendString(b, s)
	}
	return append(b, ']')
}

// appendStringMap appends a map[string]string with its keys sorted, as
// encoding/json does: null when nil.
func appendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	var stack [16]string
	keys := stack[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsontext.AppendString(b, k)
		b = append(b, ':')
		b = jsontext.AppendString(b, m[k])
	}
	return append(b, '}')
}
