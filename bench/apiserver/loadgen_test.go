package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The create/external rows drive the server from a load generator in a
// separate process, as real clients of an API server are (kubectl,
// kubelets, controllers) and as etcd's benchmark tool and clusterloader2
// do: the benchmark re-executes its own test binary with loadgenEnv set to
// a JSON loadgenConfig; TestMain then runs loadgenMain instead of the
// tests. The child runs the same creators as the in-process rows
// (runCreators, newClient, newCreator) and writes a loadgenResult as JSON
// to stdout.

var (
	flagLoadgenProcs = flag.Int("apiserver.loadgenprocs", 0, "GOMAXPROCS of the external load generator; 0 leaves the Go default (the number of CPUs). The GOMAXPROCS environment variable applies to the server process only")
	flagLoadgenGrace = flag.Duration("apiserver.loadgengrace", time.Minute, "how long past -apiserver.duration an external load generator may run before it is killed and the row fails")
)

// loadgenEnv names the environment variable that makes the test binary a
// load generator; its value is a JSON loadgenConfig.
const loadgenEnv = "RIGGING_APISERVER_LOADGEN"

// loadgenConfig is what the benchmark asks of one load generator process.
type loadgenConfig struct {
	URL        string        `json:"url"`        // the server, http://<loopback IP>:<port>
	Namespace  string        `json:"namespace"`  // the pods' namespace; it must exist
	Clients    int           `json:"clients"`    // closed-loop clients, 1 to 10,000
	Duration   time.Duration `json:"duration"`   // how long the clients keep creating
	GOMAXPROCS int           `json:"gomaxprocs"` // the generator's GOMAXPROCS; 0 keeps the default
	Client     string        `json:"client"`     // the clients, as -apiserver.client names them; "" is raw
}

// validate fails unless c is complete and its URL is a plain http URL
// whose host is a loopback IP address: the generator connects nowhere else.
func (c loadgenConfig) validate() error {
	if c.Clients < 1 || c.Clients > 10000 {
		return fmt.Errorf("clients %d: want 1 to 10000", c.Clients)
	}
	if c.Duration <= 0 {
		return fmt.Errorf("duration %s: want > 0", c.Duration)
	}
	if c.Namespace == "" {
		return errors.New("no namespace")
	}
	if c.Client != "" && c.Client != clientRaw && c.Client != clientNetHTTP {
		return fmt.Errorf("client %q: want %q or %q", c.Client, clientRaw, clientNetHTTP)
	}
	if c.GOMAXPROCS < 0 {
		return fmt.Errorf("gomaxprocs %d: want >= 0", c.GOMAXPROCS)
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return fmt.Errorf("url %q: %w", c.URL, err)
	}
	if u.Scheme != "http" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Port() == "" {
		return fmt.Errorf("url %q: want http://<loopback IP>:<port>", c.URL)
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("url %q: host is not a loopback IP address", c.URL)
	}
	return nil
}

// loadgenResult is what a load generator writes to stdout.
type loadgenResult struct {
	Latencies  []int64  `json:"latencies"`  // every successful create's latency, in ns
	Wall       int64    `json:"wall"`       // first client started to last client stopped, in ns
	Errors     []string `json:"errors"`     // one per failed client (a client stops at its first error)
	GOMAXPROCS int      `json:"gomaxprocs"` // the generator's GOMAXPROCS
}

// loadgenMain is the load generator process: it runs the JSON loadgenConfig
// in cfgJSON and writes a loadgenResult to stdout. It exits (status 3) as
// soon as stdin reaches EOF, which happens when the benchmark process is
// gone, so that a generator never outlives its benchmark. It returns the
// process's exit status: 0 if every create got 201, 1 if any client
// failed (the result still says why), 2 if the configuration is bad.
func loadgenMain(cfgJSON string, stdin io.Reader, stdout io.Writer) int {
	var cfg loadgenConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: %s: %v\n", loadgenEnv, err)
		return 2
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: %s: %v\n", loadgenEnv, err)
		return 2
	}
	go func() {
		io.Copy(io.Discard, stdin)
		fmt.Fprintln(os.Stderr, "loadgen: stdin closed: the benchmark process is gone; exiting")
		os.Exit(3)
	}()
	if cfg.GOMAXPROCS > 0 {
		runtime.GOMAXPROCS(cfg.GOMAXPROCS)
	}
	base := strings.TrimSuffix(cfg.URL, "/")
	if err := checkCreatorBody(base, cfg.Namespace); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: %v\n", err)
		return 2
	}
	// The in-process rows' clients, which send every request to base and
	// follow no redirect: anything but a 201 is an error.
	lats, errs, wall := runCreators(func() (podCreator, error) { return newPodCreator(cfg.Client, base, cfg.Namespace) }, cfg.Clients, cfg.Duration)
	res := loadgenResult{Wall: int64(wall), GOMAXPROCS: runtime.GOMAXPROCS(0)}
	for _, l := range lats {
		for _, d := range l {
			res.Latencies = append(res.Latencies, int64(d))
		}
	}
	for _, err := range errs {
		if err != nil {
			res.Errors = append(res.Errors, err.Error())
		}
	}
	if err := json.NewEncoder(stdout).Encode(&res); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: write result: %v\n", err)
		return 1
	}
	if len(res.Errors) > 0 {
		return 1
	}
	return 0
}

// loadgenRun is one finished load generator process as the benchmark saw it.
type loadgenRun struct {
	res      loadgenResult
	cpu      time.Duration // the generator's user + system CPU, from its rusage at exit
	lifetime time.Duration // from starting the process to reaping it
	pid      int           // the generator's process ID, and its process group's
}

