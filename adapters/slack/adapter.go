package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/internal/redact"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
)

// Name is the platform name in config and events.
const Name = "slack"

// Modes of receiving events.
const (
	ModeSocket = "socket" // Socket Mode WebSocket (default; no public URL needed)
	ModeHTTP   = "http"   // Events API, interactivity and slash commands over signed HTTP
)

// ErrAuth marks a token Slack refused (invalid, revoked, deactivated): the
// adapter stops, since retrying cannot help.
var ErrAuth = errors.New("slack refused the token")

// GroupChats finds the ticket whose group chat a channel is. The adapter
// uses it to recognise ticket channels it created before a restart.
type GroupChats = kit.Finder

// Handler receives the events the adapter turns neutral (bot.Engine.Handle).
type Handler = kit.Handler

// Options configure an Adapter.
type Options struct {
	BotToken      string // xoxb-…: every Web API call
	AppToken      string // xapp-… with connections:write: Socket Mode
	SigningSecret string // verifies HTTP requests in http mode
	Mode          string // socket (default) or http
	// APIURL is the Web API base (default https://slack.com/api/); tests
	// point it at a local server.
	APIURL string
	// GroupChats recognises ticket channels after a restart; nil = only the
	// channels this process created.
	GroupChats GroupChats
	// AgentChannels lists the desks' agent channels on Slack (live config);
	// replies in a card's thread there are internal notes.
	AgentChannels func() []string
	// Logger should redact Secrets (redact.NewHandler, as cmd/helpdesk
	// builds it): the adapter logs errors as they come.
	Logger *slog.Logger
	// Secrets is where the adapter adds its tokens, so the logger and its
	// errors redact them (nil: a set of its own, for its errors only).
	Secrets *redact.Secrets
	Now     func() time.Time                                 // default time.Now
	Sleep   func(ctx context.Context, d time.Duration) error // default: a timer
	// ChannelInterval is the least time between two posts in one channel
	// (Slack allows about one message per second per channel). Default 1s;
	// negative disables pacing.
	ChannelInterval time.Duration
	// RetryFor is how long a call answered 429 keeps being retried, each
	// time after Slack's Retry-After (default 2m): a reply in a 429 storm
	// waits it out rather than being dropped. MaxRetries, when set, also
	// bounds the number of retries (default: none but RetryFor).
	RetryFor   time.Duration
	MaxRetries int
	UserTTL    time.Duration // users.info cache lifetime (default 1h)
	// PingInterval: reconnect when Slack sends no WebSocket ping for this long (default 30s).
	PingInterval time.Duration
	HTTPClient   *http.Client
}

// OptionsFrom maps the config section to Options.
func OptionsFrom(c *config.Slack) Options {
	if c == nil {
		return Options{}
	}
	return Options{BotToken: c.BotToken, AppToken: c.AppToken, SigningSecret: c.SigningSecret, Mode: c.Mode, APIURL: c.APIURL,
		RetryFor: c.RetryFor.D()}
}

// Adapter is the Slack platform.
type Adapter struct {
	opts    Options
	api     *slack.Client
	log     *slog.Logger
	metaKey []byte // signs modals' private_metadata
	secrets *redact.Secrets

	disp  kit.Dispatcher // the engine while Run runs; events in order per chat
	seen  kit.Seen       // delivery ids already handled
	users kit.Users      // user look-ups

	fatalOnce sync.Once
	fatal     chan error
	readyOnce sync.Once
	ready     chan struct{}

	mu       sync.Mutex
	botUser  string
	botID    string
	dms      map[string]string    // user -> IM channel
	groups   *kit.GroupChats      // ticket channels created or recognised
	triggers map[string]trigger   // trigger_id -> where it came from (for modals)
	pace     map[string]time.Time // channel -> time of the last reserved post

	pressed pressedMessages // the blocks of messages just pressed (side.go)
}

type trigger struct {
	chat bot.Chat
	at   time.Time
}

var _ bot.Platform = (*Adapter)(nil)

