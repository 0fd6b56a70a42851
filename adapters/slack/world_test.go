package slack_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/internal/clocktest"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/platformtest"
	"github.com/helpdesk-chat/helpdesk/internal/redact"

	"github.com/helpdesk-chat/helpdesk/adapters/slack"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

const testConfig = "testdata/helpdesk.yaml"

// clock is the test's time (the shared clocktest.Clock): Sleep advances it
// instead of waiting, and remembers how long each sleep was.
type clock struct {
	*clocktest.Clock
	mu     sync.Mutex
	sleeps []time.Duration
}

func newClock(t time.Time) *clock { return &clock{Clock: clocktest.New(t)} }

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if d > 0 {
		c.mu.Lock()
		c.sleeps = append(c.sleeps, d)
		c.mu.Unlock()
		c.Advance(d)
	}
	return ctx.Err()
}

func (c *clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// world is the real engine on a SQLite store with the Slack adapter as its
// platform, talking to a fake Slack over HTTP and Socket Mode.
type world struct {
	t       *testing.T
	cfg     *config.Config
	slack   *fakeSlack
	adapter *slack.Adapter
	engine  *bot.Engine
	store   tickets.Store
	clock   *clock
	logs    *platformtest.Logs
	handled chan bot.Event
	runErr  chan error
	seq     int
	// handle replaces the engine as the receiver of events when set.
	handle func(context.Context, bot.Event) error
}

type worldOpt func(*slack.Options)

func newWorld(t *testing.T, mods ...worldOpt) *world {
	t.Helper()
	cfg, err := config.Load(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.Platforms.Slack
	w := &world{t: t, cfg: cfg, clock: newClock(time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC)),
		logs: &platformtest.Logs{}, handled: make(chan bot.Event, 100), runErr: make(chan error, 1)}
	w.slack = newFakeSlack(t, sc.BotToken, sc.AppToken)
	for _, u := range []fakeUser{
		{ID: "UCARL", Name: "carl", RealName: "Carl Example", Display: "Carl", TZ: "Europe/Berlin", Locale: "en-US", Email: "Carl@Example.com"},
		{ID: "UADA", Name: "ada", RealName: "Ada Lovelace", Display: "Ada", TZ: "Europe/London", Locale: "en-GB"},
		{ID: "UBOB", Name: "bob", RealName: "Bob Nosy", TZ: "America/New_York", Locale: "en-US"},
		{ID: "UDIETER", Name: "dieter", RealName: "Dieter Beispiel", TZ: "Europe/Berlin", Locale: "de-DE"},
		{ID: botUser, Name: "helpdesk"},
	} {
		w.slack.addUser(u)
	}
	w.slack.addChannel(&fakeChannel{ID: "CAGENTS", Name: "it-agents", Members: []string{botUser, "UADA", "UGRACE", "UBOB"}})
	w.slack.addChannel(&fakeChannel{ID: "CGENERAL", Name: "general", Members: []string{botUser, "UCARL", "UADA", "UBOB"}})

	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	w.store = st
	secrets := redact.New() // the adapter adds its tokens, as under cmd/helpdesk
	logger := slog.New(redact.NewHandler(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}), secrets))
	opts := slack.OptionsFrom(sc)
	opts.APIURL = w.slack.apiURL()
	opts.Logger, opts.Secrets = logger, secrets
	opts.Now = w.clock.Now
	opts.Sleep = w.clock.Sleep
	opts.GroupChats = st
	opts.AgentChannels = func() []string {
		var chs []string
		for _, d := range w.cfg.Desks {
			if ch := d.AgentChannel[slack.Name]; ch != "" {
				chs = append(chs, ch)
			}
		}
		return chs
	}
	for _, m := range mods {
		m(&opts)
	}
	w.adapter, err = slack.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	set, err := faq.BuildSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.engine, err = bot.New(bot.Options{Store: st, Runtime: &bot.Runtime{Config: cfg, FAQ: set},
		Platforms: []bot.Platform{w.adapter}, Now: w.clock.Now, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		st.Close()
		if t.Failed() {
			t.Logf("log:\n%s", w.logs.String())
		}
	})
	return w
}

