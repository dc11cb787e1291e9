package runtimetest

import (
	"fmt"
	"strconv"
	"time"
)

// Workload is an abstract container program the suite runs. A runtime's
// Workloads turns each into an image and a command it can run. The
// workloads are the types of this package that implement Workload:
// SleepForever, ExitWith, ExitAfter, Echo, IgnoreSIGTERM, StopOnSIGUSR1,
// PrintEnv and PrintWorkingDir.
type Workload interface {
	workload()
}

// SleepForever runs until it is stopped. Once it handles SIGTERM it writes
// the line "ready" to its standard output (ReadyLine); the suite waits for
// that line in its log before it signals it. On SIGTERM (or SIGINT) it
// exits promptly (within a second) with code 143, as a process ended by
// SIGTERM reports; SIGKILL ends it with 137.
type SleepForever struct{}

// ExitWith exits at once with Code.
type ExitWith struct {
	Code int32
}

// ExitAfter runs for After (the suite uses whole seconds) and then exits
// with Code.
type ExitAfter struct {
	After time.Duration
	Code  int32
}

// Echo writes each of Stdout as a line to its standard output, then each
// of Stderr as a line to its standard error, and exits 0. The lines hold
// no newline and are shorter than 1 KiB.
type Echo struct {
	Stdout, Stderr []string
}

// IgnoreSIGTERM runs until it is killed: it ignores SIGTERM (and any other
// stop signal), so only SIGKILL ends it (exit code 137). Once it ignores
// SIGTERM it writes ReadyLine to its standard output, as SleepForever
// does.
type IgnoreSIGTERM struct{}

// StopOnSIGUSR1 ignores SIGTERM and exits promptly (within a second) with
// code 138 (128+SIGUSR1) on SIGUSR1: a container whose config names
// SIGUSR1 as its StopSignal. Once it handles both it writes ReadyLine to
// its standard output, as SleepForever does.
type StopOnSIGUSR1 struct{}

// PrintEnv writes the value of each environment variable of Names as a
// line to its standard output (an empty line when it is unset) and exits
// 0. The names are shell identifiers.
type PrintEnv struct {
	Names []string
}

// PrintWorkingDir writes its working directory as a line to its standard
// output and exits 0.
type PrintWorkingDir struct{}

// ReadyLine is the line SleepForever, IgnoreSIGTERM and StopOnSIGUSR1 write to standard
// output once they are ready for a stop signal.
const ReadyLine = "ready"

func (SleepForever) workload()    {}
func (ExitWith) workload()        {}
func (ExitAfter) workload()       {}
func (Echo) workload()            {}
func (IgnoreSIGTERM) workload()   {}
func (StopOnSIGUSR1) workload()   {}
func (PrintEnv) workload()        {}
func (PrintWorkingDir) workload() {}

// ExecCommand is an abstract command the suite runs with ExecSync in a
// running SleepForever container: ExecEcho or ExecSleep.
type ExecCommand interface {
	execCommand()
}

// ExecEcho writes Stdout to its standard output and Stderr to its standard
// error, both exactly (no newline added), and exits with Code.
type ExecEcho struct {
	Stdout, Stderr string
	Code           int32
}

// ExecSleep runs for Duration and exits 0. The suite runs it with a
// shorter timeout, so the runtime must kill it.
type ExecSleep struct {
	Duration time.Duration
}

func (ExecEcho) execCommand()  {}
func (ExecSleep) execCommand() {}

// Program is what a ContainerConfig runs: the suite copies it into the
// Image, Command and Args of the configs it makes.
type Program struct {
	Image   string
	Command []string
	Args    []string
}

// Workloads maps the suite's abstract workloads and exec commands to what
// the runtime under test runs. Its methods are called from many goroutines
// at once.
type Workloads interface {
	// Container returns the program that behaves as w.
	Container(w Workload) Program
	// Exec returns the command line that behaves as c when run with
	// ExecSync in a SleepForever container.
	Exec(c ExecCommand) []string
}

