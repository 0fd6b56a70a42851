package mattermost

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/internal/redact"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
)

// Name is the platform name in config and events.
const Name = "mattermost"

// ErrAuth marks a token Mattermost refused: the adapter stops, since
// retrying cannot help.
var ErrAuth = errors.New("mattermost refused the token")

// GroupChats finds the ticket whose group chat a channel is. The adapter
// uses it to recognise ticket channels it created before a restart.
type GroupChats = kit.Finder

// Handler receives the events the adapter turns neutral (bot.Engine.Handle).
type Handler = kit.Handler

// Options configure an Adapter.
type Options struct {
	URL   string // server address, e.g. https://chat.example.com
	Token string // the bot account's access token
	Team  string // team name (not display name) where group chats are created
	// ActionSecret signs the context of every interactive action and dialog.
	ActionSecret string
	// CallbackURL is the bot's public base address that Mattermost posts
	// actions, dialogs and slash commands to (config base_url, else
	// http://<listen>). Routes serves the paths below it.
	CallbackURL string
	// GroupChats recognises ticket channels after a restart; nil = only the
	// channels this process created.
	GroupChats GroupChats
	// Cursor keeps, under CursorKey, the create_at of the newest post handed
	// to the engine, so that after a restart the adapter reads the posts
	// made while the bot was down (the tickets store; nil = a restart
	// starts from now).
	Cursor Cursor
	// AgentChannels lists the desks' agent channels on Mattermost (live
	// config); replies in a card's thread there are internal notes.
	AgentChannels func() []string
	// Logger should redact Secrets (redact.NewHandler, as cmd/helpdesk
	// builds it): the adapter logs errors as they come.
	Logger *slog.Logger
	// Secrets is where the adapter adds its token, action secret and slash
	// command token, so the logger and its errors redact them (nil: a set
	// of its own, for its errors only).
	Secrets *redact.Secrets
	Now     func() time.Time                                 // default time.Now
	Sleep   func(ctx context.Context, d time.Duration) error // default: a timer
	// RetryFor is how long a post answered 429 keeps being retried, each
	// time after the server's Retry-After (default 2m).
	RetryFor time.Duration
	// MinBackoff and MaxBackoff bound the wait between WebSocket
	// reconnections (defaults 1s and 1m; doubled after each failure).
	MinBackoff, MaxBackoff time.Duration
	// CatchUpMargin is how far before the last event a catch-up after a
	// gap starts reading (default 1m); posts already handled are skipped.
	CatchUpMargin time.Duration
	// CatchUpWindow bounds every catch-up (after a restart or a gap): posts
	// older than this are not answered (default 24h), so a bot down for a
	// week does not reply to week-old chatter.
	CatchUpWindow time.Duration
	// CatchUpMaxPosts bounds the posts a catch-up reads per channel (default
	// 200, the newest kept).
	CatchUpMaxPosts int
	// ReplyWait is how long an action or command request waits for the
	// engine, so that private replies go back as the request's ephemeral
	// answer (default 2s; Mattermost waits up to 30 s).
	ReplyWait  time.Duration
	UserTTL    time.Duration // user cache lifetime (default 1h)
	HTTPClient *http.Client
}

// OptionsFrom maps the config section to Options. callbackURL is the bot's
// public base address (config base_url, else "http://"+listen).
func OptionsFrom(c *config.Mattermost, callbackURL string) Options {
	if c == nil {
		return Options{CallbackURL: callbackURL}
	}
	return Options{URL: c.URL, Token: c.Token, Team: c.Team, ActionSecret: c.ActionSecret, CallbackURL: callbackURL,
		RetryFor: c.RetryFor.D()}
}

