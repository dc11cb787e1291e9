package runtimetest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// logLines is a container log read back: the full lines of each stream,
// partial entries joined.
type logLines struct {
	Stdout, Stderr []string
}

// readCRILog parses a file in the CRI log format, failing on any entry
// that does not follow it.
func readCRILog(path string) (logLines, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return logLines{}, err
	}
	var out logLines
	partial := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		fields := strings.SplitN(line, " ", 4)
		if len(fields) < 3 {
			return out, fmt.Errorf("%s:%d: %q is not \"<time> <stream> <tag> <text>\"", path, n, line)
		}
		if _, err := time.Parse(time.RFC3339Nano, fields[0]); err != nil {
			return out, fmt.Errorf("%s:%d: time %q is not RFC 3339: %v", path, n, fields[0], err)
		}
		stream, tag, text := fields[1], fields[2], ""
		if len(fields) == 4 {
			text = fields[3]
		}
		if stream != "stdout" && stream != "stderr" {
			return out, fmt.Errorf("%s:%d: stream %q is neither stdout nor stderr", path, n, stream)
		}
		switch tag {
		case "P":
			partial[stream] += text
			continue
		case "F":
		default:
			return out, fmt.Errorf("%s:%d: tag %q is neither F nor P", path, n, tag)
		}
		text = partial[stream] + text
		delete(partial, stream)
		if stream == "stdout" {
			out.Stdout = append(out.Stdout, text)
		} else {
			out.Stderr = append(out.Stderr, text)
		}
	}
	if !bytes.HasSuffix(data, []byte("\n")) && len(data) > 0 {
		// The last entry is still being written; the caller reads again.
		return out, errIncomplete
	}
	return out, sc.Err()
}

var errIncomplete = errors.New("log ends mid-line")

func logTests() []test {
	return []test{
		{"CRIFormat", func(h *harness) {
			p := h.sandbox("p", nil)
			want := logLines{
				Stdout: []string{"hello, world", "second line with  spaces", "x"},
				Stderr: []string{"an error", "another error"},
			}
			id := h.run(p, "echo", Echo{Stdout: want.Stdout, Stderr: want.Stderr}, nil)
			h.wantLog(id, want)
		}},
		{"PerContainer", func(h *harness) {
			p := h.sandbox("p", nil)
			a := h.run(p, "a", Echo{Stdout: []string{"from a"}}, nil)
			b := h.run(p, "b", Echo{Stderr: []string{"from b"}}, nil)
			for _, tc := range []struct {
				id   string
				want logLines
			}{{a, logLines{Stdout: []string{"from a"}}}, {b, logLines{Stderr: []string{"from b"}}}} {
				h.wantLog(tc.id, tc.want)
			}
		}},
	}
}
