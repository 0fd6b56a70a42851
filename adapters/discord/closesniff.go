package discord

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
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

// dialer is the gateway's WebSocket dialer. It reaches the gateway
// through the proxy that proxy names for it (HTTPS_PROXY by default, as
// REST does), tunnelling with CONNECT itself: the sniffer must sit above
// TLS to read the frames, so gorilla's own proxy support (which would put
// TLS above our connection) cannot be used.
func (c *closeSniffer) dialer(proxy func(*http.Request) (*url.URL, error)) *websocket.Dialer {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	dial := func(ctx context.Context, network, addr, scheme string) (net.Conn, error) {
		if c.isStopped() {
			return nil, errors.New("discord: gateway connection stopped")
		}
		if proxy == nil {
			return d.DialContext(ctx, network, addr)
		}
		pu, err := proxy(&http.Request{URL: &url.URL{Scheme: scheme, Host: addr}})
		if err != nil || pu == nil {
			if err != nil {
				return nil, fmt.Errorf("discord: gateway proxy: %w", err)
			}
			return d.DialContext(ctx, network, addr)
		}
		return connectVia(ctx, d, pu, addr)
	}
	return &websocket.Dialer{
		HandshakeTimeout: 45 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dial(ctx, network, addr, "http")
			if err != nil {
				return nil, err
			}
			return &sniffConn{Conn: conn, c: c}, nil
		},
		NetDialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			raw, err := dial(ctx, network, addr, "https")
			if err != nil {
				return nil, err
			}
			conn := tls.Client(raw, &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12})
			if err := conn.HandshakeContext(ctx); err != nil {
				raw.Close()
				return nil, err
			}
			return &sniffConn{Conn: conn, c: c}, nil
		},
	}
}

// connectVia opens a tunnel to addr through an HTTP proxy (CONNECT,
// RFC 9110 §9.3.6), with the proxy URL's user and password if it has them.
func connectVia(ctx context.Context, d *net.Dialer, proxy *url.URL, addr string) (net.Conn, error) {
	if proxy.Scheme != "http" && proxy.Scheme != "" {
		return nil, fmt.Errorf("discord: gateway proxy %s: only http:// proxies are supported", proxy.Redacted())
	}
	host := proxy.Host
	if proxy.Port() == "" {
		host = net.JoinHostPort(proxy.Hostname(), "80")
	}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, fmt.Errorf("discord: gateway proxy %s: %w", proxy.Redacted(), err)
	}
	req := &http.Request{Method: http.MethodConnect, URL: &url.URL{Opaque: addr}, Host: addr, Header: http.Header{}}
	if u := proxy.User; u != nil {
		pw, _ := u.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw)))
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, fmt.Errorf("discord: gateway proxy %s: %w", proxy.Redacted(), err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("discord: gateway proxy %s: %w", proxy.Redacted(), err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		conn.Close()
		return nil, fmt.Errorf("discord: gateway proxy %s refused CONNECT %s: %s", proxy.Redacted(), addr, resp.Status)
	}
	_ = conn.SetDeadline(time.Time{})
	if br.Buffered() > 0 {
		conn.Close()
		return nil, fmt.Errorf("discord: gateway proxy %s sent data before the tunnel was up", proxy.Redacted())
	}
	return conn, nil
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
