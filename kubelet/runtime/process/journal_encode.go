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
	"unicode/utf8"

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
		b = appendJSONString(b, e.ContainerStatus.ID)
		if b, ok = appendContainerStatus(b, &e.ContainerStatus.containerStatus); !ok {
			return b, false
		}
		b = append(b, '}')
	}
	if e.RemoveSandbox != "" {
		field("removeSandbox")
		b = appendJSONString(b, e.RemoveSandbox)
	}
	if e.RemoveContainer != "" {
		field("removeContainer")
		b = appendJSONString(b, e.RemoveContainer)
	}
	return append(b, '}'), true
}

func appendSandboxRecord(b []byte, r *sandboxRecord) (_ []byte, ok bool) {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, r.ID)
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
	b = appendJSONString(b, c.Metadata.Name)
	b = append(b, `,"Namespace":`...)
	b = appendJSONString(b, c.Metadata.Namespace)
	b = append(b, `,"UID":`...)
	b = appendJSONString(b, c.Metadata.UID)
	b = append(b, `,"Attempt":`...)
	b = strconv.AppendUint(b, uint64(c.Metadata.Attempt), 10)
	b = append(b, `},"Hostname":`...)
	b = appendJSONString(b, c.Hostname)
	b = append(b, `,"LogDirectory":`...)
	b = appendJSONString(b, c.LogDirectory)
	b = append(b, `,"Labels":`...)
	b = appendStringMap(b, c.Labels)
	b = append(b, `,"Annotations":`...)
	b = appendStringMap(b, c.Annotations)
	l := &c.Linux
	b = append(b, `,"Linux":{"CgroupParent":`...)
	b = appendJSONString(b, l.CgroupParent)
	b = append(b, `,"Namespaces":{"Network":`...)
	b = strconv.AppendInt(b, int64(l.Namespaces.Network), 10)
	b = append(b, `,"NetNSPath":`...)
	b = appendJSONString(b, l.Namespaces.NetNSPath)
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
	b = appendJSONString(b, cg.V2)
	if len(cg.V1) > 0 {
		b = append(b, `,"v1":`...)
		b = appendStringMap(b, cg.V1)
	}
	return append(b, '}')
}

func appendContainerRecord(b []byte, r *containerRecord) (_ []byte, ok bool) {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, r.ID)
	b = append(b, `,"sandboxId":`...)
	b = appendJSONString(b, r.SandboxID)
	b = append(b, `,"config":`...)
	b = appendContainerConfig(b, r.Config)
	b = append(b, `,"init":`...)
	b = appendInitConfig(b, &r.Init)
	b = append(b, `,"pidMode":`...)
	b = strconv.AppendInt(b, int64(r.PIDMode), 10)
	b = append(b, `,"logPath":`...)
	b = appendJSONString(b, r.LogPath)
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
		b = appendJSONString(b, s.Reason)
	}
	if s.Message != "" {
		b = append(b, `,"message":`...)
		b = appendJSONString(b, s.Message)
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
	b = appendJSONString(b, c.Metadata.Name)
	b = append(b, `,"Attempt":`...)
	b = strconv.AppendUint(b, uint64(c.Metadata.Attempt), 10)
	b = append(b, `},"Image":`...)
	b = appendJSONString(b, c.Image)
	b = append(b, `,"Command":`...)
	b = appendStrings(b, c.Command)
	b = append(b, `,"Args":`...)
	b = appendStrings(b, c.Args)
	b = append(b, `,"WorkingDir":`...)
	b = appendJSONString(b, c.WorkingDir)
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
			b = appendJSONString(b, kv.Key)
			b = append(b, `,"Value":`...)
			b = appendJSONString(b, kv.Value)
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
			b = appendJSONString(b, m.ContainerPath)
			b = append(b, `,"HostPath":`...)
			b = appendJSONString(b, m.HostPath)
			b = append(b, `,"Readonly":`...)
			b = strconv.AppendBool(b, m.Readonly)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"LogPath":`...)
	b = appendJSONString(b, c.LogPath)
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
	b = appendJSONString(b, c.StopSignal)
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
		b = appendJSONString(b, ic.Dir)
	}
	if ic.Rootfs != "" {
		b = append(b, `,"rootfs":`...)
		b = appendJSONString(b, ic.Rootfs)
	}
	if len(ic.Mounts) > 0 {
		b = append(b, `,"mounts":[`...)
		for i, m := range ic.Mounts {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"source":`...)
			b = appendJSONString(b, m.Source)
			b = append(b, `,"target":`...)
			b = appendJSONString(b, m.Target)
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
		b = appendJSONString(b, s)
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
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, m[k])
	}
	return append(b, '}')
}

const lowerHex = "0123456789abcdef"

// appendJSONString appends s quoted as json.Marshal quotes strings: with
// <, > and & escaped (HTML-safe), control characters escaped, invalid
// UTF-8 replaced by U+FFFD, and U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', lowerHex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
