// Package apiserver benchmarks Rigging's API server (apiserver on
// store/mvcc, fsync on) over real HTTP on loopback: pod creation at 1, 16
// and 100 concurrent clients, driven both by clients in the server's own
// process (create/inproc) and by a load generator in a separate process
// (create/external, see loadgen_test.go), listing 10,000 pods three ways,
// and event delivery to 1,000 watch streams. Run every row with
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 15m ./apiserver/
//
// from the bench directory; see README.md.
package apiserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rigging-dev/rigging/apiserver"
	"github.com/rigging-dev/rigging/internal/testpods"
	"github.com/rigging-dev/rigging/store/mvcc"
)

var (
	flagDuration     = flag.Duration("apiserver.duration", 5*time.Second, "time of each create row, least time of each list row")
	flagPods         = flag.Int("apiserver.pods", 10000, "pods listed by the list rows")
	flagPage         = flag.Int("apiserver.page", 500, "page size of the paginated list row")
	flagWatchers     = flag.Int("apiserver.watchers", 1000, "watch streams of the fan-out row")
	flagWatchCreates = flag.Int("apiserver.watchcreates", 500, "creates of the fan-out row")
	flagWatchWriters = flag.Int("apiserver.watchwriters", 16, "concurrent creators of the fan-out row")
	flagClient       = flag.String("apiserver.client", clientRaw, "the create rows' clients: raw (HTTP/1.1 written and parsed by the benchmark, the lightest load generator) or nethttp (net/http's client)")
	flagWatchTimeout = flag.Duration("apiserver.watchtimeout", 3*time.Minute, "how long the fan-out row waits for every delivery")
)

// env is one API server on one mvcc store, served on 127.0.0.1:0.
type env struct {
	url string
}

var (
	envOnce sync.Once
	theEnv  *env
	envErr  error
	rows    []string // result lines, printed at the end
	rowsMu  sync.Mutex
)

// TestMain closes the shared server after every benchmark ran and prints
// the collected table.
//
// When RIGGING_APISERVER_LOADGEN is set, the binary is instead the
// separate-process load generator of the create/external rows: it runs
// that configuration, writes its result to stdout and exits without
// running any test or benchmark.
func TestMain(m *testing.M) {
	if cfg, ok := os.LookupEnv(loadgenEnv); ok {
		os.Exit(loadgenMain(cfg, os.Stdin, os.Stdout))
	}
	flag.Parse()
	// The server process runs as examples/cluster runs its API server:
	// with one P more than Go would use, unless GOMAXPROCS is set in the
	// environment (GOMAXPROCS=2 gives Go's default on 2 CPUs). On the
	// 2-CPU machine of bench/RESULTS.md that gave the 100-client create
	// rows 13% more creates/s and a p99 1-2 ms lower.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
	}
	var cleanup func()
	setup = func() (*env, error) {
		envOnce.Do(func() { theEnv, cleanup, envErr = start() })
		return theEnv, envErr
	}
	load0 := loadavg()
	code := m.Run()
	if cleanup != nil {
		cleanup()
	}
	if len(rows) > 0 {
		fmt.Printf("\n## apiserver (%s, %s, GOMAXPROCS=%d, load %s -> %s)\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.Version(), runtime.GOMAXPROCS(0), load0, loadavg())
		fmt.Println("| row | result |")
		fmt.Println("|---|---|")
		for _, r := range rows {
			fmt.Println(r)
		}
	}
	os.Exit(code)
}

var setup func() (*env, error)

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func record(format string, args ...any) {
	rowsMu.Lock()
	defer rowsMu.Unlock()
	rows = append(rows, fmt.Sprintf(format, args...))
}