// Adapter is the Mattermost platform.
type Adapter struct {
	opts    Options
	api     *model.Client4
	secrets *redact.Secrets
	log     *slog.Logger

	disp  kit.Dispatcher // the engine while Run runs; events in order per chat
	seen  kit.Seen       // delivery ids already handled
	users kit.Users      // user look-ups

	readyOnce sync.Once
	ready     chan struct{}

	mu          sync.Mutex
	botID       string
	botName     string
	teamID      string
	cmdToken    string
	noEphemeral bool                 // the bot may not post ephemeral posts over REST
	dms         map[string]string    // user -> DM channel
	groups      *kit.GroupChats      // ticket channels created or recognised
	triggers    map[string]trigger   // trigger_id -> who and where (for dialogs)
	replies     map[string]*replyBox // "channel user" -> the request waiting for private replies
	lastEvent   int64                // ms: newest post seen (catch-up starts here)
	chanTypes   map[string]string    // channel -> type (D, G, O, P)
	signKey     *ecdsa.PublicKey     // the server's trigger_id key (trigger.go)

	cursorMu      sync.Mutex // serialises saving the catch-up cursor
	cursorAt      int64      // ms: the cursor as last read or saved
	cursorVersion int64      // its state version (0: never saved)
}

type trigger struct {
	user string
	chat bot.Chat
	at   time.Time
}

var _ bot.Platform = (*Adapter)(nil)

// New returns an adapter. It does no I/O: Run checks the token.
func New(opts Options) (*Adapter, error) {
	switch {
	case opts.URL == "":
		return nil, errors.New("mattermost: the server url is required")
	case opts.Token == "":
		return nil, errors.New("mattermost: the bot access token is required")
	case opts.Team == "":
		return nil, errors.New("mattermost: the team name is required")
	case len(opts.ActionSecret) < 16:
		return nil, errors.New("mattermost: action_secret must be at least 16 characters (it signs interactive actions)")
	case opts.CallbackURL == "":
		return nil, errors.New("mattermost: the bot's callback URL (base_url) is required for interactive actions")
	}
	opts.URL = strings.TrimRight(opts.URL, "/")
	opts.CallbackURL = strings.TrimRight(opts.CallbackURL, "/")
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = kit.Sleep
	}
	if opts.RetryFor <= 0 {
		opts.RetryFor = 2 * time.Minute
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(time.Minute, opts.MinBackoff)
	}
	if opts.CatchUpMargin <= 0 {
		opts.CatchUpMargin = time.Minute
	}
	if opts.CatchUpWindow <= 0 {
		opts.CatchUpWindow = 24 * time.Hour
	}
	if opts.CatchUpMaxPosts <= 0 {
		opts.CatchUpMaxPosts = 200
	}
	if opts.ReplyWait <= 0 {
		opts.ReplyWait = 2 * time.Second
	}
	if opts.UserTTL <= 0 {
		opts.UserTTL = time.Hour
	}
	if opts.Secrets == nil {
		opts.Secrets = redact.New()
	}
	opts.Secrets.Add(opts.Token, opts.ActionSecret)
	if opts.AgentChannels == nil {
		opts.AgentChannels = func() []string { return nil }
	}
	a := &Adapter{
		opts:      opts,
		secrets:   opts.Secrets,
		log:       opts.Logger.With("platform", Name),
		ready:     make(chan struct{}),
		dms:       map[string]string{},
		triggers:  map[string]trigger{},
		replies:   map[string]*replyBox{},
		chanTypes: map[string]string{},
	}
	var find kit.Finder
	if opts.GroupChats != nil {
		find = opts.GroupChats
	}
	a.groups = kit.NewGroupChats(Name, find, a.log)
	a.disp = kit.Dispatcher{Log: a.log}
	a.seen = kit.Seen{TTL: seenTTL, Max: 20000, Now: opts.Now}
	a.users = kit.Users{TTL: opts.UserTTL, Now: opts.Now, Log: a.log, Lookup: a.lookupUser}
	a.api = model.NewAPIv4Client(opts.URL)
	a.api.SetToken(opts.Token)
	if opts.HTTPClient != nil {
		a.api.HTTPClient = opts.HTTPClient
	} else {
		a.api.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return a, nil
}

// Name implements bot.Platform.
func (a *Adapter) Name() string { return Name }

