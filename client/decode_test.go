package client

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// podJSON is pod i as the API server sends it in lists and watch events,
// with a status as a kubelet writes it.
func podJSON(i int) string {
	return fmt.Sprintf(`{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-%d","generateName":"web-",`+
		`"namespace":"bench","uid":"6f1c1d2e-0000-4000-8000-%012d","resourceVersion":"%d","creationTimestamp":"2026-01-02T03:04:05Z",`+
		`"labels":{"app":"web","tier":"front"},"annotations":{"note":"caf\u00e9 \"q\""},`+
		`"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web","uid":"u-rs","controller":true}]},`+
		`"spec":{"containers":[{"name":"app","image":"registry.local/app:1.0","ports":[{"containerPort":8080,"protocol":"TCP"}],`+
		`"resources":{"requests":{"cpu":"100m","memory":"64Mi"}}}],"restartPolicy":"Always","nodeName":"node-%d",`+
		`"terminationGracePeriodSeconds":30},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True",`+
		`"lastTransitionTime":"2026-01-02T03:04:09Z"}],"hostIP":"10.0.0.%d","podIP":"10.244.0.%d","startTime":"2026-01-02T03:04:06Z",`+
		`"containerStatuses":[{"name":"app","state":{"running":{"startedAt":"2026-01-02T03:04:08Z"}},"ready":true,"restartCount":0,`+
		`"image":"registry.local/app:1.0","imageID":"sha256:0123"}]}}`, i, i, 100+i, i%7, i%250, i%250)
}

func podListJSON(n int) string {
	var b strings.Builder
	b.WriteString(`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"4242","continue":"c-1"},"items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(podJSON(i))
	}
	b.WriteString("]}")
	return b.String()
}

// listCases are list bodies: the server's form, which decodeList must
// take, and others it must leave to encoding/json, valid or not.
var listCases = []struct {
	name string
	data string
	fast bool // decodeList must decode it itself
}{
	{"pods", podListJSON(3), true},
	{"spaced", " {\n\t\"kind\" : \"PodList\" ,\r\n \"items\" : [ " + podJSON(1) + " , " + podJSON(2) + " ] , \"metadata\" : { } } \n", true},
	{"no items", `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"}}`, true},
	{"empty items", `{"items":[]}`, true},
	{"null items", `{"items":null,"kind":null,"apiVersion":null,"metadata":null}`, true},
	{"null item", `{"items":[null,{"metadata":{"name":"a"}}]}`, true},
	{"empty object", `{}`, true},
	{"unicode kind", `{"kind":"Pod€List"}`, true},
	// Escapes and invalid UTF-8 are unescaped by jsontext exactly as
	// encoding/json unescapes them.
	{"escaped kind", `{"kind":"Pod\u004cist"}`, true},
	{"escaped key", `{"kin\u0064":"PodList"}`, true},
	{"case-folded key", `{"Kind":"PodList","ITEMS":[{}]}`, false},
	{"unknown key", `{"kind":"PodList","extra":{"a":[1,2]},"items":[]}`, false},
	{"duplicate items", `{"items":[{"metadata":{"name":"a"}}],"items":[{"metadata":{"namespace":"b"}}]}`, false},
	{"duplicate metadata", `{"metadata":{"resourceVersion":"1"},"metadata":{"continue":"x"}}`, false},
	{"invalid utf8 kind", "{\"kind\":\"Pod\xffList\"}", true},
	{"control in kind", "{\"kind\":\"Pod\tList\"}", false},
	{"kind number", `{"kind":5}`, false},
	{"items object", `{"items":{}}`, false},
	{"item string", `{"items":["x"]}`, false},
	{"item type error", `{"items":[{"metadata":{"name":5}}]}`, false},
	{"metadata type error", `{"metadata":{"resourceVersion":5}}`, false},
	{"syntax error in item", `{"items":[{"metadata":{"name":"a"}]}`, false},
	{"syntax after type error", `{"items":[{"metadata":{"name":5}}],"kind":x}`, false},
	{"missing comma", `{"items":[{} {}]}`, false},
	{"trailing comma", `{"items":[{},]}`, false},
	{"trailing data", `{"items":[]} x`, false},
	{"two values", `{}{}`, false},
	{"cut off", podListJSON(2)[:500], false},
	{"empty", ``, false},
	{"not an object", `[]`, false},
	{"null", `null`, false},
	{"nullx", `{"kind":nullx}`, false},
	{"deep item", `{"items":[{"metadata":{"annotations":` + strings.Repeat(`[`, 9998) + strings.Repeat(`]`, 9998) + `}}]}`, false},
}

// decodeListRef is what List decoded lists with before decodeList.
func decodeListRef(data []byte) (*List[corev1.Pod], error) {
	out := new(List[corev1.Pod])
	err := json.Unmarshal(data, out)
	return out, err
}

func checkListMatches(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := decodeListRef(data)
	got := new(List[corev1.Pod])
	err := got.unmarshalList(data)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Fatalf("error %v, want encoding/json's %v", err, wantErr)
	}
	if err != nil {
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("list differs from encoding/json's (-want +got):\n%s", diff)
	}
	if (want.Items == nil) != (got.Items == nil) {
		t.Fatalf("items nil: %v, want %v", got.Items == nil, want.Items == nil)
	}
}

