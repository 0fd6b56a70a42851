package slack_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// fakeSlack speaks Slack's Web API (form or JSON bodies, {"ok":…} answers,
// 429 with Retry-After) and Socket Mode (apps.connections.open, a WebSocket
// that sends hello, envelopes and pings and reads acks) on 127.0.0.1. It
// keeps state like Slack does: channels, members, messages, views.
type fakeSlack struct {
	t        testing.TB
	srv      *httptest.Server
	botToken string
	appToken string
	// hold, when set before the adapter starts, keeps every call of the
	// method holdMethod waiting until it is closed (a slow Web API).
	hold       chan struct{}
	holdMethod string
	// emailScope: the app was granted users:read.email, so users.info
	// includes profile.email ("The users:read.email OAuth scope is now
	// required to access the email field in user objects returned by the
	// users.list and users.info web API methods",
	// https://docs.slack.dev/reference/methods/users.info).
	emailScope bool

	mu        sync.Mutex
	seq       int
	calls     []apiCall
	msgs      []*fakeMsg
	channels  map[string]*fakeChannel
	users     map[string]fakeUser
	ims       map[string]string // user -> D channel
	views     []fakeView
	failures  map[string][]failure
	revoked   map[string]bool // tokens Slack no longer accepts
	conns     int             // WebSocket connections accepted
	conn      *websocket.Conn
	connReady chan struct{}
	acks      map[string]chan struct{}
	ackLog    []string
	ackBodies map[string]json.RawMessage // envelope id -> payload of its ack
	files     map[string]fakeFile        // uploaded files by id (files_fake_test.go)
}

type apiCall struct {
	Method string
	Params url.Values
	JSON   map[string]any
	Auth   string
}

type fakeMsg struct {
	Channel   string
	TS        string
	Thread    string
	Text      string
	Blocks    []map[string]any
	Ephemeral string // user who sees it, for chat.postEphemeral
	Updates   int
}

type fakeChannel struct {
	ID       string
	Name     string
	Private  bool
	Members  []string
	Archived bool
	Topic    string
}

type fakeUser struct {
	ID, Name, RealName, Display, TZ, Locale string
	Email                                   string // profile.email, sent only with the users:read.email scope
}

type fakeView struct {
	ID      string
	Trigger string
	View    map[string]any
}

type failure struct {
	status     int
	retryAfter int
	slackErr   string
}

const (
	botUser = "UBOT"
	botID   = "BBOT"
)

func newFakeSlack(t testing.TB, botToken, appToken string) *fakeSlack {
	f := &fakeSlack{t: t, botToken: botToken, appToken: appToken,
		channels: map[string]*fakeChannel{}, users: map[string]fakeUser{}, ims: map[string]string{},
		failures: map[string][]failure{}, revoked: map[string]bool{}, acks: map[string]chan struct{}{},
		connReady: make(chan struct{}, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", f.api)
	mux.HandleFunc("/link", f.websocket)
	mux.HandleFunc("/files-pri/{id}/{name}", f.serveFile)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.mu.Lock()
		if f.conn != nil {
			f.conn.Close()
		}
		f.mu.Unlock()
		f.srv.Close()
	})
	return f
}

func (f *fakeSlack) apiURL() string { return f.srv.URL + "/api/" }

func (f *fakeSlack) addUser(u fakeUser) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.ID] = u
}

func (f *fakeSlack) addChannel(c *fakeChannel) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.channels[c.ID] = c
}

// failNext makes the next calls of method fail (429 with Retry-After, or a Slack error).
func (f *fakeSlack) failNext(method string, fl failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[method] = append(f.failures[method], fl)
}

func (f *fakeSlack) revoke(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked[token] = true
}

func (f *fakeSlack) nextID(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s%04d", prefix, f.seq)
}

func (f *fakeSlack) nextTS() string {
	f.seq++
	return fmt.Sprintf("1712345%03d.%06d", f.seq/1000, f.seq)
}

