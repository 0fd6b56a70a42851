package mattermost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/platformtest"
	"github.com/helpdesk-chat/helpdesk/adapters/mattermost"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// TestContract runs the platform contract suite on the Mattermost adapter
// over the fake Mattermost (WebSocket posts in, REST calls out, actions
// posted to the adapter's HTTP routes as the server would).
func TestContract(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, mmDriver{})
}

type mmDriver struct{}

// mmSession: the real engine on SQLite, the adapter between it and the fake.
// A change is signalled after each REST request the fake answered and each
// event the engine handled.
type mmSession struct {
	t     *testing.T
	mm    *fakeMM
	web   *httptest.Server
	store *sqlite.Store
	seq   atomic.Int64
	eng   *bot.Engine
	logs  *syncBuf
}

var _ platformtest.Session = (*mmSession)(nil)

func (mmDriver) Start(t *testing.T) platformtest.Session { return startSession(t, nil) }

// startSession starts an mmSession; tune, when set, changes the adapter's
// and the engine's options.
func startSession(t *testing.T, tune func(*mattermost.Options, *bot.Options)) *mmSession {
	ctx := context.Background()
	s := &mmSession{t: t, mm: newFakeMM(t)}
	mux := http.NewServeMux()
	s.web = httptest.NewServer(mux)
	t.Cleanup(s.web.Close)

	tmpl, err := os.ReadFile("testdata/helpdesk.yaml.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	faqPath, err := filepath.Abs("testdata/faq/it.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := strings.NewReplacer("{{URL}}", s.mm.srv.URL, "{{TOKEN}}", fakeToken, "{{TEAM}}", "support", "{{SECRET}}", fakeSecret,
		"{{FAQ}}", faqPath, "{{ADA}}", "ada", "{{AGENTS}}", "agents")
	path := filepath.Join(t.TempDir(), "helpdesk.yaml")
	if err := os.WriteFile(path, []byte(r.Replace(string(tmpl))), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	set, err := faq.BuildSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.store, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "helpdesk.db"))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuf{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := mattermost.OptionsFrom(cfg.Platforms.Mattermost, s.web.URL)
	opts.Logger, opts.GroupChats, opts.Cursor = logger, s.store, s.store
	opts.AgentChannels = func() []string { return []string{"agents"} }
	bopts := bot.Options{Store: s.store, Runtime: &bot.Runtime{Config: cfg, FAQ: set}, Logger: logger}
	if tune != nil {
		tune(&opts, &bopts)
	}
	ad, err := mattermost.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ad.Routes(mux)
	bopts.Platforms = []bot.Platform{ad}
	eng, err := bot.New(bopts)
	if err != nil {
		t.Fatal(err)
	}
	s.eng, s.logs = eng, logs
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- ad.Run(runCtx, func(ctx context.Context, ev bot.Event) error {
			defer s.mm.changed.Notify()
			return eng.Handle(ctx, ev)
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		s.store.Close()
		if t.Failed() {
			t.Logf("adapter log:\n%s", logs.String())
		}
	})
	select {
	case <-ad.Ready():
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("adapter not ready")
	}
	select {
	case <-s.mm.connected:
	case <-time.After(10 * time.Second):
		t.Fatal("no WebSocket connection")
	}
	return s
}

func (s *mmSession) Requester() string { return "carl" }
func (s *mmSession) Agent() string     { return "ada" }
func (s *mmSession) DM(t *testing.T, user string) string {
	s.mm.mu.Lock()
	defer s.mm.mu.Unlock()
	id := "dm-" + user
	s.mm.chanTypes[id] = model.ChannelTypeDirect
	s.mm.members[id+" "+user], s.mm.members[id+" "+botID] = true, true
	return id
}
func (s *mmSession) AgentChannel() string                      { return "agents" }
func (s *mmSession) GroupChat(t *testing.T, ref string) string { return ref }
func (s *mmSession) Changed() <-chan struct{}                  { return s.mm.changed.C() }
func (s *mmSession) Tickets() platformtest.Tickets             { return s.store }

// Say posts as user; the fake sends the posted event over the WebSocket.
func (s *mmSession) Say(t *testing.T, user, chat, text string) platformtest.Delivery {
	t.Helper()
	s.mm.mu.Lock()
	ct := s.mm.chanTypes[chat]
	s.mm.mu.Unlock()
	p := &model.Post{Id: fmt.Sprintf("user-post-%d", s.seq.Add(1)), ChannelId: chat, UserId: user, Message: text, CreateAt: model.GetMillis()}
	s.mm.push(p, ct)
	return platformtest.Delivery{Chat: chat, Event: p}
}

// Redeliver sends the posted event of the same post again (a WebSocket
// replay, or the REST catch-up overlapping the stream).
func (s *mmSession) Redeliver(t *testing.T, d platformtest.Delivery) {
	t.Helper()
	p := d.Event.(*model.Post)
	s.mm.mu.Lock()
	ct := s.mm.chanTypes[p.ChannelId]
	s.mm.mu.Unlock()
	s.mm.push(p, ct)
}

// Press posts the action request Mattermost sends when user clicks the button.
func (s *mmSession) Press(t *testing.T, user string, m platformtest.Message, label string) {
	t.Helper()
	req := actionRequest(t, m.Raw.(*model.Post), label, user)
	body, _ := json.Marshal(req)
	resp, err := http.Post(s.web.URL+mattermost.PathAction, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s presses %q: %d", user, label, resp.StatusCode)
	}
}

func (s *mmSession) Messages(t *testing.T, user, chat string) []platformtest.Message {
	s.mm.mu.Lock()
	defer s.mm.mu.Unlock()
	var out []platformtest.Message
	for _, p := range s.mm.posts {
		if p.ChannelId != chat {
			continue
		}
		p = p.Clone()
		if patch := s.mm.patches[p.Id]; patch != nil {
			p.Patch(patch)
		}
		var buttons []string
		for _, a := range p.Attachments() {
			for _, act := range a.Actions {
				if act.Type == model.PostActionTypeButton {
					buttons = append(buttons, act.Name)
				}
			}
		}
		out = append(out, platformtest.Message{Chat: chat, ID: p.Id, Text: postText(p), Buttons: buttons, Raw: p})
	}
	return out
}

// postText is what a person reads of a post: its message, then each
// attachment's title, text, fields and [buttons].
func postText(p *model.Post) string {
	parts := []string{p.Message}
	for _, a := range p.Attachments() {
		parts = append(parts, a.Title, a.Text)
		for _, f := range a.Fields {
			parts = append(parts, f.Title+": "+fmt.Sprint(f.Value))
		}
		for _, act := range a.Actions {
			parts = append(parts, "["+act.Name+"]")
		}
	}
	return strings.Join(parts, " ")
}

func (s *mmSession) Archived(t *testing.T, chat string) bool {
	s.mm.mu.Lock()
	defer s.mm.mu.Unlock()
	c := s.mm.channels[chat]
	return c != nil && c.DeleteAt > 0
}

var _ platformtest.Chooser = (*mmSession)(nil)

// Options lists the options of the post's message menu.
func (s *mmSession) Options(t *testing.T, m platformtest.Message) []string {
	var out []string
	for _, a := range m.Raw.(*model.Post).Attachments() {
		for _, act := range a.Actions {
			if act.Type == model.PostActionTypeSelect {
				for _, o := range act.Options {
					out = append(out, o.Text)
				}
			}
		}
	}
	return out
}

// Choose sends the menu's action as the server does for a choice: the
// action's context plus selected_option.
func (s *mmSession) Choose(t *testing.T, user string, m platformtest.Message, option string) {
	t.Helper()
	p := m.Raw.(*model.Post)
	for _, a := range p.Attachments() {
		for _, act := range a.Actions {
			if act.Type != model.PostActionTypeSelect {
				continue
			}
			for _, o := range act.Options {
				if o.Text != option {
					continue
				}
				req := actionRequest(t, p, act.Name, user)
				req.Context["selected_option"] = o.Value
				body, _ := json.Marshal(req)
				resp, err := http.Post(s.web.URL+mattermost.PathAction, "application/json", bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s chooses %q: %d", user, option, resp.StatusCode)
				}
				return
			}
		}
	}
	t.Fatalf("no option %q on %s", option, m.Text)
}

var _ platformtest.FormFiller = (*mmSession)(nil)

// FillForm submits the newest dialog as the server does, elements by their
// display name, a select by the value of the option so labelled.
func (s *mmSession) FillForm(t *testing.T, user, chat string, answers map[string]string) {
	t.Helper()
	platformtest.WaitFor(t, s, "the form's dialog", func() bool {
		s.mm.mu.Lock()
		defer s.mm.mu.Unlock()
		return len(s.mm.dialogs) > 0
	})
	s.mm.mu.Lock()
	d := s.mm.dialogs[len(s.mm.dialogs)-1]
	s.mm.mu.Unlock()
	sub := map[string]any{}
	for _, el := range d.Dialog.Elements {
		a, ok := answers[el.DisplayName]
		if !ok {
			continue
		}
		for _, o := range el.Options {
			if o.Text == a {
				a = o.Value
			}
		}
		sub[el.Name] = a
	}
	req := model.SubmitDialogRequest{CallbackId: d.Dialog.CallbackId, State: d.Dialog.State, UserId: user, ChannelId: chat, Submission: sub}
	body, _ := json.Marshal(req)
	resp, err := http.Post(s.web.URL+mattermost.PathDialog, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s submits the dialog: %d", user, resp.StatusCode)
	}
}

var _ platformtest.Markup = (*mmSession)(nil)

// markdownTexts are the parts of a post Mattermost renders as markdown.
func markdownTexts(p *model.Post) []string {
	out := []string{p.Message}
	for _, a := range p.Attachments() {
		out = append(out, a.Pretext, a.Title, a.Text)
		for _, f := range a.Fields {
			out = append(out, f.Title, fmt.Sprint(f.Value))
		}
	}
	return out
}

func (s *mmSession) Links(t *testing.T, m platformtest.Message) []platformtest.Link {
	var out []platformtest.Link
	for _, txt := range markdownTexts(m.Raw.(*model.Post)) {
		out = append(out, platformtest.MarkdownLinks(txt)...)
	}
	return out
}

// Notified parses the fields Mattermost parses for mentions (the message,
// each attachment's pretext, text and field values:
// channels/app/notification.go getMentionsEnabledFields) the way its
// standard parser splits words (mention_parser_standard.go): every word
// that starts with @ after trimming ":.-_" is a mention (of a user, a group
// or @here/@channel/@all), and so is each part of it split at ".-:".
func (s *mmSession) Notified(t *testing.T, m platformtest.Message) []string {
	return mentions(m.Raw.(*model.Post))
}

func mentions(p *model.Post) []string {
	texts := []string{p.Message}
	for _, a := range p.Attachments() {
		texts = append(texts, a.Pretext, a.Text)
		for _, f := range a.Fields {
			if v, ok := f.Value.(string); ok {
				texts = append(texts, v)
			}
		}
	}
	var out []string
	for _, txt := range texts {
		for _, w := range strings.FieldsFunc(txt, func(c rune) bool {
			return !(c == ':' || c == '.' || c == '-' || c == '_' || c == '@' || unicode.IsLetter(c) || unicode.IsNumber(c))
		}) {
			w = strings.TrimLeft(w, ":.-_")
			parts := append([]string{w}, strings.FieldsFunc(w, func(c rune) bool { return c == '.' || c == '-' || c == ':' })...)
			for _, p := range parts {
				if len(p) > 1 && p[0] == '@' {
					out = append(out, p)
					break
				}
			}
		}
	}
	return out
}

// RateLimitNext implements platformtest.RateLimiter: the fake answers the
// next n posts 429 with Retry-After: 0, as Mattermost's limiter does.
func (s *mmSession) RateLimitNext(t *testing.T, n int) {
	s.mm.mu.Lock()
	s.mm.rateLimit = n
	s.mm.mu.Unlock()
}