// start opens mvcc (all defaults: fsync on, group commit; with
// BENCH_MVCC_WAL=1 in the environment, the variant with
// Options.WriteAheadLog; BENCH_MVCC_PAGESIZE sets Options.PageSize) in a
// temporary directory and serves an API server
// (all defaults) on it over loopback.
func start() (*env, func(), error) {
	dir, err := os.MkdirTemp("", "bench-apiserver")
	if err != nil {
		return nil, nil, err
	}
	ctx := context.Background()
	so := mvcc.Options{Dir: dir, WriteAheadLog: os.Getenv("BENCH_MVCC_WAL") == "1"}
	if v := os.Getenv("BENCH_MVCC_PAGESIZE"); v != "" {
		if so.PageSize, err = strconv.Atoi(v); err != nil {
			os.RemoveAll(dir)
			return nil, nil, fmt.Errorf("BENCH_MVCC_PAGESIZE=%q: %w", v, err)
		}
	}
	st, err := mvcc.Open(ctx, so)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("open mvcc in %s: %w", dir, err)
	}
	s, err := apiserver.New(st, apiserver.Options{})
	if err != nil {
		st.Close()
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("new apiserver: %w", err)
	}
	if err := s.Start(ctx); err != nil {
		st.Close()
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("start apiserver: %w", err)
	}
	ts := httptest.NewServer(s) // listens on 127.0.0.1:0
	cleanup := func() {
		ts.CloseClientConnections()
		ts.Close()
		s.Close()
		st.Close()
		os.RemoveAll(dir)
	}
	return &env{url: ts.URL}, cleanup, nil
}

// newClient is one client's own HTTP client with its own keep-alive
// connections.
func newClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}}
}

// podJSON is a pod as `kubectl run`/a Deployment would create it: nginx
// with labels, annotations, resources, ports, probes, env and a volume
// (the pod every benchmark of the project creates).
func podJSON(ns, name string) []byte { return testpods.JSON(ns, name) }

// create posts one pod and returns an error unless the server answered 201.
func create(c *http.Client, base, ns, name string) error {
	return newCreator(c, base, ns).create(name)
}

// creator is one client's pod creator. It keeps what a lean load
// generator keeps between requests, so that the benchmark measures the
// server rather than the client: the request (URL parsed and headers set
// once, sent again once the previous response's body is closed, as
// net/http allows), the pod's JSON around its name (the body is podJSON's,
// byte for byte) and the buffers for the request and response bodies. It
// sends through the client's transport, skipping http.Client's redirect
// and cookie handling, which a create does not use. A creator is used by
// one goroutine.
type creator struct {
	rt            http.RoundTripper
	req           *http.Request
	ns            string
	before, after []byte // podJSON around the quoted name
	body          []byte
	reader        requestBody
	resp          bytes.Buffer
}

// requestBody is a creator's request body: a reader of the pod's JSON
// whose Close, which the transport calls once it has sent the body, does
// nothing.
type requestBody struct{ bytes.Reader }

func (*requestBody) Close() error { return nil }

// namePlaceholder stands for the name in the template podJSON is split at.
const namePlaceholder = "NAME-PLACEHOLDER"

func newCreator(c *http.Client, base, ns string) *creator {
	tmpl := podJSON(ns, namePlaceholder)
	before, after, _ := bytes.Cut(tmpl, []byte(strconv.Quote(namePlaceholder)))
	cr := &creator{ns: ns, before: before, after: after}
	if c != nil {
		cr.rt = c.Transport
		if cr.rt == nil {
			cr.rt = http.DefaultTransport
		}
		req, err := http.NewRequest(http.MethodPost, base+"/api/v1/namespaces/"+ns+"/pods", nil)
		if err != nil {
			panic(fmt.Sprintf("creator for %q: %v", base, err)) // base is the test server's URL
		}
		req.Header.Set("Content-Type", "application/json")
		// The transport may send a request again (on a kept-alive
		// connection the server closed before reading it) when it can
		// get its body anew.
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(cr.body)), nil }
		cr.req = req
	}
	return cr
}

