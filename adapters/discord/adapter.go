package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
)

// Name is the platform name in config and events.
const Name = "discord"

// Intents the bot needs: guilds (channels and threads), guild messages
// (mentions, group chats, card threads), direct messages, and the privileged
// message content intent (enable it in the Developer Portal).
const Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages |
	discordgo.IntentsDirectMessages | discordgo.IntentsMessageContent

// ErrTokenRejected means Discord refused the bot token (HTTP 401 or gateway
// close code 4004): it was revoked or mistyped.
var ErrTokenRejected = errors.New("discord rejected the bot token: create a new one in the Developer Portal (Bot → Reset Token) and set platforms.discord.token")

// Options configure an Adapter.
type Options struct {
	Token           string // bot token, without the "Bot " prefix
	Guild           string // the server (guild) the bot serves; /helpdesk is registered there
	SupportChannel  string // where group chats (private threads) are created and mentions answered
	ShardID         int
	ShardCount      int
	PrivateChannels bool // group chats as private text channels instead of private threads
	// MentionChannels are further channels where mentioning the bot asks a question.
	MentionChannels []string
	// Runtime gives the live config and FAQ (for the panel); may be nil.
	Runtime func() *bot.Runtime
	Logger  *slog.Logger
	// AckAfter is how long an interaction is held (so that a modal can still
	// be its response) before it is deferred; Discord allows 3 s. Default
	// 1.5 s. Negative: defer every interaction at once (forms are then asked
	// in chat, since a modal must be an interaction's first answer).
	AckAfter time.Duration
	// HTTPClient for REST calls (default: 20 s timeout).
	HTTPClient *http.Client
	// FormState keeps the answers of a form asked in steps between steps,
	// so that a restart in the middle loses nothing (the ticket store).
	// Nil: kept in memory for 15 minutes.
	FormState FormState
	// FormTTL is how long a stepped form's saved progress stays usable
	// (default 1 hour).
	FormTTL time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// RetryFor is how long REST calls answered 429 are waited out, each
	// wait as Discord asks, before the message is handed back to the
	// engine, which queues it (default DefaultRetryFor, 2 minutes).
	RetryFor time.Duration
	// Sleep waits between those retries (default: a timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// Proxy picks the HTTP proxy for the gateway connection (default
	// http.ProxyFromEnvironment: HTTPS_PROXY, NO_PROXY, as for REST).
	Proxy func(*http.Request) (*url.URL, error)
}

// OptionsFrom takes the connection settings from the config.
func OptionsFrom(c *config.Discord) Options {
	return Options{Token: c.Token, Guild: c.Guild, SupportChannel: c.SupportChannel,
		ShardID: c.ShardID, ShardCount: c.ShardCount, PrivateChannels: c.PrivateChannels,
		RetryFor: c.RetryFor.D()}
}

// Adapter is the Discord platform.
type Adapter struct {
	opts  Options
	log   *slog.Logger
	s     *discordgo.Session
	sniff *closeSniffer

	handle func(context.Context, bot.Event) error
	disp   kit.Dispatcher // events in order per chat, never blocking the gateway
	fatal  chan error

	readyOnce sync.Once
	ready     chan struct{} // closed at the first READY from the gateway

	mu           sync.Mutex
	botID        string
	appID        string
	registered   bool
	reconnecting bool
	dms          map[string]string                 // user -> DM channel
	groups       map[string]bool                   // group chats created here
	chans        map[string]*discordgo.Channel     // channel cache
	cardThreads  map[string]bool                   // thread id -> is a card thread
	posted       map[string]bool                   // our messages with an embed (cards)
	live         map[string]*pending               // interactions being handled, by id
	tokens       map[string]*discordgo.Interaction // interactions with ephemeral replies, by id (15 min)
	tokenAt      map[string]time.Time
	forms        map[string]*formSession // by user
	long         map[string]string       // custom ids longer than Discord allows
	seq          int
}

var _ bot.Platform = (*Adapter)(nil)