// New returns an adapter. It does no I/O: Run checks the tokens.
func New(opts Options) (*Adapter, error) {
	if opts.Mode == "" {
		opts.Mode = ModeSocket
	}
	switch opts.Mode {
	case ModeSocket:
		if opts.AppToken == "" {
			return nil, errors.New("slack: socket mode needs an app token (xapp-…)")
		}
	case ModeHTTP:
		if opts.SigningSecret == "" {
			return nil, errors.New("slack: http mode needs the signing secret")
		}
	default:
		return nil, fmt.Errorf("slack: unknown mode %q (use socket or http)", opts.Mode)
	}
	if opts.BotToken == "" {
		return nil, errors.New("slack: the bot token (xoxb-…) is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = kit.Sleep
	}
	if opts.ChannelInterval == 0 {
		opts.ChannelInterval = time.Second
	}
	if opts.RetryFor == 0 {
		opts.RetryFor = 2 * time.Minute
	}
	if opts.UserTTL == 0 {
		opts.UserTTL = time.Hour
	}
	if opts.PingInterval == 0 {
		opts.PingInterval = 30 * time.Second
	}
	if opts.Secrets == nil {
		opts.Secrets = redact.New()
	}
	opts.Secrets.Add(opts.BotToken, opts.AppToken, opts.SigningSecret)
	if opts.AgentChannels == nil {
		opts.AgentChannels = func() []string { return nil }
	}
	a := &Adapter{
		opts:     opts,
		secrets:  opts.Secrets,
		metaKey:  metadataKey(opts.BotToken),
		log:      opts.Logger.With("platform", Name),
		fatal:    make(chan error, 1),
		ready:    make(chan struct{}),
		dms:      map[string]string{},
		triggers: map[string]trigger{},
		pace:     map[string]time.Time{},
	}
	var find kit.Finder
	if opts.GroupChats != nil {
		find = opts.GroupChats
	}
	a.groups = kit.NewGroupChats(Name, find, a.log)
	a.disp = kit.Dispatcher{Log: a.log}
	a.seen = kit.Seen{TTL: seenTTL, Max: 10000, Now: opts.Now}
	a.users = kit.Users{TTL: opts.UserTTL, Now: opts.Now, Log: a.log, Lookup: a.lookupUser}
	sopts := []slack.Option{slack.OptionLog(discardLog{})}
	if opts.APIURL != "" {
		u := opts.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		sopts = append(sopts, slack.OptionAPIURL(u))
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hcCopy := *hc
	hcCopy.Transport = bearer{token: opts.BotToken, next: base}
	sopts = append(sopts, slack.OptionHTTPClient(&hcCopy))
	if opts.AppToken != "" {
		sopts = append(sopts, slack.OptionAppLevelToken(opts.AppToken))
	}
	a.api = slack.New(opts.BotToken, sopts...)
	return a, nil
}

// Name implements bot.Platform.
func (a *Adapter) Name() string { return Name }

// Mode says how the adapter receives events (socket or http).
func (a *Adapter) Mode() string { return a.opts.Mode }

// bearer sends the bot token in the Authorization header (Slack's preferred
// way) on calls that do not carry a token header already.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return b.next.RoundTrip(r)
}

// discardLog silences slack-go's own logger: its debug output can carry
// payloads, and our errors are logged (redacted) by the adapter.
type discardLog struct{}

func (discardLog) Output(int, string) error { return nil }

// authErrors are the Slack errors after which a token will not work again.
var authErrors = map[string]bool{
	"invalid_auth": true, "account_inactive": true, "token_revoked": true,
	"not_authed": true, "token_expired": true, "no_permission": false,
}

func isAuthError(err error) bool {
	if err == nil {
		return false
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return authErrors[se.Err]
	}
	return authErrors[err.Error()]
}

// fail stops Run with err (the first fatal error wins).
func (a *Adapter) fail(err error) {
	a.fatalOnce.Do(func() { a.fatal <- err })
}

func (a *Adapter) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return a.secrets.Errorf("slack %s: %w", what, err)
}

