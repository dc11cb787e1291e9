package bridge

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// ipam allocates addresses from a subnet, as CNI's host-local plugin does:
// one file per allocated address in dir, named by the address and holding
// "<containerID> <ifname>", under an exclusive flock on dir/lock, so that
// several processes (and restarts) share one consistent allocation.
type ipam struct {
	dir    string
	subnet netip.Prefix
	gw     netip.Addr
}

func (a *ipam) lock() (func(), error) {
	if err := os.MkdirAll(a.dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(a.dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { _ = unix.Flock(int(f.Fd()), unix.LOCK_UN); f.Close() }, nil
}

func owner(containerID, ifName string) string { return containerID + " " + ifName }

// allocate returns the address held by (containerID, ifName), or the next
// free one after the last allocated (round robin, as host-local does, so
// that a released address is not reused at once).
func (a *ipam) allocate(containerID, ifName string) (netip.Addr, error) {
	unlock, err := a.lock()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("ipam: %w", err)
	}
	defer unlock()
	held, err := a.scan()
	if err != nil {
		return netip.Addr{}, err
	}
	want := owner(containerID, ifName)
	for ip, o := range held {
		if o == want {
			return ip, nil
		}
	}
	start := a.gw.Next()
	if b, err := os.ReadFile(filepath.Join(a.dir, "last_reserved_ip")); err == nil {
		if last, err := netip.ParseAddr(strings.TrimSpace(string(b))); err == nil && a.subnet.Contains(last) {
			start = last.Next()
		}
	}
	ip := start
	for range a.size() {
		if !a.usable(ip) {
			ip = a.first()
			continue
		}
		if _, taken := held[ip]; !taken {
			if err := os.WriteFile(filepath.Join(a.dir, ip.String()), []byte(want), 0o600); err != nil {
				return netip.Addr{}, fmt.Errorf("ipam: record %s: %w", ip, err)
			}
			_ = os.WriteFile(filepath.Join(a.dir, "last_reserved_ip"), []byte(ip.String()), 0o600)
			return ip, nil
		}
		ip = ip.Next()
	}
	return netip.Addr{}, fmt.Errorf("ipam: no free address in %s", a.subnet)
}

// release frees what (containerID, ifName) holds; it is not an error when it
// holds nothing.
func (a *ipam) release(containerID, ifName string) error {
	unlock, err := a.lock()
	if err != nil {
		return fmt.Errorf("ipam: %w", err)
	}
	defer unlock()
	held, err := a.scan()
	if err != nil {
		return err
	}
	want := owner(containerID, ifName)
	for ip, o := range held {
		if o == want {
			if err := os.Remove(filepath.Join(a.dir, ip.String())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("ipam: release %s: %w", ip, err)
			}
		}
	}
	return nil
}

// holders lists every allocation: address to "containerID ifname".
func (a *ipam) holders() (map[netip.Addr]string, error) {
	unlock, err := a.lock()
	if err != nil {
		return nil, fmt.Errorf("ipam: %w", err)
	}
	defer unlock()
	return a.scan()
}

func (a *ipam) scan() (map[netip.Addr]string, error) {
	ents, err := os.ReadDir(a.dir)
	if err != nil {
		return nil, fmt.Errorf("ipam: read %s: %w", a.dir, err)
	}
	held := make(map[netip.Addr]string)
	for _, e := range ents {
		ip, err := netip.ParseAddr(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(a.dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("ipam: read %s: %w", e.Name(), err)
		}
		held[ip] = strings.TrimSpace(string(b))
	}
	return held, nil
}

// first is the lowest assignable address: the one after the gateway.
func (a *ipam) first() netip.Addr { return a.subnet.Masked().Addr().Next().Next() }

// usable reports whether ip may be handed out: inside the subnet, not the
// network address, the gateway or (IPv4) the broadcast address.
func (a *ipam) usable(ip netip.Addr) bool {
	if !a.subnet.Contains(ip) || ip == a.subnet.Masked().Addr() || ip == a.gw {
		return false
	}
	if ip.Is4() && ip.Next().IsValid() && !a.subnet.Contains(ip.Next()) {
		return false // broadcast
	}
	return true
}

// size bounds the search: the number of addresses in the subnet, capped.
func (a *ipam) size() int {
	bits := a.subnet.Addr().BitLen() - a.subnet.Bits()
	if bits > 20 {
		return 1 << 20
	}
	return 1 << bits
}
