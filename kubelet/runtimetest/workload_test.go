package runtimetest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The scripts of ShellWorkloads run on the host's /bin/sh and behave as
// the workloads' docs say.

func shellCmd(t *testing.T, argv []string) *exec.Cmd {
	t.Helper()
	if _, err := os.Stat(argv[0]); err != nil {
		t.Fatalf("shell %s: %v", argv[0], err)
	}
	cmd := exec.CommandContext(t.Context(), argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if err == nil {
		return 0
	}
	return -1
}

func TestShellExitAndEcho(t *testing.T) {
	s := ShellWorkloads{}
	for _, tc := range []struct {
		w              Workload
		code           int
		stdout, stderr string
	}{
		{ExitWith{Code: 0}, 0, "", ""},
		{ExitWith{Code: 42}, 42, "", ""},
		{ExitAfter{After: 500 * time.Millisecond, Code: 3}, 3, "", ""},
		{Echo{Stdout: []string{"a b", "it's \"quoted\" $HOME"}, Stderr: []string{"-n", "e"}}, 0, "a b\nit's \"quoted\" $HOME\n", "-n\ne\n"},
		{Echo{Stderr: []string{"only"}}, 0, "", "only\n"},
	} {
		p := s.Container(tc.w)
		cmd := shellCmd(t, append(p.Command, p.Args...))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		got := fmt.Sprintf("code %d stdout %q stderr %q", exitCode(err), stdout.String(), stderr.String())
		want := fmt.Sprintf("code %d stdout %q stderr %q", tc.code, tc.stdout, tc.stderr)
		if got != want {
			t.Errorf("%#v: got %s; want %s", tc.w, got, want)
		}
		if p.Image != "sh" {
			t.Errorf("%#v: image %q; want sh", tc.w, p.Image)
		}
	}
}

// startReady starts w and waits for its ready line on stdout.
func startReady(t *testing.T, w Workload) *exec.Cmd {
	t.Helper()
	p := ShellWorkloads{}.Container(w)
	cmd := shellCmd(t, append(p.Command, p.Args...))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != ReadyLine+"\n" {
		t.Fatalf("first stdout line %q, %v; want %q", line, err, ReadyLine)
	}
	return cmd
}

// sigIgnored reports whether process pid ignores signal sig, from
// /proc/pid/status.
func sigIgnored(t *testing.T, pid int, sig syscall.Signal) bool {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if mask, ok := strings.CutPrefix(line, "SigIgn:"); ok {
			bits, err := strconv.ParseUint(strings.TrimSpace(mask), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return bits&(1<<(uint(sig)-1)) != 0
		}
	}
	t.Fatalf("no SigIgn in /proc/%d/status", pid)
	return false
}

// groupGone waits until no process is left in process group pgid.
func groupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(-pgid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still has processes", pgid)
		}
		time.Sleep(time.Millisecond) // polling a condition with a deadline
	}
}

func TestShellSleepForeverEndsOnSIGTERM(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := startReady(t, SleepForever{})
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		if code := exitCode(cmd.Wait()); code != 143 {
			t.Errorf("%v: exit code %d; want 143", sig, code)
		}
		groupGone(t, cmd.Process.Pid)
	}
}

func TestShellIgnoreSIGTERM(t *testing.T) {
	cmd := startReady(t, IgnoreSIGTERM{})
	pid := cmd.Process.Pid
	// The ready line comes before the exec of sleep; wait for it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(comm)) == "sleep" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d is %q, not sleep", pid, comm)
		}
		time.Sleep(time.Millisecond) // polling a condition with a deadline
	}
	if !sigIgnored(t, pid, syscall.SIGTERM) || !sigIgnored(t, pid, syscall.SIGINT) {
		t.Fatal("sleep does not ignore SIGTERM and SIGINT")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(cmd.Wait()); code != 137 {
		t.Errorf("exit code %d; want 137", code)
	}
	groupGone(t, pid)
}

func TestShellExec(t *testing.T) {
	s := ShellWorkloads{Shell: "/bin/sh"}
	cmd := shellCmd(t, s.Exec(ExecEcho{Stdout: "out\nput", Stderr: "e r r", Code: 5}))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	code := exitCode(cmd.Run())
	if diff := cmp.Diff([]any{5, "out\nput", "e r r"}, []any{code, stdout.String(), stderr.String()}); diff != "" {
		t.Errorf("ExecEcho (-want +got):\n%s", diff)
	}
	sleep := shellCmd(t, s.Exec(ExecSleep{Duration: 1500 * time.Millisecond}))
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	if err := sleep.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(sleep.Wait()); code != 137 {
		t.Errorf("killed ExecSleep: exit code %d; want 137", code)
	}
	if diff := cmp.Diff([]string{"/bin/sh", "-c", `exec sleep "$1"`, "sh", "2"}, s.Exec(ExecSleep{Duration: 1500 * time.Millisecond})); diff != "" {
		t.Errorf("ExecSleep rounds up to whole seconds (-want +got):\n%s", diff)
	}
}

func TestShellPrintEnvAndWorkingDir(t *testing.T) {
	s := ShellWorkloads{}
	p := s.Container(PrintEnv{Names: []string{"A", "B", "UNSET_X"}})
	cmd := shellCmd(t, append(p.Command, p.Args...))
	cmd.Env = []string{"A=alpha", "B=with  spaces = and $signs", "PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("alpha\nwith  spaces = and $signs\n\n", string(out)); diff != "" {
		t.Errorf("PrintEnv (-want +got):\n%s", diff)
	}
	p = s.Container(PrintWorkingDir{})
	cmd = shellCmd(t, append(p.Command, p.Args...))
	cmd.Dir = "/dev"
	out, err = cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("/dev\n", string(out)); diff != "" {
		t.Errorf("PrintWorkingDir (-want +got):\n%s", diff)
	}
}

func TestShellStopOnSIGUSR1(t *testing.T) {
	cmd := startReady(t, StopOnSIGUSR1{})
	pid := cmd.Process.Pid
	if !sigIgnored(t, pid, syscall.SIGTERM) {
		t.Fatal("the shell does not ignore SIGTERM")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(cmd.Wait()); code != 138 {
		t.Errorf("exit code %d; want 138", code)
	}
	groupGone(t, pid)
}