// call runs one Web API call, waiting out 429 answers (Retry-After) for
// up to RetryFor (and MaxRetries times, when set); the last 429 is logged
// and returned. A refused token stops the adapter.
func (a *Adapter) call(ctx context.Context, what string, fn func() error) error {
	start := a.opts.Now()
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) {
			wait := rl.RetryAfter
			if wait <= 0 {
				wait = time.Second
			}
			if a.opts.Now().Add(wait).Sub(start) > a.opts.RetryFor || a.opts.MaxRetries > 0 && attempt >= a.opts.MaxRetries {
				a.log.Error("rate limited by Slack for too long; giving up", "call", what, "attempts", attempt+1, "for", a.opts.Now().Sub(start))
				return bot.Temporary(a.wrap(what, err), wait) // the engine queues the message and retries after wait
			}
			a.log.Info("rate limited by Slack; retrying", "call", what, "retry_after", wait)
			if serr := a.opts.Sleep(ctx, wait); serr != nil {
				return a.wrap(what, serr)
			}
			continue
		}
		var sc slack.StatusCodeError
		if errors.As(err, &sc) && sc.Code >= 500 {
			return bot.Temporary(a.wrap(what, err), 0) // Slack failed: the engine queues the message and retries
		}
		if isAuthError(err) {
			a.fail(fmt.Errorf("%w (%s) on %s: check the bot token and that the app is still installed", ErrAuth, err.Error(), what))
		}
		return a.wrap(what, err)
	}
}

// waitTurn keeps posts in one channel at least ChannelInterval apart.
func (a *Adapter) waitTurn(ctx context.Context, channel string) error {
	if a.opts.ChannelInterval < 0 {
		return nil
	}
	a.mu.Lock()
	now := a.opts.Now()
	next := now
	if last, ok := a.pace[channel]; ok && last.Add(a.opts.ChannelInterval).After(now) {
		next = last.Add(a.opts.ChannelInterval)
	}
	a.pace[channel] = next
	if len(a.pace) > 1000 {
		for ch, t := range a.pace {
			if t.Add(a.opts.ChannelInterval).Before(now) {
				delete(a.pace, ch)
			}
		}
	}
	a.mu.Unlock()
	return a.opts.Sleep(ctx, next.Sub(now))
}

// Send implements bot.Platform: chat.postMessage with Block Kit, several
// messages when the text is longer than one takes (the ref is the last).
func (a *Adapter) Send(ctx context.Context, chat string, msg bot.Message) (bot.MessageRef, error) {
	var ref bot.MessageRef
	all := parts(msg)
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
	channel, thread := to.Chat, to.Thread
	if channel == "" {
		return bot.MessageRef{}, errors.New("slack send: empty chat id")
	}
	if err := a.waitTurn(ctx, channel); err != nil {
		return bot.MessageRef{}, err
	}
	opts := messageOptions(msg)
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	var ts string
	err := a.call(ctx, "chat.postMessage", func() error {
		var err error
		_, ts, err = a.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
	if err != nil {
		return bot.MessageRef{}, err
	}
	return bot.MessageRef{Chat: chat, ID: ts}, nil
}

// Update implements bot.Platform: chat.update of the last message of the
// card (its status and controls), as parts splits it.
func (a *Adapter) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	channel := kit.ParseChat(ref.Chat).Chat
	all := parts(msg) // the ref is the last of the parts Send posted
	msg = all[len(all)-1]
	return a.call(ctx, "chat.update", func() error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ref.ID, messageOptions(msg)...)
		return err
	})
}

// SendPrivate implements bot.Platform: chat.postEphemeral, several when
// the text is longer than one message takes.
func (a *Adapter) SendPrivate(ctx context.Context, chat, user string, msg bot.Message) error {
	for _, part := range parts(msg) {
		if err := a.sendPrivate1(ctx, chat, user, part); err != nil {
			return err
		}
	}
	return nil
}

