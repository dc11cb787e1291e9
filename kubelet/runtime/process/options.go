package process

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/go-logr/logr"

	"github.com/rigging-dev/rigging/kubelet"
)

// Defaults applied by New to zero fields of Options.
const (
	// DefaultRootDir is where state is kept when Options.RootDir is empty.
	DefaultRootDir = "/var/lib/rigging/process"
	// DefaultCgroupName is the name of the rigging-owned parent cgroup made
	// at the top of the cgroup v2 hierarchy when Options.CgroupRoot is
	// empty.
	DefaultCgroupName = "rigging"
	// DefaultLogMaxSize is the size (10 MiB) at which a container's log file
	// is rotated, as the kubelet's containerLogMaxSize.
	DefaultLogMaxSize = 10 << 20
	// DefaultLogMaxFiles is how many log files (the live one included) are
	// kept per container, as the kubelet's containerLogMaxFiles.
	DefaultLogMaxFiles = 5
	// DefaultLogMaxLineSize is the longest log entry (16 KiB); longer lines
	// are split into partial ("P") entries.
	DefaultLogMaxLineSize = 16 << 10
)

// Image is a locally available image: a root filesystem directory and the
// command it runs when a container gives none.
type Image struct {
	// Rootfs is a directory holding the image's root filesystem; the
	// container runs chrooted into it, in a private mount namespace. Empty
	// means the image runs on the host's filesystem.
	Rootfs string
	// Entrypoint is the image's default command, replaced by a container's
	// Command. Args of the container are appended to it.
	Entrypoint []string
	// Env are default environment variables ("KEY=value"); a container's
	// Envs override them.
	Env []string
}

// Options configure a Runtime. The zero value works (as root on a machine
// with cgroup v2) with the defaults stated on each field.
type Options struct {
	// RootDir holds the runtime's persistent state: the journal
	// state.journal and the namespace files of sandboxes without a pause
	// process (see the package documentation). Default DefaultRootDir.
	RootDir string
	// CgroupRoot is the cgroup v2 directory under which pod cgroups are
	// made (it is created when missing, and then removed by Runtime.Close
	// when no pod is left in it). Default: DefaultCgroupName at the
	// top of the cgroup2 mount found in /proc/self/mountinfo, e.g.
	// /sys/fs/cgroup/unified/rigging. Controllers of a cgroup v1 hierarchy
	// (a "hybrid" host, where cpu, memory or pids are not available in
	// cgroup v2) are used in a parallel tree at CgroupRoot's path relative
	// to the cgroup2 mount, under the runtime's own cgroup in that
	// hierarchy (e.g. /sys/fs/cgroup/memory/<own>/rigging).
	CgroupRoot string
	// Logger receives the runtime's logs. Default: logr.Discard().
	Logger logr.Logger
	// LogMaxSize is the size in bytes at which a container log file is
	// rotated. Default DefaultLogMaxSize (10 MiB).
	LogMaxSize int64
	// LogMaxFiles is the number of log files kept per container, the live
	// file included (at least 1). Default DefaultLogMaxFiles (5).
	LogMaxFiles int
	// LogMaxLineSize is the longest log entry in bytes; longer lines are
	// written as partial entries. Default DefaultLogMaxLineSize (16 KiB).
	LogMaxLineSize int
	// Images maps image names (the last path element of an image
	// reference, without tag or digest: "registry/x/busybox:1.36" is
	// "busybox") to local images. Images not found here resolve to a
	// command of that name on the host's PATH. Default: none.
	Images map[string]Image
	// Path is the search path used to resolve commands of host images.
	// Default: the PATH of the runtime's own process, or
	// "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" when
	// that is empty.
	Path string
}

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func (o *Options) validate() error {
	if o.LogMaxSize < 0 {
		return fmt.Errorf("process: LogMaxSize %d is negative: %w", o.LogMaxSize, kubelet.ErrInvalid)
	}
	if o.LogMaxFiles < 0 {
		return fmt.Errorf("process: LogMaxFiles %d is negative: %w", o.LogMaxFiles, kubelet.ErrInvalid)
	}
	if o.LogMaxLineSize < 0 {
		return fmt.Errorf("process: LogMaxLineSize %d is negative: %w", o.LogMaxLineSize, kubelet.ErrInvalid)
	}
	if o.LogMaxSize > 0 && o.LogMaxLineSize > 0 && int64(o.LogMaxLineSize) > o.LogMaxSize {
		return fmt.Errorf("process: LogMaxLineSize %d exceeds LogMaxSize %d: %w", o.LogMaxLineSize, o.LogMaxSize, kubelet.ErrInvalid)
	}
	if o.RootDir != "" && !filepath.IsAbs(o.RootDir) {
		return fmt.Errorf("process: RootDir %q is not absolute: %w", o.RootDir, kubelet.ErrInvalid)
	}
	if o.CgroupRoot != "" && !filepath.IsAbs(o.CgroupRoot) {
		return fmt.Errorf("process: CgroupRoot %q is not absolute: %w", o.CgroupRoot, kubelet.ErrInvalid)
	}
	for name, img := range o.Images {
		if name == "" || strings.ContainsAny(name, "/:@") {
			return fmt.Errorf("process: image name %q must be a bare name (no registry, tag or digest): %w", name, kubelet.ErrInvalid)
		}
		if img.Rootfs != "" && !filepath.IsAbs(img.Rootfs) {
			return fmt.Errorf("process: image %q: Rootfs %q is not absolute: %w", name, img.Rootfs, kubelet.ErrInvalid)
		}
	}
	return nil
}

func (o *Options) setDefaults() {
	if o.RootDir == "" {
		o.RootDir = DefaultRootDir
	}
	if o.LogMaxSize == 0 {
		o.LogMaxSize = DefaultLogMaxSize
	}
	if o.LogMaxFiles == 0 {
		o.LogMaxFiles = DefaultLogMaxFiles
	}
	if o.LogMaxLineSize == 0 {
		o.LogMaxLineSize = DefaultLogMaxLineSize
		if int64(o.LogMaxLineSize) > o.LogMaxSize {
			o.LogMaxLineSize = int(o.LogMaxSize)
		}
	}
	if o.Logger.GetSink() == nil {
		o.Logger = logr.Discard()
	}
}