func TestListDecodingMatchesEncodingJSON(t *testing.T) {
	for _, tt := range listCases {
		t.Run(tt.name, func(t *testing.T) {
			checkListMatches(t, []byte(tt.data))
			if fast := decodeList([]byte(tt.data), new(List[corev1.Pod])); fast != tt.fast {
				t.Errorf("decodeList took it: %v, want %v", fast, tt.fast)
			}
		})
	}
}

func FuzzListDecoding(f *testing.F) {
	for _, tt := range listCases {
		if len(tt.data) < 4096 {
			f.Add(tt.data)
		}
	}
	f.Fuzz(func(t *testing.T, data string) {
		checkListMatches(t, []byte(data))
	})
}

// eventRecord is an Event in comparable form.
type eventRecord struct {
	Type metav1.EventType
	Obj  *corev1.Pod
	Err  string
}

// collect runs a watcher over stream and returns its events.
func collect(stream io.Reader, slow bool) []eventRecord {
	r := NewResource[corev1.Pod](nil, Pods)
	var w *Watcher[corev1.Pod]
	if slow {
		// The decoding before frameReader: json.Decoder on the whole stream.
		w = &Watcher[corev1.Pod]{ch: make(chan Event[corev1.Pod]), body: io.NopCloser(stream),
			done: make(chan struct{}), exited: make(chan struct{}), r: r}
		go func() {
			defer close(w.exited)
			defer close(w.ch)
			w.decodeStream(json.NewDecoder(stream))
		}()
	} else {
		w = newWatcher(io.NopCloser(stream), r)
	}
	var got []eventRecord
	for ev := range w.ResultChan() {
		rec := eventRecord{Type: ev.Type, Obj: ev.Object}
		if ev.Err != nil {
			rec.Err = ev.Err.Error()
		}
		got = append(got, rec)
	}
	w.Stop()
	return got
}

func checkWatchMatches(t *testing.T, stream string) {
	t.Helper()
	want := collect(strings.NewReader(stream), true)
	if diff := cmp.Diff(want, collect(strings.NewReader(stream), false)); diff != "" {
		t.Fatalf("events differ from json.Decoder's (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, collect(iotest.OneByteReader(strings.NewReader(stream)), false)); diff != "" {
		t.Fatalf("events read a byte at a time differ from json.Decoder's (-want +got):\n%s", diff)
	}
}

var watchStreams = []string{
	`{"type":"ADDED","object":` + podJSON(1) + "}\n" + `{"type":"MODIFIED","object":` + podJSON(2) + "}\n",
	`{"type":"ADDED","object":{"metadata":{"name":"a\"}{]["}}}{"type":"DELETED","object":{}}`,
	" \r\n\t" + `{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"3"}}}` + "  ",
	`{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"gone"}}{"type":"ADDED","object":{}}`,
	`{"type":"ADDED","object":{}}x`,
	`{"type":"ADDED","object":{}}]`,
	`{"type":"ADDED","object":{]}`,
	`{"type":"ADDED","object":{"metadata":{"name":5}}}`,
	`{"type":5,"object":{}}`,
	`{"type":"ADDED","object":{}`,
	`{"type":"ADDED","object":{"metadata":{"name":"\u00e9\\"}}}`,
	`{"Type":"ADDED","OBJECT":{}}`,
	`{"type":"ADDED","type":"DELETED","object":{}}`,
	`{"type":"ADDED","object":{},"extra":1}`,
	`null{"type":"ADDED","object":{}}`,
	`[{"type":"ADDED","object":{}}]`,
	"{\"type\":\"ADDED\x01\",\"object\":{}}",
	`{"type":"ADDED","object":{}} {"type":"ADDED","object":{"metadata":{"name":"b"}}} 7`,
	`{"object":{"metadata":{"name":"x"}},"type":"DELETED"}`,
	`{"type":"ADDED","object":null}`,
	`{"type":"ADDED"}{"object":{}}`,
	`{"type":"ADDED","object":{},}`,
	`{"type":"ADDED","object":{}"x"}`,
	`{"type":"ADDED","object":"str"}`,
	`{"type":"ADDED","object":{"metadata":{"name":"a"}}}` + "\n" + `{"type":"ERROR","object":{"kind":"Status","code":410}}`,
	``,
}

func TestWatchDecodingMatchesDecoder(t *testing.T) {
	for i, stream := range watchStreams {
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkWatchMatches(t, stream) })
	}
}

