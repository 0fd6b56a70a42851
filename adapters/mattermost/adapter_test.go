package mattermost_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/helpdesk-chat/helpdesk/adapters/mattermost"
	"github.com/helpdesk-chat/helpdesk/bot"
)

func TestNewChecksOptions(t *testing.T) {
	ok := mattermost.Options{URL: "http://mm", Token: "t", Team: "support", ActionSecret: "0123456789abcdef", CallbackURL: "http://bot"}
	for name, mod := range map[string]func(*mattermost.Options){
		"no url":       func(o *mattermost.Options) { o.URL = "" },
		"no token":     func(o *mattermost.Options) { o.Token = "" },
		"no team":      func(o *mattermost.Options) { o.Team = "" },
		"short secret": func(o *mattermost.Options) { o.ActionSecret = "short" },
		"no callback":  func(o *mattermost.Options) { o.CallbackURL = "" },
	} {
		t.Run(name, func(t *testing.T) {
			o := ok
			mod(&o)
			if _, err := mattermost.New(o); err == nil {
				t.Fatal("want an error")
			}
		})
	}
	if _, err := mattermost.New(ok); err != nil {
		t.Fatal(err)
	}
}

func TestTextBreaksBroadcasts(t *testing.T) {
	for _, in := range []string{"@channel", "hey @ALL look", "@here!", "@everyone"} {
		got := mattermost.Text(in)
		for _, b := range []string{"@channel", "@all", "@here", "@everyone"} {
			if strings.Contains(strings.ToLower(got), b) {
				t.Errorf("Text(%q) = %q still broadcasts", in, got)
			}
		}
	}
	// A mention of a person is broken too (the server's parser would
	// notify them); an e-mail address is left alone.
	if got := mattermost.Text("mail ada@example.com about @ada, (@bob) .@carl"); got != "mail ada@example.com about @\u200dada, (@\u200dbob) .@\u200dcarl" {
		t.Errorf("Text = %q", got)
	} else if m := mentions(&model.Post{Message: got}); len(m) > 0 {
		t.Errorf("%q still mentions %v", got, m)
	}
	if m := mentions(&model.Post{Message: "@ada (@bob) .@carl"}); len(m) != 3 {
		t.Errorf("the parser finds %v in unbroken text, want 3 mentions", m)
	}
}

func card() bot.Message {
	return bot.Message{
		Title:  "IT-1 · VPN @channel",
		Text:   "Carl says: it drops @here",
		Fields: []bot.Field{{Label: "Which system?", Value: "VPN"}},
		Buttons: []bot.Button{
			{ID: "start", Label: "Start Chat", Value: "1", Style: bot.StylePrimary},
			{ID: "link", Label: "Open in Ticket Center", URL: "https://desk.example.com/t/1"},
		},
		Select: &bot.Select{ID: "transfer", Placeholder: "Transfer to…", Options: []bot.Option{{Label: "Grace", Value: "Grace"}}},
	}
}

// actionRequest builds what Mattermost posts when someone clicks the
// action named label of a post the bot made.
func actionRequest(t *testing.T, p *model.Post, label, user string) model.PostActionIntegrationRequest {
	t.Helper()
	for _, a := range p.Attachments() {
		for _, act := range a.Actions {
			if act.Name == label {
				ctx := map[string]any{}
				for k, v := range act.Integration.Context {
					ctx[k] = v
				}
				return model.PostActionIntegrationRequest{UserId: user, ChannelId: p.ChannelId, PostId: p.Id, TriggerId: triggerFor(t, user), Type: act.Type, Context: ctx}
			}
		}
	}
	t.Fatalf("no action %q", label)
	return model.PostActionIntegrationRequest{}
}

