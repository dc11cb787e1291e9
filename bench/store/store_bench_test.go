package store

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/version"
)

// Flags that size the run; the defaults are the figures in RESULTS.md.
// Pass them after -args.
var (
	flagTargets      = flag.String("store.targets", strings.Join(targetNames, ","), "comma-separated targets to benchmark: "+strings.Join(targetNames, ", "))
	flagDuration     = flag.Duration("store.duration", 5*time.Second, "how long each put and get row runs, and the least time of each list row")
	flagValueSize    = flag.Int("store.value", 1024, "value size in bytes")
	flagKeys         = flag.Int("store.keys", 10000, "keys listed and read, and the size of the put key space")
	flagPage         = flag.Int64("store.page", 500, "page size of the paginated list")
	flagReaders      = flag.Int("store.readers", 16, "concurrent readers of the get row")
	flagWatchers     = flag.Int("store.watchers", 1000, "watchers of the fan-out row")
	flagWatchPuts    = flag.Int("store.watchputs", 2000, "puts of the fan-out row")
	flagWatchWriters = flag.Int("store.watchwriters", 16, "concurrent writers of the fan-out row")
	flagWatchTimeout = flag.Duration("store.watchtimeout", 3*time.Minute, "how long the fan-out row waits for every delivery")
	flagWriters      = flag.String("store.writers", "1,16,256", "comma-separated concurrencies of the put rows")
)

