package discord

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway close codes after which reconnecting cannot help
// (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
var fatalCloses = map[int]string{
	4004: "authentication failed",
	4010: "invalid shard: check shard_id and shard_count",
	4011: "sharding required: set shard_id and shard_count",
	4012: "invalid API version",
	4013: "invalid intents",
	4014: "disallowed intents: enable the Message Content intent for the bot in the Developer Portal",
}

// closeSniffer watches the gateway connection for the close code Discord
// sends. discordgo v0.29 reconnects forever after any close, so without this
// a revoked token would look like an endless outage.
type closeSniffer struct {
	onFatal func(error)
	mu      sync.Mutex
	fatal   error
	stopped bool
}

func newCloseSniffer(onFatal func(error)) *closeSniffer { return &closeSniffer{onFatal: onFatal} }

func (c *closeSniffer) fatalErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fatal
}

// stop refuses further connections (discordgo's reconnect loop then idles).
func (c *closeSniffer) stop() {
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
}

// restart lets connections through again after stop (a new Run).
func (c *closeSniffer) restart() {
	c.mu.Lock()
	c.stopped = false
	c.mu.Unlock()
}

func (c *closeSniffer) closed(code int) {
	why, ok := fatalCloses[code]
	if !ok {
		return
	}
	err := fmt.Errorf("discord: the gateway closed the connection with code %d (%s)", code, why)
	if code == 4004 {
		err = fmt.Errorf("discord: gateway close 4004 (%s): %w", why, ErrTokenRejected)
	}
	c.mu.Lock()
	first := c.fatal == nil
	if first {
		c.fatal = err
	}
	c.mu.Unlock()
	if first {
		c.onFatal(err)
	}
}

func (c *closeSniffer) dialer() *websocket.Dialer {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	return &websocket.Dialer{
		HandshakeTimeout: 45 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if c.isStopped() {
				return nil, errors.New("discord: gateway connection stopped")
			}
			conn, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &sniffConn{Conn: conn, c: c}, nil
		},
		NetDialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if c.isStopped() {
				return nil, errors.New("discord: gateway connection stopped")
			}
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			td := &tls.Dialer{NetDialer: d, Config: &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}}
			conn, err := td.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &sniffConn{Conn: conn, c: c}, nil
		},
	}
}

func (c *closeSniffer) isStopped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopped
}

// sniffConn follows the server's WebSocket frames (RFC 6455 §5.2) as they
// are read, to see the status code of a close frame.
type sniffConn struct {
	net.Conn
	c *closeSniffer

	upgraded  bool   // past the HTTP 101 response
	tail      uint32 // last four bytes, to find "\r\n\r\n"
	hdr       []byte
	remaining uint64
	opcode    byte
	closeBody []byte
}

func (s *sniffConn) Read(p []byte) (int, error) {
	n, err := s.Conn.Read(p)
	s.feed(p[:n])
	return n, err
}

func (s *sniffConn) feed(data []byte) {
	for _, b := range data {
		if !s.upgraded {
			s.tail = s.tail<<8 | uint32(b)
			s.upgraded = s.tail == 0x0d0a0d0a
			continue
		}
		if s.remaining > 0 {
			s.remaining--
			if s.opcode == websocket.CloseMessage && len(s.closeBody) < 2 {
				s.closeBody = append(s.closeBody, b)
				if len(s.closeBody) == 2 {
					s.c.closed(int(binary.BigEndian.Uint16(s.closeBody)))
				}
			}
			continue
		}
		s.hdr = append(s.hdr, b)
		if len(s.hdr) < 2 {
			continue
		}
		l7 := s.hdr[1] & 0x7f
		need := 2
		switch l7 {
		case 126:
			need += 2
		case 127:
			need += 8
		}
		if s.hdr[1]&0x80 != 0 {
			need += 4
		}
		if len(s.hdr) < need {
			continue
		}
		switch l7 {
		case 126:
			s.remaining = uint64(binary.BigEndian.Uint16(s.hdr[2:4]))
		case 127:
			s.remaining = binary.BigEndian.Uint64(s.hdr[2:10])
		default:
			s.remaining = uint64(l7)
		}
		s.opcode = s.hdr[0] & 0x0f
		s.hdr, s.closeBody = s.hdr[:0], nil
	}
}
