package process

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/rigging-dev/rigging/kubelet"
)

// fill sets every exported field reachable from v (a pointer) to a
// non-zero value, so that a field the journal drops shows in a diff,
// including fields added to the kubelet's types later.
func fill(t *testing.T, v any) {
	t.Helper()
	n := 0
	var f func(v reflect.Value)
	f = func(v reflect.Value) {
		n++
		switch v.Kind() {
		case reflect.String:
			v.SetString("s" + strconv.Itoa(n) + " \"q\"\n\x00é")
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			v.SetInt(int64(n))
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			v.SetUint(uint64(n))
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
			f(v.Elem())
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
			for i := range 2 {
				f(v.Index(i))
			}
		case reflect.Map:
			v.Set(reflect.MakeMap(v.Type()))
			for range 2 {
				k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
				f(k)
				f(e)
				v.SetMapIndex(k, e)
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				v.Set(reflect.ValueOf(time.Date(2026, 11, 28, 12, 0, n, 123456789, time.UTC)))
				return
			}
			for i := range v.NumField() {
				if v.Field(i).CanSet() {
					f(v.Field(i))
				}
			}
		default:
			t.Fatalf("fill: kind %s (%s) not handled", v.Kind(), v.Type())
		}
	}
	f(reflect.ValueOf(v).Elem())
}

func fullRecords(t *testing.T) (*sandboxRecord, *containerRecord) {
	sb, c := new(sandboxRecord), new(containerRecord)
	fill(t, sb)
	fill(t, c)
	fill(t, &c.containerStatus) // embedded and unexported: fill skips it
	c.SandboxID = sb.ID
	if sb.Config.Linux.Sysctls == nil || c.Config.Resources.PidsLimit == 0 || c.PIDStart == 0 || c.Init.Mounts[1].Source == "" {
		t.Fatal("fill left fields empty")
	}
	return sb, c
}

var cmpRecords = []cmp.Option{cmp.AllowUnexported(containerRecord{}), cmpopts.EquateEmpty()}

func TestJournalRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), journalName)
	j, st, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.sandboxes)+len(st.containers) != 0 {
		t.Fatalf("new journal holds %+v", st)
	}
	sb, c := fullRecords(t)
	gone := &sandboxRecord{ID: "gone", Config: &kubelet.PodSandboxConfig{}}
	goneC := &containerRecord{ID: "gone-c", SandboxID: "gone", Config: &kubelet.ContainerConfig{}}
	for _, err := range []error{
		j.putSandbox(gone), j.putContainer(goneC),
		j.putSandbox(sb), j.putContainer(c),
		j.removeContainer(goneC.ID), j.removeSandbox(gone.ID),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// A status replaces the status part of the record only.
	status := containerStatus{State: kubelet.ContainerExited, StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
		FinishedAt: time.Date(2026, 1, 2, 3, 4, 6, 0, time.FixedZone("x", 3600)), ExitCode: 137,
		Reason: kubelet.ReasonOOMKilled, Message: "line\nbreak", PID: 42, PIDStart: 99}
	if err := j.putContainerStatus(c.ID, &status); err != nil {
		t.Fatal(err)
	}
	// A status written after the removal is dropped.
	if err := j.putContainerStatus(goneC.ID, &status); err != nil {
		t.Fatal(err)
	}
	j.Close()

	_, st, err = openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	wantC := *c
	wantC.containerStatus = status
	if diff := cmp.Diff(map[string]*sandboxRecord{sb.ID: sb}, st.sandboxes, cmpRecords...); diff != "" {
		t.Errorf("sandboxes after reopening (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]*containerRecord{c.ID: &wantC}, st.containers, cmpRecords...); diff != "" {
		t.Errorf("containers after reopening (-want +got):\n%s", diff)
	}
	// Every line is one line, whatever the strings hold.
	data, _ := os.ReadFile(path)
	if got := bytes.Count(data, []byte("\n")); got != 7 {
		t.Errorf("journal has %d lines, want 7:\n%s", got, data)
	}
}

// TestJournalTornTail: a line cut short at the end (the runtime was killed
// while writing it) is dropped and cut off, and appending goes on after
// the last complete line.
func TestJournalTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), journalName)
	j, _, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	sb, c := fullRecords(t)
	if err := j.putSandbox(sb); err != nil {
		t.Fatal(err)
	}
	j.Close()
	good, _ := os.ReadFile(path)
	line, err := encodeEntry(&journalEntry{Container: c})
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{1, 9, len(line) / 2, len(line) - 1} {
		if err := os.WriteFile(path, append(bytes.Clone(good), line[:cut]...), 0o600); err != nil {
			t.Fatal(err)
		}
		j, st, err := openJournal(path)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if len(st.sandboxes) != 1 || len(st.containers) != 0 {
			t.Errorf("cut at %d: %d sandboxes, %d containers; want 1, 0", cut, len(st.sandboxes), len(st.containers))
		}
		if data, _ := os.ReadFile(path); !bytes.Equal(data, good) {
			t.Errorf("cut at %d: the unfinished line was not cut off", cut)
		}
		if err := j.putContainer(c); err != nil {
			t.Fatal(err)
		}
		j.Close()
		if _, st, err := openJournal(path); err != nil || len(st.containers) != 1 {
			t.Errorf("cut at %d: after appending: %d containers, %v; want 1", cut, len(st.containers), err)
		}
	}
}