// ShellWorkloads runs every workload as a POSIX shell script: the
// Workloads of runtimes that run host commands (or images holding a
// shell), such as kubelet/runtime/process. The zero value uses /bin/sh and
// the image name "sh".
//
// The scripts, where $0 is "sh" and the workload's values follow as $1...:
//
//	SleepForever    trap 'exit 143' TERM INT; echo ready; while :; do sleep 1; done
//	ExitWith        exit <code>
//	ExitAfter       sleep <seconds>; exit <code>
//	Echo            prints its stdout lines with printf '%s\n', then its stderr lines to fd 2
//	IgnoreSIGTERM   trap '' TERM INT; echo ready; exec sleep 2147483647
//	StopOnSIGUSR1   trap '' TERM; trap 'exit 138' USR1; echo ready; while :; do sleep 1; done
//	PrintEnv        for n; do eval "v=\${$n-}"; printf '%s\n' "$v"; done
//	PrintWorkingDir pwd
//	ExecEcho        printf '%s' <stdout>; printf '%s' <stderr> >&2; exit <code>
//	ExecSleep       exec sleep <seconds>
//
// SleepForever traps SIGTERM because a shell that is the first process of
// a PID namespace would otherwise ignore it. It sleeps in the foreground,
// a second at a time, because the shell runs a trap only between commands:
// it ends within a second of SIGTERM and leaves no child behind (a
// background sleep killed from the trap could miss the signal between its
// fork and its exec, and outlive the container). IgnoreSIGTERM execs sleep
// with SIGTERM ignored (an ignored signal stays ignored across exec), so
// that SIGKILL leaves no orphan behind.
type ShellWorkloads struct {
	// Shell is the shell's path. Default "/bin/sh".
	Shell string
	// Image is the image name of every container. Default "sh".
	Image string
}

var _ Workloads = ShellWorkloads{}

// Container returns Command {Shell, "-c", script, "sh", values...}.
func (s ShellWorkloads) Container(w Workload) Program {
	var script string
	var args []string
	switch w := w.(type) {
	case SleepForever:
		script = `trap 'exit 143' TERM INT; echo ready; while :; do sleep 1; done`
	case ExitWith:
		script, args = `exit "$1"`, []string{code(w.Code)}
	case ExitAfter:
		script, args = `sleep "$1"; exit "$2"`, []string{seconds(w.After), code(w.Code)}
	case Echo:
		script = `n=$1; shift; while [ "$n" -gt 0 ]; do printf '%s\n' "$1"; shift; n=$((n-1)); done; for l in "$@"; do printf '%s\n' "$l" >&2; done`
		args = append(append([]string{strconv.Itoa(len(w.Stdout))}, w.Stdout...), w.Stderr...)
	case IgnoreSIGTERM:
		script = `trap '' TERM INT; echo ready; exec sleep 2147483647`
	case StopOnSIGUSR1:
		script = `trap '' TERM; trap 'exit 138' USR1; echo ready; while :; do sleep 1; done`
	case PrintEnv:
		script, args = `for n; do eval "v=\${$n-}"; printf '%s\n' "$v"; done`, w.Names
	case PrintWorkingDir:
		script = `pwd`
	default: // only nil: Workload is sealed
		script = fmt.Sprintf("echo 'runtimetest: unknown workload %T' >&2; exit 127", w)
	}
	return Program{Image: s.image(), Command: append([]string{s.shell(), "-c", script, "sh"}, args...)}
}

// Exec returns {Shell, "-c", script, "sh", values...}.
func (s ShellWorkloads) Exec(c ExecCommand) []string {
	switch c := c.(type) {
	case ExecEcho:
		return []string{s.shell(), "-c", `printf '%s' "$1"; printf '%s' "$2" >&2; exit "$3"`, "sh", c.Stdout, c.Stderr, code(c.Code)}
	case ExecSleep:
		return []string{s.shell(), "-c", `exec sleep "$1"`, "sh", seconds(c.Duration)}
	}
	// Only nil gets here: ExecCommand is sealed.
	return []string{s.shell(), "-c", fmt.Sprintf("echo 'runtimetest: unknown exec command %T' >&2; exit 127", c)}
}

func (s ShellWorkloads) shell() string {
	if s.Shell == "" {
		return "/bin/sh"
	}
	return s.Shell
}

func (s ShellWorkloads) image() string {
	if s.Image == "" {
		return "sh"
	}
	return s.Image
}

func code(c int32) string { return strconv.Itoa(int(c)) }

// seconds formats d for sleep(1): whole seconds, rounded up.
func seconds(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}