// New checks the options and prepares a session; it does no I/O.
func New(opts Options) (*Adapter, error) {
	if strings.TrimSpace(opts.Token) == "" {
		return nil, errors.New("discord: token is required")
	}
	if opts.ShardCount < 0 || opts.ShardID < 0 || (opts.ShardCount > 0 && opts.ShardID >= opts.ShardCount) {
		return nil, fmt.Errorf("discord: shard_id %d must be between 0 and shard_count-1", opts.ShardID)
	}
	if opts.AckAfter == 0 {
		opts.AckAfter = 1500 * time.Millisecond
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.FormTTL <= 0 {
		opts.FormTTL = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.RetryFor <= 0 {
		opts.RetryFor = DefaultRetryFor
	}
	if opts.Sleep == nil {
		opts.Sleep = kit.Sleep
	}
	if opts.Proxy == nil {
		opts.Proxy = http.ProxyFromEnvironment
	}
	s, err := discordgo.New("Bot " + strings.TrimPrefix(opts.Token, "Bot "))
	if err != nil {
		return nil, fmt.Errorf("discord: new session: %w", err)
	}
	// discordgo's own logging prints the identify payload (with the token)
	// at debug level; keep it silent and log what matters ourselves.
	s.LogLevel = -1
	s.SyncEvents = true // events are queued in order to our workers
	s.Identify.Intents = Intents
	s.Identify.Compress = false
	if opts.ShardCount > 1 {
		s.ShardID, s.ShardCount = opts.ShardID, opts.ShardCount
	}
	if opts.HTTPClient != nil {
		s.Client = opts.HTTPClient
	}
	s.ShouldRetryOnRateLimit = false // the transport below waits 429s out, up to RetryFor (ratelimit.go)
	a := &Adapter{
		opts: opts, log: opts.Logger.With("platform", Name), s: s,
		fatal: make(chan error, 1), ready: make(chan struct{}),
		dms: map[string]string{}, groups: map[string]bool{}, chans: map[string]*discordgo.Channel{},
		cardThreads: map[string]bool{}, posted: map[string]bool{}, live: map[string]*pending{},
		tokens: map[string]*discordgo.Interaction{}, tokenAt: map[string]time.Time{},
		forms: map[string]*formSession{}, long: map[string]string{},
	}
	client := *s.Client
	next := client.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	client.Transport = &rateLimitTransport{next: next, a: a}
	s.Client = &client
	a.disp.Log = a.log
	a.sniff = newCloseSniffer(a.closedBy)
	s.Dialer = a.sniff.dialer(opts.Proxy)
	return a, nil
}

// Name is "discord".
func (a *Adapter) Name() string { return Name }

// Ready is closed once the gateway has said READY (the bot is connected).
func (a *Adapter) Ready() <-chan struct{} { return a.ready }

// Run connects to the gateway and hands every event to handle until ctx ends
// or Discord refuses the connection for good (revoked token, bad intents or
// shard): then it returns an error that says what to fix.
func (a *Adapter) Run(ctx context.Context, handle func(context.Context, bot.Event) error) error {
	if handle == nil {
		return errors.New("discord: Run needs a handler")
	}
	a.handle = handle
	gw, err := a.s.GatewayBot()
	if err != nil {
		if restStatus(err) == http.StatusUnauthorized {
			return fmt.Errorf("discord: GET /gateway/bot: 401 Unauthorized: %w", ErrTokenRejected)
		}
		return fmt.Errorf("discord: GET /gateway/bot: %w", err)
	}
	if a.opts.ShardCount == 0 && gw.Shards > 1 {
		a.log.Warn("Discord recommends sharding; set shard_id and shard_count", "recommended_shards", gw.Shards)
	}
	bound, cancel := context.WithCancel(ctx)
	defer cancel()
	runCtx, stop := a.disp.Bind(bound, handle)
	defer stop()          // after the reconnect loops: the queued events end too
	var wg sync.WaitGroup // reconnect loops
	defer wg.Wait()
	// discordgo's own reconnect loop cannot be stopped (it retries forever,
	// even after a revoked token); the adapter reconnects itself instead.
	a.s.ShouldReconnectOnError = false
	closing := false
	// Run may be called again after it failed (cmd/helpdesk retries an
	// unreachable Discord): the handlers go with this run, and the sniffer,
	// stopped by the last shutdown, lets the gateway be dialled again.
	a.sniff.restart()
	var handlers []func()
	defer func() {
		for _, remove := range handlers {
			remove()
		}
	}()
	handlers = append(handlers,
		a.s.AddHandler(func(_ *discordgo.Session, e *discordgo.Event) { a.onEvent(e) }),
		a.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Connect) { a.log.Info("connected to the Discord gateway") }))
	handlers = append(handlers, a.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		a.mu.Lock()
		defer a.mu.Unlock()
		if closing || a.sniff.fatalErr() != nil || a.reconnecting {
			return
		}
		a.log.Info("disconnected from the Discord gateway; resuming")
		a.reconnecting = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.reconnect(runCtx)
			a.mu.Lock()
			a.reconnecting = false
			a.mu.Unlock()
		}()
	}))
	shutdown := func() {
		a.sniff.stop()
		a.mu.Lock()
		closing = true
		a.mu.Unlock()
		cancel()
		if err := a.s.Close(); err != nil {
			a.log.Warn("close gateway", "err", err)
		}
	}
	if err := a.s.Open(); err != nil {
		shutdown()
		if ferr := a.sniff.fatalErr(); ferr != nil {
			return ferr
		}
		return fmt.Errorf("discord: open gateway: %w", err)
	}
	select {
	case <-ctx.Done():
		shutdown()
		return nil
	case err := <-a.fatal:
		shutdown()
		return err
	}
}