// TestJournalCorrupt: a damaged complete line is an error that names the
// file and the line, and wraps ErrCorruptState.
func TestJournalCorrupt(t *testing.T) {
	sb, _ := fullRecords(t)
	good, err := encodeEntry(&journalEntry{Sandbox: sb})
	if err != nil {
		t.Fatal(err)
	}
	withSum := func(payload string) string { return string(frameLine([]byte(payload))) }
	flipped := bytes.Clone(good)
	flipped[20] ^= 1
	for name, second := range map[string]string{
		"checksum mismatch": string(flipped),
		"checksum not hex":  "zzzzzzzz" + string(good[8:]),
		"no checksum":       "{}\n",
		"empty line":        "\n",
		"not JSON":          withSum("{not json"),
		"no object":         withSum("{}"),
		"two objects":       withSum(`{"removeSandbox":"a","removeContainer":"b"}`),
		"record w/o config": withSum(`{"sandbox":{"id":"x"}}`),
		"container w/o IDs": withSum(`{"container":{"id":"x","config":{}}}`),
		"status without ID": withSum(`{"containerStatus":{"state":1}}`),
		"wrong field type":  withSum(`{"sandbox":{"id":7,"config":{}}}`),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), journalName)
			data := string(good) + second + string(good)
			if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := openJournal(path)
			if !errors.Is(err, ErrCorruptState) {
				t.Fatalf("openJournal: %v, want an error wrapping ErrCorruptState", err)
			}
			if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "line 2 ") {
				t.Errorf("error %q does not name the file and line 2", msg)
			}
			if after, _ := os.ReadFile(path); string(after) != data {
				t.Error("openJournal changed a corrupt journal")
			}
		})
	}
}

// TestJournalRewrite: once superseded lines fill most of the file, it is
// rewritten with the live lines only, and reads back the same.
func TestJournalRewrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), journalName)
	j, _, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	j.compactMin = 16 << 10
	sb, c := fullRecords(t)
	if err := j.putSandbox(sb); err != nil {
		t.Fatal(err)
	}
	maxSize := int64(0)
	rewrites := 0
	for i := range 500 {
		c.ID = "c" + strconv.Itoa(i%7)
		before := j.size
		var err error
		switch i % 3 {
		case 0:
			err = j.putContainer(c)
		case 1:
			c.ExitCode = int32(i)
			err = j.putContainerStatus(c.ID, &c.containerStatus)
		default:
			if i%21 == 2 {
				err = j.removeContainer(c.ID)
			} else {
				err = j.putContainerStatus(c.ID, &c.containerStatus)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		if j.size < before {
			rewrites++
		}
		maxSize = max(maxSize, j.size)
	}
	if rewrites == 0 {
		t.Fatal("the journal was never rewritten")
	}
	if limit := 4*j.liveSize + 16<<10 + 4<<10; maxSize > limit {
		t.Errorf("journal grew to %d bytes, want at most %d", maxSize, limit)
	}
	want := journalState{sandboxes: map[string]*sandboxRecord{}, containers: map[string]*containerRecord{}}
	data, _ := os.ReadFile(path)
	if int64(len(data)) != j.size {
		t.Errorf("file has %d bytes, journal counts %d", len(data), j.size)
	}
	// What is live in memory is what the file reads back as.
	for _, l := range j.live {
		st, _, _, err := replayJournal(append(bytes.Clone(l.record), l.status...))
		if err != nil {
			t.Fatal(err)
		}
		for id, s := range st.sandboxes {
			want.sandboxes[id] = s
		}
		for id, c := range st.containers {
			want.containers[id] = c
		}
	}
	j.Close()
	_, got, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, append(cmpRecords, cmp.AllowUnexported(journalState{}))...); diff != "" {
		t.Errorf("after rewrites (-live in memory +read back):\n%s", diff)
	}
	if len(got.containers) == 0 || len(got.sandboxes) != 1 {
		t.Errorf("read back %d sandboxes, %d containers", len(got.sandboxes), len(got.containers))
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left: %v", err)
	}
}

