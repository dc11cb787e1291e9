// Package kubelet is Rigging's node agent: it registers a Node, keeps its
// Lease fresh, watches the pods bound to the node and drives a Runtime to
// run their containers, then reports pod status back to the API server.
//
// # Where to start
//
// Make a Kubelet with New from a Config (NodeName, a client.Client and a
// Runtime are required; everything else has a documented default) and Run
// it until its context ends:
//
//	k, err := kubelet.New(kubelet.Config{NodeName: "node-1", Client: c, Runtime: rt})
//	...
//	err = k.Run(ctx)
//
// Run registers the Node (capacity, allocatable = capacity - reserved,
// addresses, nodeInfo, the kubelet's port), renews its Lease in
// kube-node-lease every 10 s, updates the node conditions (Ready,
// MemoryPressure, DiskPressure, PIDPressure) when they change and at least
// every minute, and serves the kubelet HTTP API (Handler: /healthz,
// /containerLogs, /stats/summary).
//
// # Pods
//
// The kubelet watches only the pods bound to its node (field selector
// spec.nodeName) and runs one worker goroutine per pod. A worker makes the
// pod's sandbox (volumes, and network: with a cni.NetworkPlugin it makes a
// named network namespace (Config.NetNS) that the plugin wires and the
// runtime joins; without one, or for hostNetwork pods, the pod uses the
// node's network and IP), runs the init containers in order each to
// completion (a sidecar, an init container with restartPolicy Always, only
// until it has started: it then runs beside the containers), then the
// containers; applies the restart policy with
// Kubernetes' crash-loop back-off (10 s doubling to 5 min, reset after
// 10 min of running); runs exec, httpGet and tcpSocket probes with
// Kubernetes' timing (the startup probe gates liveness and readiness,
// liveness failures restart, readiness drives Ready); fails pods past
// activeDeadlineSeconds; and on deletion runs preStop hooks, stops the
// containers within the grace period and deletes the pod object with grace
// period 0. Pod status (phase, conditions, IPs, container statuses) is
// written through the status subresource when it changes.
//
// Environment variables come from literals, Secrets, ConfigMaps and the
// downward API with $(VAR) expansion (Expand); emptyDir, hostPath, secret
// and configMap volumes are made under Config.RootDir and passed to the
// runtime as Mounts.
//
// Inline (ephemeral) csi volumes go through Config.VolumePlugin, as
// Kubernetes' CSI volume plugin drives a driver: the volume's driver must
// be the plugin's (GetPluginInfo); the volume is not staged;
// NodePublishVolume gets the volume handle "csi-<hex sha256 of pod UID and
// volume name>", the target path
// <RootDir>/pods/<uid>/volumes/kubernetes.io~csi/<volume>/mount, the
// volume's readOnly and fsType (access mode single-node writer), its
// volumeAttributes plus the pod-info keys (csi.storage.k8s.io/pod.name,
// pod.namespace, pod.uid, serviceAccount.name, and ephemeral "true") as
// volume context, and the nodePublishSecretRef Secret's data as secrets.
// Containers mount the target path. When the pod's volumes are removed,
// NodeUnpublishVolume runs first; one that fails keeps the pod's
// directories (and a deleted pod's object) and is retried, with a
// FailedUnMount event. A failed publish is a FailedMount event and leaves
// the pod ContainerCreating, retried on the next sync. Without a
// VolumePlugin, pods with csi volumes stay ContainerCreating with that
// message. persistentVolumeClaim and generic ephemeral volumes are not
// supported yet (they need the volume-binding controller): such pods stay
// ContainerCreating with a FailedMount event saying so. csi/fake is an
// in-memory VolumePlugin for tests.
//
// # Files
//
// Under Config.RootDir, the runtime writes every container's log (CRI
// format) to logs/<pod-uid>_<container>_<attempt>.log, with any rotated
// <...>.log.<n> beside it: logs/ is the LogDirectory of every sandbox
// the kubelet makes. A pod with emptyDir, secret, configMap or csi volumes
// has a pod directory, pods/<pod-uid>/, holding volumes/<kind>/<volume>
// (csi: volumes/kubernetes.io~csi/<volume>/mount); starting a pod without
// volumes makes no directory, only its containers' log files. Container
// names are DNS labels (no '_'), so a log file's name parses from its end
// and is never another pod's or container's. Kubelets before this layout
// wrote pods/<pod-uid>/logs/<container>/<attempt>.log: a sandbox they made
// (it lacks the LabelLogLayout label) keeps that layout when a restarted
// kubelet adopts it, and the container log endpoint reads both layouts,
// the flat one first. The kubelet keeps the logs of a container's last two
// attempts (for previous), and removes a pod's directory and logs when the
// pod is deleted, or at start when the pod is gone.
//
// # Time
//
// Leases, status reports, probes, back-off, grace periods and deadlines
// run on Config.Clock, so tests drive them with a controller.FakeClock;
// the runtime is polled for container exits every Config.RelistPeriod of
// wall-clock time.
//
// # Runtimes
//
// Runtime is the narrow interface a container runtime implements (the
// subset of CRI a node agent needs); kubelet/runtimetest is its conformance
// suite, and kubelet/runtime/process and kubelet/runtime/fake are the
// reference runtimes. Container logs are read from the CRI-format files
// the runtime writes (ReadLogs, ParseCRILogLine).
package kubelet