// Ready is closed once Run has checked the token and accepts events.
func (a *Adapter) Ready() <-chan struct{} { return a.ready }

// BotUserID is the bot account's user id (known once Ready is closed).
func (a *Adapter) BotUserID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botID
}

func (a *Adapter) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return a.secrets.Errorf("mattermost %s: %w", what, err)
}

// status returns the HTTP status of a REST answer (0 if none).
func status(resp *model.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// appErrorID returns the Mattermost error id of err ("" if none).
func appErrorID(err error) string {
	var ae *model.AppError
	if errors.As(err, &ae) {
		return ae.Id
	}
	return ""
}

// retry runs a REST call, waiting out 429 answers for up to RetryFor: the
// server's rate limiter answers 429 with Retry-After (seconds) and the
// X-Ratelimit-* headers (https://docs.mattermost.com/configure/rate-limiting-configuration-settings.html,
// https://api.mattermost.com/#tag/rate-limiting). The last 429 is logged
// and returned.
func (a *Adapter) retry(ctx context.Context, what string, fn func() (*model.Response, error)) error {
	start := a.opts.Now()
	for attempt := 1; ; attempt++ {
		resp, err := fn()
		if err != nil && status(resp) >= 500 {
			return bot.Temporary(err, 0) // the server failed: the engine queues the post and retries
		}
		if err == nil || status(resp) != http.StatusTooManyRequests {
			return err
		}
		wait := time.Second
		if resp != nil {
			for _, h := range []string{"Retry-After", "X-Ratelimit-Reset"} {
				if n, perr := strconv.Atoi(resp.Header.Get(h)); perr == nil && n >= 0 {
					wait = max(time.Duration(n)*time.Second, 10*time.Millisecond)
					break
				}
			}
		}
		if a.opts.Now().Add(wait).Sub(start) > a.opts.RetryFor {
			a.log.Error("rate limited by Mattermost for too long; giving up", "call", what, "attempts", attempt)
			return bot.Temporary(err, wait) // the engine queues the post and retries after wait
		}
		a.log.Info("rate limited by Mattermost; retrying", "call", what, "retry_after", wait)
		if serr := a.opts.Sleep(ctx, wait); serr != nil {
			return serr
		}
	}
}

// Send implements bot.Platform: a post with the message as text or as a
// message attachment with interactive actions.
// A text longer than a post takes goes out as several posts, the last one
// with the controls (and the ref).
func (a *Adapter) Send(ctx context.Context, chat string, msg bot.Message) (bot.MessageRef, error) {
	var ref bot.MessageRef
	all := a.split(msg)
	for i, part := range all {
		var err error
		if ref, err = a.send1(ctx, chat, part); err != nil {
			return ref, bot.Unsent(err, all[i:]) // when retried, the posts that went out are not posted again
		}
	}
	return ref, nil
}

func (a *Adapter) send1(ctx context.Context, chat string, msg bot.Message) (bot.MessageRef, error) {
	to := kit.ParseChat(chat)
	channel, root := to.Chat, to.Thread
	if channel == "" {
		return bot.MessageRef{}, errors.New("mattermost send: empty chat id")
	}
	post := &model.Post{ChannelId: channel, RootId: root}
	a.render(post, msg, chat, "")
	var created *model.Post
	err := a.retry(ctx, "create post", func() (*model.Response, error) {
		var resp *model.Response
		var err error
		created, resp, err = a.api.CreatePost(ctx, post)
		return resp, err
	})
	if err != nil {
		return bot.MessageRef{}, a.wrap("create post", err)
	}
	a.seen.First("post:" + created.Id)
	return bot.MessageRef{Chat: chat, ID: created.Id}, nil
}

// Update implements bot.Platform: the post is replaced in place, its
// actions signed for that post.
func (a *Adapter) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	channel := kit.ParseChat(ref.Chat).Chat
	post := &model.Post{ChannelId: channel}
	a.render(post, msg, ref.Chat, ref.ID)
	props := model.StringInterface{model.PostPropsAttachments: []*model.MessageAttachment{}} // drop the old buttons
	if att, ok := post.GetProps()[model.PostPropsAttachments]; ok {
		props[model.PostPropsAttachments] = att
	}
	message := post.Message
	patch := &model.PostPatch{Message: &message, Props: &props}
	if err := a.retry(ctx, "update post", func() (*model.Response, error) {
		_, resp, err := a.api.PatchPost(ctx, ref.ID, patch)
		return resp, err
	}); err != nil {
		return a.wrap("update post", err)
	}
	return nil
}