// start runs the adapter (Socket Mode unless the options say http).
func (w *world) start() {
	w.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		w.runErr <- w.adapter.Run(ctx, func(ctx context.Context, ev bot.Event) error {
			var err error
			if w.handle != nil {
				err = w.handle(ctx, ev)
			} else {
				err = w.engine.Handle(ctx, ev)
			}
			// An event still in hand when the test ends fails with the
			// cancelled context: that is the shutdown, not an engine error.
			if err != nil && ctx.Err() == nil {
				w.t.Errorf("engine: %v", err)
			}
			w.handled <- ev
			return err
		})
	}()
	w.t.Cleanup(func() {
		cancel()
		select {
		case err := <-w.runErr:
			if err != nil {
				w.t.Errorf("Run: %v", err)
			}
		case <-time.After(45 * time.Second):
			w.t.Error("Run did not return after cancel")
		}
	})
	if w.adapter.Mode() == slack.ModeSocket {
		w.slack.waitConnected()
	}
	select {
	case <-w.adapter.Ready():
	case <-time.After(10 * time.Second):
		w.t.Fatal("the adapter did not become ready")
	}
}

// wait waits until the adapter handed n events to the engine.
func (w *world) wait(n int) []bot.Event {
	w.t.Helper()
	var evs []bot.Event
	for len(evs) < n {
		select {
		case ev := <-w.handled:
			evs = append(evs, ev)
		case <-time.After(10 * time.Second):
			w.t.Fatalf("the adapter handed %d of %d events to the engine", len(evs), n)
		}
	}
	return evs
}

// noMoreEvents asserts no further event reached the engine.
func (w *world) noMoreEvents() {
	w.t.Helper()
	select {
	case ev := <-w.handled:
		w.t.Fatalf("unexpected event reached the engine: %+v", ev)
	default:
	}
}

func (w *world) next(prefix string) string {
	w.seq++
	return fmt.Sprintf("%s%d", prefix, w.seq)
}

// event pushes an events_api envelope and waits for the engine to finish it.
func (w *world) event(ev map[string]any) bot.Event {
	w.t.Helper()
	w.slack.push(w.next("env-"), "events_api", w.callback(ev))
	return w.wait(1)[0]
}

func (w *world) callback(ev map[string]any) map[string]any {
	if _, ok := ev["ts"]; !ok {
		ev["ts"] = fmt.Sprintf("1712300000.%06d", w.seq)
	}
	return map[string]any{"type": "event_callback", "team_id": "T1", "api_app_id": "A1",
		"event_id": w.next("Ev"), "event_time": 1712300000, "event": ev}
}

func dm(user, text string) map[string]any {
	return map[string]any{"type": "message", "channel": "D" + user[1:], "channel_type": "im", "user": user, "text": text}
}

func inGroup(channel, user, text string) map[string]any {
	return map[string]any{"type": "message", "channel": channel, "channel_type": "group", "user": user, "text": text}
}

// say: a user writes in their DM with the bot (the DM must have been opened by
// the bot, or Slack opens it when the user writes first).
func (w *world) say(user, text string) bot.Event {
	w.t.Helper()
	w.ensureIM(user)
	return w.event(dm(user, text))
}

func (w *world) ensureIM(user string) {
	f := w.slack
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ims[user]; !ok {
		id := "D" + user[1:]
		f.ims[user] = id
		f.channels[id] = &fakeChannel{ID: id, Members: []string{user, botUser}}
	}
}

// last returns the newest message in a channel that user sees.
func (w *world) last(channel, user string) fakeMsg {
	w.t.Helper()
	ms := w.slack.messages(channel, user)
	if len(ms) == 0 {
		w.t.Fatalf("no messages in %s", channel)
	}
	return ms[len(ms)-1]
}

// transcript renders everything user sees in a channel.
func (w *world) transcript(channel, user string) string {
	var b bytes.Buffer
	for _, m := range w.slack.messages(channel, user) {
		b.WriteString(render(m.Blocks))
		b.WriteString("\n---\n")
	}
	return b.String()
}