// reconnect opens the gateway again (discordgo resumes the session) with a
// growing pause between attempts, until it works, ctx ends or Discord
// refuses for good.
func (a *Adapter) reconnect(ctx context.Context) {
	wait := time.Second
	for {
		if ctx.Err() != nil || a.sniff.fatalErr() != nil {
			return
		}
		err := a.s.Open()
		if err == nil || errors.Is(err, discordgo.ErrWSAlreadyOpen) {
			return
		}
		if a.sniff.fatalErr() != nil {
			return
		}
		a.log.Warn("reconnecting to the Discord gateway failed", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

// closedBy is called by the sniffer when Discord closes the gateway with a
// code that no reconnect can fix.
func (a *Adapter) closedBy(err error) {
	select {
	case a.fatal <- err:
	default:
	}
}

func restStatus(err error) int {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.StatusCode
	}
	return 0
}

// enqueue runs job behind key's earlier jobs (key is the channel, so the
// events of one chat stay in order, whoever sent them); it never blocks the
// gateway.
func (a *Adapter) enqueue(key string, job func(context.Context)) {
	a.disp.Do(key, func(ctx context.Context, _ kit.Handler) { job(ctx) })
}

// onEvent receives every gateway dispatch. Interactions and messages are
// decoded here (not by discordgo's typed handlers), so a payload that does
// not decode is logged and dropped instead of reaching code that assumes it.
func (a *Adapter) onEvent(e *discordgo.Event) {
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("panic handling a Discord event", "type", e.Type, "panic", fmt.Sprint(r))
		}
	}()
	switch e.Type {
	case "READY":
		var r struct {
			User        discordgo.User `json:"user"`
			Application struct {
				ID string `json:"id"`
			} `json:"application"`
		}
		if err := json.Unmarshal(e.RawData, &r); err != nil {
			a.log.Error("undecodable READY", "err", err)
			return
		}
		a.mu.Lock()
		a.botID, a.appID = r.User.ID, r.Application.ID
		if a.appID == "" {
			a.appID = r.User.ID
		}
		first := !a.registered
		a.registered = true
		a.mu.Unlock()
		a.readyOnce.Do(func() { close(a.ready) })
		if first {
			go a.registerCommands()
		}
	case "GUILD_CREATE":
		var g struct {
			ID       string               `json:"id"`
			Channels []*discordgo.Channel `json:"channels"`
			Threads  []*discordgo.Channel `json:"threads"`
		}
		if err := json.Unmarshal(e.RawData, &g); err != nil {
			a.log.Warn("undecodable GUILD_CREATE", "err", err)
			return
		}
		a.mu.Lock()
		for _, c := range append(g.Channels, g.Threads...) {
			c.GuildID = g.ID
			a.chans[c.ID] = c
		}
		a.mu.Unlock()
	case "THREAD_CREATE", "CHANNEL_CREATE", "THREAD_UPDATE", "CHANNEL_UPDATE":
		var c discordgo.Channel
		if err := json.Unmarshal(e.RawData, &c); err != nil || c.ID == "" {
			a.log.Warn("undecodable channel event", "type", e.Type, "err", err)
			return
		}
		a.mu.Lock()
		a.chans[c.ID] = &c
		a.mu.Unlock()
	case "MESSAGE_CREATE":
		var m discordgo.Message
		if err := json.Unmarshal(e.RawData, &m); err != nil || m.ID == "" || m.Author == nil {
			a.log.Warn("undecodable MESSAGE_CREATE ignored", "err", err)
			return
		}
		if m.Author.Bot || m.Author.ID == a.self() {
			return
		}
		a.enqueue(m.ChannelID, func(ctx context.Context) { a.onMessage(ctx, &m) })
	case "INTERACTION_CREATE":
		a.onInteractionCreate(e.RawData)
	}
}

