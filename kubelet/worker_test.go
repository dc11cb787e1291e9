package kubelet

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

func TestEchoOnly(t *testing.T) {
	written := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: "u1", ResourceVersion: "7"}}
	other := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: "u1", ResourceVersion: "8"}}
	for _, tc := range []struct {
		name    string
		pod     *corev1.Pod
		lastPod *corev1.Pod
		steady  bool
		poked   bool
		gone    bool
		want    bool
	}{
		{name: "echo of the last write after a steady sync", pod: written, lastPod: written, steady: true, want: true},
		{name: "not steady", pod: written, lastPod: written},
		{name: "poked too", pod: written, lastPod: written, steady: true, poked: true},
		{name: "deleted", pod: written, lastPod: written, steady: true, gone: true},
		{name: "changed by someone else", pod: other, lastPod: written, steady: true},
		{name: "never written", pod: written, steady: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := &podWorker{wake: make(chan struct{}, 1), pod: tc.pod, lastPod: tc.lastPod, steady: tc.steady, gone: tc.gone}
			if tc.poked {
				w.poke()
			}
			if got := w.echoOnly(); got != tc.want {
				t.Errorf("echoOnly() = %v, want %v", got, tc.want)
			}
			if w.poked {
				t.Error("echoOnly left the poke pending")
			}
		})
	}
}

func TestPokeIsConsumedOnce(t *testing.T) {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: "u1", ResourceVersion: "7"}}
	w := &podWorker{wake: make(chan struct{}, 1), pod: p, lastPod: p, steady: true}
	w.poke()
	w.update(p, false)
	if len(w.wake) != 1 {
		t.Fatalf("wake has %d nudges, want 1", len(w.wake))
	}
	if w.echoOnly() {
		t.Error("a poke was taken for an echo")
	}
	if !w.echoOnly() {
		t.Error("the echo after the consumed poke still syncs")
	}
}

// TestMkdirAsMkdirAll: mkdir makes what os.MkdirAll makes and fails where
// it fails.
func TestMkdirAsMkdirAll(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(base, "exists"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir string
		wantErr   bool
	}{
		{name: "new, parent exists", dir: filepath.Join(base, "new")},
		{name: "exists", dir: filepath.Join(base, "exists")},
		{name: "parents missing", dir: filepath.Join(base, "a", "b", "c")},
		{name: "is a file", dir: file, wantErr: true},
		{name: "under a file", dir: filepath.Join(file, "x"), wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := mkdir(tc.dir)
			if (err != nil) != tc.wantErr {
				t.Fatalf("mkdir(%s) = %v, want error %v", tc.dir, err, tc.wantErr)
			}
			if err2 := os.MkdirAll(tc.dir, 0o755); (err2 != nil) != (err != nil) {
				t.Errorf("mkdir: %v; os.MkdirAll: %v", err, err2)
			}
			if err != nil {
				return
			}
			fi, err := os.Stat(tc.dir)
			if err != nil || !fi.IsDir() {
				t.Errorf("%s is not a directory: %v", tc.dir, err)
			}
		})
	}
	if err := mkdir(filepath.Join(base, "missing", "x")); errors.Is(err, fs.ErrNotExist) {
		t.Errorf("mkdir did not make the missing parent: %v", err)
	}
}

// TestJSONEqualAsEncodingJSON: jsonEqual agrees with comparing
// encoding/json's output, at the API's one-second time precision.
func TestJSONEqualAsEncodingJSON(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	status := func(phase corev1.PodPhase, at time.Time, ready corev1.ConditionStatus) *corev1.PodStatus {
		return &corev1.PodStatus{Phase: phase, StartTime: &metav1.Time{Time: at},
			Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: ready, LastTransitionTime: metav1.NewTime(at)}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "app", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(at)}}}}}
	}
	base := status(corev1.PodRunning, t0, corev1.ConditionTrue)
	for _, tc := range []struct {
		name string
		b    any
	}{
		{"same", status(corev1.PodRunning, t0, corev1.ConditionTrue)},
		{"sub-second later", status(corev1.PodRunning, t0.Add(300*time.Millisecond), corev1.ConditionTrue)},
		{"a second later", status(corev1.PodRunning, t0.Add(time.Second), corev1.ConditionTrue)},
		{"other phase", status(corev1.PodPending, t0, corev1.ConditionTrue)},
		{"not ready", status(corev1.PodRunning, t0, corev1.ConditionFalse)},
		{"empty", &corev1.PodStatus{}},
	} {
		x, err1 := json.Marshal(base)
		y, err2 := json.Marshal(tc.b)
		want := err1 == nil && err2 == nil && bytes.Equal(x, y)
		if got := jsonEqual(base, tc.b); got != want {
			t.Errorf("%s: jsonEqual = %v, encoding/json says %v", tc.name, got, want)
		}
	}
}
