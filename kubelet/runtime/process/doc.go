// Package process is Rigging's embedded container runtime: a
// [kubelet.Runtime] that runs each container as a real Linux process, in
// its pod's namespaces and in a cgroup of its own. It needs root, cgroup v2
// and Linux 5.14 or later (pidfds, clone3 into a cgroup, cgroup.kill); New
// returns an error wrapping kubelet.ErrUnsupported when any is missing.
//
// Start with [New] and [Options]; the zero Options work. Everything else is
// the kubelet.Runtime contract, checked by kubelet/runtimetest
// (TestConformance in this package runs it).
//
// # Images
//
// There is no image store. An image reference resolves by these rules:
//
//   - The image's name is the last path element of the reference without
//     tag or digest: "registry.example/x/busybox:1.36" is "busybox".
//   - If that name is a key of Options.Images, the image is that local
//     Image: a root filesystem directory (Rootfs; empty means the host's
//     file system), a default Entrypoint and default Env.
//   - The container's Command replaces the entrypoint; its Args are
//     appended. With neither Command nor an entrypoint, the image name
//     itself is the command ("nginx:1.27" runs nginx).
//   - A command without a slash is looked up on the container's PATH: its
//     own PATH variable when set, else the image's, else Options.Path (the
//     runtime's own PATH) for host images and the usual
//     /usr/local/sbin:...:/bin for rootfs images. For host images the
//     lookup happens in CreateContainer, so a missing command fails there
//     with kubelet.ErrInvalid; for rootfs images it happens inside the
//     root filesystem when the container starts.
//
// So a Deployment whose pod template says image "python:3" and command
// ["python3", "-m", "http.server"] runs the host's python3.
//
// # Sandboxes
//
// RunPodSandbox makes the pod's cgroup, CgroupRoot[/CgroupParent]/pod<uid>,
// and the pod's namespaces: a new UTS namespace with the pod's hostname
// and a new IPC namespace (unless the pod uses the host's network or IPC),
// the network namespace at NetNSPath when given (else the host's network:
// the runtime never invents one). Sysctls are written inside those
// namespaces. How the namespaces are kept depends on the PID mode:
//
//   - PID mode Pod: a pause process (this binary, re-executed; see below)
//     in the pod's leaf cgroup "sandbox" holds them for the sandbox's
//     lifetime, as init of a new PID namespace shared by the containers,
//     reaping orphans. The sandbox is Ready while the pause process lives.
//   - PID mode Container (each container its own PID namespace, the
//     kubelet's default) or Node (the host's): no process is needed. The
//     UTS and IPC namespaces are made on a borrowed thread and bound on
//     the files RootDir/ns/<id>.uts and <id>.ipc (hard links of one empty
//     file, so making them allocates no inode), as `ip netns` keeps
//     network namespaces; containers join them with setns(2) just as
//     they join a pause process's, opening the files for each start (a
//     running pod holds no descriptor of them: every descriptor the
//     runtime holds is copied at each fork and closed at each exec).
//     This saves starting a program (this binary) per pod, most of a
//     sandbox's cost when many pods start at once. The sandbox is Ready
//     until it is stopped; StopPodSandbox and RemovePodSandbox unmount and
//     remove the files, and a restarted runtime finds them again (after a
//     reboot they are gone and the sandbox is not ready).
//
// StopPodSandbox kills the containers and then the pause process.
//
// # Containers
//
// Each container gets a cgroup ctr-<id> under its pod's, with
// cpu.max ("quota period"), cpu.weight (from CPU shares by Kubernetes'
// formula 1+(shares-2)*9999/262142), memory.max (swap off) and pids.max.
// On a "hybrid" host where the cpu, memory or pids controller is bound to
// a cgroup v1 hierarchy instead (this repository's test machine is one),
// those limits go into a parallel v1 tree (cpu.cfs_quota_us, cpu.shares,
// memory.limit_in_bytes, pids.max) at CgroupRoot's path relative to the
// cgroup2 mount, under the runtime's own cgroup in that hierarchy. In a
// v1 pids hierarchy only a container with a pids limit gets a directory
// (and its pod one, made with the first such container): nothing reads
// the others' pids files, so a container without a limit stays in the
// runtime's own v1 pids cgroup (its cgroup v2 directory still counts
// and kills all of its processes). The process starts directly in
// its cgroup v2 directory (clone3 with CLONE_INTO_CGROUP) and joins its v1
// directories before it execs, so nothing it forks escapes either.
//
// Output goes through pipes into the log file LogDirectory/LogPath in the
// CRI format, "<RFC3339Nano time> <stdout|stderr> <F|P> <text>", lines
// longer than Options.LogMaxLineSize (16 KiB) split into partial (P)
// entries. The file is rotated at Options.LogMaxSize (10 MiB) to .1, .2 and
// so on, keeping Options.LogMaxFiles (5) files with the live one.
//
// When the main process exits, whatever else is left in the container's
// cgroup is killed (as when a container's init dies). The exit code is the
// process's, or 128+signal; Reason is Completed for 0, Error otherwise,
// and OOMKilled (exit code 137) when the cgroup's OOM-kill counter
// (memory.events oom_kill, or memory.oom_control on cgroup v1) is not zero.
// StopContainer sends the stop signal (SIGTERM, or the config's
// StopSignal) to the main process, waits for the timeout, then kills every
// process of the container with cgroup.kill.
//
// Mounts are bind mounts made in a private mount namespace of the
// container, so the host never sees them and they vanish with it. For a
// host-filesystem container the ContainerPath must already exist on the
// host (it is covered, not created, since the host's file system is the
// container's); inside a rootfs image missing targets are created. A
// rootfs container also gets /proc (its PID namespace's) and the host's
// /dev, and runs chrooted into the rootfs.
//
// ExecSync starts its command the same way as the container: in the pod's
// namespaces (and the container's PID namespace), in the container's
// cgroup, with the container's environment and working directory; its
// mounts and root filesystem are set up again in a new private mount
// namespace (a multi-threaded Go program cannot join an existing mount
// namespace). Its output is capped at 16 MiB per stream.
//
// # How processes start (the helper)
//
// A Go program is multi-threaded, so it cannot move itself into
// namespaces, and a mount namespace cannot be joined at all by a
// multi-threaded process. The runtime therefore locks a goroutine to an
// OS thread (not the main one), joins the pod's namespaces with setns(2)
// on that thread only (for the PID namespace this affects only children),
// and, on a hybrid host, the container's cgroup v1 directories, and starts
// the child from that thread. Then it moves the thread back into the
// runtime's own namespaces (descriptors of /proc/self/ns/{net,uts,ipc,pid}
// held since New) and cgroup v1 directories, and unlocks it for reuse; if
// any of that fails, the thread stays locked and Go ends it, so no other
// goroutine ever runs in a pod's namespaces. (Starting and ending a thread
// per container start cost more than the moves back.) The child is
// the runtime's own binary, /proc/self/exe, whose package init (in this
// package, so in any binary that imports it, test binaries included) sees
// the environment variable _RIGGING_PROCESS_HELPER and, instead of running
// main, becomes the pause process or the container's init: it joins the
// cgroup v1 directories, makes the mounts in its fresh mount namespace,
// chroots, and execs the container's command. It reports a failure before
// exec on a close-on-exec pipe, so StartContainer returns the reason (and
// the container is Exited with code 128).
//
// # Starting many containers at once
//
// New makes room for 4,096 descriptors in the process's descriptor
// table, so that the table never grows while pods start: each growth
// waits for an RCU grace period, stalling every thread that opens a
// descriptor meanwhile. The runtime's state journal is group-committed:
// appends that arrive during a write go out together in the next one.
// Starting a process holds one of the Go scheduler's Ps, idle, until the
// child has exec'd (Go forks with vfork and the parent's thread does not
// give its P up meanwhile), about a millisecond on a busy machine; a
// process that starts many containers at once keeps every CPU busy only
// with a P to spare, so examples/cluster runs with GOMAXPROCS one above
// the number of CPUs (bench/RESULTS.md has the figures).
//
// # State and restarts
//
// Sandboxes and containers are recorded in one append-only journal,
// RootDir/state.journal. A runtime started again on the same RootDir
// lists them: pause and container processes are recognised by PID and
// start time. Known limits of a restart: a container that was running keeps running, but
// its output is no longer captured (the old runtime held the pipes), and
// if it exits afterwards its exit code is unknown (reported as 255,
// Reason Error, with a Message saying so, or OOMKilled when the cgroup
// counted an OOM kill). Nothing is killed when a Runtime is dropped or
// closed: sandboxes live until RemovePodSandbox. Close releases what the
// runtime holds open and removes the cgroup root directories New made
// (CgroupRoot and its cgroup v1 counterparts), as far as no pod is left
// in them.
//
// The journal has a line per change, "<CRC-32C> <JSON>", holding a
// sandbox's or a container's whole record, a container's new status (when
// it starts and when it exits), or a removal; no state file or directory
// is made per sandbox or container (on ext4 each new inode is costly when
// many pods start at once). When superseded lines fill three quarters of
// a journal over 1 MiB, it is rewritten (synced, then renamed over the
// old one). Lines are not synced as they are written: like the state
// files of earlier versions, they survive the runtime's process being
// killed, not necessarily a power loss (which ends the pods too). A line
// cut short at the end (the runtime was killed while writing it) is
// dropped; any other damage makes New fail with an error wrapping
// ErrCorruptState that names the line. State that earlier versions kept in
// RootDir/sandboxes/<id>/ and RootDir/containers/<id>/ (state.json) is
// moved into the journal by New.
package process