// podJSON returns podJSON(ns, name) for a name that needs no escaping.
func (cr *creator) podJSON(name string) []byte {
	b := append(cr.body[:0], cr.before...)
	b = append(append(append(b, '"'), name...), '"')
	b = append(b, cr.after...)
	cr.body = b
	return b
}

func (cr *creator) close() {
	if t, ok := cr.rt.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}

func (cr *creator) create(name string) error {
	body := cr.podJSON(name)
	cr.reader.Reset(body)
	cr.req.Body = &cr.reader
	cr.req.ContentLength = int64(len(body))
	resp, err := cr.rt.RoundTrip(cr.req)
	if err != nil {
		return fmt.Errorf("create pod %s/%s: %w", cr.ns, name, err)
	}
	defer resp.Body.Close()
	cr.resp.Reset()
	if _, err := cr.resp.ReadFrom(resp.Body); err != nil {
		return fmt.Errorf("create pod %s/%s: read response: %w", cr.ns, name, err)
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("create pod %s/%s: %s: %s", cr.ns, name, resp.Status, cr.resp.Bytes())
	}
	return nil
}

func createNamespace(base, ns string) error {
	c := newClient()
	resp, err := c.Post(base+"/api/v1/namespaces", "application/json",
		strings.NewReader(fmt.Sprintf(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":%q}}`, ns)))
	if err != nil {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("create namespace %s: %s: %s", ns, resp.Status, body)
	}
	return nil
}

// pct is the nearest-rank percentile p (0-100) of sorted d.
func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(p/100*float64(len(d))+0.999999) - 1
	return d[min(max(i, 0), len(d)-1)]
}

// cpuTime is the CPU time (user + system) this process used so far: server,
// store and load generator together.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineStat is the whole machine's CPU time so far, from the first line
// of /proc/stat (in USER_HZ = 100 ticks per second, as Linux reports it
// whatever the kernel's HZ): busy is user + nice + system + irq + softirq
// + steal; iowait is idle time with I/O outstanding.
type machineStat struct{ busy, iowait time.Duration }

func readMachineStat() machineStat {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineStat{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return machineStat{}
	}
	tick := func(i int) time.Duration {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		return time.Duration(n) * (time.Second / 100)
	}
	// user nice system idle iowait irq softirq steal
	return machineStat{busy: tick(1) + tick(2) + tick(3) + tick(6) + tick(7) + tick(8), iowait: tick(5)}
}

// machineNote says how busy the machine was over wall, given that this
// benchmark's own processes used ours of CPU time: the rows are only
// comparable when other processes left the CPUs alone.
func machineNote(m0, m1 machineStat, ours, wall time.Duration) string {
	busy, iowait := m1.busy-m0.busy, m1.iowait-m0.iowait
	return fmt.Sprintf("machine %.2f of %d CPUs busy, %.2f by other processes, iowait %.2f", busy.Seconds()/wall.Seconds(), runtime.NumCPU(),
		max(busy-ours, 0).Seconds()/wall.Seconds(), iowait.Seconds()/wall.Seconds())
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

func BenchmarkAPIServer(b *testing.B) {
	e, err := setup()
	if err != nil {
		b.Fatal(err)
	}
	// In-process and external rows alternate, so that both see a store of
	// about the same size.
	for _, n := range []int{1, 16, 100} {
		b.Run(fmt.Sprintf("create/inproc/clients=%d", n), func(b *testing.B) { benchCreate(b, e, n) })
		b.Run(fmt.Sprintf("create/external/clients=%d", n), func(b *testing.B) { benchCreateExternal(b, e, n) })
	}
	b.Run("list", func(b *testing.B) { benchList(b, e) })
	b.Run("watch", func(b *testing.B) { benchWatch(b, e) })
}

// checkCreatorBody fails unless the creator's request body is podJSON's,
// byte for byte.
func checkCreatorBody(base, ns string) error {
	if got, want := newCreator(nil, base, ns).podJSON("nginx-000-000000"), podJSON(ns, "nginx-000-000000"); !bytes.Equal(got, want) {
		return fmt.Errorf("the creator's body differs from podJSON's:\n%s\n%s", got, want)
	}
	return nil
}

// runCreators runs clients closed-loop creators of pods in ns, each made
// by mk, until d has passed; a client stops at its first error. It
// returns each client's latencies and error and the wall time from
// starting the first client to the last one stopping. Both the in-process
// rows and the external load generator run it, so that both send the same
// requests through the same clients.
func runCreators(mk func() (podCreator, error), clients int, d time.Duration) (lats [][]time.Duration, errs []error, wall time.Duration) {
	lats = make([][]time.Duration, clients)
	errs = make([]error, clients)
	var stop atomic.Bool
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range clients {
		wg.Go(func() {
			cr, err := mk()
			if err != nil {
				errs[i] = err
				return
			}
			defer cr.close()
			var name []byte
			for j := 0; !stop.Load(); j++ {
				s := time.Now()
				name = fmt.Appendf(name[:0], "nginx-%03d-%06d", i, j)
				if err := cr.create(string(name)); err != nil {
					errs[i] = err
					return
				}
				lats[i] = append(lats[i], time.Since(s))
			}
		})
	}
	timer := time.AfterFunc(d, func() { stop.Store(true) })
	defer timer.Stop()
	wg.Wait()
	return lats, errs, time.Since(t0)
}

// benchCreate is a create/inproc row: the clients run in this process,
// beside the server and the store, sharing one Go runtime with them.
func benchCreate(b *testing.B, e *env, clients int) {
	ns := fmt.Sprintf("create-%d", clients)
	if err := createNamespace(e.url, ns); err != nil {
		b.Fatal(err)
	}
	if err := checkCreatorBody(e.url, ns); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu0, m0 := cpuTime(), readMachineStat()
	lats, errs, wall := runCreators(func() (podCreator, error) { return newPodCreator(*flagClient, e.url, ns) }, clients, *flagDuration)
	cpu, m1 := cpuTime()-cpu0, readMachineStat()
	b.StopTimer()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	all := slices.Concat(lats...)
	if len(all) == 0 {
		b.Fatalf("no create finished in %s", wall)
	}
	slices.Sort(all)
	rate := float64(len(all)) / wall.Seconds()
	b.ReportMetric(rate, "creates/s")
	b.ReportMetric(float64(pct(all, 50))/1e6, "p50-ms")
	b.ReportMetric(float64(pct(all, 99))/1e6, "p99-ms")
	record("| create, %d clients, in-process load generator | %.0f creates/s, p50 %s, p99 %s, max %s (%d creates in %.1f s, body %d B; CPU of the one process (server, store and load generator) %.2f s per wall s, %.0f µs per create; %s) |",
		clients, rate, ms(pct(all, 50)), ms(pct(all, 99)), ms(all[len(all)-1]), len(all), wall.Seconds(), len(podJSON(ns, "nginx-000-000000")),
		cpu.Seconds()/wall.Seconds(), float64(cpu.Microseconds())/float64(len(all)), machineNote(m0, m1, cpu, wall))
}

func benchList(b *testing.B, e *env) {
	const ns = "list"
	if err := createNamespace(e.url, ns); err != nil {
		b.Fatal(err)
	}
	// Fill, unmeasured, with 64 clients.
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range 64 {
		wg.Go(func() {
			c := newClient()
			defer c.CloseIdleConnections()
			for {
				j := next.Add(1) - 1
				if j >= int64(*flagPods) {
					return
				}
				if err := create(c, e.url, ns, fmt.Sprintf("nginx-%06d", j)); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	c := newClient()
	defer c.CloseIdleConnections()
	base := e.url + "/api/v1/namespaces/" + ns + "/pods"
	type page struct {
		Metadata struct {
			Continue string `json:"continue"`
		} `json:"metadata"`
		Items []struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		} `json:"items"`
	}
	get := func(url string) (page, int, error) {
		var p page
		resp, err := c.Get(url)
		if err != nil {
			return p, 0, fmt.Errorf("GET %s: %w", url, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return p, 0, fmt.Errorf("GET %s: read: %w", url, err)
		}
		if resp.StatusCode != http.StatusOK {
			return p, 0, fmt.Errorf("GET %s: %s: %.300s", url, resp.Status, body)
		}
		// The client decodes what it lists, as a client would.
		if err := json.Unmarshal(body, &p); err != nil {
			return p, 0, fmt.Errorf("GET %s: decode: %w", url, err)
		}
		return p, len(body), nil
	}
	full := func(query string) (int, int, error) {
		p, n, err := get(base + query)
		return len(p.Items), n, err
	}
	paged := func() (int, int, error) {
		items, bytes, cont := 0, 0, ""
		for {
			url := fmt.Sprintf("%s?limit=%d", base, *flagPage)
			if cont != "" {
				url += "&continue=" + cont
			}
			p, n, err := get(url)
			if err != nil {
				return 0, 0, err
			}
			items += len(p.Items)
			bytes += n
			if cont = p.Metadata.Continue; cont == "" {
				return items, bytes, nil
			}
		}
	}
	cases := []struct {
		name string
		run  func() (int, int, error)
	}{
		{"list 10,000 pods, consistent (no resourceVersion)", func() (int, int, error) { return full("") }},
		{"list 10,000 pods, resourceVersion=0 (watch cache)", func() (int, int, error) { return full("?resourceVersion=0") }},
		{fmt.Sprintf("list 10,000 pods, limit=%d pages", *flagPage), paged},
	}
	b.ResetTimer()
	for _, cs := range cases {
		var lats []time.Duration
		var items, size int
		t0 := time.Now()
		for len(lats) < 5 || time.Since(t0) < *flagDuration {
			s := time.Now()
			n, sz, err := cs.run()
			if err != nil {
				b.Fatal(err)
			}
			lats = append(lats, time.Since(s))
			items, size = n, sz
			if n != *flagPods {
				b.Fatalf("%s: got %d pods, want %d", cs.name, n, *flagPods)
			}
		}
		slices.Sort(lats)
		record("| %s | p50 %s, p99 %s, min %s (%d lists, %d items, %.1f MiB each) |",
			strings.ReplaceAll(cs.name, "10,000", fmt.Sprint(items)), ms(pct(lats, 50)), ms(pct(lats, 99)), ms(lats[0]), len(lats), items, float64(size)/(1<<20))
	}
}

func benchWatch(b *testing.B, e *env) {
	const ns = "watch"
	if err := createNamespace(e.url, ns); err != nil {
		b.Fatal(err)
	}
	nw, nc := *flagWatchers, *flagWatchCreates
	// Creates are named w-000000 .. ; warm-up is w-warm.
	// recv[w][k] is when watcher w received create k (unix ns).
	recv := make([][]int64, nw)
	warm := make(chan struct{}, nw)
	var got atomic.Int64
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	watchErrs := make(chan error, nw)
	ready := make(chan struct{}, nw)
	total := int64(nw) * int64(nc)
	for w := range nw {
		recv[w] = make([]int64, nc)
		wg.Go(func() {
			c := newClient()
			defer c.CloseIdleConnections()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/api/v1/namespaces/"+ns+"/pods?watch=1", nil)
			resp, err := c.Do(req)
			if err != nil {
				watchErrs <- fmt.Errorf("watcher %d: %w", w, err)
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				watchErrs <- fmt.Errorf("watcher %d: %s", w, resp.Status)
				return
			}
			ready <- struct{}{}
			r := bufio.NewReaderSize(resp.Body, 64<<10)
			marker := []byte(`"name":"w-`)
			for {
				line, err := r.ReadSlice('\n')
				if err == bufio.ErrBufferFull {
					// Longer than the buffer: not expected for these pods.
					watchErrs <- fmt.Errorf("watcher %d: frame longer than 64 KiB", w)
					return
				}
				if err != nil {
					return // cancelled at the end
				}
				now := time.Now().UnixNano()
				if !bytes.HasPrefix(line, []byte(`{"type":"ADDED"`)) {
					continue
				}
				i := bytes.Index(line, marker)
				if i < 0 {
					continue
				}
				rest := line[i+len(marker):]
				if bytes.HasPrefix(rest, []byte(`warm"`)) {
					warm <- struct{}{}
					continue
				}
				var k int
				if _, err := fmt.Sscanf(string(rest[:6]), "%06d", &k); err != nil || k < 0 || k >= nc {
					continue
				}
				if recv[w][k] == 0 {
					recv[w][k] = now
					if got.Add(1) == total {
						close(done)
					}
				}
			}
		})
	}
	defer func() { cancel(); wg.Wait() }()
	for range nw {
		select {
		case <-ready:
		case err := <-watchErrs:
			b.Fatal(err)
		}
	}
	// Warm-up: every watcher must see one event before measuring.
	c0 := newClient()
	if err := create(c0, e.url, ns, "w-warm"); err != nil {
		b.Fatal(err)
	}
	for range nw {
		select {
		case <-warm:
		case err := <-watchErrs:
			b.Fatal(err)
		case <-time.After(*flagWatchTimeout):
			b.Fatal("warm-up event not delivered to every watcher")
		}
	}
	ack := make([]int64, nc)
	callAt := make([]int64, nc)
	var next atomic.Int64
	errs := make([]error, *flagWatchWriters)
	b.ResetTimer()
	t0 := time.Now()
	var ww sync.WaitGroup
	for i := range *flagWatchWriters {
		ww.Go(func() {
			c := newClient()
			defer c.CloseIdleConnections()
			for {
				k := next.Add(1) - 1
				if k >= int64(nc) {
					return
				}
				callAt[k] = time.Now().UnixNano()
				if err := create(c, e.url, ns, fmt.Sprintf("w-%06d", k)); err != nil {
					errs[i] = err
					return
				}
				ack[k] = time.Now().UnixNano()
			}
		})
	}
	ww.Wait()
	createWall := time.Since(t0)
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-done:
	case err := <-watchErrs:
		b.Fatal(err)
	case <-time.After(*flagWatchTimeout):
		b.Fatalf("only %d of %d events delivered within %s", got.Load(), total, *flagWatchTimeout)
	}
	b.StopTimer()
	var last int64
	delays := make([]time.Duration, 0, total)
	fromCall := make([]time.Duration, 0, total)
	early := 0
	for w := range nw {
		for k := range nc {
			t := recv[w][k]
			last = max(last, t)
			d := time.Duration(t - ack[k])
			if d < 0 {
				early++
				d = 0
			}
			delays = append(delays, d)
			fromCall = append(fromCall, time.Duration(t-callAt[k]))
		}
	}
	wall := time.Duration(last - t0.UnixNano())
	slices.Sort(delays)
	slices.Sort(fromCall)
	rate := float64(total) / wall.Seconds()
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(float64(pct(delays, 99))/1e6, "p99-delay-ms")
	record("| watch fan-out, %d watchers, %d creates by %d clients | %.0f events/s delivered (%d events in %.2f s; creates took %.2f s); delay ack→receipt p50 %s, p99 %s, max %s (%.1f%% received before the ack); delay call→receipt p50 %s, p99 %s |",
		nw, nc, *flagWatchWriters, rate, total, wall.Seconds(), createWall.Seconds(), ms(pct(delays, 50)), ms(pct(delays, 99)), ms(delays[len(delays)-1]),
		100*float64(early)/float64(total), ms(pct(fromCall, 50)), ms(pct(fromCall, 99)))
}
