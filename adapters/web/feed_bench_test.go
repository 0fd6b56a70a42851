package web_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/web/webtest"
)

// rawStream opens an event stream on a bare connection (no client
// goroutines), so what it costs is the server's.
func rawStream(tb testing.TB, c *client) net.Conn {
	tb.Helper()
	u, _ := url.Parse(c.srv.URL)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		tb.Fatal(err)
	}
	var cookies []string
	for _, k := range c.http.Jar.Cookies(u) {
		cookies = append(cookies, k.Name+"="+k.Value)
	}
	fmt.Fprintf(conn, "GET /chat/api/events HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\nCookie: %s\r\n\r\n", u.Host, strings.Join(cookies, "; "))
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != 200 {
		tb.Fatalf("idle stream: %v %v", resp, err)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			tb.Fatal(err)
		}
		if strings.HasPrefix(line, ": connected") {
			return conn
		}
	}
}

// inUse is the heap and stacks in use once garbage is collected; several
// collections, as each halves at most the stacks of idle goroutines (as a
// long-running server's do).
func inUse() uint64 {
	for range 4 {
		runtime.GC()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// BenchmarkIdleStreams measures what an open, idle event stream costs the
// server in memory (B/idle-stream: heap and stacks, with its connection)
// and one chat message from the sender's POST to the other member's stream
// while 1,000 idle streams are open (ns/op), on SQLite.
func BenchmarkIdleStreams(b *testing.B) {
	const idle = 1000
	srv := webtest.Start(b, webtest.Options{Config: limitedConfig(b, idle+10, idle+10)})
	sam := signIn(b, srv, "sam", "Sam")
	ada := signIn(b, srv, "ada", "Ada")
	card := openTicket(b, sam, ada)
	ada.press(card, "Start Chat")
	chats := sam.me().Chats
	room := chats[len(chats)-1].ID
	live := ada.stream(ada.me().Seq)
	idler := signIn(b, srv, "idler", "Idler")
	rawStream(b, idler).Close() // the first stream starts the feed reader
	before := inUse()
	conns := make([]net.Conn, 0, idle)
	for range idle {
		conns = append(conns, rawStream(b, idler))
	}
	perStream := float64(inUse()-before) / idle
	i := 0
	for b.Loop() {
		i++
		text := fmt.Sprintf("message %d", i)
		sam.say(room, text)
		live.next(b, text)
	}
	b.ReportMetric(perStream, "B/idle-stream")
	for _, c := range conns {
		c.Close()
	}
}