// SendPrivate implements bot.Platform. A private reply to an action or
// command request still being answered becomes that request's ephemeral
// answer; otherwise an ephemeral post (needs create_post_ephemeral), and
// failing that a post in the user's DM with the bot.
func (a *Adapter) SendPrivate(ctx context.Context, chat, user string, msg bot.Message) error {
	for _, part := range a.split(msg) {
		if err := a.sendPrivate1(ctx, chat, user, part); err != nil {
			return err
		}
	}
	return nil
}

func (a *Adapter) sendPrivate1(ctx context.Context, chat, user string, msg bot.Message) error {
	to := kit.ParseChat(chat)
	channel, root := to.Chat, to.Thread
	if len(msg.Buttons) == 0 && msg.Select == nil && a.replyInRequest(channel, user, msg) {
		return nil
	}
	a.mu.Lock()
	noEph := a.noEphemeral
	a.mu.Unlock()
	if !noEph {
		post := &model.Post{ChannelId: channel, RootId: root}
		a.render(post, msg, chat, "")
		_, resp, err := a.api.CreatePostEphemeral(ctx, &model.PostEphemeral{UserID: user, Post: post})
		if err == nil {
			return nil
		}
		if status(resp) != http.StatusForbidden {
			return a.wrap("create ephemeral post", err)
		}
		a.mu.Lock()
		a.noEphemeral = true
		a.mu.Unlock()
		a.log.Warn("the bot may not post ephemeral messages; private replies go to DMs (grant create_post_ephemeral to use ephemerals)")
	}
	dm, err := a.DirectChat(ctx, user)
	if err != nil {
		return err
	}
	_, err = a.send1(ctx, dm, msg)
	return err
}

// DirectChat implements bot.Platform: the DM channel of the bot and user (cached).
func (a *Adapter) DirectChat(ctx context.Context, user string) (string, error) {
	a.mu.Lock()
	ch, ok := a.dms[user]
	self := a.botID
	a.mu.Unlock()
	if ok {
		return ch, nil
	}
	if self == "" {
		return "", errors.New("mattermost: not connected yet")
	}
	c, _, err := a.api.CreateDirectChannel(ctx, self, user)
	if err != nil {
		return "", a.wrap("open DM", err)
	}
	a.mu.Lock()
	a.dms[user] = c.Id
	a.mu.Unlock()
	return c.Id, nil
}

// OpenForm implements bot.Platform: an interactive dialog opened with the
// trigger id of the action or command the user just sent.
func (a *Adapter) OpenForm(ctx context.Context, triggerID string, form bot.Form) error {
	if triggerID == "" {
		return bot.ErrFormsUnsupported
	}
	a.mu.Lock()
	tr, ok := a.triggers[triggerID]
	a.mu.Unlock()
	if !ok {
		return bot.ErrFormsUnsupported // a trigger we did not see: we cannot bind the dialog to a user
	}
	req := model.OpenDialogRequest{
		TriggerId: triggerID,
		URL:       a.opts.CallbackURL + PathDialog,
		Dialog:    a.dialog(form, tr.user, tr.chat),
	}
	if _, err := a.api.OpenInteractiveDialog(ctx, req); err != nil {
		return a.wrap("open dialog", err)
	}
	return nil
}

var reChannelName = regexp.MustCompile(`[^a-z0-9_-]+`)