// TestJournalWriteFailure: after a write that fails and cannot be cut
// off, the next write rewrites the file, so that it holds whole lines and
// every record the runtime has.
func TestJournalWriteFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), journalName)
	j, _, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	sb, c := fullRecords(t)
	if err := j.putSandbox(sb); err != nil {
		t.Fatal(err)
	}
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0) // every write fails with ENOSPC
	if err != nil {
		t.Fatal(err)
	}
	good := j.f
	j.f = full
	if err := j.putContainer(c); err == nil {
		t.Fatal("a write to /dev/full succeeded")
	}
	if !j.broken {
		t.Fatal("a write that could not be cut off did not mark the journal for a rewrite")
	}
	good.Close()
	// The failed write is not recorded: its status has no record to
	// apply to. The next record rewrites the file.
	if err := j.putContainerStatus(c.ID, &c.containerStatus); err != nil || !j.broken {
		t.Fatalf("status of a container never recorded: %v, broken %v; want it dropped, the file still to rewrite", err, j.broken)
	}
	if err := j.putContainer(c); err != nil {
		t.Fatal(err)
	}
	if j.broken {
		t.Error("still marked for a rewrite after one")
	}
	c.ExitCode = 3
	if err := j.putContainerStatus(c.ID, &c.containerStatus); err != nil {
		t.Fatal(err)
	}
	j.Close()
	_, st, err := openJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]*containerRecord{c.ID: c}, st.containers, cmpRecords...); diff != "" {
		t.Errorf("containers after the rewrite (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]*sandboxRecord{sb.ID: sb}, st.sandboxes, cmpRecords...); diff != "" {
		t.Errorf("sandboxes after the rewrite (-want +got):\n%s", diff)
	}
}

func FuzzReplayJournal(f *testing.F) {
	sb := &sandboxRecord{ID: "s", Config: &kubelet.PodSandboxConfig{Hostname: "h"}}
	c := &containerRecord{ID: "c", SandboxID: "s", Config: &kubelet.ContainerConfig{Image: "i"}}
	var seed []byte
	for _, e := range []*journalEntry{{Sandbox: sb}, {Container: c},
		{ContainerStatus: &containerStatusEntry{ID: "c", containerStatus: containerStatus{State: kubelet.ContainerRunning}}},
		{RemoveContainer: "c"}, {RemoveSandbox: "s"}} {
		line, err := encodeEntry(e)
		if err != nil {
			f.Fatal(err)
		}
		seed = append(seed, line...)
		f.Add(bytes.Clone(seed))
	}
	f.Add(seed[:len(seed)-3])
	f.Fuzz(func(t *testing.T, data []byte) {
		st, live, good, err := replayJournal(data)
		if err != nil {
			if !errors.Is(err, ErrCorruptState) {
				t.Fatalf("error %v does not wrap ErrCorruptState", err)
			}
			return
		}
		if good > len(data) || good > 0 && data[good-1] != '\n' || bytes.IndexByte(data[good:], '\n') >= 0 {
			t.Fatalf("good prefix %d of %q", good, data)
		}
		// The live lines replay to the same state.
		var again []byte
		for _, l := range live {
			again = append(again, l.record...)
			again = append(again, l.status...)
		}
		st2, _, _, err := replayJournal(again)
		if err != nil {
			t.Fatalf("live lines: %v", err)
		}
		if diff := cmp.Diff(st, st2, append(cmpRecords, cmp.AllowUnexported(journalState{}))...); diff != "" {
			t.Fatalf("live lines replay differently (-all +live):\n%s", diff)
		}
	})
}
