package kubelet

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// LogOptions select what ReadLogs writes, as the query of Kubernetes'
// container log endpoint does. The zero value writes every line, without
// timestamps, and does not follow.
type LogOptions struct {
	// TailLines, when positive, writes only the last TailLines lines
	// (0 and negative mean all; use NoLines for none).
	TailLines int64
	// NoLines writes nothing of the existing file (tailLines=0); with
	// Follow only new lines are written.
	NoLines bool
	// LimitBytes, when positive, stops after that many bytes.
	LimitBytes int64
	// Since, when set, skips lines logged before it.
	Since time.Time
	// Timestamps prefixes every line with its RFC 3339 (nanosecond)
	// timestamp and a space.
	Timestamps bool
	// Follow keeps reading as the file grows until Running returns false
	// (checked whenever no new data is there) or ctx ends.
	Follow bool
	// Running reports whether the container still runs. Nil with Follow:
	// follow until ctx ends.
	Running func() bool
	// PollInterval is how often a followed file is checked for new data.
	// Default 50 ms.
	PollInterval time.Duration
}

// LogLine is one parsed line of a CRI log file.
type LogLine struct {
	Time   time.Time
	Stream string // "stdout" or "stderr"
	// Partial is true for a "P" line: its text continues in the next line
	// of the same stream.
	Partial bool
	Text    []byte
}

// ParseCRILogLine parses one line (without its trailing newline) of the
// CRI log format: "<RFC3339Nano time> <stdout|stderr> <F|P> <text>". An
// older form without the tag is accepted as a full line.
func ParseCRILogLine(line []byte) (LogLine, error) {
	var l LogLine
	ts, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return l, fmt.Errorf("malformed CRI log line %q: no timestamp", truncate(line))
	}
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return l, fmt.Errorf("malformed CRI log line %q: %w", truncate(line), err)
	}
	l.Time = t
	stream, rest, ok := bytes.Cut(rest, []byte{' '})
	if !ok && len(stream) == 0 {
		return l, fmt.Errorf("malformed CRI log line %q: no stream", truncate(line))
	}
	switch string(stream) {
	case "stdout", "stderr":
		l.Stream = string(stream)
	default:
		return l, fmt.Errorf("malformed CRI log line %q: unknown stream %q", truncate(line), stream)
	}
	tag, text, ok := bytes.Cut(rest, []byte{' '})
	switch {
	case ok && string(tag) == "P":
		l.Partial, l.Text = true, text
	case ok && string(tag) == "F":
		l.Text = text
	case !ok && (string(tag) == "F" || string(tag) == "P"):
		l.Partial = string(tag) == "P"
	default:
		l.Text = rest
	}
	return l, nil
}

func truncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// logMessage is a whole logged line: partial lines joined.
type logMessage struct {
	time   time.Time
	stream string
	text   []byte
}

// logAssembler joins partial lines per stream.
type logAssembler struct {
	pending map[string]*logMessage
}

func (a *logAssembler) add(l LogLine) *logMessage {
	if a.pending == nil {
		a.pending = map[string]*logMessage{}
	}
	m := a.pending[l.Stream]
	if m == nil {
		m = &logMessage{time: l.Time, stream: l.Stream}
	}
	m.text = append(m.text, l.Text...)
	if l.Partial {
		a.pending[l.Stream] = m
		return nil
	}
	delete(a.pending, l.Stream)
	return m
}

// logWriter formats messages and enforces LimitBytes.
type logWriter struct {
	w       io.Writer
	opts    LogOptions
	written int64
}

var errLimit = errors.New("log limit reached")

func (lw *logWriter) write(m *logMessage) error {
	if !lw.opts.Since.IsZero() && m.time.Before(lw.opts.Since) {
		return nil
	}
	var b []byte
	if lw.opts.Timestamps {
		b = m.time.AppendFormat(b, time.RFC3339Nano)
		b = append(b, ' ')
	}
	b = append(b, m.text...)
	b = append(b, '\n')
	if lw.opts.LimitBytes > 0 && lw.written+int64(len(b)) > lw.opts.LimitBytes {
		b = b[:lw.opts.LimitBytes-lw.written]
		if _, err := lw.w.Write(b); err != nil {
			return err
		}
		lw.written = lw.opts.LimitBytes
		return errLimit
	}
	n, err := lw.w.Write(b)
	lw.written += int64(n)
	if f, ok := lw.w.(interface{ Flush() }); ok && lw.opts.Follow {
		f.Flush()
	}
	return err
}

// ReadLogs writes the log of one container, read from the CRI-format file
// at path, to w as Kubernetes' container log endpoint does (partial lines
// joined; optional timestamps, tail, since and byte limit; with Follow it
// keeps reading until the container stops or ctx ends). Malformed lines
// are skipped. It returns nil when done, ctx's error when ctx ended first.
func ReadLogs(ctx context.Context, path string, opts LogOptions, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open log file: %w", err)
	}
	defer f.Close()
	if opts.PollInterval <= 0 {
		opts.PollInterval = 50 * time.Millisecond
	}
	lw := &logWriter{w: w, opts: opts}
	var asm logAssembler
	r := bufio.NewReaderSize(f, 64<<10)
	var partial []byte // an incomplete trailing line (no newline yet)

	// readAvailable reads the complete lines available now.
	readAvailable := func(emit func(*logMessage) error) error {
		for {
			chunk, err := r.ReadBytes('\n')
			if len(chunk) > 0 {
				if chunk[len(chunk)-1] != '\n' {
					partial = append(partial, chunk...)
				} else {
					line := append(partial, chunk[:len(chunk)-1]...)
					partial = nil
					if l, perr := ParseCRILogLine(line); perr == nil {
						if m := asm.add(l); m != nil {
							if err := emit(m); err != nil {
								return err
							}
						}
					}
				}
			}
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
		}
	}

	// The existing content, with the tail applied.
	switch {
	case opts.NoLines:
		if err := readAvailable(func(*logMessage) error { return nil }); err != nil {
			return err
		}
	case opts.TailLines > 0:
		ring := make([]*logMessage, 0, min(opts.TailLines, 4096))
		err := readAvailable(func(m *logMessage) error {
			if !opts.Since.IsZero() && m.time.Before(opts.Since) {
				return nil
			}
			if int64(len(ring)) == opts.TailLines {
				copy(ring, ring[1:])
				ring = ring[:len(ring)-1]
			}
			ring = append(ring, m)
			return nil
		})
		if err != nil {
			return err
		}
		for _, m := range ring {
			if err := lw.write(m); err != nil {
				return limitOK(err)
			}
		}
	default:
		if err := readAvailable(lw.write); err != nil {
			return limitOK(err)
		}
	}
	if !opts.Follow {
		return nil
	}
	for {
		running := opts.Running == nil || opts.Running()
		if err := readAvailable(lw.write); err != nil {
			return limitOK(err)
		}
		if !running {
			return nil
		}
		t := time.NewTimer(opts.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func limitOK(err error) error {
	if errors.Is(err, errLimit) {
		return nil
	}
	return err
}