// channelName makes a valid Mattermost channel name (lower case letters,
// digits, - and _, 2 to 64 characters).
func channelName(name string) string {
	n := reChannelName.ReplaceAllString(strings.ToLower(name), "-")
	n = strings.Trim(n, "-_")
	if len(n) > 60 {
		n = strings.Trim(n[:60], "-_")
	}
	if len(n) < 2 {
		n = "helpdesk-ticket"
	}
	return n
}

// CreateGroupChat implements bot.Platform: a private channel in the team
// named after the ticket (a suffix when the name is taken), with the
// members added.
func (a *Adapter) CreateGroupChat(ctx context.Context, gc bot.GroupChat) (string, error) {
	a.mu.Lock()
	team, self := a.teamID, a.botID
	a.mu.Unlock()
	if team == "" {
		return "", errors.New("mattermost: not connected yet")
	}
	base := channelName(gc.Name)
	title := textutil.Shorten(textutil.OneLine(gc.Title), 64)
	if title == "" {
		title = base
	}
	var ch *model.Channel
	for n := 1; ch == nil; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		c, resp, err := a.api.CreateChannel(ctx, &model.Channel{
			TeamId: team, Type: model.ChannelTypePrivate, Name: name, DisplayName: title,
			Purpose: textutil.Shorten(textutil.OneLine(gc.Topic), 250), Header: plain(textutil.OneLine(gc.Topic), 1000), // headers render markdown
		})
		if err != nil {
			if status(resp) == http.StatusBadRequest && strings.Contains(appErrorID(err), "exists") && n < 20 {
				continue
			}
			return "", a.wrap("create channel", err)
		}
		ch = c
	}
	a.mu.Lock()
	a.groups.Add(ch.Id)
	a.mu.Unlock()
	for _, m := range gc.Members {
		if m == "" || m == self {
			continue
		}
		if err := a.InviteToGroupChat(ctx, ch.Id, m); err != nil {
			return ch.Id, err
		}
	}
	return ch.Id, nil
}

// InviteToGroupChat implements bot.Platform: the user becomes a channel
// member (and a team member first if needed).
func (a *Adapter) InviteToGroupChat(ctx context.Context, chat, user string) error {
	channel := kit.ParseChat(chat).Chat
	_, resp, err := a.api.AddChannelMember(ctx, channel, user)
	if err != nil && (status(resp) == http.StatusForbidden || strings.Contains(appErrorID(err), "team")) {
		a.mu.Lock()
		team := a.teamID
		a.mu.Unlock()
		if _, _, terr := a.api.AddTeamMember(ctx, team, user); terr == nil {
			_, _, err = a.api.AddChannelMember(ctx, channel, user)
		}
	}
	if err != nil {
		return a.wrap("add channel member", err)
	}
	return nil
}

// ArchiveGroupChat implements bot.Platform: the channel is archived.
func (a *Adapter) ArchiveGroupChat(ctx context.Context, chat string) error {
	channel := kit.ParseChat(chat).Chat
	if _, err := a.api.DeleteChannel(ctx, channel); err != nil {
		if c, _, gerr := a.api.GetChannel(ctx, channel); gerr == nil && c.DeleteAt > 0 {
			return nil // archived already
		}
		return a.wrap("archive channel", err)
	}
	return nil
}

// User returns the display name, time zone and locale of a Mattermost user
// (cached for UserTTL). On failure it returns the bare id.
func (a *Adapter) User(ctx context.Context, id string) bot.User { return a.users.Get(ctx, id) }

func (a *Adapter) lookupUser(ctx context.Context, id string) (bot.User, error) {
	u, _, err := a.api.GetUser(ctx, id, "")
	if err != nil {
		return bot.User{}, err
	}
	bu := bot.User{ID: id, Name: u.Nickname, Locale: u.Locale, Timezone: u.GetPreferredTimezone()}
	// The address counts only when the server says it was verified (the
	// server blanks it for bots without the permission to see addresses).
	if u.EmailVerified && !u.IsBot && u.DeleteAt == 0 {
		bu.Email = u.Email
	}
	if bu.Name == "" {
		bu.Name = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	if bu.Name == "" {
		bu.Name = u.Username
	}
	return bu, nil
}