func reply(w http.ResponseWriter, v map[string]any) {
	if _, ok := v["ok"]; !ok {
		v["ok"] = true
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code string) { reply(w, map[string]any{"ok": false, "error": code}) }

func (f *fakeSlack) api(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	if f.hold != nil && method == f.holdMethod {
		select {
		case <-f.hold:
		case <-r.Context().Done():
			return
		}
	}
	body, _ := io.ReadAll(r.Body)
	c := apiCall{Method: method, Auth: r.Header.Get("Authorization")}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") && len(body) > 0 {
		if err := json.Unmarshal(body, &c.JSON); err != nil {
			fail(w, "invalid_json")
			return
		}
	} else {
		c.Params, _ = url.ParseQuery(string(body))
	}
	token := strings.TrimPrefix(c.Auth, "Bearer ")
	if token == "" && c.Params != nil {
		token = c.Params.Get("token")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	want := f.botToken
	if method == "apps.connections.open" {
		want = f.appToken
	}
	switch {
	case token == "":
		fail(w, "not_authed")
		return
	case f.revoked[token]:
		fail(w, "token_revoked")
		return
	case token != want:
		fail(w, "invalid_auth")
		return
	}
	if q := f.failures[method]; len(q) > 0 && q[0].status == http.StatusOK {
		f.failures[method] = q[1:] // a call let through between failures
	} else if len(q) > 0 {
		fl := q[0]
		f.failures[method] = q[1:]
		if fl.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", fmt.Sprint(fl.retryAfter))
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
			return
		}
		fail(w, fl.slackErr)
		return
	}
	p := func(k string) string {
		if c.JSON != nil {
			if s, ok := c.JSON[k].(string); ok {
				return s
			}
			return ""
		}
		return c.Params.Get(k)
	}
	if f.filesAPI(w, method, p) {
		return
	}
	switch method {
	case "auth.test":
		reply(w, map[string]any{"url": "https://example.slack.com/", "team": "Example", "user": "helpdesk",
			"team_id": "T1", "user_id": botUser, "bot_id": botID})
	case "apps.connections.open":
		u := "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/link?ticket=" + f.nextID("tk")
		reply(w, map[string]any{"url": u})
	case "users.info":
		u, ok := f.users[p("user")]
		if !ok {
			fail(w, "user_not_found")
			return
		}
		profile := map[string]any{"display_name": u.Display, "real_name": u.RealName}
		if f.emailScope && u.Email != "" {
			profile["email"] = u.Email
		}
		user := map[string]any{"id": u.ID, "name": u.Name, "real_name": u.RealName, "tz": u.TZ, "profile": profile}
		if p("include_locale") == "true" {
			user["locale"] = u.Locale
		}
		reply(w, map[string]any{"user": user})
	case "conversations.open":
		user := p("users")
		if _, ok := f.users[user]; !ok || strings.Contains(user, ",") {
			fail(w, "user_not_found")
			return
		}
		id, ok := f.ims[user]
		if !ok {
			id = "D" + strings.TrimPrefix(user, "U")
			f.ims[user] = id
			f.channels[id] = &fakeChannel{ID: id, Members: []string{user, botUser}}
		}
		reply(w, map[string]any{"channel": map[string]any{"id": id}})
	case "chat.postMessage", "chat.postEphemeral":
		ch, ok := f.channels[p("channel")]
		switch {
		case !ok:
			fail(w, "channel_not_found")
			return
		case ch.Archived:
			fail(w, "is_archived")
			return
		case !slices.Contains(ch.Members, botUser):
			fail(w, "not_in_channel")
			return
		}
		m := &fakeMsg{Channel: ch.ID, TS: f.nextTS(), Thread: p("thread_ts"), Text: p("text"), Blocks: decodeBlocks(f.t, p("blocks"))}
		if why := checkBlocks(m.Blocks); why != "" {
			f.t.Errorf("slack fake: %s refuses the message with invalid_blocks: %s", method, why)
			fail(w, "invalid_blocks")
			return
		}
		// msg_too_long: "Message text is too long"
		// (https://docs.slack.dev/reference/methods/chat.postMessage); Slack
		// truncates text over 40,000 characters and refuses longer.
		if utf8.RuneCountInString(m.Text) > 40000 {
			f.t.Errorf("slack fake: %s refuses %d characters of text with msg_too_long", method, utf8.RuneCountInString(m.Text))
			fail(w, "msg_too_long")
			return
		}
		if method == "chat.postEphemeral" {
			if !slices.Contains(ch.Members, p("user")) {
				fail(w, "user_not_in_channel")
				return
			}
			m.Ephemeral = p("user")
			f.msgs = append(f.msgs, m)
			reply(w, map[string]any{"message_ts": m.TS})
			return
		}
		f.msgs = append(f.msgs, m)
		reply(w, map[string]any{"channel": ch.ID, "ts": m.TS, "message": map[string]any{"text": m.Text, "ts": m.TS}})
	case "chat.update":
		for _, m := range f.msgs {
			if m.Channel == p("channel") && m.TS == p("ts") && m.Ephemeral == "" {
				blocks := decodeBlocks(f.t, p("blocks"))
				// chat.update takes blocks as chat.postMessage does
				// (https://docs.slack.dev/reference/methods/chat.update).
				if why := checkBlocks(blocks); why != "" {
					f.t.Errorf("slack fake: chat.update refuses the message with invalid_blocks: %s", why)
					fail(w, "invalid_blocks")
					return
				}
				m.Text, m.Blocks = p("text"), blocks
				m.Updates++
				reply(w, map[string]any{"channel": m.Channel, "ts": m.TS, "text": m.Text})
				return
			}
		}
		fail(w, "message_not_found")
	case "views.open":
		if p("trigger_id") == "" {
			fail(w, "invalid_trigger_id")
			return
		}
		view, _ := c.JSON["view"].(map[string]any)
		if view == nil {
			_ = json.Unmarshal([]byte(p("view")), &view)
		}
		if why := checkView(view); why != "" {
			f.t.Errorf("slack fake: views.open refuses the view: %s", why)
			fail(w, "invalid_arguments")
			return
		}
		v := fakeView{ID: f.nextID("V"), Trigger: p("trigger_id"), View: view}
		f.views = append(f.views, v)
		reply(w, map[string]any{"view": map[string]any{"id": v.ID}})
	case "conversations.create":
		name := p("name")
		if name == "" || len(name) > 80 || name != strings.ToLower(name) || strings.ContainsAny(name, " .") {
			fail(w, "invalid_name_specials")
			return
		}
		for _, ch := range f.channels {
			if ch.Name == name {
				fail(w, "name_taken")
				return
			}
		}
		ch := &fakeChannel{ID: f.nextID("C"), Name: name, Private: p("is_private") == "true", Members: []string{botUser}}
		f.channels[ch.ID] = ch
		reply(w, map[string]any{"channel": map[string]any{"id": ch.ID, "name": ch.Name, "is_private": ch.Private}})
	case "conversations.invite":
		ch, ok := f.channels[p("channel")]
		if !ok {
			fail(w, "channel_not_found")
			return
		}
		for _, u := range strings.Split(p("users"), ",") {
			if _, ok := f.users[u]; !ok {
				fail(w, "user_not_found")
				return
			}
			if slices.Contains(ch.Members, u) {
				fail(w, "already_in_channel")
				return
			}
			ch.Members = append(ch.Members, u)
		}
		reply(w, map[string]any{"channel": map[string]any{"id": ch.ID}})
	case "conversations.kick":
		// https://api.slack.com/methods/conversations.kick: channel_not_found,
		// user_not_found, not_in_channel, cant_kick_self.
		ch, ok := f.channels[p("channel")]
		switch {
		case !ok:
			fail(w, "channel_not_found")
		case p("user") == botUser:
			fail(w, "cant_kick_self")
		case f.users[p("user")].ID == "":
			fail(w, "user_not_found")
		case !slices.Contains(ch.Members, p("user")):
			fail(w, "not_in_channel")
		default:
			ch.Members = slices.DeleteFunc(ch.Members, func(m string) bool { return m == p("user") })
			reply(w, map[string]any{})
		}
	case "conversations.setTopic":
		if ch, ok := f.channels[p("channel")]; ok {
			ch.Topic = p("topic")
			reply(w, map[string]any{"channel": map[string]any{"id": ch.ID}})
			return
		}
		fail(w, "channel_not_found")
	case "conversations.archive":
		ch, ok := f.channels[p("channel")]
		switch {
		case !ok:
			fail(w, "channel_not_found")
		case ch.Archived:
			fail(w, "already_archived")
		default:
			ch.Archived = true
			reply(w, map[string]any{})
		}
	default:
		fail(w, "unknown_method")
	}
}