func (r *rig) post(path string, v any) (int, string) {
	r.t.Helper()
	body, _ := json.Marshal(v)
	resp, err := http.Post(r.web.URL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func TestRenderAsAttachmentWithSignedActions(t *testing.T) {
	r := newRig(t)
	ref, err := r.ad.Send(context.Background(), "agents", card())
	if err != nil {
		t.Fatal(err)
	}
	p := r.mm.botPosts()[0]
	if ref.ID != p.Id || p.ChannelId != "agents" {
		t.Fatalf("ref %+v for post %+v", ref, p)
	}
	atts := p.Attachments()
	if len(atts) != 1 {
		t.Fatalf("want one attachment, got %+v", p.GetProps())
	}
	a := atts[0]
	all := a.Title + a.Text + a.Fallback
	if strings.Contains(all, "@channel") || strings.Contains(all, "@here") {
		t.Fatalf("broadcasts not broken: %q", all)
	}
	if !strings.Contains(a.Text, "[Open in Ticket Center](https://desk.example.com/t/1)") {
		t.Fatalf("link button should be a link: %q", a.Text)
	}
	if len(a.Fields) != 1 || a.Fields[0].Title != "Which system?" {
		t.Fatalf("fields: %+v", a.Fields)
	}
	if len(a.Actions) != 2 || a.Actions[0].Name != "Start Chat" || a.Actions[0].Style != "primary" ||
		a.Actions[1].Type != model.PostActionTypeSelect || len(a.Actions[1].Options) != 1 {
		t.Fatalf("actions: %+v", a.Actions)
	}
	for _, act := range a.Actions {
		if act.Integration == nil || act.Integration.URL != r.web.URL+mattermost.PathAction || act.Integration.Context["hd_s"] == "" {
			t.Fatalf("action %s should post to the bot with a signed context: %+v", act.Name, act.Integration)
		}
	}
}

func TestActionsMustVerify(t *testing.T) {
	r := newRig(t)
	if _, err := r.ad.Send(context.Background(), "agents", card()); err != nil {
		t.Fatal(err)
	}
	p := r.mm.botPosts()[0]
	tests := []struct {
		name   string
		mod    func(*model.PostActionIntegrationRequest)
		user   string
		status int
	}{
		{"forged signature", func(q *model.PostActionIntegrationRequest) { q.Context["hd_s"] = strings.Repeat("00", 32) }, "ada", 403},
		{"tampered value", func(q *model.PostActionIntegrationRequest) { q.Context["hd_v"] = "2" }, "ada", 403},
		{"tampered control", func(q *model.PostActionIntegrationRequest) { q.Context["hd_a"] = "end" }, "ada", 403},
		{"another channel", func(q *model.PostActionIntegrationRequest) { q.ChannelId = "town" }, "ada", 403},
		{"no context", func(q *model.PostActionIntegrationRequest) { q.Context = nil }, "ada", 403},
		{"not a member of the channel", func(*model.PostActionIntegrationRequest) {}, "carl", 403},
		// A captured context replayed "as" the agent: the request says ada,
		// but only bob's click made a trigger (or none did).
		{"trigger made for another user", func(q *model.PostActionIntegrationRequest) { q.TriggerId = triggerFor(t, "bob") }, "ada", 403},
		{"no trigger", func(q *model.PostActionIntegrationRequest) { q.TriggerId = "" }, "ada", 403},
		{"made-up trigger", func(q *model.PostActionIntegrationRequest) { q.TriggerId = "trig-1" }, "ada", 403},
		{"trigger signed with another key", func(q *model.PostActionIntegrationRequest) {
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			_, q.TriggerId, _ = model.GenerateTriggerId("ada", k)
		}, "ada", 403},
		{"valid", func(*model.PostActionIntegrationRequest) {}, "ada", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := actionRequest(t, p, "Start Chat", tt.user)
			tt.mod(&req)
			status, _ := r.post(mattermost.PathAction, req)
			if status != tt.status {
				t.Fatalf("status %d, want %d", status, tt.status)
			}
			if tt.status != 200 {
				r.none()
				return
			}
			ev := r.next()
			if ev.Kind != bot.EventAction || ev.Action.ID != "start" || ev.Action.Value != "1" || ev.User.ID != "ada" ||
				ev.Action.Message != (bot.MessageRef{Chat: "agents", ID: p.Id}) || ev.Chat.Kind != bot.ChatChannel || ev.Trigger == "" {
				t.Fatalf("event: %+v", ev)
			}
			// Mattermost retrying the same click has no second effect.
			if status, _ := r.post(mattermost.PathAction, req); status != 200 {
				t.Fatalf("retry: %d", status)
			}
			r.none()
		})
	}

	t.Run("stale trigger", func(t *testing.T) {
		req := actionRequest(t, p, "Start Chat", "ada")
		r.skew.Store(int64(6 * time.Minute)) // the click reaches us 6 minutes after the server made it
		defer r.skew.Store(0)
		if status, _ := r.post(mattermost.PathAction, req); status != 403 {
			t.Fatalf("status %d, want 403", status)
		}
		r.none()
	})

	t.Run("expired context", func(t *testing.T) {
		r.skew.Store(-int64(mattermost.ActionMaxAge + time.Hour)) // the post was made over 30 days ago
		if _, err := r.ad.Send(context.Background(), "agents", card()); err != nil {
			t.Fatal(err)
		}
		r.skew.Store(0)
		posts := r.mm.botPosts()
		status, body := r.post(mattermost.PathAction, actionRequest(t, posts[len(posts)-1], "Start Chat", "ada"))
		if status != 200 || !strings.Contains(body, "expired") {
			t.Fatalf("status %d %s, want 200 and the button's expiry", status, body)
		}
		r.none()
	})

	t.Run("select", func(t *testing.T) {
		req := actionRequest(t, p, "Transfer to…", "ada")
		req.Context["selected_option"] = "Grace"
		if status, _ := r.post(mattermost.PathAction, req); status != 200 {
			t.Fatalf("status %d", status)
		}
		if ev := r.next(); ev.Action.ID != "transfer" || ev.Action.Value != "Grace" {
			t.Fatalf("select event: %+v", ev.Action)
		}
	})
}

// A private reply made while the click is being handled is the click's
// ephemeral answer: only the clicker sees it, and no post is made.
func TestPrivateReplyIsTheActionsEphemeralAnswer(t *testing.T) {
	r := newRig(t)
	r.onEvent = func(ctx context.Context, ev bot.Event) error {
		return r.ad.SendPrivate(ctx, ev.Chat.ID, ev.User.ID, bot.Message{Text: "Only the assigned agent can start the chat @channel"})
	}
	if _, err := r.ad.Send(context.Background(), "agents", card()); err != nil {
		t.Fatal(err)
	}
	p := r.mm.botPosts()[0]
	status, body := r.post(mattermost.PathAction, actionRequest(t, p, "Start Chat", "bob"))
	var resp model.PostActionIntegrationResponse
	_ = json.Unmarshal([]byte(body), &resp)
	if status != 200 || !strings.Contains(resp.EphemeralText, "Only the assigned agent") || strings.Contains(resp.EphemeralText, "@channel") {
		t.Fatalf("answer %d %q", status, body)
	}
	r.next()
	if n := len(r.mm.botPosts()); n != 1 {
		t.Fatalf("the refusal must not be posted (%d posts)", n)
	}
}

func TestPostsBecomeEvents(t *testing.T) {
	r := newRig(t)
	tests := []struct {
		name string
		post *model.Post
		typ  model.ChannelType
		want *bot.Chat
		text string
	}{
		{"DM", &model.Post{Id: "p1", ChannelId: "dm-carl", UserId: "carl", Message: "VPN does not connect"}, model.ChannelTypeDirect,
			&bot.Chat{ID: "dm-carl", Kind: bot.ChatDirect}, "VPN does not connect"},
		{"the bot's own post", &model.Post{Id: "p2", ChannelId: "dm-carl", UserId: botID, Message: "answer"}, model.ChannelTypeDirect, nil, ""},
		{"another bot", &model.Post{Id: "p3", ChannelId: "dm-carl", UserId: "other", Message: "x", Props: model.StringInterface{"from_bot": "true"}}, model.ChannelTypeDirect, nil, ""},
		{"system message", &model.Post{Id: "p4", ChannelId: "agents", UserId: "ada", Type: model.PostTypeJoinChannel}, model.ChannelTypeOpen, nil, ""},
		{"channel chatter", &model.Post{Id: "p5", ChannelId: "town", UserId: "carl", Message: "lunch?"}, model.ChannelTypeOpen, nil, ""},
		{"mention", &model.Post{Id: "p6", ChannelId: "town", UserId: "carl", Message: "@helpdesk my password expired"}, model.ChannelTypeOpen,
			&bot.Chat{ID: "town/p6", Kind: bot.ChatChannel}, "my password expired"},
		{"card thread reply", &model.Post{Id: "p7", ChannelId: "agents", UserId: "ada", RootId: "card1", Message: "checked the logs"}, model.ChannelTypeOpen,
			&bot.Chat{ID: "agents", Kind: bot.ChatChannel, Thread: "card1"}, "checked the logs"},
		{"reply on the card in an agent's DM", &model.Post{Id: "p8", ChannelId: "dm-carl", UserId: "carl", RootId: "card2", Message: "called back"}, model.ChannelTypeDirect,
			&bot.Chat{ID: "dm-carl", Kind: bot.ChatDirect, Thread: "card2"}, "called back"},
		{"the same post again", &model.Post{Id: "p1", ChannelId: "dm-carl", UserId: "carl", Message: "VPN does not connect"}, model.ChannelTypeDirect, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.mm.push(tt.post, tt.typ)
			if tt.want == nil {
				r.none()
				return
			}
			ev := r.next()
			if ev.ID != tt.post.Id || ev.Kind != bot.EventMessage || ev.Chat != *tt.want || ev.Text != tt.text || ev.User.ID != tt.post.UserId || ev.User.Name == "" {
				t.Fatalf("event %+v", ev)
			}
		})
	}
}

