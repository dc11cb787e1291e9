package testwatch

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// module is the import path prefix whose frames make a goroutine worth
// reporting.
const module = "github.com/rigging-dev/rigging/"

// lead is how long before -test.timeout the report is made.
const lead = time.Minute

// Run runs the package's tests and exits with their status, like
// os.Exit(m.Run()) in a TestMain. When -test.timeout is longer than two
// minutes, a report is written to standard error and the binary exits
// with status 2 if the tests are still running a minute before it.
func Run(m *testing.M) {
	if !flag.Parsed() {
		flag.Parse()
	}
	if d := timeout(); d > 2*lead {
		t := time.AfterFunc(d-lead, func() {
			Report(os.Stderr, d-lead)
			os.Exit(2)
		})
		code := m.Run()
		t.Stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// timeout returns the value of -test.timeout, 0 when unset.
func timeout() time.Duration {
	f := flag.Lookup("test.timeout")
	if f == nil {
		return 0
	}
	d, err := time.ParseDuration(f.Value.String())
	if err != nil {
		return 0
	}
	return d
}

// Report writes the goroutines that are in this module's code or have
// waited for minutes, folded by stack, and then the tests whose functions
// are on some goroutine's stack (a test in its cleanup is not), after
// elapsed of running.
func Report(w io.Writer, elapsed time.Duration) {
	groups, tests := fold(allStacks())
	fmt.Fprintf(w, "\ntestwatch: still running after %v; goroutines in %s code, identical stacks folded:\n", elapsed, strings.TrimSuffix(module, "/"))
	for _, g := range groups {
		fmt.Fprintf(w, "\n%d goroutine(s) [%s]:\n%s\n", g.count, g.state, g.stack)
	}
	fmt.Fprintf(w, "\ntestwatch: tests still running: %s\n", strings.Join(tests, ", "))
}

// allStacks returns every goroutine's stack, as runtime.Stack prints them.
func allStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// group is the goroutines sharing one stack.
type group struct {
	stack string // normalized: no argument values, offsets or goroutine numbers
	state string // the first goroutine's state, e.g. "select, 3 minutes"
	count int
}

var (
	header = regexp.MustCompile(`^goroutine \d+ \[([^\]]*)\]:$`)
	// args matches a frame's argument list (values, "?" after the
	// uncertain ones, "{...}" for structs, "..." when elided): it never
	// holds parentheses.
	args    = regexp.MustCompile(`\([^()]*\)$`)
	offset  = regexp.MustCompile(` \+0x[0-9a-f]+$`)
	created = regexp.MustCompile(` in goroutine \d+$`)
	// testFunc matches a frame of a test function or one of its closures.
	testFunc = regexp.MustCompile(`^` + regexp.QuoteMeta(module) + `\S*\.(Test[A-Za-z0-9_]*)`)
)

// fold groups the goroutines of dump that have a frame in this module by
// normalized stack (most goroutines first), and lists the tests whose
// functions are on some goroutine's stack.
func fold(dump []byte) ([]group, []string) {
	byStack := map[string]*group{}
	var order []*group
	testSet := map[string]bool{}
	for _, g := range bytes.Split(dump, []byte("\n\n")) {
		lines := strings.Split(strings.TrimSpace(string(g)), "\n")
		if len(lines) < 2 {
			continue
		}
		m := header.FindStringSubmatch(lines[0])
		if m == nil {
			continue
		}
		ours, self := false, false
		var norm []string
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, module) {
				ours = true
				if strings.HasPrefix(l, module+"internal/testwatch.allStacks(") {
					self = true
				}
				if t := testFunc.FindStringSubmatch(l); t != nil && t[1] != "TestMain" {
					testSet[t[1]] = true
				}
			}
			l = offset.ReplaceAllString(l, "")
			l = created.ReplaceAllString(l, "")
			l = args.ReplaceAllString(l, "(...)")
			norm = append(norm, l)
		}
		// A goroutine outside this module's code is reported when it has
		// waited for minutes: a library's goroutine a stuck test waits on.
		if self || !(ours || strings.Contains(m[1], "minutes")) {
			continue
		}
		key := strings.Join(norm, "\n")
		if gr := byStack[key]; gr != nil {
			gr.count++
			continue
		}
		gr := &group{stack: key, state: m[1], count: 1}
		byStack[key] = gr
		order = append(order, gr)
	}
	slices.SortStableFunc(order, func(a, b *group) int { return b.count - a.count })
	groups := make([]group, len(order))
	for i, g := range order {
		groups[i] = *g
	}
	tests := make([]string, 0, len(testSet))
	for t := range testSet {
		tests = append(tests, t)
	}
	slices.Sort(tests)
	return groups, tests
}
