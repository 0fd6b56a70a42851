package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/web"
	"github.com/helpdesk-chat/helpdesk/adapters/web/webtest"
	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres/pgtest"
)

// replicaPoll is so long that within the test only LISTEN/NOTIFY can carry
// a change from one replica to a stream on another.
const replicaPoll = time.Minute

// startReplica runs one helpdesk process's web side on the shared database:
// its own connection pool, engine, web chat (with Run listening) and HTTP
// server. Only URL, Web, Engine and Auth of the Server are set.
func startReplica(t testing.TB, dsn string) *webtest.Server {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	cfg, err := config.Load("testdata/helpdesk.yaml")
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	set, err := faq.BuildSet(cfg)
	if err != nil {
		t.Fatalf("build FAQ: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	log := slog.New(slog.DiscardHandler)
	s := &webtest.Server{URL: "http://" + ln.Addr().String(), Mux: http.NewServeMux()}
	s.Auth, err = auth.New(auth.Options{Store: st, BaseURL: s.URL, Logger: log})
	if err != nil {
		t.Fatalf("new auth: %v", err)
	}
	s.Web, err = web.New(web.Options{Store: st, Auth: s.Auth, Logger: log, PollInterval: replicaPoll,
		Config: func() *config.Config { return cfg }})
	if err != nil {
		t.Fatalf("new web chat: %v", err)
	}
	s.Engine, err = bot.New(bot.Options{Store: st, Runtime: &bot.Runtime{Config: cfg, FAQ: set},
		Platforms: []bot.Platform{s.Web}, Logger: log, SignInLink: s.Auth.SignInLink})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	s.Web.SetHandler(s.Engine.Handle)
	s.Auth.Routes(s.Mux)
	s.Web.Routes(s.Mux)
	running := make(chan error, 1)
	go func() { running <- s.Web.Run(ctx, nil) }()
	s.HTTP = &http.Server{Handler: s.Mux, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	go s.HTTP.Serve(ln)
	t.Cleanup(func() {
		stop()
		if err := <-running; err != nil {
			t.Errorf("web Run: %v", err)
		}
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.HTTP.Shutdown(sctx)
		s.HTTP.Close()
		st.Close()
	})
	return s
}

// on returns the same browser (cookies, CSRF token) talking to another
// replica, as behind a load balancer.
func (c *client) on(srv *webtest.Server) *client {
	return &client{t: c.t, srv: srv, http: c.http, user: c.user, csrf: c.csrf}
}

// nextWithin waits up to d for the next event whose data contains s.
func (s *sse) nextWithin(t testing.TB, d time.Duration, s2 string) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("stream closed before an event with %q", s2)
			}
			if strings.Contains(ev.Data, s2) {
				return
			}
		case <-deadline:
			t.Fatalf("no event with %q within %s (streams poll only every %s: NOTIFY did not carry it)", s2, d, replicaPoll)
		}
	}
}

// TestReplicasShareSessionsAndLiveUpdates runs two web replicas on one
// PostgreSQL schema. A browser signed in through one is signed in on the
// other, and what happens on one reaches event streams open on the other at
// once, carried by LISTEN/NOTIFY (streams poll only once a minute here).
func TestReplicasShareSessionsAndLiveUpdates(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, b := startReplica(t, dsn), startReplica(t, dsn)

	samA := signIn(t, a, "sam", "Sam")
	samB := samA.on(b)
	if got := samB.me(); got.User.UserID != "sam" {
		t.Fatalf("the session from replica A is not known on B: %+v", got.User)
	}
	seq := samB.me().Seq
	liveB := samB.stream(seq)
	liveA := samA.stream(seq)

	// Sam asks through A; A's engine answers. B's stream shows both.
	samA.say(samA.dm(), "How do I connect to the VPN?")
	liveB.nextWithin(t, 5*time.Second, "connect to the VPN")
	liveB.nextWithin(t, 5*time.Second, "Did this help?")

	// And the other way round: a message through B reaches A's stream.
	samB.say(samB.dm(), "Thanks, that worked")
	liveA.nextWithin(t, 5*time.Second, "that worked")

	// History is the same whichever replica serves it.
	if v := samB.last(samB.dm(), "Did this help?"); v.Chat != samA.dm() {
		t.Fatalf("history on B: %+v", v)
	}
}

// BenchmarkChatMessageAcrossReplicas is BenchmarkChatMessageLive with the
// sender on one replica and the other member's event stream on another, on
// PostgreSQL: store, engine (transcript), NOTIFY to the other replica and
// Server-Sent Events.
func BenchmarkChatMessageAcrossReplicas(b *testing.B) {
	dsn := pgtest.DSN(b)
	a, other := startReplica(b, dsn), startReplica(b, dsn)
	sam := signIn(b, a, "sam", "Sam")
	ada := signIn(b, other, "ada", "Ada")
	card := openTicket(b, sam, ada)
	ada.press(card, "Start Chat")
	chats := sam.me().Chats
	room := chats[len(chats)-1].ID
	live := ada.stream(ada.me().Seq)
	i := 0
	for b.Loop() {
		i++
		text := fmt.Sprintf("message %d", i)
		sam.say(room, text)
		live.next(b, text)
	}
}