func decodeBlocks(t testing.TB, s string) []map[string]any {
	if s == "" {
		return nil
	}
	var bs []map[string]any
	if err := json.Unmarshal([]byte(s), &bs); err != nil {
		t.Errorf("blocks are not JSON: %v\n%s", err, s)
	}
	return bs
}

// Slack's client dials with Origin https://api.slack.com.
var upgrader = websocket.Upgrader{CheckOrigin: func(r *http.Request) bool { return r.Header.Get("Origin") == "https://api.slack.com" }}

// websocket is the Socket Mode endpoint: hello, then envelopes pushed by the
// test; acks are recorded; pings keep the client's dead-man timer happy.
func (f *fakeSlack) websocket(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("ticket") == "" {
		http.Error(w, "no ticket", http.StatusUnauthorized)
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	f.mu.Lock()
	f.conns++
	f.conn = conn
	f.mu.Unlock()
	if err := conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A1"}, "debug_info": map[string]any{"host": "fake"}}); err != nil {
		return
	}
	f.connReady <- struct{}{}
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)) != nil {
					return
				}
			}
		}
	}()
	defer close(stop)
	for {
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := conn.ReadJSON(&ack); err != nil {
			return
		}
		f.mu.Lock()
		f.ackLog = append(f.ackLog, ack.EnvelopeID)
		if f.ackBodies == nil {
			f.ackBodies = map[string]json.RawMessage{}
		}
		f.ackBodies[ack.EnvelopeID] = ack.Payload
		if ch, ok := f.acks[ack.EnvelopeID]; ok {
			close(ch)
			delete(f.acks, ack.EnvelopeID)
		}
		f.mu.Unlock()
	}
}