// After the WebSocket drops, the adapter reconnects with growing back-off
// and reads the posts it missed over REST, each once.
func TestReconnectCatchesUpMissedPosts(t *testing.T) {
	r := newRig(t)
	seen := &model.Post{Id: "old", ChannelId: "dm-carl", UserId: "carl", Message: "hello", CreateAt: model.GetMillis()}
	r.mm.push(seen, model.ChannelTypeDirect)
	r.next()

	r.mm.mu.Lock()
	r.mm.wsRefuse = 2
	missed := &model.Post{Id: "missed", ChannelId: "dm-carl", UserId: "carl", Message: "my laptop will not boot", CreateAt: model.GetMillis() + 1}
	r.mm.history["dm-carl"] = []*model.Post{seen, missed}
	r.mm.mu.Unlock()
	r.mm.drop()

	select {
	case <-r.mm.connected:
	case <-time.After(5 * time.Second):
		t.Fatal("no reconnection")
	}
	ev := r.next()
	if ev.ID != "missed" || ev.Text != "my laptop will not boot" || ev.Chat.Kind != bot.ChatDirect {
		t.Fatalf("caught-up event: %+v", ev)
	}
	r.none() // "old" was handled before the gap
	var sleeps []time.Duration
	for len(r.sleeps) > 0 {
		sleeps = append(sleeps, <-r.sleeps)
	}
	if len(sleeps) != 3 || sleeps[0] != time.Second || sleeps[1] != 2*time.Second || sleeps[2] != 4*time.Second {
		t.Fatalf("back-off: %v", sleeps)
	}
}