// press clicks the newest button or select option with the label that user
// sees in channel, as Slack's block_actions payload.
func (w *world) press(user, channel, label string) bot.Event {
	w.t.Helper()
	ms := w.slack.messages(channel, user)
	for i := len(ms) - 1; i >= 0; i-- {
		if id, value, typ, ok := element(ms[i].Blocks, label); ok {
			return w.click(user, ms[i], id, value, typ)
		}
	}
	w.t.Fatalf("%s sees no control %q in %s:\n%s", user, label, channel, w.transcript(channel, user))
	return bot.Event{}
}

func (w *world) click(user string, m fakeMsg, actionID, value, typ string) bot.Event {
	w.t.Helper()
	w.slack.push(w.next("env-"), "interactive", w.clickPayload(user, m, actionID, value, typ))
	return w.wait(1)[0]
}

// clickPayload is Slack's block_actions payload for a click on a control of m.
func (w *world) clickPayload(user string, m fakeMsg, actionID, value, typ string) map[string]any {
	act := map[string]any{"action_id": actionID, "block_id": "b1", "type": typ, "action_ts": "1712300001.000100"}
	if typ == "static_select" {
		act["selected_option"] = map[string]any{"value": value, "text": map[string]any{"type": "plain_text", "text": value}}
	} else {
		act["value"] = value
	}
	// Slack sends the message's blocks with the press
	// (https://api.slack.com/reference/interaction-payloads/block-actions).
	msg := map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "blocks": m.Blocks}
	if m.Thread != "" {
		msg["thread_ts"] = m.Thread
	}
	payload := map[string]any{
		"type": "block_actions", "trigger_id": w.next("trig-"), "api_app_id": "A1",
		"user":      map[string]any{"id": user, "username": user, "team_id": "T1"},
		"team":      map[string]any{"id": "T1"},
		"channel":   map[string]any{"id": m.Channel},
		"container": map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": m.Ephemeral != ""},
		"message":   msg,
		"actions":   []any{act},
	}
	return payload
}

// submit submits the newest modal with values per field id, as Slack's
// view_submission payload.
func (w *world) submit(user string, values map[string]string) bot.Event {
	w.t.Helper()
	w.slack.push(w.next("env-"), "interactive", w.submission(user, values))
	return w.wait(1)[0]
}

// submission is Slack's view_submission payload for the newest modal.
func (w *world) submission(user string, values map[string]string) map[string]any {
	w.t.Helper()
	v := w.slack.lastView()
	state := map[string]any{}
	for id, val := range values {
		// The block and action ids are the field id (see the modal's blocks).
		var typ string
		for _, b := range v.View["blocks"].([]any) {
			bm := b.(map[string]any)
			if bm["block_id"] == id {
				typ = bm["element"].(map[string]any)["type"].(string)
			}
		}
		if typ == "static_select" {
			state[id] = map[string]any{id: map[string]any{"type": typ, "selected_option": map[string]any{"value": val}}}
		} else {
			state[id] = map[string]any{id: map[string]any{"type": "plain_text_input", "value": val}}
		}
	}
	payload := map[string]any{
		"type": "view_submission", "trigger_id": w.next("trig-"),
		"user": map[string]any{"id": user}, "team": map[string]any{"id": "T1"},
		"view": map[string]any{"id": v.ID, "type": "modal", "callback_id": v.View["callback_id"],
			"private_metadata": v.View["private_metadata"], "state": map[string]any{"values": state}},
	}
	return payload
}

// slash runs /helpdesk as Slack's slash_commands payload.
func (w *world) slash(user, channel, text string) bot.Event {
	w.t.Helper()
	w.slack.push(w.next("env-"), "slash_commands", map[string]any{
		"command": "/helpdesk", "text": text, "user_id": user, "channel_id": channel,
		"trigger_id": w.next("trig-"), "team_id": "T1", "response_url": "https://hooks.slack.test/x"})
	return w.wait(1)[0]
}

func (w *world) ticket(key string) *tickets.Ticket {
	w.t.Helper()
	tk, err := w.store.GetByKey(context.Background(), key)
	if err != nil {
		w.t.Fatalf("ticket %s: %v", key, err)
	}
	return tk
}
