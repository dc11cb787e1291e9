package testwatch

import (
	"bytes"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReportFoldsAndNamesTests parks goroutines in this package's test
// code and checks the report folds them into one group and names the
// test.
func TestReportFoldsAndNamesTests(t *testing.T) {
	release := make(chan struct{})
	var started, done sync.WaitGroup
	for range 3 {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			started.Done()
			<-release
		}()
	}
	started.Wait()
	// A goroutine that has started may not have parked on release yet:
	// report again until all three are parked (folded into one group),
	// for at most 10 s.
	var s string
	for deadline := time.Now().Add(10 * time.Second); ; {
		var out bytes.Buffer
		Report(&out, 0)
		s = out.String()
		if strings.Contains(s, "3 goroutine(s) [chan receive") {
			break
		}
		if time.Now().After(deadline) {
			close(release)
			done.Wait()
			t.Fatalf("report does not fold the three parked goroutines into one group:\n%s", s)
		}
		runtime.Gosched()
	}
	close(release)
	done.Wait()
	if !strings.Contains(s, "TestReportFoldsAndNamesTests.func1(...)") {
		t.Errorf("report lacks the parked goroutines' frame:\n%s", s)
	}
	last := s[strings.LastIndex(strings.TrimSpace(s), "\n")+1:]
	if !strings.Contains(last, "tests still running: TestReportFoldsAndNamesTests") {
		t.Errorf("last line = %q, want it to name the running test", last)
	}
	if strings.Contains(s, "testwatch.Report(") {
		t.Errorf("report includes its own goroutine:\n%s", s)
	}
}

func TestFoldNormalizes(t *testing.T) {
	dump := []byte(`goroutine 7 [select, 2 minutes]:
github.com/rigging-dev/rigging/store/raftstore.(*Store).Close(0xc000123456)
	/src/store/raftstore/open.go:470 +0x1f
github.com/rigging-dev/rigging/store/raftstore.TestLinearizability(0xc0000a2000)
	/src/store/raftstore/linearizability_test.go:190 +0x2a
testing.tRunner(0xc0000a2000, 0x1234)
	/go/src/testing/testing.go:1792 +0xf4
created by testing.(*T).Run in goroutine 1
	/go/src/testing/testing.go:1851 +0x413

goroutine 9 [select]:
github.com/rigging-dev/rigging/store/raftstore.(*Store).Close(0xc000999999?, {0x0?, 0x1?}, ...)
	/src/store/raftstore/open.go:470 +0x2f
github.com/rigging-dev/rigging/store/raftstore.TestLinearizability(0xc0000b3000)
	/src/store/raftstore/linearizability_test.go:190 +0x2a
testing.tRunner(0xc0000b3000, 0x1234)
	/go/src/testing/testing.go:1792 +0xf4
created by testing.(*T).Run in goroutine 3
	/go/src/testing/testing.go:1851 +0x413

goroutine 11 [IO wait]:
internal/poll.runtime_pollWait(0x7f, 0x72)
	/go/src/runtime/netpoll.go:351 +0x85

goroutine 12 [sync.WaitGroup.Wait, 3 minutes]:
github.com/hashicorp/raft.(*raftState).waitShutdown(0xc000111111)
	/mod/raft/state.go:154 +0x10
`)
	groups, tests := fold(dump)
	if len(groups) != 2 || groups[0].count != 2 || groups[0].state != "select, 2 minutes" {
		t.Fatalf("groups = %+v, want one of 2 goroutines in state %q first", groups, "select, 2 minutes")
	}
	if groups[1].count != 1 || !strings.Contains(groups[1].stack, "raft.(*raftState).waitShutdown(...)") {
		t.Errorf("second group = %+v, want the library goroutine that waited for minutes", groups[1])
	}
	if strings.Contains(groups[0].stack, "0x") || strings.Contains(groups[0].stack, "?") {
		t.Errorf("stack keeps argument values or offsets:\n%s", groups[0].stack)
	}
	if len(tests) != 1 || tests[0] != "TestLinearizability" {
		t.Errorf("tests = %q, want [TestLinearizability]", tests)
	}
}