func TestDialogIsBoundToItsUser(t *testing.T) {
	r := newRig(t)
	if _, err := r.ad.Send(context.Background(), "dm-carl", bot.Message{Text: "Did this help?", Buttons: []bot.Button{{ID: "agent", Label: "Talk to an agent"}}}); err != nil {
		t.Fatal(err)
	}
	r.onEvent = func(ctx context.Context, ev bot.Event) error {
		if ev.Kind != bot.EventAction {
			return nil
		}
		return r.ad.OpenForm(ctx, ev.Trigger, bot.Form{ID: "ticket", Title: "Access request", Fields: []bot.FormField{
			{ID: "system", Label: "Which system?", Type: bot.FieldSelect, Options: []string{"VPN", "SAP"}, Required: true},
			{ID: "details", Label: "What happened?", Type: bot.FieldParagraph},
		}})
	}
	if status, _ := r.post(mattermost.PathAction, actionRequest(t, r.mm.botPosts()[0], "Talk to an agent", "carl")); status != 200 {
		t.Fatalf("action: %d", status)
	}
	r.next()
	r.mm.mu.Lock()
	if len(r.mm.dialogs) != 1 {
		r.mm.mu.Unlock()
		t.Fatal("no dialog opened")
	}
	d := r.mm.dialogs[0]
	r.mm.mu.Unlock()
	if _, who, err := model.DecodeAndVerifyTriggerId(d.TriggerId, serverKey, time.Minute); err != nil || who != "carl" || d.URL != r.web.URL+mattermost.PathDialog || len(d.Dialog.Elements) != 2 ||
		d.Dialog.Elements[0].Type != "select" || d.Dialog.Elements[0].Optional || d.Dialog.Elements[1].Type != "textarea" || !d.Dialog.Elements[1].Optional {
		t.Fatalf("dialog: %+v", d)
	}
	sub := model.SubmitDialogRequest{CallbackId: "ticket", State: d.Dialog.State, UserId: "bob", ChannelId: "dm-carl",
		Submission: map[string]any{"system": "VPN", "details": "drops"}}
	if status, _ := r.post(mattermost.PathDialog, sub); status != 403 {
		t.Fatalf("someone else's submission: %d", status)
	}
	sub.UserId = "carl"
	sub.State = strings.Replace(d.Dialog.State, `"k":"direct"`, `"k":"group"`, 1)
	if status, _ := r.post(mattermost.PathDialog, sub); status != 403 {
		t.Fatalf("tampered state: %d", status)
	}
	r.none()
	sub.State = d.Dialog.State
	if status, _ := r.post(mattermost.PathDialog, sub); status != 200 {
		t.Fatalf("submission: %d", status)
	}
	ev := r.next()
	if ev.Kind != bot.EventForm || ev.FormID != "ticket" || ev.User.ID != "carl" || ev.Values["system"] != "VPN" || ev.Chat != (bot.Chat{ID: "dm-carl", Kind: bot.ChatDirect}) {
		t.Fatalf("form event: %+v", ev)
	}
}

