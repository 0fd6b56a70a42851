package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/discord"
	"github.com/helpdesk-chat/helpdesk/adapters/discord/discordfake"
	"github.com/helpdesk-chat/helpdesk/adapters/mattermost"
	slackad "github.com/helpdesk-chat/helpdesk/adapters/slack"
	"github.com/helpdesk-chat/helpdesk/examples"
)

// writeDemo writes the demo config to a temp dir with edit applied to the
// main file and returns its path.
func writeDemo(t *testing.T, edit func(string) string) string {
	t.Helper()
	path, err := examples.WriteTo(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := edit(string(data))
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// closedAddr returns an address on 127.0.0.1 where nothing listens: a
// connection there is refused.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func replace(t *testing.T, old, new string) func(string) string {
	return func(s string) string {
		out := strings.Replace(s, old, new, 1)
		if out == s {
			t.Fatalf("the demo config has no %q to replace", old)
		}
		return out
	}
}

// PostgreSQL down at start: a clear error and exit 1, no panic in Close.
func TestPostgresDownAtStartIsAClearError(t *testing.T) {
	dsn := "postgres://postgres@" + closedAddr(t) + "/test"
	path := writeDemo(t, replace(t, "store: sqlite:helpdesk.db", `store: "`+dsn+`"`))

	m := NewMain(MainOptions{ConfigPath: path, Listen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	err := m.Run(context.Background())
	if err == nil {
		m.Close()
		t.Fatal("Run started with the database down")
	}
	if !strings.Contains(err.Error(), "open postgres store") {
		t.Errorf("the error should say the store could not be opened: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close after a failed start: %v", err)
	}

	var out, errOut bytes.Buffer
	if code := run([]string{"run", "-config", path}, &out, &errOut); code != 1 {
		t.Fatalf("exit code %d, want 1; stderr %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "open postgres store postgres://postgres@") || strings.Contains(errOut.String(), "panic") {
		t.Errorf("stderr should name the store and not panic:\n%s", errOut.String())
	}
}

// gate is a listener that accepts and at once drops every connection until
// opened: the platform behind it is unreachable.
type gate struct {
	net.Listener
	open atomic.Bool
}

func (g *gate) Accept() (net.Conn, error) {
	for {
		c, err := g.Listener.Accept()
		if err != nil || g.open.Load() {
			return c, err
		}
		c.Close()
	}
}

// gatedServer serves h behind a closed gate on 127.0.0.1.
func gatedServer(t *testing.T, h http.Handler) (*httptest.Server, *gate) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{Listener: l}
	srv := &httptest.Server{Listener: g, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, g
}

// gatedTransport refuses every request until opened, then sends it on.
type gatedTransport struct {
	open *atomic.Bool
	next http.RoundTripper
}

func (g gatedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !g.open.Load() {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	return g.next.RoundTrip(r)
}

// slackFake answers the one call the Slack adapter makes at start in http
// mode (auth.test); refuse makes it answer invalid_auth.
func slackFake(calls *atomic.Int32, refuse bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/auth.test", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if refuse {
			io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
			return
		}
		io.WriteString(w, `{"ok":true,"url":"https://t.slack.com/","team":"T","user":"helpdesk","team_id":"T1","user_id":"UBOT","bot_id":"BBOT"}`)
	})
	return mux
}

// mattermostFake answers the calls the Mattermost adapter makes at start:
// the bot user, the team, the slash command; its WebSocket is not there
// (the adapter keeps retrying it on its own). refuse answers 401.
func mattermostFake(calls *atomic.Int32, refuse bool) http.Handler {
	mux := http.NewServeMux()
	js := func(w http.ResponseWriter, code int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
	mux.HandleFunc("GET /api/v4/users/me", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if refuse {
			js(w, 401, `{"id":"api.context.session_expired.app_error","message":"Invalid or expired session","status_code":401}`)
			return
		}
		js(w, 200, `{"id":"bot0000000000000000000000","username":"helpdesk"}`)
	})
	mux.HandleFunc("GET /api/v4/teams/name/support", func(w http.ResponseWriter, r *http.Request) {
		js(w, 200, `{"id":"team000000000000000000000","name":"support"}`)
	})
	mux.HandleFunc("GET /api/v4/commands", func(w http.ResponseWriter, r *http.Request) { js(w, 200, `[]`) })
	mux.HandleFunc("POST /api/v4/commands", func(w http.ResponseWriter, r *http.Request) {
		js(w, 201, `{"id":"cmd0000000000000000000000","token":"cmdtoken000000000000000000","trigger":"helpdesk"}`)
	})
	return mux
}

// chatPlatforms is the platforms section with Slack (http mode), Discord
// and Mattermost besides the web chat.
func chatPlatforms(mattermostURL, guild, support string) string {
	return `platforms:
  slack: {bot_token: xoxb-test-token, signing_secret: slack-signing-secret, mode: http}
  discord: {token: discord-test-token, guild: "` + guild + `", support_channel: "` + support + `"}
  mattermost: {url: "` + mattermostURL + `", token: mattermost-test-token, team: support, action_secret: mattermost-action-secret-0123}
  web:`
}

// waitPlatform waits until the named platform reaches state.
func waitPlatform(t *testing.T, m *Main, name, state string) platformStatus {
	t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		st, changed, ok := m.platformStatus(name)
		if !ok {
			t.Fatalf("no platform %s", name)
		}
		if st.State == state {
			return st
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("%s is %+v, not %s, after 20s", name, st, state)
		}
	}
}

// assertServes checks that the web chat, the Ticket Center, the API and
// /healthz answer.
func assertServes(t *testing.T, m *Main) {
	t.Helper()
	follow := &http.Client{Timeout: 10 * time.Second}
	stay := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct {
		path string
		hc   *http.Client
		want int
	}{
		{"/", follow, 200},             // the web chat (its sign-in page)
		{"/center/", stay, 303},        // the Ticket Center: sign in first
		{"/api/v1/tickets", stay, 401}, // the API: a token first
		{"/healthz", stay, 200},
	} {
		res, err := c.hc.Get("http://" + m.Addr() + c.path)
		if err != nil {
			t.Fatalf("GET %s: %v", c.path, err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("GET %s: %d, want %d", c.path, res.StatusCode, c.want)
		}
	}
}

// The fault-injection test: Slack, Discord and Mattermost unreachable at
// start; the web chat, Center, API and /healthz serve; then each platform
// becomes reachable and connects, with no restart.
func TestUnreachablePlatformsDoNotStopTheRest(t *testing.T) {
	var slackCalls, mmCalls atomic.Int32
	slackSrv, slackGate := gatedServer(t, slackFake(&slackCalls, false))
	mmSrv, mmGate := gatedServer(t, mattermostFake(&mmCalls, false))
	dc := discordfake.New(t, "discord-test-token")
	support := dc.AddChannel("support", discordfake.TypeText, "")
	var dcOpen atomic.Bool
	dcClient := dc.Client()
	dcClient.Transport = gatedTransport{open: &dcOpen, next: dcClient.Transport}

	path := writeDemo(t, replace(t, "platforms:\n  web:", chatPlatforms(mmSrv.URL, dc.GuildID, support)))
	release := make(chan struct{})
	var waits syncList[time.Duration]
	var logs syncBuffer
	m := NewMain(MainOptions{ConfigPath: path, Listen: "127.0.0.1:0", Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Backoff: Backoff{Sleep: func(ctx context.Context, d time.Duration) error {
			waits.add(d)
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}},
		Slack:   func(o *slackad.Options) { o.APIURL = slackSrv.URL + "/api/" },
		Discord: func(o *discord.Options) { o.HTTPClient = dcClient },
		Mattermost: func(o *mattermost.Options) {
			o.Sleep = func(ctx context.Context, _ time.Duration) error { <-ctx.Done(); return ctx.Err() }
		},
	})
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Run with every chat platform unreachable: %v", err)
	}
	defer m.Close()

	for _, name := range []string{"slack", "discord", "mattermost"} {
		st := waitPlatform(t, m, name, stateRetrying)
		if st.Error == "" || st.Failures != 1 {
			t.Errorf("%s retrying should say why and count the failure: %+v", name, st)
		}
	}
	waitPlatform(t, m, "web", stateConnected)
	assertServes(t, m)
	if dc.Connected() {
		t.Fatal("discord connected through a closed gate")
	}

	slackGate.open.Store(true)
	mmGate.open.Store(true)
	dcOpen.Store(true)
	close(release)
	for _, name := range []string{"slack", "discord", "mattermost"} {
		waitPlatform(t, m, name, stateConnected)
	}
	if !dc.Connected() || slackCalls.Load() == 0 || mmCalls.Load() == 0 {
		t.Errorf("connected, but the fakes saw: discord gateway %v, slack auth.test %d, mattermost users/me %d",
			dc.Connected(), slackCalls.Load(), mmCalls.Load())
	}
	assertServes(t, m)
	if len(waits.get()) < 3 {
		t.Errorf("each platform should have waited out a back-off: %v", waits.get())
	}

	// A token revoked while running: Discord is dead, reported; the rest serves.
	dc.Revoke()
	if st := waitPlatform(t, m, "discord", stateStopped); !strings.Contains(st.Error, "rejected the bot token") {
		t.Errorf("discord after a revoked token: %+v", st)
	}
	assertServes(t, m)
	assertPlatformOnce(t, logs.String(), "slack", "mattermost", "discord")
}

// assertPlatformOnce checks that no JSON log line carries the key platform
// twice (some pipelines reject or overwrite duplicate keys), and that each
// named platform has lines of its own.
func assertPlatformOnce(t *testing.T, logs string, platforms ...string) {
	t.Helper()
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if n := strings.Count(line, `"platform":`); n > 1 {
			t.Errorf("the key platform %d times: %s", n, line)
		}
		var rec struct {
			Platform string `json:"platform"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON log line: %q", line)
		}
		seen[rec.Platform]++
	}
	for _, p := range platforms {
		if seen[p] == 0 {
			t.Errorf("no log line of %s: %v", p, seen)
		}
	}
}

// A refused token is a dead platform, reported as such; the rest serves and
// nothing retries it.
func TestRefusedTokenIsADeadPlatform(t *testing.T) {
	var slackCalls, mmCalls atomic.Int32
	slackSrv, slackGate := gatedServer(t, slackFake(&slackCalls, true))
	mmSrv, mmGate := gatedServer(t, mattermostFake(&mmCalls, true))
	slackGate.open.Store(true)
	mmGate.open.Store(true)
	dc := discordfake.New(t, "another-token") // refuses ours with 401
	support := dc.AddChannel("support", discordfake.TypeText, "")

	path := writeDemo(t, replace(t, "platforms:\n  web:", chatPlatforms(mmSrv.URL, dc.GuildID, support)))
	var logs syncBuffer
	m := NewMain(MainOptions{ConfigPath: path, Listen: "127.0.0.1:0", Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Backoff: Backoff{Sleep: func(ctx context.Context, d time.Duration) error {
			t.Errorf("a refused token must not be retried (waited %s)", d)
			return errors.New("no retry")
		}},
		Slack:   func(o *slackad.Options) { o.APIURL = slackSrv.URL + "/api/" },
		Discord: func(o *discord.Options) { o.HTTPClient = dc.Client() },
	})
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	defer m.Close()
	for _, name := range []string{"slack", "discord", "mattermost"} {
		st := waitPlatform(t, m, name, stateStopped)
		if !strings.Contains(st.Error, "refused") && !strings.Contains(st.Error, "rejected") {
			t.Errorf("%s stopped should say the token was refused: %+v", name, st)
		}
	}
	assertServes(t, m)
	if n := strings.Count(logs.String(), "platform stopped: it refused the token"); n != 3 {
		t.Errorf("want one error line per dead platform, got %d:\n%s", n, logs.String())
	}
}

// syncList is a list safe for concurrent appends.
type syncList[T any] struct {
	mu sync.Mutex
	l  []T
}

func (s *syncList[T]) add(v T) {
	s.mu.Lock()
	s.l = append(s.l, v)
	s.mu.Unlock()
}

func (s *syncList[T]) get() []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]T(nil), s.l...)
}

func TestBackoffDoublesToItsCapWithJitter(t *testing.T) {
	b := Backoff{Min: time.Second, Max: 8 * time.Second, Jitter: func(d time.Duration) time.Duration { return d }}.withDefaults()
	var got []time.Duration
	for failures := 1; failures <= 6; failures++ {
		got = append(got, b.wait(failures))
	}
	want := []time.Duration{1, 2, 4, 8, 8, 8}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("waits %v, want %v seconds", got, want)
		}
	}
	def := Backoff{}.withDefaults()
	for failures := 1; failures <= 20; failures++ {
		nominal := min(time.Second<<(failures-1), 5*time.Minute)
		if d := def.wait(failures); d < nominal/2 || d > nominal {
			t.Fatalf("default wait after %d failures %s, want within [%s, %s]", failures, d, nominal/2, nominal)
		}
	}
}

// A platform that connected and then failed starts again at the short wait.
func TestSupervisorCountsFailuresInARow(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	runs := make(chan chan error)
	var waits syncList[time.Duration]
	b := Backoff{Min: time.Second, Max: time.Minute, Jitter: func(d time.Duration) time.Duration { return d },
		Sleep: func(ctx context.Context, d time.Duration) error { waits.add(d); return nil }}
	sv := newSupervisor("chat", func(ctx context.Context) error {
		end := make(chan error)
		runs <- end
		return <-end
	}, ready, b, time.Now, slog.New(slog.DiscardHandler), func(s string) string { return s })
	done := make(chan struct{})
	go func() { sv.loop(ctx); close(done) }()

	wait := func(state string) {
		t.Helper()
		for {
			st, ch := sv.status()
			if st.State == state {
				return
			}
			select {
			case <-ch:
			case <-time.After(10 * time.Second):
				t.Fatalf("state %+v, want %s", st, state)
			}
		}
	}
	(<-runs) <- errors.New("refused connection")
	wait(stateRetrying)
	(<-runs) <- errors.New("refused connection")
	end := <-runs
	close(ready)
	wait(stateConnected)
	end <- errors.New("connection lost")
	(<-runs) <- fmt.Errorf("auth: %w", slackad.ErrAuth)
	<-done
	if st, _ := sv.status(); st.State != stateStopped {
		t.Fatalf("after a refused token: %+v", st)
	}
	got := waits.get()
	if len(got) != 3 || got[0] != time.Second || got[1] != 2*time.Second || got[2] != time.Second {
		t.Fatalf("waits %v, want [1s 2s 1s]", got)
	}
}

func getBody(t *testing.T, url string, out any) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return res.StatusCode
}

// /readyz on a healthy bot: 200, the store writable, the web chat
// connected, the config's generation; a reload counts up.
func TestReadyzReportsEachComponent(t *testing.T) {
	path := writeDemo(t, func(s string) string { return s })
	var logs syncBuffer
	m := NewMain(MainOptions{ConfigPath: path, Listen: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var ready readiness
	if code := getBody(t, "http://"+m.Addr()+"/readyz", &ready); code != 200 || ready.Status != "ok" || !ready.Store.Writable ||
		ready.Platforms["web"].State != stateConnected || ready.Config.Generation != 1 {
		t.Fatalf("readyz %d %+v", code, ready)
	}
	var live map[string]any
	if code := getBody(t, "http://"+m.Addr()+"/healthz", &live); code != 200 || live["status"] != "ok" {
		t.Fatalf("healthz %d %v", code, live)
	}
	orig, _ := os.ReadFile(path)
	edited := strings.Replace(string(orig), "name: HR Help Desk", "name: People Team", 1)
	writeUntil(t, path, edited, &logs, func() bool { return m.configStatus().Generation == 2 })
	getBody(t, "http://"+m.Addr()+"/readyz", &ready)
	if ready.Config.Generation != 2 || !strings.Contains(ready.Config.Summary, "2 desks") {
		t.Fatalf("after a reload: %+v", ready.Config)
	}
}

// A read-only SQLite database (a sick disk remounted read-only): the bot
// still starts and serves what it can read, /healthz says it lives, and
// /readyz answers 503 saying the store takes no writes, so a load balancer
// sends traffic elsewhere. With demo on, the demo link is not what fails.
func TestReadyzReportsAReadOnlyStore(t *testing.T) {
	path := writeDemo(t, func(s string) string { return s })
	first := NewMain(MainOptions{ConfigPath: path, Listen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err := first.Run(context.Background()); err != nil { // creates and migrates the database
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(filepath.Dir(path), "helpdesk.db")
	cfg, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(cfg), "store: sqlite:helpdesk.db", `store: "sqlite:file:`+db+`?mode=ro"`, 1)), 0o644)

	var logs syncBuffer
	m := NewMain(MainOptions{ConfigPath: path, Listen: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Run on a read-only store: %v", err)
	}
	defer m.Close()
	var ready readiness
	code := getBody(t, "http://"+m.Addr()+"/readyz", &ready)
	if code != 503 || ready.Status != "unavailable" || ready.Store.Writable || !strings.Contains(ready.Store.Error, "store not writable") {
		t.Fatalf("readyz on a read-only store: %d %+v", code, ready)
	}
	var live map[string]any
	if code := getBody(t, "http://"+m.Addr()+"/healthz", &live); code != 200 {
		t.Fatalf("healthz (liveness) %d %v", code, live)
	}
	if strings.Contains(logs.String(), "put sign-in link") || !strings.Contains(logs.String(), "store not writable") {
		t.Errorf("the log should say the store is not writable:\n%s", logs.String())
	}
}

// A taken port: exit 1, and the error names the setting that chose it and
// how to choose another.
func TestTakenPortNamesTheSetting(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	path := writeDemo(t, replace(t, "listen: 127.0.0.1:8080", "listen: "+addr))
	for _, c := range []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"config", nil, "", "(from listen in " + path + ")"},
		{"flag", []string{"-listen", addr}, "", "(from -listen)"},
		{"env", nil, addr, "(from HELPDESK_LISTEN)"},
		{"flag over env", []string{"-listen", addr}, "127.0.0.1:1", "(from -listen)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("HELPDESK_LISTEN", c.env)
			var errOut bytes.Buffer
			args := append([]string{"run", "-config", path}, c.args...)
			if code := run(args, io.Discard, &errOut); code != 1 {
				t.Fatalf("exit %d, want 1: %s", code, errOut.String())
			}
			msg := errOut.String()
			for _, want := range []string{"listen on " + addr, c.want, "address already in use", "-listen ADDR", "HELPDESK_LISTEN=ADDR"} {
				if !strings.Contains(msg, want) {
					t.Errorf("stderr lacks %q:\n%s", want, msg)
				}
			}
		})
	}
}

func status(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// /metrics: public without a metrics section (as before), behind a bearer
// token with metrics.token, and only on its own address with metrics.listen.
func TestMetricsTokenAndListen(t *testing.T) {
	t.Setenv("HELPDESK_TEST_METRICS_TOKEN", "metrics-token-0123456789abcdef")
	for _, c := range []struct {
		name, section      string
		anon, token, wrong int // status on the main listener
		separate           bool
	}{
		{"public", "", 200, 200, 200, false},
		{"token", "metrics: {token: \"${HELPDESK_TEST_METRICS_TOKEN}\"}\n", 401, 200, 401, false},
		{"listen and token", "metrics: {token: \"${HELPDESK_TEST_METRICS_TOKEN}\", listen: 127.0.0.1:0}\n", 404, 404, 404, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeDemo(t, func(s string) string { return c.section + s })
			m := NewMain(MainOptions{ConfigPath: path, Listen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
			if err := m.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			url := "http://" + m.Addr() + "/metrics"
			const token = "metrics-token-0123456789abcdef"
			if got := []int{status(t, url, ""), status(t, url, token), status(t, url, "wrong")}; got[0] != c.anon || got[1] != c.token || got[2] != c.wrong {
				t.Errorf("main listener: anonymous, token, wrong token = %v, want %v", got, []int{c.anon, c.token, c.wrong})
			}
			if !c.separate {
				return
			}
			murl := "http://" + m.MetricsAddr() + "/metrics"
			if got := []int{status(t, murl, ""), status(t, murl, token), status(t, "http://"+m.MetricsAddr()+"/healthz", token)}; got[0] != 401 || got[1] != 200 || got[2] != 404 {
				t.Errorf("metrics listener: anonymous, token, another path = %v, want [401 200 404]", got)
			}
		})
	}
}

// A token from the environment put into the wrong key is not printed by
// `helpdesk check`, nor by the running bot when it rejects the change.
func TestEnvSecretsStayOutOfConfigErrors(t *testing.T) {
	const secret = "xoxb-4242-4242-NEVERPRINTME"
	t.Setenv("SLACK_BOT_TOKEN", secret)
	path := writeDemo(t, func(s string) string { return s })
	orig, _ := os.ReadFile(path)
	wrong := strings.Replace(string(orig), "listen: 127.0.0.1:8080", `listen: "${SLACK_BOT_TOKEN}"`, 1)
	wrong = strings.Replace(wrong, "platforms:\n  web:", "platforms:\n  slack: {bot_token: \"${SLACK_BOT_TOKEN}\", app_token: xapp-1, mode: \"${SLACK_BOT_TOKEN}\"}\n  web:", 1)

	bad := filepath.Join(filepath.Dir(path), "wrong.yaml")
	os.WriteFile(bad, []byte(wrong), 0o644)
	var out, errOut bytes.Buffer
	if code := run([]string{"check", bad}, &out, &errOut); code != 1 {
		t.Fatalf("check exit %d: %s %s", code, out.String(), errOut.String())
	}
	if strings.Contains(out.String()+errOut.String(), "NEVERPRINTME") || !strings.Contains(out.String(), `unknown slack mode "${SLACK_BOT_TOKEN}"`) {
		t.Fatalf("helpdesk check:\n%s%s", out.String(), errOut.String())
	}

	var logs syncBuffer
	m := NewMain(MainOptions{ConfigPath: path, Listen: "127.0.0.1:0", Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	writeUntil(t, path, wrong, &logs, func() bool { return strings.Contains(logs.String(), "config change rejected") })
	if strings.Contains(logs.String(), "NEVERPRINTME") || !strings.Contains(logs.String(), `${SLACK_BOT_TOKEN}`) {
		t.Fatalf("the rejected change's log:\n%s", logs.String())
	}
}