// runLoadgen runs one load generator process, this test binary re-executed,
// and waits for it. The generator is in its own process group, which is
// killed when ctx is done or when cfg.Duration + grace has passed; it also
// exits by itself if this process dies (its stdin is a pipe whose only
// writer is this process). runLoadgen fails unless the generator exited 0
// with a well-formed result: every create got 201.
func runLoadgen(ctx context.Context, cfg loadgenConfig, grace time.Duration) (loadgenRun, error) {
	if err := cfg.validate(); err != nil {
		return loadgenRun{}, fmt.Errorf("load generator: %w", err)
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return loadgenRun{}, err
	}
	exe, err := os.Executable()
	if err != nil {
		return loadgenRun{}, fmt.Errorf("load generator: find the test binary: %w", err)
	}
	limit := cfg.Duration + grace
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	stdinR, stdinW, err := os.Pipe()
	if err != nil {
		return loadgenRun{}, fmt.Errorf("load generator: stdin pipe: %w", err)
	}
	defer stdinW.Close()
	cmd := exec.CommandContext(ctx, exe)
	// The server's GOMAXPROCS setting is the server's only; the generator's
	// comes from the config.
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "GOMAXPROCS=") || strings.HasPrefix(kv, loadgenEnv+"=")
	}), loadgenEnv+"="+string(cfgJSON))
	cmd.Stdin = stdinR
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		stdinR.Close()
		return loadgenRun{}, fmt.Errorf("load generator: start %s: %w", exe, err)
	}
	stdinR.Close() // the child holds its own copy
	waitErr := cmd.Wait()
	run := loadgenRun{lifetime: time.Since(t0), pid: cmd.Process.Pid}
	if ps := cmd.ProcessState; ps != nil {
		run.cpu = ps.UserTime() + ps.SystemTime()
	}
	tail := func() string {
		b := stderr.Bytes()
		if len(b) > 2000 {
			b = b[len(b)-2000:]
		}
		return strings.TrimSpace(string(b))
	}
	if ctx.Err() != nil {
		return run, fmt.Errorf("load generator (%d clients, %s) killed after %s: %w; stderr: %s", cfg.Clients, cfg.Duration, run.lifetime.Round(time.Millisecond), context.Cause(ctx), tail())
	}
	parseErr := json.Unmarshal(stdout.Bytes(), &run.res)
	if parseErr == nil && len(run.res.Errors) > 0 {
		return run, fmt.Errorf("load generator: %d of %d clients failed; first: %s", len(run.res.Errors), cfg.Clients, run.res.Errors[0])
	}
	if waitErr != nil {
		return run, fmt.Errorf("load generator: %w; stderr: %s", waitErr, tail())
	}
	if parseErr != nil {
		return run, fmt.Errorf("load generator: bad result %.300q: %w; stderr: %s", stdout.Bytes(), parseErr, tail())
	}
	return run, nil
}

// benchCreateExternal is a create/external row: the clients run in a
// separate load generator process, so that the server and the store have
// this process's Go runtime to themselves.
func benchCreateExternal(b *testing.B, e *env, clients int) {
	ns := fmt.Sprintf("create-ext-%d", clients)
	if err := createNamespace(e.url, ns); err != nil {
		b.Fatal(err)
	}
	if err := checkCreatorBody(e.url, ns); err != nil {
		b.Fatal(err)
	}
	cfg := loadgenConfig{URL: e.url, Namespace: ns, Clients: clients, Duration: *flagDuration, GOMAXPROCS: *flagLoadgenProcs, Client: *flagClient}
	b.ResetTimer()
	cpu0, m0 := cpuTime(), readMachineStat()
	run, err := runLoadgen(b.Context(), cfg, *flagLoadgenGrace)
	serverCPU, m1 := cpuTime()-cpu0, readMachineStat()
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	all := make([]time.Duration, len(run.res.Latencies))
	for i, l := range run.res.Latencies {
		all[i] = time.Duration(l)
	}
	wall := time.Duration(run.res.Wall)
	if len(all) == 0 || wall <= 0 {
		b.Fatalf("load generator: no create finished (wall %s)", wall)
	}
	slices.Sort(all)
	n := float64(len(all))
	rate := n / wall.Seconds()
	b.ReportMetric(rate, "creates/s")
	b.ReportMetric(float64(pct(all, 50))/1e6, "p50-ms")
	b.ReportMetric(float64(pct(all, 99))/1e6, "p99-ms")
	record("| create, %d clients, external load generator (separate process, GOMAXPROCS=%d) | %.0f creates/s, p50 %s, p99 %s, max %s (%d creates in %.1f s, body %d B; CPU per create %.0f µs = server process %.0f µs + load generator %.0f µs, counted as the server's RUSAGE_SELF delta over the generator's %.1f s lifetime and the generator's rusage at exit, start-up included; server process CPU %.2f s per wall s; %s) |",
		clients, run.res.GOMAXPROCS, rate, ms(pct(all, 50)), ms(pct(all, 99)), ms(all[len(all)-1]), len(all), wall.Seconds(), len(podJSON(ns, "nginx-000-000000")),
		float64((serverCPU+run.cpu).Microseconds())/n, float64(serverCPU.Microseconds())/n, float64(run.cpu.Microseconds())/n,
		run.lifetime.Seconds(), serverCPU.Seconds()/run.lifetime.Seconds(), machineNote(m0, m1, serverCPU+run.cpu, run.lifetime))
}
