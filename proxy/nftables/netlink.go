package nftables

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"

	nft "github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// errCaptured ends the encoder's Flush once it has handed over the batch.
var errCaptured = syscall.ENOBUFS

// encoder uses github.com/google/nftables to encode a batch of commands
// without sending it: its Conn dials a test socket that captures the
// messages. The batch is then sent by sendBatch, which (unlike Conn.Flush)
// asks the kernel for one acknowledgement per batch rather than one per
// message, and sizes the socket's buffers to the batch: 100,000 services
// are over a million messages.
type encoder struct {
	*nft.Conn
	captured []netlink.Message
}

func newEncoder() (*encoder, error) {
	e := &encoder{}
	c, err := nft.New(nft.WithTestDial(func(req []netlink.Message) ([]netlink.Message, error) {
		e.captured = append(e.captured[:0], req...)
		return nil, errCaptured
	}))
	if err != nil {
		return nil, err
	}
	e.Conn = c
	return e, nil
}

// batch returns the encoded batch (with its begin and end messages), or
// nil when no command was added.
func (e *encoder) batch() ([]netlink.Message, error) {
	e.captured = nil
	err := e.Flush()
	if e.captured == nil {
		if err != nil {
			return nil, fmt.Errorf("encode nftables batch: %w", err)
		}
		return nil, nil
	}
	return e.captured, nil
}

// dial opens a netfilter netlink socket in the namespace nsFd (0: the
// caller's).
func dial(nsFd int) (*netlink.Conn, error) {
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, &netlink.Config{NetNS: nsFd})
	if err != nil {
		return nil, wrapUnavailable(fmt.Errorf("open netfilter netlink socket: %w", err))
	}
	_ = c.SetOption(netlink.ExtendedAcknowledge, true)
	return c, nil
}

// sendBatch sends msgs (a batch from encoder.batch) in one sendmsg with an
// acknowledgement asked for on the last command only, and returns the
// kernel's verdict on the whole transaction: nil when it committed.
func sendBatch(nsFd int, msgs []netlink.Message) error {
	if len(msgs) < 3 {
		return nil
	}
	c, err := dial(nsFd)
	if err != nil {
		return err
	}
	defer c.Close()
	size := 0
	for i := range msgs {
		msgs[i].Header.Length, msgs[i].Header.Sequence, msgs[i].Header.PID = 0, 0, 0
		msgs[i].Header.Flags &^= netlink.Acknowledge | netlink.Echo
		size += 16 + len(msgs[i].Data) + 4
	}
	last := len(msgs) - 2 // the last command, before the batch end
	msgs[last].Header.Flags |= netlink.Acknowledge
	if err := forceBuffers(c, size+1<<20); err != nil {
		return err
	}
	sent, err := c.SendMessages(msgs)
	if err != nil {
		return wrapUnavailable(fmt.Errorf("send nftables batch of %d messages: %w", len(msgs), err))
	}
	want := sent[last].Header.Sequence
	for {
		replies, err := c.Receive()
		if err != nil {
			// The first error the kernel reports; the transaction was
			// aborted as a whole.
			return wrapUnavailable(fmt.Errorf("nftables transaction: %w", err))
		}
		for _, m := range replies {
			if m.Header.Type == netlink.Error && m.Header.Sequence == want {
				return nil
			}
		}
	}
}

// forceBuffers raises the socket's send and receive buffers to n bytes,
// past the sysctl limits (needs CAP_NET_ADMIN, as nftables does anyway).
func forceBuffers(c *netlink.Conn, n int) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		if n < 1<<20 {
			n = 1 << 20
		}
		if n > 1<<30 {
			n = 1 << 30
		}
		if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, n); serr != nil {
			return
		}
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 1<<20)
	}); err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("size netlink socket buffers to %d bytes: %w", n, serr)
	}
	return nil
}

// generation returns the netns's nftables ruleset generation, which every
// committed transaction increments.
func generation(nsFd int) (uint32, error) {
	c, err := dial(nsFd)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	replies, err := c.Execute(netlink.Message{
		Header: netlink.Header{
			Type:  netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETGEN),
			Flags: netlink.Request,
		},
		Data: []byte{unix.AF_UNSPEC, unix.NFNETLINK_V0, 0, 0},
	})
	if err != nil {
		return 0, wrapUnavailable(fmt.Errorf("get nftables generation: %w", err))
	}
	for _, m := range replies {
		if len(m.Data) < 4 {
			continue
		}
		ad, err := netlink.NewAttributeDecoder(m.Data[4:])
		if err != nil {
			return 0, fmt.Errorf("decode nftables generation: %w", err)
		}
		ad.ByteOrder = binary.BigEndian
		for ad.Next() {
			if ad.Type() == unix.NFTA_GEN_ID {
				return ad.Uint32(), nil
			}
		}
	}
	return 0, errors.New("get nftables generation: no NFTA_GEN_ID in the reply")
}

// ErrUnavailable is wrapped by the errors of a kernel without nf_tables
// (or without a module it needs: nft_nat, nft_numgen, nft_ct,
// nft_reject_inet, nft_dynset is built in), or of a caller without
// CAP_NET_ADMIN.
var ErrUnavailable = errors.New("nf_tables is not available (kernel built without CONFIG_NF_TABLES, module not loaded, or no CAP_NET_ADMIN)")

func wrapUnavailable(err error) error {
	if errors.Is(err, unix.EPROTONOSUPPORT) || errors.Is(err, unix.EAFNOSUPPORT) || errors.Is(err, unix.EPERM) ||
		errors.Is(err, unix.EOPNOTSUPP) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}