func (a *Adapter) sendPrivate1(ctx context.Context, chat, user string, msg bot.Message) error {
	to := kit.ParseChat(chat)
	channel, thread := to.Chat, to.Thread
	if err := a.waitTurn(ctx, channel); err != nil {
		return err
	}
	opts := messageOptions(msg)
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	return a.call(ctx, "chat.postEphemeral", func() error {
		_, err := a.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}

// DirectChat implements bot.Platform: conversations.open (cached).
func (a *Adapter) DirectChat(ctx context.Context, user string) (string, error) {
	a.mu.Lock()
	ch, ok := a.dms[user]
	a.mu.Unlock()
	if ok {
		return ch, nil
	}
	err := a.call(ctx, "conversations.open", func() error {
		c, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
		if err == nil {
			ch = c.ID
		}
		return err
	})
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	a.dms[user] = ch
	a.mu.Unlock()
	return ch, nil
}

// OpenForm implements bot.Platform: views.open with a modal.
func (a *Adapter) OpenForm(ctx context.Context, triggerID string, form bot.Form) error {
	if triggerID == "" {
		return bot.ErrFormsUnsupported
	}
	a.mu.Lock()
	tr := a.triggers[triggerID]
	a.mu.Unlock()
	view := modal(form, a.sealMeta(form, tr.chat))
	return a.call(ctx, "views.open", func() error {
		_, err := a.api.OpenViewContext(ctx, triggerID, view)
		return err
	})
}

// CreateGroupChat implements bot.Platform: a private channel named after the
// ticket (a suffix when the name is taken), with the members invited.
func (a *Adapter) CreateGroupChat(ctx context.Context, gc bot.GroupChat) (string, error) {
	base := channelName(gc.Name)
	var ch *slack.Channel
	for n := 1; ch == nil; n++ {
		name := base
		if n > 1 {
			suffix := fmt.Sprintf("-%d", n)
			name = strings.TrimRight(textutil.ClipBytes(base, 80-len(suffix)), "-") + suffix
		}
		err := a.call(ctx, "conversations.create", func() error {
			var err error
			ch, err = a.api.CreateConversationContext(ctx, slack.CreateConversationParams{ChannelName: name, IsPrivate: true})
			return err
		})
		if err != nil {
			var se slack.SlackErrorResponse
			if errors.As(err, &se) && se.Err == "name_taken" && n < 20 {
				ch = nil
				continue
			}
			return "", err
		}
	}
	a.mu.Lock()
	a.groups.Add(ch.ID)
	bot := a.botUser
	a.mu.Unlock()
	var members []string
	for _, m := range gc.Members {
		if m != "" && m != bot && !slices.Contains(members, m) {
			members = append(members, m)
		}
	}
	if len(members) > 0 {
		if err := a.call(ctx, "conversations.invite", func() error {
			_, err := a.api.InviteUsersToConversationContext(ctx, ch.ID, members...)
			return err
		}); err != nil {
			return ch.ID, err
		}
	}
	if topic := textutil.Shorten(textutil.OneLine(gc.Topic), 250); topic != "" {
		if err := a.call(ctx, "conversations.setTopic", func() error {
			_, err := a.api.SetTopicOfConversationContext(ctx, ch.ID, topic)
			return err
		}); err != nil {
			a.log.Warn("set group chat topic", "channel", ch.ID, "err", err)
		}
	}
	return ch.ID, nil
}

// InviteToGroupChat implements bot.Platform: conversations.invite.
func (a *Adapter) InviteToGroupChat(ctx context.Context, chat, user string) error {
	channel := kit.ParseChat(chat).Chat
	err := a.call(ctx, "conversations.invite", func() error {
		_, err := a.api.InviteUsersToConversationContext(ctx, channel, user)
		return err
	})
	if slackError(err) == "already_in_channel" {
		return nil
	}
	return err
}

// ArchiveGroupChat implements bot.Platform: conversations.archive.
func (a *Adapter) ArchiveGroupChat(ctx context.Context, chat string) error {
	channel := kit.ParseChat(chat).Chat
	err := a.call(ctx, "conversations.archive", func() error {
		return a.api.ArchiveConversationContext(ctx, channel)
	})
	if slackError(err) == "already_archived" {
		return nil
	}
	return err
}

func slackError(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	return ""
}

// User returns the display name, time zone and locale of a Slack user from
// users.info (cached for UserTTL). On failure it returns the bare id.
func (a *Adapter) User(ctx context.Context, id string) bot.User { return a.users.Get(ctx, id) }

func (a *Adapter) lookupUser(ctx context.Context, id string) (bot.User, error) {
	var u *slack.User
	err := a.call(ctx, "users.info", func() error {
		var err error
		u, err = a.api.GetUserInfoContext(ctx, id)
		return err
	})
	if err != nil {
		return bot.User{}, err
	}
	// profile.email is only sent to apps with the users:read.email scope,
	// and Slack verified it: the person's address across channels.
	bu := bot.User{ID: id, Name: u.Profile.DisplayName, Timezone: u.TZ, Locale: u.Locale, Email: u.Profile.Email}
	if u.IsBot || u.Deleted {
		bu.Email = ""
	}
	if bu.Name == "" {
		bu.Name = u.Profile.RealName
	}
	if bu.Name == "" {
		bu.Name = u.RealName
	}
	if bu.Name == "" {
		bu.Name = u.Name
	}
	return bu, nil
}
