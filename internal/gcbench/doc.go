// Package gcbench measures garbage collections for benchmarks: what the
// mark phase costs for what a structure keeps alive.
package gcbench
