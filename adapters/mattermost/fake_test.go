package mattermost_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/mattermost/mattermost/server/public/model"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/platformtest"
	"github.com/helpdesk-chat/helpdesk/adapters/mattermost"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/internal/redact"
)

// serverKey is the fake server's asymmetric signing key: it signs the
// trigger_id of every action request, as Mattermost does
// (model.GenerateTriggerId).
var serverKey = func() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}()

// triggerFor makes the trigger_id Mattermost sends with a click of user.
func triggerFor(t testing.TB, user string) string {
	t.Helper()
	_, trig, appErr := model.GenerateTriggerId(user, serverKey)
	if appErr != nil {
		t.Fatal(appErr)
	}
	return trig
}

const (
	fakeToken  = "fake-bot-token-SECRET"
	fakeSecret = "fake-action-secret-SECRET"
	fakeCmdTok = "fake-command-token-SECRET"
	botID      = "botuserid"
)

// fakeMM is a light Mattermost: the REST calls the adapter makes, and a
// WebSocket that pushes what the test says. The real-server suite
// (build tag mattermost) is what shows the adapter works with Mattermost.
type fakeMM struct {
	t   *testing.T
	srv *httptest.Server

	// changed is notified after every REST request the fake answered.
	changed platformtest.Signal

	mu        sync.Mutex
	posts     []*model.Post             // created by the bot, in order
	channels  map[string]*model.Channel // created by the bot (ticket channels)
	patches   map[string]*model.PostPatch
	chanTypes map[string]model.ChannelType
	members   map[string]bool // "channel user"
	history   map[string][]*model.Post
	dialogs   []model.OpenDialogRequest
	wsRefuse  int // refuse this many WebSocket connections
	wsConns   int
	conn      *websocket.Conn
	connected chan struct{}
	seq       int64
	rateLimit int // answer this many post calls with 429

	files map[string]fakeFile // uploaded files by id (files_fake_test.go)
}

// limited answers 429 as Mattermost's rate limiter does (Retry-After in
// seconds and the X-Ratelimit-* headers:
// https://docs.mattermost.com/configure/rate-limiting-configuration-settings.html,
// https://api.mattermost.com/#tag/rate-limiting) while rateLimit lasts.
func (f *fakeMM) limited(w http.ResponseWriter) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rateLimit <= 0 {
		return false
	}
	f.rateLimit--
	w.Header().Set("X-Ratelimit-Limit", "10")
	w.Header().Set("X-Ratelimit-Remaining", "0")
	w.Header().Set("X-Ratelimit-Reset", "0")
	w.Header().Set("Retry-After", "0")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte("limit exceeded\n"))
	return true
}

