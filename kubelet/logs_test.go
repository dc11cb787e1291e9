package kubelet_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	"github.com/rigging-dev/rigging/client"
	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/fake"
)

func TestParseCRILogLine(t *testing.T) {
	ts := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	cases := []struct {
		in   string
		want kubelet.LogLine
		err  bool
	}{
		{"2026-01-02T03:04:05.0000006Z stdout F hello world", kubelet.LogLine{Time: ts, Stream: "stdout", Text: []byte("hello world")}, false},
		{"2026-01-02T03:04:05.0000006Z stderr P part", kubelet.LogLine{Time: ts, Stream: "stderr", Partial: true, Text: []byte("part")}, false},
		{"2026-01-02T03:04:05.0000006Z stdout F ", kubelet.LogLine{Time: ts, Stream: "stdout", Text: []byte{}}, false},
		{"2026-01-02T03:04:05.0000006Z stdout F", kubelet.LogLine{Time: ts, Stream: "stdout"}, false},
		{"garbage", kubelet.LogLine{}, true},
		{"2026-01-02T03:04:05Z stdin F x", kubelet.LogLine{}, true},
	}
	for _, c := range cases {
		got, err := kubelet.ParseCRILogLine([]byte(c.in))
		if (err != nil) != c.err {
			t.Errorf("%q: error %v", c.in, err)
			continue
		}
		if err != nil {
			continue
		}
		if !got.Time.Equal(c.want.Time) || got.Stream != c.want.Stream || got.Partial != c.want.Partial || string(got.Text) != string(c.want.Text) {
			t.Errorf("%q: got %+v want %+v", c.in, got, c.want)
		}
	}
}

func FuzzParseCRILogLine(f *testing.F) {
	f.Add([]byte("2026-01-02T03:04:05.0000006Z stdout F hello"))
	f.Add([]byte("2026-01-02T03:04:05Z stderr P "))
	f.Add([]byte(" "))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := kubelet.ParseCRILogLine(b)
		if err == nil && l.Stream != "stdout" && l.Stream != "stderr" {
			t.Fatalf("accepted stream %q", l.Stream)
		}
	})
}

func TestReadLogsJoinsPartialLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	content := "2026-01-02T03:04:05Z stdout P hel\n" +
		"2026-01-02T03:04:06Z stderr F err line\n" +
		"2026-01-02T03:04:07Z stdout F lo\n" +
		"not a log line\n" +
		"2026-01-02T03:04:08Z stdout F last\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		opts kubelet.LogOptions
		want string
	}{
		{"all", kubelet.LogOptions{}, "err line\nhello\nlast\n"},
		{"tail", kubelet.LogOptions{TailLines: 2}, "hello\nlast\n"},
		{"none", kubelet.LogOptions{NoLines: true}, ""},
		{"limit", kubelet.LogOptions{LimitBytes: 11}, "err line\nhe"},
		{"since", kubelet.LogOptions{Since: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC)}, "err line\nlast\n"},
		{"timestamps", kubelet.LogOptions{TailLines: 1, Timestamps: true}, "2026-01-02T03:04:08Z last\n"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		if err := kubelet.ReadLogs(context.Background(), path, c.opts, &buf); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if d := cmp.Diff(c.want, buf.String()); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestContainerLogs(t *testing.T) {
	h := newHarness(t, harnessOpts{fake: fake.Options{Images: map[string]fake.Behavior{
		"talker": {Stdout: []string{"one", "two", "three"}, Stderr: []string{"oops"}},
	}}})
	created := h.createPod(simplePod("logs", ctr("app", "talker"), ctr("side", "quiet")))
	p := h.waitPod("logs", "running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	base := "http://" + h.k.Addr() + "/containerLogs/default/logs/app"

	for _, c := range []struct{ query, want string }{
		{"", "one\ntwo\nthree\noops\n"},
		{"?tailLines=2", "three\noops\n"},
		{"?limitBytes=5", "one\nt"},
	} {
		code, body := httpGet(t, base+c.query)
		if code != 200 || body != c.want {
			t.Errorf("GET %s: %d %q, want %q", c.query, code, body, c.want)
		}
	}
	if code, body := httpGet(t, base+"?timestamps=true&tailLines=1"); code != 200 || !strings.HasSuffix(body, " oops\n") || !strings.HasPrefix(body, "2026-01-01T00:00:00") {
		t.Errorf("timestamps: %d %q", code, body)
	}
	if code, _ := httpGet(t, base+"?previous=true"); code != 400 {
		t.Errorf("previous before any restart: %d, want 400", code)
	}
	if code, _ := httpGet(t, "http://"+h.k.Addr()+"/containerLogs/default/nope/app"); code != 404 {
		t.Errorf("unknown pod: %d, want 404", code)
	}
	if code, body := httpGet(t, "http://"+h.k.Addr()+"/healthz"); code != 200 || body != "ok" {
		t.Errorf("healthz: %d %q", code, body)
	}

	// The previous run's log after a restart.
	logDir := filepath.Join(h.rootDir, "logs")
	appendLog(t, filepath.Join(logDir, string(created.UID)+"_app_0.log"), "last words")
	id := strings.TrimPrefix(cstatus(p, "app").ContainerID, "fake://")
	if err := h.rt.KillContainer(id, 1); err != nil {
		t.Fatal(err)
	}
	p = h.waitPod("logs", "restarted", func(p *corev1.Pod) bool {
		cs := cstatus(p, "app")
		return cs.RestartCount == 1 && cs.State.Running != nil
	})
	if code, body := httpGet(t, base+"?previous=true&tailLines=1"); code != 200 || body != "last words\n" {
		t.Errorf("previous: %d %q", code, body)
	}
	if code, body := httpGet(t, base+"?tailLines=1"); code != 200 || body != "oops\n" {
		t.Errorf("current: %d %q", code, body)
	}

	// Through the API server's pods/log, following: new lines arrive,
	// and the stream ends when the container stops.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tail := int64(1)
	rc, err := client.PodLogs(ctx, h.env.Client, "default", "logs", client.PodLogOptions{Container: "app", Follow: true, TailLines: &tail})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	readLine := func() string {
		var line []byte
		b := make([]byte, 1)
		for {
			if _, err := rc.Read(b); err != nil {
				t.Fatalf("read followed log: %v (so far %q)", err, line)
			}
			if b[0] == '\n' {
				return string(line)
			}
			line = append(line, b[0])
		}
	}
	if l := readLine(); l != "oops" {
		t.Errorf("first followed line %q", l)
	}
	appendLog(t, filepath.Join(logDir, string(created.UID)+"_app_1.log"), "fresh")
	if l := readLine(); l != "fresh" {
		t.Errorf("followed line %q, want fresh", l)
	}
	id = strings.TrimPrefix(cstatus(p, "app").ContainerID, "fake://")
	if err := h.rt.KillContainer(id, 0); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(rc); err != nil || len(rest) != 0 {
		t.Errorf("after the container stopped: %q %v", rest, err)
	}

	// The same through the API server's HTTP listener.
	hc, err := client.New(client.Config{Host: h.env.URL})
	if err != nil {
		t.Fatal(err)
	}
	rc2, err := client.PodLogs(ctx, hc, "default", "logs", client.PodLogOptions{Container: "app", TailLines: &tail})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc2)
	rc2.Close()
	if err != nil || string(b) != "fresh\n" {
		t.Errorf("logs over HTTP: %q %v", b, err)
	}

	// The API server's refusals.
	_, err = client.PodLogs(ctx, h.env.Client, "default", "logs", client.PodLogOptions{})
	if st := apiStatus(err); st == nil || st.Code != 400 || st.Message != "a container name must be specified for pod logs, choose one of: [app side]" {
		t.Errorf("ambiguous container: %v", err)
	}
	_, err = client.PodLogs(ctx, h.env.Client, "default", "ghost", client.PodLogOptions{})
	if !client.IsNotFound(err) {
		t.Errorf("unknown pod: %v", err)
	}
	unbound := simplePod("unbound", ctr("app", "x"))
	unbound.Namespace = "default"
	if _, err := h.pods.Create(ctx, unbound, client.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = client.PodLogs(ctx, h.env.Client, "default", "unbound", client.PodLogOptions{})
	if st := apiStatus(err); st == nil || st.Code != 400 || st.Message != "pod unbound does not have a host assigned" {
		t.Errorf("unbound pod: %v", err)
	}
}

func apiStatus(err error) *struct {
	Code    int32
	Message string
} {
	var ae *client.APIError
	if !errors.As(err, &ae) {
		return nil
	}
	return &struct {
		Code    int32
		Message string
	}{ae.Status.Code, ae.Status.Message}
}

func appendLog(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(time.Now().UTC().Format(time.RFC3339Nano) + " stdout F " + text + "\n"); err != nil {
		t.Fatal(err)
	}
}