func (a *Adapter) self() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.botID
}

func (a *Adapter) app() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.appID
}

func userOf(u *discordgo.User, m *discordgo.Member, locale string) bot.User {
	name := u.GlobalName
	if m != nil && m.Nick != "" {
		name = m.Nick
	}
	if name == "" {
		name = u.Username
	}
	if locale == "" {
		locale = u.Locale
	}
	return bot.User{ID: u.ID, Name: name, Locale: locale}
}

// onMessage turns a typed message into an event when it is for the bot: a DM,
// a message in a group chat, a reply in a ticket card's thread, or a mention
// in a support channel. Everything else in the server is none of its business.
func (a *Adapter) onMessage(ctx context.Context, m *discordgo.Message) {
	ev := bot.Event{ID: m.ID, Platform: Name, Kind: bot.EventMessage,
		User: userOf(m.Author, m.Member, ""), Text: m.Content, Files: a.files(m.Attachments)}
	if m.GuildID == "" {
		a.mu.Lock()
		a.dms[m.Author.ID] = m.ChannelID
		a.mu.Unlock()
		ev.Chat = bot.Chat{ID: m.ChannelID, Kind: bot.ChatDirect}
		a.deliver(ctx, ev)
		return
	}
	if a.opts.Guild != "" && m.GuildID != a.opts.Guild {
		return
	}
	ch, err := a.channel(m.ChannelID)
	if err != nil {
		a.log.Warn("look up channel of a message", "channel", m.ChannelID, "err", err)
		return
	}
	switch {
	case a.isGroupChat(ch):
		ev.Chat = bot.Chat{ID: ch.ID, Kind: bot.ChatGroup}
	case ch.IsThread() && a.isCardThread(ch):
		ev.Chat = bot.Chat{ID: ch.ParentID, Kind: bot.ChatChannel, Thread: ch.ID}
	case a.mentionsMe(m) && a.mentionChannel(ch.ID):
		ev.Chat = bot.Chat{ID: ch.ID, Kind: bot.ChatChannel}
		ev.Text = a.stripMention(m.Content)
	default:
		return
	}
	a.deliver(ctx, ev)
}

func (a *Adapter) deliver(ctx context.Context, ev bot.Event) {
	if err := a.handle(ctx, ev); err != nil {
		a.log.Error("handle event", "kind", ev.Kind, "event", ev.ID, "err", err)
	}
}

func (a *Adapter) mentionsMe(m *discordgo.Message) bool {
	me := a.self()
	for _, u := range m.Mentions {
		if u != nil && u.ID == me {
			return true
		}
	}
	return me != "" && (strings.Contains(m.Content, "<@"+me+">") || strings.Contains(m.Content, "<@!"+me+">"))
}

func (a *Adapter) stripMention(s string) string {
	me := a.self()
	s = strings.ReplaceAll(s, "<@!"+me+">", "")
	return strings.TrimSpace(strings.ReplaceAll(s, "<@"+me+">", ""))
}

func (a *Adapter) mentionChannel(id string) bool {
	if id == a.opts.SupportChannel {
		return true
	}
	for _, c := range a.opts.MentionChannels {
		if c == id {
			return true
		}
	}
	return false
}

// channel returns a channel from the cache, else from the REST API.
func (a *Adapter) channel(id string) (*discordgo.Channel, error) {
	a.mu.Lock()
	c := a.chans[id]
	a.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := a.s.Channel(id)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.chans) > 10000 {
		a.chans = map[string]*discordgo.Channel{}
	}
	a.chans[id] = c
	a.mu.Unlock()
	return c, nil
}