func newFakeMM(t *testing.T) *fakeMM {
	f := &fakeMM{t: t, patches: map[string]*model.PostPatch{}, history: map[string][]*model.Post{}, channels: map[string]*model.Channel{},
		chanTypes: map[string]model.ChannelType{"dm-carl": model.ChannelTypeDirect, "agents": model.ChannelTypeOpen, "town": model.ChannelTypeOpen},
		members:   map[string]bool{"dm-carl carl": true, "agents ada": true, "agents bob": true},
		connected: make(chan struct{}, 10)}
	mux := http.NewServeMux()
	js := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	// The server publishes its trigger_id signing key in the client config
	// (channels/app/platform/config.go regenerateClientConfig).
	mux.HandleFunc("GET /api/v4/config/client", func(w http.ResponseWriter, r *http.Request) {
		der, err := x509.MarshalPKIXPublicKey(&serverKey.PublicKey)
		if err != nil {
			t.Error(err)
		}
		js(w, map[string]string{"AsymmetricSigningPublicKey": base64.StdEncoding.EncodeToString(der), "Version": "11.1.0"})
	})
	mux.HandleFunc("GET /api/v4/users/me", func(w http.ResponseWriter, r *http.Request) {
		js(w, model.User{Id: botID, Username: "helpdesk"})
	})
	mux.HandleFunc("GET /api/v4/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		u := model.User{Id: id, Username: id, FirstName: strings.ToUpper(id[:1]) + id[1:], Locale: "en"}
		// The server sends a user's email and email_verified (model.User)
		// when the caller may see addresses (ShowEmailAddress, or the
		// permission); carl verified his, bob never did.
		switch id {
		case "carl":
			u.Email, u.EmailVerified = "carl@example.com", true
		case "bob":
			u.Email = "bob@example.com"
		}
		js(w, u)
	})
	mux.HandleFunc("GET /api/v4/teams/name/{name}", func(w http.ResponseWriter, r *http.Request) {
		js(w, model.Team{Id: "team1", Name: r.PathValue("name")})
	})
	mux.HandleFunc("GET /api/v4/commands", func(w http.ResponseWriter, r *http.Request) { js(w, []*model.Command{}) })
	mux.HandleFunc("POST /api/v4/commands", func(w http.ResponseWriter, r *http.Request) {
		var c model.Command
		_ = json.NewDecoder(r.Body).Decode(&c)
		c.Id, c.Token, c.CreatorId = "cmd1", fakeCmdTok, botID
		js(w, c)
	})
	mux.HandleFunc("POST /api/v4/posts", func(w http.ResponseWriter, r *http.Request) {
		if f.limited(w) {
			return
		}
		var p model.Post
		_ = json.NewDecoder(r.Body).Decode(&p)
		// A post's message is at most model.PostMessageMaxRunesV2 (16,383)
		// characters; the server answers 400 (Post.IsValid,
		// https://developers.mattermost.com/api-documentation/#/operations/CreatePost,
		// https://github.com/mattermost/mattermost/issues/27059).
		if utf8.RuneCountInString(p.Message) > model.PostMessageMaxRunesV2 {
			w.WriteHeader(http.StatusBadRequest)
			js(w, model.AppError{Id: "model.post.is_valid.msg.app_error", StatusCode: 400})
			return
		}
		f.mu.Lock()
		f.seq++
		p.Id, p.UserId, p.CreateAt = fmt.Sprintf("post%d", f.seq), botID, model.GetMillis()
		f.posts = append(f.posts, &p)
		f.mu.Unlock()
		js(w, &p)
	})
	mux.HandleFunc("POST /api/v4/posts/ephemeral", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		js(w, model.AppError{Id: "api.context.permissions.app_error", StatusCode: 403})
	})
	// Get a post: as posted, with its latest patch applied
	// (https://docs.mattermost.com/api/reference/get-a-post).
	mux.HandleFunc("GET /api/v4/posts/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, p := range f.posts {
			if p.Id != r.PathValue("id") {
				continue
			}
			out := p.Clone()
			if pt := f.patches[p.Id]; pt != nil {
				out.Patch(pt)
			}
			js(w, out)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		js(w, model.AppError{Id: "app.post.get.app_error", StatusCode: 404})
	})
	mux.HandleFunc("PUT /api/v4/posts/{id}/patch", func(w http.ResponseWriter, r *http.Request) {
		if f.limited(w) {
			return
		}
		var p model.PostPatch
		_ = json.NewDecoder(r.Body).Decode(&p)
		f.mu.Lock()
		f.patches[r.PathValue("id")] = &p
		f.mu.Unlock()
		js(w, &model.Post{Id: r.PathValue("id")})
	})
	mux.HandleFunc("POST /api/v4/channels/direct", func(w http.ResponseWriter, r *http.Request) {
		var ids []string
		_ = json.NewDecoder(r.Body).Decode(&ids)
		other := ids[1]
		if other == botID {
			other = ids[0]
		}
		id := "dm-" + other
		f.mu.Lock()
		f.chanTypes[id] = model.ChannelTypeDirect
		f.members[id+" "+other], f.members[id+" "+botID] = true, true
		f.mu.Unlock()
		js(w, model.Channel{Id: id, Type: model.ChannelTypeDirect})
	})
	// Create a channel: team_id, name (the unique handle), display_name,
	// type "O" or "P" (Mattermost API reference, CreateChannelRequest, as
	// generated in https://docs.rs/crate/mattermost-rust-client/latest/source/src/models/create_channel_request.rs).
	// A name taken in the team is refused with 400
	// store.sql_channel.save_channel.exists.app_error (the adapter then tries name-2).
	mux.HandleFunc("POST /api/v4/channels", func(w http.ResponseWriter, r *http.Request) {
		var c model.Channel
		_ = json.NewDecoder(r.Body).Decode(&c)
		f.mu.Lock()
		defer f.mu.Unlock()
		if c.TeamId == "" || c.Name == "" || c.DisplayName == "" || (c.Type != model.ChannelTypeOpen && c.Type != model.ChannelTypePrivate) {
			w.WriteHeader(http.StatusBadRequest)
			js(w, model.AppError{Id: "model.channel.is_valid.app_error", StatusCode: 400})
			return
		}
		for _, o := range f.channels {
			if o.TeamId == c.TeamId && o.Name == c.Name {
				w.WriteHeader(http.StatusBadRequest)
				js(w, model.AppError{Id: "store.sql_channel.save_channel.exists.app_error", StatusCode: 400})
				return
			}
		}
		f.seq++
		c.Id, c.CreatorId, c.CreateAt = fmt.Sprintf("ch%d", f.seq), botID, model.GetMillis()
		f.channels[c.Id], f.chanTypes[c.Id] = &c, c.Type
		f.members[c.Id+" "+botID] = true // the creator is a member
		w.WriteHeader(http.StatusCreated)
		js(w, &c)
	})
	// Add user to channel: POST /channels/{id}/members with {"user_id"}
	// (AddChannelMemberRequest, https://docs.rs/crate/mattermost-client/0.2.0/source/src/openapi/models/add_channel_member_request.rs);
	// adding a member twice changes nothing.
	mux.HandleFunc("POST /api/v4/channels/{id}/members", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			UserID string `json:"user_id"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		id := r.PathValue("id")
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, ok := f.chanTypes[id]; !ok || req.UserID == "" {
			w.WriteHeader(http.StatusNotFound)
			js(w, model.AppError{Id: "app.channel.get.existing.app_error", StatusCode: 404})
			return
		}
		f.members[id+" "+req.UserID] = true
		w.WriteHeader(http.StatusCreated)
		js(w, model.ChannelMember{ChannelId: id, UserId: req.UserID})
	})
	// Remove user from channel: only from public or private channels, with
	// manage_*_channel_members (https://docs.mattermost.com/api/reference/remove-user-from-channel).
	mux.HandleFunc("DELETE /api/v4/channels/{id}/members/{user}", func(w http.ResponseWriter, r *http.Request) {
		id, user := r.PathValue("id"), r.PathValue("user")
		f.mu.Lock()
		defer f.mu.Unlock()
		ct, ok := f.chanTypes[id]
		switch {
		case !ok:
			w.WriteHeader(http.StatusNotFound)
			js(w, model.AppError{Id: "app.channel.get.existing.app_error", StatusCode: 404})
		case ct != model.ChannelTypeOpen && ct != model.ChannelTypePrivate:
			w.WriteHeader(http.StatusBadRequest)
			js(w, model.AppError{Id: "api.channel.remove_user_from_channel.direct.app_error", StatusCode: 400})
		default:
			delete(f.members, id+" "+user)
			js(w, map[string]string{"status": "OK"})
		}
	})
	// Delete a channel archives it: delete_at is set; direct and group
	// message channels cannot be deleted
	// (https://docs.mattermost.com/api/reference/delete-channel).
	mux.HandleFunc("DELETE /api/v4/channels/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		f.mu.Lock()
		defer f.mu.Unlock()
		c, ok := f.channels[id]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			js(w, model.AppError{Id: "api.channel.delete_channel.type.invalid", StatusCode: 400})
			return
		}
		c.DeleteAt = model.GetMillis()
		js(w, map[string]string{"status": "OK"})
	})
	mux.HandleFunc("GET /api/v4/channels/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		ct, ok := f.chanTypes[r.PathValue("id")]
		c := f.channels[r.PathValue("id")]
		f.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			js(w, model.AppError{Id: "not_found", StatusCode: 404})
			return
		}
		if c != nil {
			js(w, c)
			return
		}
		js(w, model.Channel{Id: r.PathValue("id"), Type: ct})
	})
	mux.HandleFunc("GET /api/v4/channels/{id}/members/{user}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		ok := f.members[r.PathValue("id")+" "+r.PathValue("user")]
		f.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			js(w, model.AppError{Id: "not_found", StatusCode: 404})
			return
		}
		js(w, model.ChannelMember{ChannelId: r.PathValue("id"), UserId: r.PathValue("user")})
	})
	mux.HandleFunc("GET /api/v4/users/{id}/channels", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		var out []*model.Channel
		for id, ps := range f.history {
			out = append(out, &model.Channel{Id: id, Type: f.chanTypes[id], LastPostAt: ps[len(ps)-1].CreateAt})
		}
		js(w, out)
	})
	mux.HandleFunc("GET /api/v4/channels/{id}/posts", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		list := model.NewPostList()
		for _, p := range f.history[r.PathValue("id")] {
			list.AddPost(p)
			list.AddOrder(p.Id)
		}
		js(w, list)
	})
	mux.HandleFunc("POST /api/v4/actions/dialogs/open", func(w http.ResponseWriter, r *http.Request) {
		var d model.OpenDialogRequest
		_ = json.NewDecoder(r.Body).Decode(&d)
		// The server opens a dialog only for a valid, fresh trigger_id
		// (channels/app/integration_action.go OpenInteractiveDialog).
		if _, _, appErr := d.DecodeAndVerifyTriggerId(serverKey, 30*time.Second); appErr != nil {
			http.Error(w, appErr.Error(), http.StatusBadRequest)
			return
		}
		// The dialog is checked as the server does (model.Dialog.IsValid):
		// the title and each element's display_name at most 24, counted in
		// bytes (https://developers.mattermost.com/integrate/plugins/interactive-dialogs:
		// "Maximum 24 characters"; the server compares len()), help text 150;
		// a refused dialog is 400 and the server logs "Interactive dialog is invalid".
		if err := d.Dialog.IsValid(); err != nil {
			f.t.Errorf("mattermost fake: Interactive dialog is invalid: %v", err)
			http.Error(w, `{"id":"api.integration_action.dialog.invalid","status_code":400}`, http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.dialogs = append(f.dialogs, d)
		f.mu.Unlock()
		js(w, map[string]string{"status": "OK"})
	})
	f.fileRoutes(mux)
	up := websocket.Upgrader{}
	mux.HandleFunc("GET /api/v4/websocket", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.wsConns++
		refuse := f.wsRefuse > 0
		if refuse {
			f.wsRefuse--
		}
		f.mu.Unlock()
		if refuse {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		var auth map[string]any
		if err := c.ReadJSON(&auth); err != nil || fmt.Sprint(auth["data"].(map[string]any)["token"]) != fakeToken {
			c.Close()
			return
		}
		_ = c.WriteJSON(map[string]any{"event": "hello", "data": map[string]any{}, "broadcast": map[string]any{}, "seq": 0})
		f.mu.Lock()
		f.conn = c
		f.mu.Unlock()
		f.connected <- struct{}{}
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	})
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		f.changed.Notify()
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// push sends a posted event for p over the WebSocket.
func (f *fakeMM) push(p *model.Post, channelType model.ChannelType) {
	f.t.Helper()
	raw, _ := json.Marshal(p)
	f.mu.Lock()
	c := f.conn
	f.seq++
	seq := f.seq
	f.mu.Unlock()
	if err := c.WriteJSON(map[string]any{"event": "posted", "seq": seq, "broadcast": map[string]any{"channel_id": p.ChannelId},
		"data": map[string]any{"post": string(raw), "channel_type": string(channelType)}}); err != nil {
		f.t.Fatal(err)
	}
}

// drop closes the WebSocket from the server's side.
func (f *fakeMM) drop() {
	f.mu.Lock()
	c := f.conn
	f.conn = nil
	f.mu.Unlock()
	c.Close()
}

func (f *fakeMM) botPosts() []*model.Post {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*model.Post(nil), f.posts...)
}

// rig is the adapter running against the fake, with a recording handler.
type rig struct {
	t       *testing.T
	mm      *fakeMM
	ad      *mattermost.Adapter
	events  chan bot.Event
	logs    *syncBuf
	web     *httptest.Server
	sleeps  chan time.Duration
	onEvent func(context.Context, bot.Event) error
	// skew moves the adapter's clock away from the fake server's (ns).
	skew atomic.Int64
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{t: t, mm: newFakeMM(t), events: make(chan bot.Event, 50), logs: &syncBuf{}, sleeps: make(chan time.Duration, 50)}
	mux := http.NewServeMux()
	r.web = httptest.NewServer(mux)
	t.Cleanup(r.web.Close)
	secrets := redact.New() // the adapter adds its secrets, as under cmd/helpdesk
	ad, err := mattermost.New(mattermost.Options{
		URL: r.mm.srv.URL, Token: fakeToken, Team: "support", ActionSecret: fakeSecret, CallbackURL: r.web.URL,
		AgentChannels: func() []string { return []string{"agents"} },
		Logger:        slog.New(redact.NewHandler(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}), secrets)), Secrets: secrets,
		Sleep: func(ctx context.Context, d time.Duration) error {
			r.sleeps <- d
			return ctx.Err()
		},
		ReplyWait: 2 * time.Second,
		Now:       func() time.Time { return time.Now().Add(time.Duration(r.skew.Load())) },
	})
	if err != nil {
		t.Fatal(err)
	}
	r.ad = ad
	ad.Routes(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ad.Run(ctx, func(ctx context.Context, ev bot.Event) error {
			r.events <- ev
			if r.onEvent != nil {
				return r.onEvent(ctx, ev)
			}
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		for _, s := range []string{fakeToken, fakeSecret, fakeCmdTok} {
			if strings.Contains(r.logs.String(), s) {
				t.Errorf("a secret reached the log:\n%s", r.logs.String())
			}
		}
	})
	select {
	case <-r.mm.connected:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("no WebSocket connection")
	}
	return r
}

func (r *rig) next() bot.Event {
	r.t.Helper()
	select {
	case ev := <-r.events:
		return ev
	case <-time.After(5 * time.Second):
		r.t.Fatal("no event")
	}
	return bot.Event{}
}

func (r *rig) none() {
	r.t.Helper()
	select {
	case ev := <-r.events:
		r.t.Fatalf("unexpected event %+v", ev)
	case <-time.After(200 * time.Millisecond):
	}
}
