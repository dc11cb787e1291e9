// Package cni defines NetworkPlugin, the narrow interface through which the
// kubelet sets up and tears down a pod's network: the operations of the
// Container Network Interface (CNI) specification, version 1.1 — ADD, DEL,
// CHECK, STATUS and GC — in Go types.
//
// # Where to start
//
// Read NetworkPlugin and its Attachment argument. A kubelet calls Add when
// it makes a pod's sandbox and uses the returned Result's IPs as the pod's
// addresses, Del when the sandbox goes, Check to verify an attachment,
// Status before it accepts pods, and GC with every attachment that should
// still exist so the plugin can release the rest.
//
// Errors a plugin returns should be (or wrap) an *Error carrying a CNI error
// code (ErrIncompatibleCNIVersion, ErrTryAgainLater, ...), so that callers
// can tell a transient failure from a permanent one with errors.As.
//
// This package holds the interface and its types only; the exec adapter
// for CNI binaries and the bridge plugin are separate packages.
package cni
