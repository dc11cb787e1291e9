package sandbox

import (
	"bufio"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
)

// Server is a TCP or UDP backend inside a Netns that answers with its
// Name: a TCP server writes Name and a newline on accept and again for
// every line it reads; a UDP server replies Name to every datagram.
type Server struct {
	Name string
	Addr netip.AddrPort // the address it listens on, port resolved

	mu   sync.Mutex // guards hits
	hits int
}

// Hits returns the connections (TCP) or datagrams (UDP) served so far.
func (s *Server) Hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits
}

func (s *Server) hit() {
	s.mu.Lock()
	s.hits++
	s.mu.Unlock()
}

// ServeTCP starts a TCP Server named name on addr (port 0: any) inside n,
// stopped when t ends.
func (n *Netns) ServeTCP(t testing.TB, name string, addr netip.AddrPort) *Server {
	t.Helper()
	var ln net.Listener
	err := n.Do(func() (err error) {
		ln, err = net.ListenTCP("tcp", net.TCPAddrFromAddrPort(addr))
		return err
	})
	if err != nil {
		t.Fatalf("listen tcp %v in %s: %v", addr, n.Name, err)
	}
	s := &Server{Name: name, Addr: ln.Addr().(*net.TCPAddr).AddrPort()}
	var wg sync.WaitGroup
	var mu sync.Mutex // guards conns
	conns := map[net.Conn]struct{}{}
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.hit()
			mu.Lock()
			conns[c] = struct{}{}
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
					c.Close()
				}()
				reply := []byte(name + "\n")
				if _, err := c.Write(reply); err != nil {
					return
				}
				r := bufio.NewReader(c)
				for {
					if _, err := r.ReadString('\n'); err != nil {
						return
					}
					if _, err := c.Write(reply); err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return s
}

// ServeUDP starts a UDP Server named name on addr (port 0: any) inside n,
// stopped when t ends.
func (n *Netns) ServeUDP(t testing.TB, name string, addr netip.AddrPort) *Server {
	t.Helper()
	var pc *net.UDPConn
	err := n.Do(func() (err error) {
		pc, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
		return err
	})
	if err != nil {
		t.Fatalf("listen udp %v in %s: %v", addr, n.Name, err)
	}
	s := &Server{Name: name, Addr: pc.LocalAddr().(*net.UDPAddr).AddrPort()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			_, from, err := pc.ReadFromUDPAddrPort(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			s.hit()
			_, _ = pc.WriteToUDPAddrPort([]byte(name), from)
		}
	}()
	t.Cleanup(func() {
		pc.Close()
		<-done
	})
	return s
}
