package client

import (
	"sync"
)

// bodyPipeLimit bounds the bytes a bodyPipe holds that the client has not
// read yet: 1 MiB. Up to it, a handler's writes return at once; beyond it
// they wait for the client to read.
const bodyPipeLimit = 1 << 20

// bodyBlockSize is the size of the blocks a bodyPipe buffers in: 32 KiB.
const bodyBlockSize = 32 << 10

// bodyBlocks recycles the blocks of every bodyPipe, so that a pipe holds
// memory only for its unread bytes and a burst costs no allocation.
var bodyBlocks = sync.Pool{New: func() any { return new([bodyBlockSize]byte) }}

// bodyPipe carries a response body from the handler (one writer goroutine)
// to the client (one reader goroutine) through a buffer, unlike io.Pipe,
// whose every Write waits until the reader has taken all of it. Bytes are
// readable as soon as they are written. The buffer is bounded by limit:
// a Write that finds it full waits for the reader (backpressure) or for
// the read side to be closed, when it fails with that side's error.
type bodyPipe struct {
	limit int

	mu sync.Mutex // guards every field below, and is the lock of both conds
	// blocks hold the unread bytes: blocks[0][off:], the blocks between,
	// and the last one up to end; unread counts them.
	blocks   []*[bodyBlockSize]byte
	off, end int
	unread   int
	// rerr, once set, is what Read returns when the buffer is drained
	// (io.EOF when the handler is done): set by closeWrite.
	rerr error
	// werr, once set, is what Write returns, and Read at once: set by
	// closeRead.
	werr error
	// For tests (writerWaited): writerWaits counts the times a writer
	// began to wait for room; waitsReached, when not nil, is closed once
	// writerWaits reaches waitsWanted.
	writerWaits  int
	waitsWanted  int
	waitsReached chan struct{}

	canRead  sync.Cond // signalled when bytes arrive, or either side closes
	canWrite sync.Cond // signalled when room appears, or the read side closes
}

func newBodyPipe(limit int) *bodyPipe {
	p := new(bodyPipe)
	p.init(limit)
	return p
}

// init makes the zero p a pipe of the given limit.
func (p *bodyPipe) init(limit int) {
	p.limit = limit
	p.canRead.L = &p.mu
	p.canWrite.L = &p.mu
}

// Write copies b into the buffer, waiting while the buffer is full. It
// fails once the read side is closed, with the count of bytes taken.
func (p *bodyPipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for len(b) > 0 {
		for p.werr == nil && p.unread >= p.limit {
			p.writerWaits++
			if p.waitsReached != nil && p.writerWaits >= p.waitsWanted {
				close(p.waitsReached)
				p.waitsReached = nil
			}
			p.canWrite.Wait()
		}
		if p.werr != nil {
			return n, p.werr
		}
		if len(p.blocks) == 0 || p.end == bodyBlockSize {
			p.blocks = append(p.blocks, bodyBlocks.Get().(*[bodyBlockSize]byte))
			p.end = 0
		}
		last := p.blocks[len(p.blocks)-1]
		c := copy(last[p.end:], b[:min(len(b), p.limit-p.unread)])
		p.end += c
		p.unread += c
		n += c
		b = b[c:]
		p.canRead.Signal()
	}
	return n, nil
}

// Read takes up to len(b) buffered bytes, waiting until there are some or
// the write side is closed.
func (p *bodyPipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		if p.werr != nil {
			return 0, p.werr
		}
		if p.unread > 0 {
			break
		}
		if p.rerr != nil {
			return 0, p.rerr
		}
		p.canRead.Wait()
	}
	n := 0
	for n < len(b) && p.unread > 0 {
		first := p.blocks[0]
		stop := bodyBlockSize
		if len(p.blocks) == 1 {
			stop = p.end
		}
		c := copy(b[n:], first[p.off:stop])
		n += c
		p.off += c
		p.unread -= c
		if p.off == stop && len(p.blocks) > 1 {
			bodyBlocks.Put(first)
			p.blocks[0] = nil
			p.blocks, p.off = p.blocks[1:], 0
		}
	}
	if p.unread == 0 {
		// Hold no memory while idle, as a watch stream mostly is.
		p.release()
	}
	p.canWrite.Signal()
	return n, nil
}

// release recycles the blocks; p.mu is held.
func (p *bodyPipe) release() {
	for _, blk := range p.blocks {
		bodyBlocks.Put(blk)
	}
	p.blocks, p.off, p.end, p.unread = nil, 0, 0, 0
}

// closeWrite ends the stream: once the buffered bytes are read, Read
// returns err (io.EOF for a complete body). Only the first call counts.
func (p *bodyPipe) closeWrite(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rerr == nil {
		p.rerr = err
	}
	p.canRead.Broadcast()
}

// closeRead drops the buffered bytes; from then on Write and Read return
// err. Only the first call counts.
func (p *bodyPipe) closeRead(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.werr == nil {
		p.werr = err
		p.release()
	}
	p.canWrite.Broadcast()
	p.canRead.Broadcast()
}

// writerWaited returns a channel that is closed once writers have begun to
// wait for room n times in all, at once if they already have. It is for
// tests, to know
// that a writer is blocked without polling: a writer that begins to wait
// holds p.mu until it waits, so whatever the caller does with p after the
// channel is closed happens while the writer waits. One channel at a time.
func (p *bodyPipe) writerWaited(n int) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch := make(chan struct{})
	if p.writerWaits >= n {
		close(ch)
	} else {
		p.waitsReached, p.waitsWanted = ch, n
	}
	return ch
}

// closedRead returns closeRead's error, or nil while the read side is open.
func (p *bodyPipe) closedRead() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.werr
}
