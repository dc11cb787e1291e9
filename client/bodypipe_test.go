package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "github.com/rigging-dev/rigging/api/core/v1"
	metav1 "github.com/rigging-dev/rigging/api/meta/v1"
)

// waitWriter waits until writers have begun to wait for room in p n times
// in all (bodyPipe.writerWaited), failing the test after 20 s, and returns
// the bytes p holds unread then, while the writer waits.
func waitWriter(t *testing.T, p *bodyPipe, n int) (unread int) {
	t.Helper()
	select {
	case <-p.writerWaited(n):
	case <-time.After(20 * time.Second):
		t.Fatalf("waited 20s for a writer to wait for room (wait %d)", n)
	}
	u, _ := pipeState(p)
	return u
}

// pipeState returns the unread bytes of p and how many times writers
// began to wait for room.
func pipeState(p *bodyPipe) (unread, waits int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.unread, p.writerWaits
}

// closed reports whether ch is closed, without waiting.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestBodyPipeBackpressure(t *testing.T) {
	const limit = 16
	p := newBodyPipe(limit)
	data := []byte("0123456789abcdefghijklmnopqrstuvwxyzABCD") // 40 bytes

	// Up to the limit, a write returns without a reader.
	if n, err := p.Write(data[:limit]); n != limit || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	// Beyond it, the write waits for the reader.
	done := make(chan struct{})
	var n int
	var err error
	go func() {
		defer close(done)
		n, err = p.Write(data[limit:])
	}()
	if u := waitWriter(t, p, 1); u != limit {
		t.Fatalf("writer waits with %d bytes unread, want %d", u, limit)
	}
	if closed(done) {
		t.Fatal("Write beyond the limit returned without a reader")
	}
	got := make([]byte, 8)
	if n, err := io.ReadFull(p, got); n != 8 || err != nil {
		t.Fatalf("Read = %d, %v", n, err)
	}
	// The writer takes the room made, and waits again.
	if u := waitWriter(t, p, 2); u != limit {
		t.Fatalf("writer waits again with %d bytes unread, want %d", u, limit)
	}
	if closed(done) {
		t.Fatal("Write returned with 16 bytes still to write")
	}
	rest := make([]byte, len(data)-8)
	if _, err := io.ReadFull(p, rest); err != nil {
		t.Fatal(err)
	}
	<-done
	if n != len(data)-limit || err != nil {
		t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(data)-limit)
	}
	if got := append(got, rest...); !bytes.Equal(got, data) {
		t.Fatalf("read %q, want %q", got, data)
	}

	// Closing the read side fails a waiting writer, with what it wrote.
	if _, err := p.Write(data[:limit]); err != nil {
		t.Fatal(err)
	}
	_, waits := pipeState(p)
	done = make(chan struct{})
	go func() {
		defer close(done)
		n, err = p.Write(data[:4])
	}()
	waitWriter(t, p, waits+1)
	if closed(done) {
		t.Fatal("Write into a full pipe returned without a reader")
	}
	p.closeRead(errBodyClosed)
	<-done
	if n != 0 || !errors.Is(err, errBodyClosed) {
		t.Fatalf("Write after closeRead = %d, %v", n, err)
	}
	if _, err := p.Read(got); !errors.Is(err, errBodyClosed) {
		t.Fatalf("Read after closeRead: %v", err)
	}

	// The write side's end comes after the bytes written.
	p = newBodyPipe(limit)
	_, _ = p.Write([]byte("ab"))
	p.closeWrite(io.EOF)
	if b, err := io.ReadAll(p); string(b) != "ab" || err != nil {
		t.Fatalf("ReadAll = %q, %v", b, err)
	}
}

// TestInProcessSlowReader checks that a handler writes a whole bodyPipeLimit
// without the client reading, then waits for it.
func TestInProcessSlowReader(t *testing.T) {
	chunk := make([]byte, 64<<10)
	for i := range chunk {
		chunk[i] = byte(i % 251)
	}
	wroteLimit := make(chan struct{})
	handlerDone := make(chan struct{})
	rt := &handlerTransport{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(handlerDone)
		for range bodyPipeLimit / len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				t.Errorf("Write: %v", err)
				return
			}
		}
		close(wroteLimit)
		if _, err := w.Write([]byte("end")); err != nil {
			t.Errorf("Write: %v", err)
		}
	})}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://in-process/", nil)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	select {
	case <-wroteLimit:
	case <-time.After(20 * time.Second):
		t.Fatal("handler blocked before writing bodyPipeLimit bytes")
	}
	pipe := resp.Body.(*pipeBody).pipe
	if u := waitWriter(t, pipe, 1); u != bodyPipeLimit {
		t.Fatalf("handler waits with %d bytes unread, want %d", u, bodyPipeLimit)
	}
	if closed(handlerDone) {
		t.Fatal("handler wrote more than bodyPipeLimit bytes unread")
	}
	body, err := io.ReadAll(resp.Body)
	want := append(bytes.Repeat(chunk, bodyPipeLimit/len(chunk)), "end"...)
	if err != nil || !bytes.Equal(body, want) {
		t.Fatalf("read %d bytes (%v), not the %d written", len(body), err, len(want))
	}
	<-handlerDone
}