func FuzzWatchMatchesDecoder(f *testing.F) {
	for _, s := range watchStreams {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, stream string) { checkWatchMatches(t, stream) })
}

func BenchmarkListDecode(b *testing.B) {
	data := []byte(podListJSON(100))
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := decodeListRef(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("scanner", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if err := new(List[corev1.Pod]).unmarshalList(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkWatchDecode(b *testing.B) {
	var s strings.Builder
	for i := range 100 {
		fmt.Fprintf(&s, `{"type":"MODIFIED","object":%s}`+"\n", podJSON(i))
	}
	stream := s.String()
	for _, slow := range []bool{true, false} {
		name := "frames"
		if slow {
			name = "json-decoder"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(stream)))
			for b.Loop() {
				if n := len(collect(strings.NewReader(stream), slow)); n != 100 {
					b.Fatalf("%d events", n)
				}
			}
		})
	}
}

// widget is a user's kind. It embeds api types whose generated code is not
// its own (jsoncodec.As), so lists and watch events of it are walked by
// jsontext and each item decoded by encoding/json.
type widget struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              map[string]any `json:"spec,omitempty"`
}

func TestListDecodingUserKind(t *testing.T) {
	if decodesInPlace[widget]() {
		t.Fatal("decodesInPlace[widget]() = true, want false")
	}
	cases := append([]string{`{"items":[{"metadata":{"name":"a"},"spec":{"x":[1,"y"]}},null]}`}, watchStreams...)
	for _, tt := range listCases {
		cases = append(cases, tt.data)
	}
	for i, data := range cases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			want := new(List[widget])
			wantErr := json.Unmarshal([]byte(data), want)
			got := new(List[widget])
			err := got.unmarshalList([]byte(data))
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("error %v, want encoding/json's %v", err, wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("list differs from encoding/json's (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWatchDecodingUserKind(t *testing.T) {
	r := NewResource[widget](nil, ResourceInfo{GroupVersionResource{"example.com", "v1", "widgets"}, "Widget", true})
	run := func(stream string, slow bool) []Event[widget] {
		var w *Watcher[widget]
		if slow {
			w = &Watcher[widget]{ch: make(chan Event[widget]), body: io.NopCloser(strings.NewReader(stream)),
				done: make(chan struct{}), exited: make(chan struct{}), r: r}
			go func() {
				defer close(w.exited)
				defer close(w.ch)
				w.decodeStream(json.NewDecoder(strings.NewReader(stream)))
			}()
		} else {
			w = newWatcher(io.NopCloser(strings.NewReader(stream)), r)
		}
		var got []Event[widget]
		for ev := range w.ResultChan() {
			got = append(got, ev)
		}
		w.Stop()
		return got
	}
	streams := append([]string{`{"type":"ADDED","object":{"metadata":{"name":"a"},"spec":{"x":[1,"y"]}}}` + "\n" +
		`{"object":{"metadata":{"name":"b"}},"type":"DELETED"}`}, watchStreams...)
	for i, stream := range streams {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			want, got := run(stream, true), run(stream, false)
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b error) bool { return fmt.Sprint(a) == fmt.Sprint(b) })); diff != "" {
				t.Fatalf("events differ from json.Decoder's (-want +got):\n%s", diff)
			}
			if i == 0 && (len(got) != 2 || got[0].Object.Name != "a" || got[0].Object.Kind != "Widget" || got[1].Type != metav1.Deleted) {
				t.Fatalf("events %+v", got)
			}
		})
	}
}