// isGroupChat: a private thread in the support channel, or a private channel
// that carries the bot's own member overwrite (both made by CreateGroupChat).
func (a *Adapter) isGroupChat(c *discordgo.Channel) bool {
	a.mu.Lock()
	known := a.groups[c.ID]
	a.mu.Unlock()
	if known {
		return true
	}
	if c.Type == discordgo.ChannelTypeGuildPrivateThread {
		return c.ParentID == a.opts.SupportChannel
	}
	if c.Type != discordgo.ChannelTypeGuildText || !a.opts.PrivateChannels {
		return false
	}
	me := a.self()
	for _, o := range c.PermissionOverwrites {
		if o.Type == discordgo.PermissionOverwriteTypeMember && o.ID == me && o.Allow&discordgo.PermissionViewChannel != 0 {
			return true
		}
	}
	return false
}

// isCardThread: a thread started on one of the bot's card messages (a
// thread started from a message has that message's id).
func (a *Adapter) isCardThread(c *discordgo.Channel) bool {
	a.mu.Lock()
	v, ok := a.cardThreads[c.ID]
	if !ok && a.posted[c.ID] {
		v, ok = true, true
	}
	a.mu.Unlock()
	if ok {
		return v
	}
	m, err := a.s.ChannelMessage(c.ParentID, c.ID)
	v = err == nil && m.Author != nil && m.Author.ID == a.self() && len(m.Embeds) > 0
	a.mu.Lock()
	a.cardThreads[c.ID] = v
	a.mu.Unlock()
	return v
}

// chatOf says what kind of chat a channel is, for interactions.
func (a *Adapter) chatOf(guild, channel string) bot.Chat {
	if guild == "" {
		return bot.Chat{ID: channel, Kind: bot.ChatDirect}
	}
	if c, err := a.channel(channel); err == nil && a.isGroupChat(c) {
		return bot.Chat{ID: channel, Kind: bot.ChatGroup}
	}
	return bot.Chat{ID: channel, Kind: bot.ChatChannel}
}

// registerCommands registers /helpdesk in the guild. Discord does not allow
// a command to mix sub-commands with plain options, so the question goes in
// /helpdesk ask question:<text>.
func (a *Adapter) registerCommands() {
	if a.opts.Guild == "" {
		a.log.Warn("no guild configured: /helpdesk is not registered")
		return
	}
	str := discordgo.ApplicationCommandOptionString
	sub := discordgo.ApplicationCommandOptionSubCommand
	cmd := &discordgo.ApplicationCommand{
		Name:        "helpdesk",
		Description: "Ask the help desk",
		Options: []*discordgo.ApplicationCommandOption{
			{Type: sub, Name: "ask", Description: "Ask a question", Options: []*discordgo.ApplicationCommandOption{
				{Type: str, Name: "question", Description: "Your question", Required: true, MaxLength: 500},
			}},
			{Type: sub, Name: "menu", Description: "Browse the help topics"},
			{Type: sub, Name: "web", Description: "Get a sign-in link for the Ticket Center"},
			{Type: sub, Name: "online", Description: "Agents: take new tickets"},
			{Type: sub, Name: "away", Description: "Agents: pause new tickets"},
			{Type: sub, Name: "offline", Description: "Agents: stop taking tickets"},
			{Type: sub, Name: "queue", Description: "Agents: show the queue"},
			{Type: sub, Name: "panel", Description: "Admins: post the help desk panel in this channel", Options: []*discordgo.ApplicationCommandOption{
				{Type: str, Name: "desk", Description: "Desk id (default: the first desk)"},
			}},
		},
	}
	if _, err := a.s.ApplicationCommandBulkOverwrite(a.app(), a.opts.Guild, []*discordgo.ApplicationCommand{cmd}); err != nil {
		a.log.Error("register /helpdesk", "guild", a.opts.Guild, "err", err)
		if restStatus(err) == http.StatusUnauthorized {
			a.closedBy(fmt.Errorf("discord: register commands: %w", ErrTokenRejected))
		}
		return
	}
	a.log.Info("registered /helpdesk", "guild", a.opts.Guild)
}
