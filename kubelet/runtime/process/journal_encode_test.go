package process

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rigging-dev/rigging/kubelet"
)

// jsonLine is the line encoding/json's output makes: what the journal
// wrote before its own encoder.
func jsonLine(t testing.TB, e *journalEntry) []byte {
	t.Helper()
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return frameLine(data)
}

// TestEncodeEntryMatchesJSON: the journal's encoder writes exactly what
// json.Marshal writes, for records with every field set (fill sets fields
// the kubelet's types gain later too, so a field the encoder misses
// fails here) and for the empty and odd values omitempty, omitzero and
// null depend on.
func TestEncodeEntryMatchesJSON(t *testing.T) {
	sb, c := fullRecords(t)
	zoned := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("x", -(3*3600+30*60)))
	cases := map[string]*journalEntry{
		"full sandbox":   {Sandbox: sb},
		"full container": {Container: c},
		"status":         {ContainerStatus: &containerStatusEntry{ID: c.ID, containerStatus: c.containerStatus}},
		"remove sandbox": {RemoveSandbox: "s<&>\u2028"},
		"remove ctr":     {RemoveContainer: "c\x7f\xff"},
		"empty sandbox":  {Sandbox: &sandboxRecord{}},
		"empty container": {Container: &containerRecord{
			Config: &kubelet.ContainerConfig{Command: []string{}, Envs: []kubelet.KeyValue{}, Mounts: []kubelet.Mount{}, Labels: map[string]string{}},
			Init:   initConfig{Argv: []string{}, Mounts: []mountSpec{}},
			Cgroup: cgroup{V1: map[string]string{}},
		}},
		"empty status": {ContainerStatus: &containerStatusEntry{}},
		"odd values": {Sandbox: &sandboxRecord{
			ID: "x", CreatedAt: zoned, IPs: []string{},
			Config: &kubelet.PodSandboxConfig{
				Labels:   map[string]string{"b": "1", "a": "2", "": "", "\u00e9": "é", "A": "<"},
				Metadata: kubelet.PodSandboxMetadata{Attempt: 1<<32 - 1},
				Linux:    kubelet.LinuxPodSandboxConfig{Namespaces: kubelet.NamespaceOptions{PID: -1}},
			},
			PausePID: -5, PauseStart: 1<<64 - 1,
		}},
		"two objects": {RemoveSandbox: "a", RemoveContainer: "b"},
		"zero time with zone": {ContainerStatus: &containerStatusEntry{ID: "z", containerStatus: containerStatus{
			StartedAt: time.Time{}.In(time.FixedZone("y", 3600)), FinishedAt: time.Unix(0, 1).UTC(), ExitCode: -1,
		}}},
	}
	// The init helper's config is written by the same code.
	for _, ic := range []initConfig{c.Init, {}, {Argv: []string{}, Mounts: []mountSpec{{Readonly: true}}}} {
		want, err := json.Marshal(ic)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendInitConfig(nil, &ic); string(got) != string(want) {
			t.Errorf("appendInitConfig:\n%s\njson.Marshal:\n%s", got, want)
		}
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := encodeEntry(e)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(jsonLine(t, e)), string(got)); diff != "" {
				t.Errorf("encodeEntry differs from json.Marshal (-json +encodeEntry):\n%s", diff)
			}
		})
	}
}

