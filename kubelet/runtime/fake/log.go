package fake

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// maxLogLine is the longest log entry; longer lines are split into partial
// ("P") entries, as CRI runtimes do (16 KiB).
const maxLogLine = 16 << 10

// logEntry is one line of container output.
type logEntry struct {
	stream string // "stdout" or "stderr"
	text   string
}

// appendLines appends s, split at newlines, to entries.
func appendLines(entries []logEntry, stream, s string) []logEntry {
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		entries = append(entries, logEntry{stream, line})
	}
	return entries
}

// writeLog appends entries to the file at path in the CRI log format
// ("<RFC3339Nano time> <stream> <F|P> <text>\n"), making its directory
// when missing.
func writeLog(path string, now time.Time, entries []logEntry) error {
	if len(entries) == 0 {
		return nil
	}
	var buf bytes.Buffer
	ts := now.UTC().Format(time.RFC3339Nano)
	for _, e := range entries {
		text := e.text
		for len(text) > maxLogLine {
			fmt.Fprintf(&buf, "%s %s P %s\n", ts, e.stream, text[:maxLogLine])
			text = text[maxLogLine:]
		}
		fmt.Fprintf(&buf, "%s %s F %s\n", ts, e.stream, text)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write log %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("write log %s: %w", path, err)
	}
	_, err = f.Write(buf.Bytes())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write log %s: %w", path, err)
	}
	return nil
}