// writerCounts are the concurrencies of the put rows (-store.writers).
func writerCounts() ([]int, error) {
	var out []int
	for _, f := range strings.Split(*flagWriters, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-store.writers: bad count %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func flagSizes() (sizes, error) {
	writers, err := writerCounts()
	return sizes{
		duration:     *flagDuration,
		valueSize:    *flagValueSize,
		keys:         *flagKeys,
		page:         *flagPage,
		minLists:     5,
		writers:      writers,
		readers:      *flagReaders,
		watchers:     *flagWatchers,
		watchPuts:    *flagWatchPuts,
		watchWriters: *flagWatchWriters,
		watchTimeout: *flagWatchTimeout,
	}, err
}

// BenchmarkStore runs every row against every target selected by
// -store.targets. It starts every target first, fresh, and then runs the
// rows one after the other, each row on every target in turn, so that a
// change in the machine's load during the run hits all targets alike
// (each row starts with the next target: see each). Run
// it once (-benchtime 1x): each row sizes itself with the -store.* flags
// and reports its figures with ReportMetric; TestMain then prints them all
// as one markdown table.
func BenchmarkStore(b *testing.B) {
	sz, err := flagSizes()
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	source := sourceFingerprint()
	recordHeader("store code benchmarked", source)
	recordHeader("load average at start", loadAverage())
	floor, err := diskFloor(os.TempDir(), 500)
	if err != nil {
		b.Fatal(err)
	}
	recordHeader("disk floor (4 KiB write + fdatasync, 1 writer, 500 times) p50 / p99", fmt.Sprintf("%s / %s", fmtDur(floor.p50), fmtDur(floor.p99)))

	var names []string
	targets := make(map[string]target)
	for _, name := range strings.Split(*flagTargets, ",") {
		t, stop, err := openTarget(ctx, name)
		if err != nil {
			b.Fatal(err)
		}
		defer func() {
			if err := stop(); err != nil {
				b.Errorf("stop %s: %v", name, err)
			}
		}()
		names = append(names, name)
		targets[name] = t
	}
	// each runs f as a sub-benchmark of sub, once for every target. Each
	// row starts with the next target in turn, so that no target always
	// runs first (on a disk the previous row left busy) or last.
	rowNum := 0
	each := func(sub string, f func(b *testing.B, name string, t target)) {
		first := rowNum % len(names)
		rowNum++
		b.Run(sub, func(b *testing.B) {
			for i := range names {
				name := names[(first+i)%len(names)]
				b.Run(name, func(b *testing.B) { f(b, name, targets[name]) })
			}
		})
	}
	value := benchValue(sz.valueSize)

	putKeys := keyNames(putPrefix, sz.keys)
	for _, w := range sz.writers {
		row := fmt.Sprintf("put, %d writer(s)", w)
		each(fmt.Sprintf("put/writers=%d", w), func(b *testing.B, name string, t target) {
			var r opResult
			for range b.N {
				var err error
				if r, err = runPuts(b.Context(), t, w, sz.duration, putKeys, value); err != nil {
					b.Fatal(err)
				}
			}
			reportOps(b, name, row, "puts/s", r)
		})
	}

	listKeys := keyNames(listPrefix, sz.keys)
	for _, name := range names {
		if err := populate(ctx, targets[name], listKeys, value); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
	}
	each(fmt.Sprintf("get/readers=%d", sz.readers), func(b *testing.B, name string, t target) {
		var r opResult
		for range b.N {
			var err error
			if r, err = runGets(b.Context(), t, sz.readers, sz.duration, listKeys); err != nil {
				b.Fatal(err)
			}
		}
		reportOps(b, name, fmt.Sprintf("get, %d readers, %d keys", sz.readers, sz.keys), "gets/s", r)
	})
	for _, page := range []int64{0, sz.page} {
		sub, row := "list/page=all", fmt.Sprintf("list %d keys, one request", sz.keys)
		if page > 0 {
			sub, row = fmt.Sprintf("list/page=%d", page), fmt.Sprintf("list %d keys, pages of %d", sz.keys, page)
		}
		each(sub, func(b *testing.B, name string, t target) {
			var r opResult
			for range b.N {
				var err error
				if r, err = runLists(b.Context(), t, listPrefix, page, sz.keys, sz.duration, sz.minLists); err != nil {
					b.Fatal(err)
				}
			}
			reportLists(b, name, row, r)
		})
	}
	each(fmt.Sprintf("watch/watchers=%d", sz.watchers), func(b *testing.B, name string, t target) {
		var r watchResult
		for range b.N {
			var err error
			if r, err = runWatch(b.Context(), t, sz.watchers, sz.watchPuts, sz.watchWriters, value, sz.watchTimeout); err != nil {
				b.Fatal(err)
			}
		}
		reportWatch(b, name, fmt.Sprintf("watch fan-out, %d watchers, %d puts by %d writers", sz.watchers, sz.watchPuts, sz.watchWriters), r)
	})
	recordHeader("load average at end", loadAverage())
	if now := sourceFingerprint(); now != source {
		recordHeader("WARNING: store code changed during the run, now", now)
	}
}

func reportOps(b *testing.B, target, row, unit string, r opResult) {
	b.ReportMetric(0, "ns/op") // one op of the benchmark is a whole row
	b.ReportMetric(r.perSecond(), unit)
	b.ReportMetric(ms(r.p50), "p50-ms")
	b.ReportMetric(ms(r.p99), "p99-ms")
	b.ReportMetric(r.cpuPercent(), "cpu-%")
	record(target, row+": "+unit, fmt.Sprintf("%.0f", r.perSecond()))
	record(target, row+": p50 / p99", fmt.Sprintf("%s / %s", fmtDur(r.p50), fmtDur(r.p99)))
	record(target, row+": process CPU", fmt.Sprintf("%.0f %%", r.cpuPercent()))
}

func reportLists(b *testing.B, target, row string, r opResult) {
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(r.ops), "lists")
	b.ReportMetric(ms(r.p50), "p50-ms/list")
	b.ReportMetric(ms(r.p99), "p99-ms/list")
	b.ReportMetric(r.cpuPercent(), "cpu-%")
	record(target, row+": time per full list, p50 / p99", fmt.Sprintf("%s / %s (%d lists)", fmtDur(r.p50), fmtDur(r.p99), r.ops))
}

func reportWatch(b *testing.B, target, row string, r watchResult) {
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(r.eventsPerSecond(), "events/s")
	b.ReportMetric(ms(r.p50), "delay-p50-ms")
	b.ReportMetric(ms(r.p99), "delay-p99-ms")
	b.ReportMetric(ms(r.fromCallP50), "from-call-p50-ms")
	b.ReportMetric(ms(r.fromCallP99), "from-call-p99-ms")
	b.ReportMetric(float64(r.puts)/r.putElapsed.Seconds(), "puts/s")
	b.ReportMetric(r.cpuPercent(), "cpu-%")
	record(target, row+": events/s delivered (all watchers)", fmt.Sprintf("%.0f", r.eventsPerSecond()))
	record(target, row+": delay from put return to receipt p50 / p99", fmt.Sprintf("%s / %s", fmtDur(r.p50), fmtDur(r.p99)))
	record(target, row+": delay from put call to receipt p50 / p99", fmt.Sprintf("%s / %s", fmtDur(r.fromCallP50), fmtDur(r.fromCallP99)))
	record(target, row+": deliveries before the put returned", fmt.Sprintf("%.1f %%", 100*float64(r.early)/float64(r.events)))
	record(target, row+": process CPU", fmt.Sprintf("%.0f %%", r.cpuPercent()))
	record(target, row+": puts/s meanwhile", fmt.Sprintf("%.0f", float64(r.puts)/r.putElapsed.Seconds()))
	record(target, row+": last delivery after first put", fmt.Sprintf("%.2f s", r.elapsed.Seconds()))
}

// table holds the figures for TestMain to print.
var table struct {
	mu   sync.Mutex // guards the fields below
	rows []string   // in the order first recorded
	cell map[string]map[string]string
	// header holds "name: value" lines printed above the table.
	header []string
}

// recordHeader adds a line above the table.
func recordHeader(name, value string) {
	table.mu.Lock()
	defer table.mu.Unlock()
	table.header = append(table.header, name+": "+value)
}

// record sets the cell of row for target; a repeated run overwrites it.
func record(target, row, value string) {
	table.mu.Lock()
	defer table.mu.Unlock()
	if table.cell == nil {
		table.cell = make(map[string]map[string]string)
	}
	if table.cell[row] == nil {
		table.cell[row] = make(map[string]string)
		table.rows = append(table.rows, row)
	}
	table.cell[row][target] = value
}

// printTable writes the recorded figures as a markdown table, one column
// per target, after a line that says what ran where.
func printTable(w io.Writer) {
	table.mu.Lock()
	defer table.mu.Unlock()
	if len(table.rows) == 0 {
		return
	}
	host, _ := os.Hostname()
	fmt.Fprintf(w, "\n%s, %s %s/%s, GOMAXPROCS=%d, NumCPU=%d, etcd %s (embedded), host %s\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.Version(), runtime.GOOS, runtime.GOARCH,
		runtime.GOMAXPROCS(0), runtime.NumCPU(), version.Version, host)
	for _, h := range table.header {
		fmt.Fprintf(w, "- %s\n", h)
	}
	fmt.Fprintln(w)
	var targets []string
	for _, name := range targetNames {
		for _, row := range table.rows {
			if _, ok := table.cell[row][name]; ok {
				targets = append(targets, name)
				break
			}
		}
	}
	fmt.Fprint(w, "| row |")
	for _, t := range targets {
		fmt.Fprintf(w, " %s |", targetTitles[t])
	}
	fmt.Fprint(w, "\n|---|")
	for range targets {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, row := range table.rows {
		fmt.Fprintf(w, "| %s |", row)
		for _, t := range targets {
			v, ok := table.cell[row][t]
			if !ok {
				v = "–"
			}
			fmt.Fprintf(w, " %s |", v)
		}
		fmt.Fprintln(w)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	printTable(os.Stdout)
	os.Exit(code)
}