// waitConnected waits for the next Socket Mode connection.
func (f *fakeSlack) waitConnected() {
	f.t.Helper()
	select {
	case <-f.connReady:
	case <-time.After(10 * time.Second):
		f.t.Fatal("the adapter did not connect to Socket Mode")
	}
}

// push sends an envelope with the id and waits for its ack.
func (f *fakeSlack) push(envelopeID, typ string, payload any) {
	f.t.Helper()
	done := make(chan struct{})
	f.mu.Lock()
	conn := f.conn
	f.acks[envelopeID] = done
	f.mu.Unlock()
	if conn == nil {
		f.t.Fatal("no Socket Mode connection")
	}
	env := map[string]any{"envelope_id": envelopeID, "type": typ, "payload": payload,
		"accepts_response_payload": typ != "events_api", "retry_attempt": 0}
	if err := conn.WriteJSON(env); err != nil {
		f.t.Fatalf("push envelope: %v", err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		f.t.Fatalf("envelope %s (%s) was not acknowledged", envelopeID, typ)
	}
}

// ackPayload is the payload the adapter sent with the ack of an envelope.
func (f *fakeSlack) ackPayload(envelopeID string) json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ackBodies[envelopeID]
}

// dropConnection closes the WebSocket as a network failure would.
func (f *fakeSlack) dropConnection() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conn != nil {
		f.conn.Close()
		f.conn = nil
	}
}

func (f *fakeSlack) callsOf(method string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// messages returns copies of the messages in a channel visible to viewer
// ("" = public ones only).
func (f *fakeSlack) messages(channel, viewer string) []fakeMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeMsg
	for _, m := range f.msgs {
		if m.Channel == channel && (m.Ephemeral == "" || m.Ephemeral == viewer) {
			out = append(out, *m)
		}
	}
	return out
}

func (f *fakeSlack) channel(id string) fakeChannel {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.channels[id]
	if c == nil {
		return fakeChannel{}
	}
	cp := *c
	cp.Members = append([]string(nil), c.Members...)
	return cp
}

func (f *fakeSlack) channelNamed(name string) (fakeChannel, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.channels {
		if c.Name == name {
			cp := *c
			return cp, true
		}
	}
	return fakeChannel{}, false
}

