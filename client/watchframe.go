package client

import (
	"bytes"
	"io"
)

// frameReader splits a watch stream into its frames without decoding them:
// it finds where each top-level JSON object ends by counting brackets
// outside strings, so that each frame can go to the generated decoder
// (jsoncodec) whole, instead of through json.Decoder's reflection.
//
// It only handles the form servers send, objects separated by nothing or
// by whitespace, and gives up (next returns false) on anything else and at
// the stream's end, leaving what it has not consumed to rest. The caller
// then decodes rest with json.Decoder, which makes exactly the events and
// errors it always did. Brackets are counted without checking the JSON:
// a frame that is not valid JSON is found by the decoder it goes to, and
// as an object ends at the first bracket that returns the count to zero,
// such a frame holds the stream's first invalid byte, so its error is the
// one json.Decoder would have given.
type frameReader struct {
	r   io.Reader
	err error // the error r returned; nothing is read after it

	// buf[start:end] is read and not consumed; buf[start:start+scanned]
	// has been scanned, leaving the state below.
	buf          []byte
	start, end   int
	scanned      int
	depth        int  // open brackets; 0 before a frame starts
	inString     bool // inside a string
	afterEscape  bool // just after a backslash in a string
	frameStarted bool
}

// frameReaderBuf is the initial buffer: 16 KiB, several pod frames. It
// grows to hold the largest frame.
const frameReaderBuf = 16 << 10

func newFrameReader(r io.Reader) *frameReader {
	return &frameReader{r: r, buf: make([]byte, frameReaderBuf)}
}

// next returns the next frame, which stays valid until the following call,
// or false when the rest of the stream is not for it (see rest).
func (f *frameReader) next() ([]byte, bool) {
	for {
		if frame, ok, giveUp := f.scan(); ok {
			return frame, true
		} else if giveUp {
			return nil, false
		}
		if f.err != nil {
			return nil, false
		}
		f.fill()
	}
}

// scan continues scanning buf; it returns a frame when one is complete,
// or giveUp when the stream is not in the form next handles.
func (f *frameReader) scan() (frame []byte, ok, giveUp bool) {
	b := f.buf[f.start:f.end]
	i := f.scanned
	if !f.frameStarted {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		f.start += i
		b, i = b[i:], 0
		if len(b) == 0 {
			f.scanned = 0
			return nil, false, false
		}
		if b[0] != '{' {
			f.scanned = 0
			return nil, false, true
		}
		f.frameStarted = true
	}
	for i < len(b) {
		if f.inString {
			if f.afterEscape {
				f.afterEscape = false
				i++
				continue
			}
			// Jump to the next quote or backslash: a plain loop, as the
			// strings of objects are short.
			for i < len(b) && b[i] != '"' && b[i] != '\\' {
				i++
			}
			if i == len(b) {
				break
			}
			if b[i] == '\\' {
				f.afterEscape = true
			} else {
				f.inString = false
			}
			i++
			continue
		}
		// Jump to the next quote or bracket.
		for i < len(b) && !frameByte[b[i]] {
			i++
		}
		if i == len(b) {
			break
		}
		c := b[i]
		i++
		switch c {
		case '"':
			f.inString = true
		case '{', '[':
			f.depth++
		case '}', ']':
			f.depth--
			if f.depth == 0 {
				frame = b[:i]
				f.start += i
				f.scanned, f.frameStarted = 0, false
				return frame, true, false
			}
		}
	}
	f.scanned = i
	return nil, false, false
}

// fill reads more of the stream into buf, making room first.
func (f *frameReader) fill() {
	if f.start == f.end {
		f.start, f.end = 0, 0
	}
	if f.end == len(f.buf) {
		if f.start > 0 {
			f.end = copy(f.buf, f.buf[f.start:f.end])
			f.start = 0
		} else {
			f.buf = append(f.buf, make([]byte, len(f.buf))...)
		}
	}
	n, err := f.r.Read(f.buf[f.end:])
	f.end += n
	if err != nil {
		f.err = err
	}
}

// rest returns the stream from the first byte next has not returned in a
// frame: the bytes it holds, then the rest of the stream (or the error
// that ended it).
func (f *frameReader) rest() io.Reader {
	pending := bytes.NewReader(f.buf[f.start:f.end])
	if f.err != nil {
		return io.MultiReader(pending, errReader{f.err})
	}
	return io.MultiReader(pending, f.r)
}

// errReader is a reader that fails with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// frameByte marks the bytes scan stops at outside strings: quotes and
// brackets.
var frameByte = [256]bool{'"': true, '{': true, '[': true, '}': true, ']': true}

// isSpace reports whether c is JSON whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