func TestSlashCommandNeedsItsToken(t *testing.T) {
	r := newRig(t)
	form := url.Values{"token": {"wrong"}, "user_id": {"carl"}, "channel_id": {"town"}, "text": {"menu"}, "trigger_id": {"t1"}}
	send := func() int {
		resp, err := http.PostForm(r.web.URL+mattermost.PathCommand, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := send(); s != 403 {
		t.Fatalf("wrong token: %d", s)
	}
	r.none()
	form.Set("token", fakeCmdTok)
	if s := send(); s != 200 {
		t.Fatalf("right token: %d", s)
	}
	ev := r.next()
	if ev.Kind != bot.EventCommand || ev.Text != "menu" || ev.Chat != (bot.Chat{ID: "dm-carl", Kind: bot.ChatDirect}) || ev.Trigger != "t1" {
		t.Fatalf("command event: %+v", ev)
	}
}

// The address counts only when the server says it was verified.
func TestOnlyAVerifiedEmailIsTheUsers(t *testing.T) {
	r := newRig(t)
	if u := r.ad.User(context.Background(), "carl"); u.Email != "carl@example.com" {
		t.Fatalf("carl verified his address: %+v", u)
	}
	if u := r.ad.User(context.Background(), "bob"); u.Email != "" {
		t.Fatalf("bob's address is not verified: %+v", u)
	}
}
