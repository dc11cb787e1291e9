package process_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rigging-dev/rigging/kubelet"
	"github.com/rigging-dev/rigging/kubelet/runtime/process"
)

// Run a pod with one container that prints a line, and read its log;
// then remove the pod and close the runtime, which removes the cgroup
// directories New made. It needs root and cgroup v2, so it has no checked
// output.
func ExampleNew() {
	dir, err := os.MkdirTemp("", "rigging-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	rt, err := process.New(process.Options{RootDir: filepath.Join(dir, "state")})
	if err != nil {
		fmt.Println("no process runtime here:", err)
		return
	}
	// Runs after the deferred RemovePodSandbox below: removes the cgroup
	// directories New made.
	defer rt.Close()
	ctx := context.Background()
	sbCfg := &kubelet.PodSandboxConfig{
		Metadata:     kubelet.PodSandboxMetadata{Name: "hello", Namespace: "default", UID: "1234"},
		Hostname:     "hello",
		LogDirectory: filepath.Join(dir, "logs"),
	}
	sb, err := rt.RunPodSandbox(ctx, sbCfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rt.RemovePodSandbox(ctx, sb)
	id, err := rt.CreateContainer(ctx, sb, &kubelet.ContainerConfig{
		Metadata: kubelet.ContainerMetadata{Name: "greeter"},
		Image:    "docker.io/library/busybox:1.36", // runs the host's sh, see Command
		Command:  []string{"sh", "-c", "echo hello from $(cat /proc/sys/kernel/hostname)"},
		LogPath:  "greeter/0.log",
	}, sbCfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := rt.StartContainer(ctx, id); err != nil {
		fmt.Println(err)
		return
	}
	for {
		st, err := rt.ContainerStatus(ctx, id)
		if err != nil {
			fmt.Println(err)
			return
		}
		if st.State == kubelet.ContainerExited {
			log, _ := os.ReadFile(st.LogPath)
			fmt.Printf("exit %d (%s); log: %s", st.ExitCode, st.Reason, log)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
