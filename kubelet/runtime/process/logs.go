package process

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// logFile writes CRI log entries ("<RFC3339Nano> <stream> <F|P> <text>\n")
// to path, rotating it by size: path is renamed to path.1, path.1 to
// path.2 and so on, keeping maxFiles files in all (the live one included).
type logFile struct {
	path     string
	maxSize  int64
	maxFiles int
	now      func() time.Time

	mu   sync.Mutex // guards f, size and the files on disk
	f    *os.File
	size int64
}

func openLogFile(path string, maxSize int64, maxFiles int) (*logFile, error) {
	// Mostly the file is new and its directory exists: one openat(2)
	// makes it, without a stat of the directory first or an fstat after
	// (a file just made is empty).
	f, err := openLog(path, unix.O_EXCL)
	if err == nil {
		return &logFile{path: path, maxSize: maxSize, maxFiles: maxFiles, now: time.Now, f: f}, nil
	}
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create log directory: %w", err)
		}
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("open log file: %w", err)
	}
	f, err = openLog(path, 0)
	if err != nil {
		return nil, fmt.Errorf("open log file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat log file: %w", err)
	}
	return &logFile{path: path, maxSize: maxSize, maxFiles: maxFiles, now: time.Now, f: f, size: st.Size()}, nil
}

// openLog opens (creating it, mode 0640) the log file path for appending,
// with extra open flags, and returns the errors os.OpenFile would. Unlike
// os.OpenFile it does not try to register the file with Go's poller
// (which refuses regular files, after four fcntl(2) calls and an
// epoll_ctl(2) per open).
func openLog(path string, flags int) (*os.File, error) {
	for {
		fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_APPEND|unix.O_CLOEXEC|flags, 0o640)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
		return os.NewFile(uintptr(fd), path), nil
	}
}

// writeEntry writes one entry; tag is "F" for a full line or "P" for part
// of a longer one. text must not hold the newline.
func (l *logFile) writeEntry(stream, tag string, text []byte) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return os.ErrClosed
	}
	ts := l.now().UTC().Format(time.RFC3339Nano)
	buf := make([]byte, 0, len(ts)+len(stream)+len(text)+5)
	buf = append(buf, ts...)
	buf = append(buf, ' ')
	buf = append(buf, stream...)
	buf = append(buf, ' ')
	buf = append(buf, tag...)
	buf = append(buf, ' ')
	buf = append(buf, text...)
	buf = append(buf, '\n')
	if l.size > 0 && l.size+int64(len(buf)) > l.maxSize {
		if err := l.rotateLocked(); err != nil {
			return err
		}
	}
	n, err := l.f.Write(buf)
	l.size += int64(n)
	return err
}

func (l *logFile) rotateLocked() error {
	if err := l.f.Close(); err != nil {
		return err
	}
	l.f = nil
	if l.maxFiles <= 1 {
		if err := os.Truncate(l.path, 0); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	} else {
		_ = os.Remove(l.path + "." + strconv.Itoa(l.maxFiles-1))
		for i := l.maxFiles - 2; i >= 1; i-- {
			err := os.Rename(l.path+"."+strconv.Itoa(i), l.path+"."+strconv.Itoa(i+1))
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		if err := os.Rename(l.path, l.path+".1"); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	f, err := openLog(l.path, 0)
	if err != nil {
		return err
	}
	l.f, l.size = f, 0
	return nil
}

func (l *logFile) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// copyLines reads r until EOF and writes each line as an entry of stream,
// splitting lines longer than maxLine into partial entries. Write errors
// are counted, not fatal: the container's output keeps being drained.
func copyLines(l *logFile, stream string, r io.Reader, maxLine int) {
	br := bufio.NewReaderSize(r, maxLine)
	for {
		line, err := br.ReadSlice('\n')
		switch {
		case err == nil:
			_ = l.writeEntry(stream, "F", line[:len(line)-1])
		case errors.Is(err, bufio.ErrBufferFull):
			_ = l.writeEntry(stream, "P", line)
		default:
			if len(line) > 0 {
				_ = l.writeEntry(stream, "F", line)
			}
			return
		}
	}
}