func (f *fakeSlack) lastView() fakeView {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.views) == 0 {
		f.t.Fatal("no modal was opened")
	}
	return f.views[len(f.views)-1]
}

// render turns Block Kit into text for assertions: # header, section text,
// fields, [buttons], {options}.
func render(blocks []map[string]any) string {
	var lines []string
	text := func(v any) string {
		if m, ok := v.(map[string]any); ok {
			s, _ := m["text"].(string)
			return s
		}
		return ""
	}
	for _, b := range blocks {
		switch b["type"] {
		case "header":
			lines = append(lines, "# "+text(b["text"]))
		case "section":
			if t := text(b["text"]); t != "" {
				lines = append(lines, t)
			}
			if fs, ok := b["fields"].([]any); ok {
				for _, fl := range fs {
					lines = append(lines, text(fl))
				}
			}
		case "actions":
			var parts []string
			for _, e := range b["elements"].([]any) {
				el := e.(map[string]any)
				switch el["type"] {
				case "button":
					parts = append(parts, "["+text(el["text"])+"]")
				case "static_select":
					for _, o := range selectOptionsOf(el) {
						parts = append(parts, "{"+text(o["text"])+"}")
					}
				}
			}
			lines = append(lines, strings.Join(parts, " "))
		case "context":
			for _, e := range b["elements"].([]any) {
				if t := text(e); t != "" {
					lines = append(lines, t)
				}
			}
		}
	}
	return strings.Join(lines, "\n")
}

// checkBlocks says why Slack would refuse blocks, or "": at most 50 blocks
// in a message (https://docs.slack.dev/reference/block-kit/blocks), a
// section's text at most 3,000 characters
// (https://docs.slack.dev/reference/block-kit/blocks/section-block).
func checkBlocks(blocks []map[string]any) string { return checkBlockList(blocks, 50) }

// checkBlockList checks blocks against at most max blocks (50 in a
// message, 100 in a modal: https://docs.slack.dev/reference/block-kit/blocks).
func checkBlockList(blocks []map[string]any, max int) string {
	if len(blocks) > max {
		return fmt.Sprintf("%d blocks (max %d)", len(blocks), max)
	}
	for _, b := range blocks {
		var els []any
		if e, ok := b["elements"].([]any); ok {
			els = e
		}
		if e, ok := b["element"].(map[string]any); ok {
			els = append(els, e)
		}
		for _, e := range els {
			if why := checkSelect(e.(map[string]any)); why != "" {
				return why
			}
		}
		if b["type"] == "header" {
			// A header's text: at most 150 characters
			// (https://docs.slack.dev/reference/block-kit/blocks/header-block).
			if t, ok := b["text"].(map[string]any); ok {
				if s, _ := t["text"].(string); utf8.RuneCountInString(s) > 150 {
					return fmt.Sprintf("header text of %d characters (max 150)", utf8.RuneCountInString(s))
				}
			}
		}
		if b["type"] != "section" {
			continue
		}
		if t, ok := b["text"].(map[string]any); ok {
			if s, _ := t["text"].(string); utf8.RuneCountInString(s) > 3000 {
				return fmt.Sprintf("section text of %d characters (max 3000)", utf8.RuneCountInString(s))
			}
		}
		// A section's fields: "Maximum number of items is 10. Maximum
		// length for the text in each item is 2000 characters."
		// (https://docs.slack.dev/reference/block-kit/blocks/section-block).
		fs, _ := b["fields"].([]any)
		if len(fs) > 10 {
			return fmt.Sprintf("a section of %d fields (max 10)", len(fs))
		}
		for _, fl := range fs {
			m, _ := fl.(map[string]any)
			if s, _ := m["text"].(string); utf8.RuneCountInString(s) > 2000 {
				return fmt.Sprintf("a section field of %d characters (max 2000)", utf8.RuneCountInString(s))
			}
		}
	}
	return ""
}