// TestEncodeEntryBadTime: a time json.Marshal cannot write fails the same
// way, rather than writing something the decoder rejects.
func TestEncodeEntryBadTime(t *testing.T) {
	for _, e := range []*journalEntry{
		{Sandbox: &sandboxRecord{ID: "s", Config: &kubelet.PodSandboxConfig{}, CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{ContainerStatus: &containerStatusEntry{ID: "c", containerStatus: containerStatus{FinishedAt: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}}},
	} {
		_, jerr := json.Marshal(e)
		if _, err := encodeEntry(e); err == nil || jerr == nil || err.Error() != jerr.Error() {
			t.Errorf("encodeEntry: %v; json.Marshal: %v; want the same error", err, jerr)
		}
	}
}

// FuzzEncodeEntry compares the encoder with json.Marshal on arbitrary
// strings, in every kind of place a string goes.
func FuzzEncodeEntry(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"b\\s/", "<a href='&'>", "\x00\x01\b\f\n\r\t\x1f\x7f", "é\u2028\u2029\ufffd", "\xff\xc3(\xe2\x82", "😀"} {
		f.Add(s, s+"x")
	}
	f.Fuzz(func(t *testing.T, s, u string) {
		e := &journalEntry{Container: &containerRecord{
			ID: s, SandboxID: u,
			Config: &kubelet.ContainerConfig{
				Metadata: kubelet.ContainerMetadata{Name: s}, Image: u, Command: []string{s, u}, Args: []string{u},
				Envs: []kubelet.KeyValue{{Key: s, Value: u}}, Mounts: []kubelet.Mount{{ContainerPath: s, HostPath: u}},
				Labels: map[string]string{s: u, u: s}, StopSignal: s,
			},
			Init:            initConfig{Argv: []string{s}, Env: []string{u}, Dir: s, Rootfs: u, Mounts: []mountSpec{{Source: s, Target: u}}},
			Cgroup:          cgroup{V2: s, V1: map[string]string{u: s}},
			containerStatus: containerStatus{Reason: s, Message: u},
		}}
		got, err := encodeEntry(e)
		if err != nil {
			t.Fatal(err)
		}
		if want := jsonLine(t, e); string(got) != string(want) {
			t.Fatalf("encodeEntry:\n%s\njson.Marshal:\n%s", got, want)
		}
		back, err := decodeLine(got[:len(got)-1])
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if back.Container == nil || back.Container.Config == nil || len(back.Container.Config.Labels) == 0 {
			t.Fatalf("decoded %+v", back.Container)
		}
	})
}

func BenchmarkEncodeEntry(b *testing.B) {
	sb, c := benchRecords()
	b.Run("sandbox", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeEntry(&journalEntry{Sandbox: sb}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("container", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeEntry(&journalEntry{Container: c}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchRecords are records like those of a pod the kubelet starts.
func benchRecords() (*sandboxRecord, *containerRecord) {
	now := time.Now()
	sb := &sandboxRecord{
		ID: newID(), CreatedAt: now, NoPause: true,
		Config: &kubelet.PodSandboxConfig{
			Metadata:     kubelet.PodSandboxMetadata{Name: "web-7d4b9c8f6-x2x9k", Namespace: "default", UID: "5f1c2a4e-8b7d-4c3e-9a1f-2b3c4d5e6f70"},
			Hostname:     "web-7d4b9c8f6-x2x9k",
			LogDirectory: "/var/log/pods/default_web-7d4b9c8f6-x2x9k_5f1c2a4e-8b7d-4c3e-9a1f-2b3c4d5e6f70",
			Labels:       map[string]string{"app": "web", "pod-template-hash": "7d4b9c8f6", "io.kubernetes.pod.name": "web-7d4b9c8f6-x2x9k", "io.kubernetes.pod.namespace": "default", "io.kubernetes.pod.uid": "5f1c2a4e-8b7d-4c3e-9a1f-2b3c4d5e6f70"},
			Annotations:  map[string]string{"kubernetes.io/config.source": "api"},
			Linux:        kubelet.LinuxPodSandboxConfig{CgroupParent: "besteffort", Namespaces: kubelet.NamespaceOptions{PID: kubelet.NamespaceModeContainer}},
		},
		Cgroup: cgroup{V2: "/sys/fs/cgroup/unified/rigging/besteffort/pod5f1c2a4e-8b7d-4c3e-9a1f-2b3c4d5e6f70",
			V1: map[string]string{"cpu": "/sys/fs/cgroup/cpu/rigging/besteffort/pod5f1c2a4e", "memory": "/sys/fs/cgroup/memory/rigging/besteffort/pod5f1c2a4e", "pids": "/sys/fs/cgroup/pids/rigging/besteffort/pod5f1c2a4e"}},
	}
	c := &containerRecord{
		ID: newID(), SandboxID: sb.ID, CreatedAt: now, PIDMode: kubelet.NamespaceModeContainer,
		Config: &kubelet.ContainerConfig{
			Metadata: kubelet.ContainerMetadata{Name: "web"}, Image: "python:3",
			Command: []string{"python3", "-m", "http.server", "8080"},
			Envs:    []kubelet.KeyValue{{Key: "PORT", Value: "8080"}, {Key: "KUBERNETES_SERVICE_HOST", Value: "10.96.0.1"}},
			LogPath: "web/0.log", Labels: map[string]string{"io.kubernetes.container.name": "web", "io.kubernetes.pod.uid": sb.Config.Metadata.UID},
			Resources: kubelet.LinuxContainerResources{CPUShares: 2},
		},
		Init:    initConfig{Argv: []string{"python3", "-m", "http.server", "8080"}, Env: []string{"PORT=8080", "KUBERNETES_SERVICE_HOST=10.96.0.1", "PATH=" + defaultPath}},
		LogPath: "/var/log/pods/default_web/web/0.log",
		Cgroup:  cgroup{V2: sb.Cgroup.V2 + "/ctr-" + newID(), V1: sb.Cgroup.V1},
	}
	return sb, c
}