// TestInProcessClientGoesAway checks that the handler sees the client close
// the body, or cancel the request, and that its writes fail then.
func TestInProcessClientGoesAway(t *testing.T) {
	for _, how := range []string{"close body", "cancel request"} {
		t.Run(how, func(t *testing.T) {
			type result struct{ writeErr, flushErr error }
			seen := make(chan result, 1)
			// flushed is closed once the handler's first Flush returned,
			// which must succeed: the client goes away only after it.
			flushed := make(chan struct{})
			rt := &handlerTransport{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte("first"))
				if err := http.NewResponseController(w).Flush(); err != nil {
					t.Errorf("Flush: %v", err)
				}
				close(flushed)
				<-r.Context().Done()
				// The writes fail once the pipe is closed, which may
				// come just after the context's end; until then they
				// fill the buffer.
				var werr error
				for werr == nil {
					_, werr = w.Write([]byte("more"))
				}
				seen <- result{werr, http.NewResponseController(w).Flush()}
			})}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://in-process/", nil)
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			b := make([]byte, 5)
			if _, err := io.ReadFull(resp.Body, b); err != nil || string(b) != "first" {
				t.Fatalf("read %q, %v", b, err)
			}
			select {
			case <-flushed:
			case <-time.After(20 * time.Second):
				t.Fatal("handler did not flush in 20s")
			}
			wantRead := errBodyClosed
			if how == "close body" {
				resp.Body.Close()
			} else {
				cancel()
				wantRead = context.Canceled
			}
			select {
			case r := <-seen:
				if r.writeErr == nil || r.flushErr == nil {
					t.Errorf("after the client went away: Write error %v, Flush error %v", r.writeErr, r.flushErr)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("handler did not see the client go away in 20s")
			}
			if _, err := resp.Body.Read(b); !errors.Is(err, wantRead) {
				t.Errorf("Read after the client went away: %v, want %v", err, wantRead)
			}
			resp.Body.Close()
		})
	}
}

// TestInProcessWatchUnderLoad runs several watches at once, each of more
// bytes than bodyPipeLimit, with readers that sometimes lag, and checks
// that each delivers every event in order.
func TestInProcessWatchUnderLoad(t *testing.T) {
	const watches, events = 4, 1000
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		for i := range events {
			frame := fmt.Sprintf(`{"type":"MODIFIED","object":%s}`+"\n", podJSON(i))
			if _, err := io.WriteString(w, frame); err != nil {
				return
			}
			if i%7 == 0 {
				if http.NewResponseController(w).Flush() != nil {
					return
				}
			}
		}
	})
	pods := mustFor[corev1.Pod](t, NewInProcess(h))
	var wg sync.WaitGroup
	for k := range watches {
		wg.Go(func() {
			w, err := pods.Watch(t.Context(), WatchOptions{})
			if err != nil {
				t.Error(err)
				return
			}
			defer w.Stop()
			i := 0
			for ev := range w.ResultChan() {
				if ev.Type != metav1.Modified || ev.Object.ResourceVersion != strconv.Itoa(100+i) {
					t.Errorf("watch %d: event %d is %s %v, want MODIFIED rv %d", k, i, ev.Type, ev.Err, 100+i)
					return
				}
				i++
				if (i+k)%100 == 0 {
					// Lag behind: busy the reader for a while.
					var sink []byte
					for range 200 {
						sink = fmt.Appendf(sink[:0], "%d", i)
					}
				}
			}
			if i != events {
				t.Errorf("watch %d: %d events, want %d", k, i, events)
			}
		})
	}
	wg.Wait()
}

// TestBodyPipeOrder streams bytes through a small bodyPipe in writes and
// reads of varied sizes, across many blocks, and checks they come out as
// they went in.
func TestBodyPipeOrder(t *testing.T) {
	p := newBodyPipe(3*bodyBlockSize + 123)
	data := make([]byte, 20*bodyBlockSize+7)
	for i := range data {
		data[i] = byte(i*7 + i/251)
	}
	go func() {
		rest := data
		for i := 0; len(rest) > 0; i++ {
			n := min(len(rest), (i*7919)%(2*bodyBlockSize)+1)
			if _, err := p.Write(rest[:n]); err != nil {
				t.Errorf("Write: %v", err)
				break
			}
			rest = rest[n:]
		}
		p.closeWrite(io.EOF)
	}()
	var got []byte
	buf := make([]byte, 3*bodyBlockSize)
	for i := 0; ; i++ {
		n, err := p.Read(buf[:(i*104729)%len(buf)+1])
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, not the %d written in order", len(got), len(data))
	}
}