// checkView says why Slack would refuse a modal, or "": its title, submit
// and close texts at most 24 characters
// (https://docs.slack.dev/reference/views/modal-views), at most 100 blocks,
// and each select as checkSelect.
func checkView(view map[string]any) string {
	for _, k := range []string{"title", "submit", "close"} {
		if t, ok := view[k].(map[string]any); ok {
			if s, _ := t["text"].(string); utf8.RuneCountInString(s) > 24 {
				return fmt.Sprintf("a %s of %d characters (max 24)", k, utf8.RuneCountInString(s))
			}
		}
	}
	raw, _ := view["blocks"].([]any)
	var blocks []map[string]any
	for _, b := range raw {
		blocks = append(blocks, b.(map[string]any))
	}
	return checkBlockList(blocks, 100)
}

// checkSelect says why Slack would refuse a static_select, or "": at most 100
// options, or at most 100 option groups of at most 100 options, one of the
// two (https://docs.slack.dev/reference/block-kit/block-elements/select-menu-element#static_select,
// https://docs.slack.dev/reference/block-kit/composition-objects/option-group-object/);
// an option's value at most 150 characters, its text 75
// (https://docs.slack.dev/reference/block-kit/composition-objects/option-object/).
func checkSelect(el map[string]any) string {
	if el["type"] != "static_select" {
		return ""
	}
	opts, _ := el["options"].([]any)
	groups, _ := el["option_groups"].([]any)
	switch {
	case len(opts) > 0 && len(groups) > 0:
		return "a static_select with both options and option_groups"
	case len(opts) > 100:
		return fmt.Sprintf("a static_select of %d options (max 100)", len(opts))
	case len(groups) > 100:
		return fmt.Sprintf("a static_select of %d option groups (max 100)", len(groups))
	}
	all := opts
	for _, g := range groups {
		gopts, _ := g.(map[string]any)["options"].([]any)
		if len(gopts) > 100 {
			return fmt.Sprintf("an option group of %d options (max 100)", len(gopts))
		}
		all = append(all, gopts...)
	}
	for _, o := range all {
		om := o.(map[string]any)
		v, _ := om["value"].(string)
		t, _ := om["text"].(map[string]any)
		txt, _ := t["text"].(string)
		if utf8.RuneCountInString(v) > 150 || utf8.RuneCountInString(txt) > 75 {
			return fmt.Sprintf("an option of %d/%d characters of value/text (max 150/75)", utf8.RuneCountInString(v), utf8.RuneCountInString(txt))
		}
	}
	return ""
}

// selectOptionsOf lists a static_select's options, grouped or not.
func selectOptionsOf(el map[string]any) []map[string]any {
	var out []map[string]any
	opts, _ := el["options"].([]any)
	groups, _ := el["option_groups"].([]any)
	for _, g := range groups {
		gopts, _ := g.(map[string]any)["options"].([]any)
		opts = append(opts, gopts...)
	}
	for _, o := range opts {
		out = append(out, o.(map[string]any))
	}
	return out
}

// buttons are the labels of the buttons in blocks.
func buttons(blocks []map[string]any) []string {
	var out []string
	for _, b := range blocks {
		if b["type"] != "actions" {
			continue
		}
		for _, e := range b["elements"].([]any) {
			if el := e.(map[string]any); el["type"] == "button" {
				t, _ := el["text"].(map[string]any)
				s, _ := t["text"].(string)
				out = append(out, s)
			}
		}
	}
	return out
}

// element finds the button (by label) or select option (by label) in blocks
// and returns its action_id and value.
func element(blocks []map[string]any, label string) (actionID, value, typ string, ok bool) {
	text := func(v any) string {
		m, _ := v.(map[string]any)
		s, _ := m["text"].(string)
		return s
	}
	for _, b := range blocks {
		if b["type"] != "actions" {
			continue
		}
		for _, e := range b["elements"].([]any) {
			el := e.(map[string]any)
			id, _ := el["action_id"].(string)
			switch el["type"] {
			case "button":
				if text(el["text"]) == label {
					v, _ := el["value"].(string)
					return id, v, "button", true
				}
			case "static_select":
				for _, om := range selectOptionsOf(el) {
					if text(om["text"]) == label {
						return id, om["value"].(string), "static_select", true
					}
				}
			}
		}
	}
	return "", "", "", false
}
