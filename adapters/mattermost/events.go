package mattermost

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mattermost/mattermost/server/public/model"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
)

// seenTTL is how long post and request ids are remembered; the engine also
// de-duplicates by event id in the store.
const seenTTL = 2 * time.Hour

// channelType returns a channel's type (D, G, O, P), cached.
func (a *Adapter) channelType(ctx context.Context, channel string) string {
	a.mu.Lock()
	t, ok := a.chanTypes[channel]
	a.mu.Unlock()
	if ok {
		return t
	}
	c, _, err := a.api.GetChannel(ctx, channel)
	if err != nil {
		a.log.Warn("look up channel", "channel", channel, "err", err)
		return ""
	}
	a.mu.Lock()
	a.chanTypes[channel] = string(c.Type)
	a.mu.Unlock()
	return string(c.Type)
}

// post turns a post (from the WebSocket or a catch-up) into an event for
// the engine, or nothing: the bot's own posts, other bots, system
// messages, edits and channel chatter are skipped.
func (a *Adapter) post(ctx context.Context, p *model.Post, channelType string) {
	if p == nil || p.Id == "" || p.DeleteAt > 0 || p.Type != "" {
		return
	}
	a.mu.Lock()
	self, selfName := a.botID, a.botName
	if p.CreateAt > a.lastEvent {
		a.lastEvent = p.CreateAt
	}
	a.mu.Unlock()
	if p.UserId == "" || p.UserId == self || p.GetProp(model.PostPropsFromBot) == "true" || p.GetProp(model.PostPropsFromWebhook) == "true" {
		return
	}
	if !a.seen.First("post:" + p.Id) {
		return
	}
	if channelType == "" {
		channelType = a.channelType(ctx, p.ChannelId)
	}
	text := p.Message
	mentioned := false
	if selfName != "" {
		re := regexp.MustCompile(`(?i)@` + regexp.QuoteMeta(selfName) + `\b`)
		mentioned = re.MatchString(text)
		text = re.ReplaceAllString(text, "")
	}
	ev := bot.Event{ID: p.Id, Platform: Name, Kind: bot.EventMessage, Text: strings.TrimSpace(text)}
	switch {
	case channelType == string(model.ChannelTypeDirect):
		// A reply on a card in an agent's DM is a note (the engine decides).
		ev.Chat = bot.Chat{ID: p.ChannelId, Kind: bot.ChatDirect, Thread: p.RootId}
	case channelType == string(model.ChannelTypePrivate) && a.isGroupChat(ctx, p.ChannelId):
		ev.Chat = bot.Chat{ID: p.ChannelId, Kind: bot.ChatGroup}
	case p.RootId != "" && a.isAgentChannel(p.ChannelId):
		// A reply in a ticket card's thread: an internal note.
		ev.Chat = bot.Chat{ID: p.ChannelId, Kind: bot.ChatChannel, Thread: p.RootId}
	case mentioned:
		root := p.RootId
		if root == "" {
			root = p.Id
		}
		ev.Chat = bot.Chat{ID: kit.ChatRef{Chat: p.ChannelId, Thread: root}.String(), Kind: bot.ChatChannel}
	default:
		return // channel chatter
	}
	// Files matter where the engine keeps them (a ticket's chat) or says it
	// does not (a DM); a card thread or a mention looks nothing up.
	if ev.Chat.Kind == bot.ChatGroup || (ev.Chat.Kind == bot.ChatDirect && ev.Chat.Thread == "") {
		ev.Files = a.files(ctx, p)
	}
	// Once handled, the post moves the catch-up cursor that a restart
	// starts from.
	a.dispatchThen(p.ChannelId, p.UserId, ev, nil, func(ctx context.Context) { a.saveCursor(ctx, p.CreateAt) })
}

// isGroupChat reports whether a channel is a ticket's group chat.
func (a *Adapter) isGroupChat(ctx context.Context, channel string) bool {
	return a.groups.Has(ctx, channel)
}

func (a *Adapter) isAgentChannel(channel string) bool {
	return slices.Contains(a.opts.AgentChannels(), channel)
}

// rememberTrigger notes who sent a trigger and where, so a dialog opened
// with it is bound to that user and answered in that chat.
func (a *Adapter) rememberTrigger(id, user string, chat bot.Chat) {
	if id == "" {
		return
	}
	now := a.opts.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.triggers[id] = trigger{user: user, chat: chat, at: now}
	if len(a.triggers) > 1000 {
		for k, t := range a.triggers {
			if now.Sub(t.at) > 5*time.Minute { // trigger ids expire after seconds anyway
				delete(a.triggers, k)
			}
		}
	}
}

// replyBox collects the private replies to a request that is still open.
type replyBox struct {
	mu     sync.Mutex
	texts  []string
	closed bool
}

func (a *Adapter) openReplies(channel, user string) (*replyBox, func() string) {
	key := channel + " " + user
	b := &replyBox{}
	a.mu.Lock()
	if _, busy := a.replies[key]; busy {
		a.mu.Unlock()
		return nil, func() string { return "" }
	}
	a.replies[key] = b
	a.mu.Unlock()
	return b, func() string {
		a.mu.Lock()
		delete(a.replies, key)
		a.mu.Unlock()
		b.mu.Lock()
		defer b.mu.Unlock()
		b.closed = true
		return strings.Join(b.texts, "\n\n")
	}
}

// replyInRequest adds a private reply to the open request of the user in
// the channel, if there is one.
func (a *Adapter) replyInRequest(channel, user string, msg bot.Message) bool {
	a.mu.Lock()
	b := a.replies[channel+" "+user]
	a.mu.Unlock()
	if b == nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.texts = append(b.texts, Text(msg.Text))
	return true
}

// dispatch hands an event to the engine in order per channel, after
// looking up the user's name and locale; done (if any) is closed after.
func (a *Adapter) dispatch(key, user string, ev bot.Event, done chan struct{}) {
	a.dispatchThen(key, user, ev, done, nil)
}

// dispatchThen is dispatch that also runs then (if any) once the engine
// has handled the event without error, in the same order per key.
func (a *Adapter) dispatchThen(key, user string, ev bot.Event, done chan struct{}, then func(context.Context)) {
	queued := a.disp.Do(key, func(ctx context.Context, handle kit.Handler) {
		if done != nil {
			defer close(done)
		}
		ev.User = a.User(ctx, user)
		if a.disp.Handle(ctx, handle, ev) && then != nil {
			then(ctx)
		}
	})
	if !queued && done != nil {
		close(done)
	}
}
