// Package cluster benchmarks a whole Rigging cluster in one process: the
// API server on store/mvcc, the scheduler, and kubelets.
//
//   - BenchmarkScale: N simulated nodes (kubelets with the fake runtime)
//     and M pods created at once, timed until every pod is Running
//     (default 1,000 nodes and 30,000 pods; BENCH_NODES and BENCH_PODS
//     change them).
//   - BenchmarkPodStartup: pod startup latency on the process runtime
//     (real processes, needs root), created to Running and to Ready, p50
//     and p99, with 1 and with 100 pods created at once; and where the
//     time goes, as p50s: created to scheduled (seen by a watch), to the
//     kubelet's RunPodSandbox call, RunPodSandbox's and
//     CreateContainer+StartContainer's durations, and StartContainer's
//     return to Running seen by a watch (the status write), that last
//     split in three: to the kubelet's status write reaching the API
//     server, the write in the server, and the server's answer to
//     Running seen by the watch; and cpu-busy, the CPUs this process
//     kept busy (user+system CPU time per wall time) while timed.
//
// Run from the bench directory:
//
//	go test -run '^$' -bench . -benchtime 1x -timeout 60m ./cluster/
package cluster
