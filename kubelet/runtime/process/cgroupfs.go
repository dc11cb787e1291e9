package process

// Cgroup file system access with few system calls. os.ReadFile and
// os.WriteFile cost more than the cgroup operation itself here: cgroup
// files are pollable, so os registers each opened one with the runtime's
// epoll (and removes it on close), ReadFile adds an fstat, and each long
// absolute path is walked component by component. These helpers open
// with openat(2) relative to the runtime's cgroup root directories (kept
// open, see cgroupHost.at), read and write into stack buffers, and never
// touch the poller.

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// cgroupDir is one of the runtime's cgroup root directories, held open
// for *at system calls.
type cgroupDir struct {
	path string
	fd   int
}

// openCgroupDir opens the directory path for *at system calls.
func openCgroupDir(path string) (cgroupDir, error) {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return cgroupDir{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return cgroupDir{path: filepath.Clean(path), fd: fd}, nil // as filepath.Join leaves the paths below it
}

// at returns a directory descriptor and a path relative to it that name
// path: relative to the runtime's cgroup root directory of its hierarchy
// when path is below one (a walk of a few components instead of the
// whole path), else AT_FDCWD and path itself.
func (h *cgroupHost) at(path string) (int, string) {
	if h == nil {
		return unix.AT_FDCWD, path
	}
	dirs := h.dirs.Load()
	if dirs == nil {
		return unix.AT_FDCWD, path
	}
	for _, d := range *dirs {
		if len(path) > len(d.path)+1 && path[len(d.path)] == '/' && strings.HasPrefix(path, d.path) {
			return d.fd, path[len(d.path)+1:]
		}
	}
	return unix.AT_FDCWD, path
}

// retryAbsolute reports whether a call that failed with err on a path
// relative to a held root directory (dirfd) is worth repeating with the
// absolute path: when the root directory was removed (and maybe made
// again) since New opened it, the held descriptor names the old one.
func retryAbsolute(dirfd int, err error) bool {
	return dirfd != unix.AT_FDCWD && errors.Is(err, unix.ENOENT)
}

// mkdir makes the cgroup directory path (mode 0755), as os.Mkdir does.
func (h *cgroupHost) mkdir(path string) error {
	fd, rel := h.at(path)
	err := unix.Mkdirat(fd, rel, 0o755)
	if err != nil && retryAbsolute(fd, err) {
		err = unix.Mkdirat(unix.AT_FDCWD, path, 0o755)
	}
	if err != nil {
		return &os.PathError{Op: "mkdir", Path: path, Err: err}
	}
	return nil
}

// rmdir removes the empty cgroup directory path.
func (h *cgroupHost) rmdir(path string) error {
	fd, rel := h.at(path)
	err := unix.Unlinkat(fd, rel, unix.AT_REMOVEDIR)
	if err != nil && retryAbsolute(fd, err) {
		err = unix.Rmdir(path)
	}
	return err
}

// openFile opens the cgroup file or directory path with flags
// (O_CLOEXEC added).
func (h *cgroupHost) openFile(path string, flags int) (int, error) {
	dirfd, rel := h.at(path)
	fd, err := unix.Openat(dirfd, rel, flags|unix.O_CLOEXEC, 0)
	if err != nil && retryAbsolute(dirfd, err) {
		fd, err = unix.Openat(unix.AT_FDCWD, path, flags|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return fd, nil
}

// writeFile writes value to the cgroup file path in one write(2), as
// os.WriteFile does (the kernel takes a cgroup file's value from one
// write), with the same errors.
func (h *cgroupHost) writeFile(path, value string) error {
	fd, err := h.openFile(path, unix.O_WRONLY)
	if err != nil {
		return err
	}
	err = writeAll(fd, path, value)
	if cerr := unix.Close(fd); err == nil && cerr != nil {
		err = &os.PathError{Op: "close", Path: path, Err: cerr}
	}
	return err
}

func writeAll(fd int, path, value string) error {
	b := []byte(value)
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "write", Path: path, Err: err}
		}
		b = b[n:]
	}
	return nil
}

// readSmall reads the cgroup file path into buf (a file larger than buf
// is cut short: callers read files of a few lines).
func readSmall(fd int, path string, buf []byte) ([]byte, error) {
	n := 0
	for n < len(buf) {
		m, err := unix.Pread(fd, buf[n:], int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			break
		}
		n += m
	}
	return buf[:n], nil
}

// keyedValue returns the value of key in a "key value" per line file
// (cgroup.events, memory.events, memory.oom_control) as readKeyed would
// (the last line with the key and a decimal value), without allocating.
func keyedValue(data []byte, key string) (val uint64, found bool) {
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		k, line := nextField(line)
		v, line := nextField(line)
		if k == nil || v == nil || string(k) != key {
			continue
		}
		if extra, _ := nextField(line); extra != nil {
			continue
		}
		if n, ok := parseDecimal(v); ok {
			val, found = n, true
		}
	}
	return val, found
}

// nextField returns the first field of b separated by ASCII white space,
// and what follows it; nil when there is none.
func nextField(b []byte) (field, rest []byte) {
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i == len(b) {
		return nil, nil
	}
	j := i
	for j < len(b) && !isSpace(b[j]) {
		j++
	}
	return b[i:j], b[j:]
}

// parseDecimal parses an unsigned decimal number as strconv.ParseUint(s,
// 10, 64) does.
func parseDecimal(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}
