package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
)

// seenTTL is how long envelope and event ids are remembered; Slack retries
// within minutes. The engine also de-duplicates by event id in the store.
const seenTTL = time.Hour

// callback is the outer Events API payload.
type callback struct {
	Type      string          `json:"type"`
	Token     string          `json:"token"`
	Challenge string          `json:"challenge"`
	EventID   string          `json:"event_id"`
	Event     json.RawMessage `json:"event"`
}

// messageEvent is a message or app_mention event.
type messageEvent struct {
	Type        string `json:"type"`
	Subtype     string `json:"subtype"`
	User        string `json:"user"`
	BotID       string `json:"bot_id"`
	Text        string `json:"text"`
	Channel     string `json:"channel"`
	ChannelType string `json:"channel_type"`
	TS          string `json:"ts"`
	ThreadTS    string `json:"thread_ts"`
	// Files are the files posted with the message (subtype file_share).
	Files []slackFile `json:"files"`
}

// interaction is an interactivity payload (block_actions, view_submission).
type interaction struct {
	Type      string `json:"type"`
	TriggerID string `json:"trigger_id"`
	User      struct {
		ID string `json:"id"`
	} `json:"user"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Container struct {
		Type        string `json:"type"`
		MessageTS   string `json:"message_ts"`
		ThreadTS    string `json:"thread_ts"`
		ChannelID   string `json:"channel_id"`
		IsEphemeral bool   `json:"is_ephemeral"`
	} `json:"container"`
	Message struct {
		TS       string          `json:"ts"`
		ThreadTS string          `json:"thread_ts"`
		Text     string          `json:"text"`
		Blocks   json.RawMessage `json:"blocks"`
	} `json:"message"`
	Actions []struct {
		ActionID       string `json:"action_id"`
		Type           string `json:"type"`
		Value          string `json:"value"`
		ActionTS       string `json:"action_ts"`
		SelectedOption struct {
			Value string `json:"value"`
		} `json:"selected_option"`
	} `json:"actions"`
	View struct {
		ID              string `json:"id"`
		CallbackID      string `json:"callback_id"`
		PrivateMetadata string `json:"private_metadata"`
		State           struct {
			Values map[string]map[string]struct {
				Type           string `json:"type"`
				Value          string `json:"value"`
				SelectedOption *struct {
					Value string `json:"value"`
				} `json:"selected_option"`
			} `json:"values"`
		} `json:"state"`
	} `json:"view"`
}

// command is a slash command (JSON in Socket Mode, a form over HTTP).
type command struct {
	Command   string `json:"command"`
	Text      string `json:"text"`
	UserID    string `json:"user_id"`
	ChannelID string `json:"channel_id"`
	TriggerID string `json:"trigger_id"`
}

// incoming is one event ready for the engine, with the key that orders it.
type incoming struct {
	key string
	ev  bot.Event
	// user is looked up (users.info) before handing the event on.
	user string
}

// eventsAPI turns an Events API callback into engine events.
func (a *Adapter) eventsAPI(ctx context.Context, raw []byte) ([]incoming, error) {
	var cb callback
	if err := json.Unmarshal(raw, &cb); err != nil {
		return nil, fmt.Errorf("decode events api payload: %w", err)
	}
	if cb.Type != "event_callback" || !a.seen.First("event:"+cb.EventID) {
		return nil, nil
	}
	var me messageEvent
	if err := json.Unmarshal(cb.Event, &me); err != nil {
		return nil, fmt.Errorf("decode event %s: %w", cb.EventID, err)
	}
	a.mu.Lock()
	self := a.botUser
	a.mu.Unlock()
	if me.BotID != "" || me.User == "" || me.User == self {
		return nil, nil // bots, including this one, never start a conversation
	}
	switch me.Subtype {
	case "", "file_share", "thread_broadcast":
	default:
		return nil, nil // edits, deletions, joins, topic changes
	}
	text := me.Text
	if me.Type == "app_mention" && self != "" {
		text = regexp.MustCompile(`<@`+regexp.QuoteMeta(self)+`(\|[^>]*)?>`).ReplaceAllString(text, "")
	}
	ev := bot.Event{ID: cb.EventID, Platform: Name, Kind: bot.EventMessage, User: bot.User{ID: me.User}, Text: strings.TrimSpace(a.plainText(ctx, text))}
	switch me.Type {
	case "message":
		switch {
		case me.ChannelType == "im":
			ev.Chat = bot.Chat{ID: me.Channel, Kind: bot.ChatDirect}
			if me.ThreadTS != "" && me.ThreadTS != me.TS {
				ev.Chat.Thread = me.ThreadTS // a reply on a card in an agent's DM is a note
			}
		case me.ChannelType == "group" && a.isGroupChat(ctx, me.Channel):
			ev.Chat = bot.Chat{ID: me.Channel, Kind: bot.ChatGroup}
		case me.ThreadTS != "" && me.ThreadTS != me.TS && a.isAgentChannel(me.Channel):
			// A reply in a ticket card's thread: an internal note.
			ev.Chat = bot.Chat{ID: me.Channel, Kind: bot.ChatChannel, Thread: me.ThreadTS}
		default:
			return nil, nil // channel chatter; mentions come as app_mention
		}
	case "app_mention":
		if a.isGroupChat(ctx, me.Channel) || (me.ThreadTS != "" && a.isAgentChannel(me.Channel)) {
			return nil, nil // the message event of the same post handles it
		}
		thread := me.ThreadTS
		if thread == "" {
			thread = me.TS
		}
		ev.Chat = bot.Chat{ID: kit.ChatRef{Chat: me.Channel, Thread: thread}.String(), Kind: bot.ChatChannel}
	default:
		return nil, nil
	}
	// Files matter where the engine keeps them (a ticket channel) or says
	// it does not (a DM); elsewhere nothing is looked up.
	if ev.Chat.Kind == bot.ChatGroup || (ev.Chat.Kind == bot.ChatDirect && ev.Chat.Thread == "") {
		ev.Files = a.files(ctx, me.Files)
	}
	return []incoming{{key: me.Channel, ev: ev, user: me.User}}, nil
}

// interactive turns a block_actions or view_submission payload into events.
func (a *Adapter) interactive(ctx context.Context, raw []byte) ([]incoming, error) {
	var in interaction
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("decode interaction: %w", err)
	}
	if in.User.ID == "" {
		return nil, nil
	}
	switch in.Type {
	case "block_actions":
		return a.blockActions(ctx, in), nil
	case "view_submission":
		errs, meta, verified := a.checkSubmission(&in)
		if errs != nil {
			return nil, nil // answered with response_action errors; the modal stays open
		}
		if !a.seen.First("view:" + in.View.ID + ":" + in.TriggerID) {
			return nil, nil
		}
		if !verified && in.View.PrivateMetadata != "" {
			// Not signed by this app (or changed): its chat is not trusted;
			// the engine still checks the values.
			a.log.Warn("modal metadata did not verify; answering in the user's DM", "form", in.View.CallbackID, "user", in.User.ID)
		}
		chat := bot.Chat{ID: meta.Chat, Kind: meta.Kind}
		if chat.ID == "" {
			dm, err := a.DirectChat(ctx, in.User.ID)
			if err != nil {
				return nil, err
			}
			chat = bot.Chat{ID: dm, Kind: bot.ChatDirect}
		}
		values := submittedValues(&in)
		id := "view:" + in.View.ID
		if in.TriggerID != "" {
			id = "view:" + in.TriggerID
		}
		ch := kit.ParseChat(chat.ID).Chat
		return []incoming{{key: ch, user: in.User.ID, ev: bot.Event{
			ID: id, Platform: Name, Kind: bot.EventForm, User: bot.User{ID: in.User.ID},
			Chat: chat, FormID: in.View.CallbackID, Values: values, Trigger: in.TriggerID,
		}}}, nil
	}
	return nil, nil // view_closed, shortcuts, …
}

func (a *Adapter) blockActions(ctx context.Context, in interaction) []incoming {
	if in.Container.Type != "" && in.Container.Type != "message" {
		return nil // controls inside a modal
	}
	channel := in.Container.ChannelID
	if channel == "" {
		channel = in.Channel.ID
	}
	msgTS := in.Container.MessageTS
	if msgTS == "" {
		msgTS = in.Message.TS
	}
	thread := in.Message.ThreadTS
	if thread == "" {
		thread = in.Container.ThreadTS
	}
	chat := bot.Chat{ID: channel, Kind: bot.ChatChannel}
	switch {
	case strings.HasPrefix(channel, "D"):
		chat.Kind = bot.ChatDirect
	case a.isGroupChat(ctx, channel):
		chat.Kind = bot.ChatGroup
	case thread != "" && thread != msgTS && !a.isAgentChannel(channel):
		chat.ID = kit.ChatRef{Chat: channel, Thread: thread}.String() // a conversation in a mention's thread
	}
	a.pressed.remember(channel, msgTS, in.Message.Text, in.Message.Blocks)
	var out []incoming
	for i, act := range in.Actions {
		if strings.HasPrefix(act.ActionID, linkAction) {
			continue
		}
		value := act.Value
		if act.SelectedOption.Value != "" {
			value = act.SelectedOption.Value
		}
		id := "action:" + in.TriggerID
		if in.TriggerID == "" {
			id = "action:" + act.ActionTS
		}
		if i > 0 {
			id += fmt.Sprintf(":%d", i)
		}
		if !a.seen.First(id) {
			continue
		}
		a.rememberTrigger(in.TriggerID, chat)
		out = append(out, incoming{key: channel, user: in.User.ID, ev: bot.Event{
			ID: id, Platform: Name, Kind: bot.EventAction, User: bot.User{ID: in.User.ID}, Chat: chat,
			Action:  bot.Action{ID: actionID(act.ActionID), Value: value, Message: bot.MessageRef{Chat: chat.ID, ID: msgTS}},
			Trigger: in.TriggerID,
		}})
	}
	return out
}

// slash turns a /helpdesk command into an event. Outside DMs and ticket
// channels the answer goes to the user's DM: the bot may not be a member of
// the channel the command was typed in.
func (a *Adapter) slash(ctx context.Context, c command) ([]incoming, error) {
	if c.UserID == "" || !a.seen.First("command:"+c.TriggerID) {
		return nil, nil
	}
	chat := bot.Chat{ID: c.ChannelID, Kind: bot.ChatDirect}
	switch {
	case strings.HasPrefix(c.ChannelID, "D"):
		if dm, err := a.DirectChat(ctx, c.UserID); err == nil && dm != c.ChannelID {
			chat.ID = dm // a DM with someone else: answer in the user's DM with the bot
		}
	case a.isGroupChat(ctx, c.ChannelID):
		chat.Kind = bot.ChatGroup
	default:
		dm, err := a.DirectChat(ctx, c.UserID)
		if err != nil {
			return nil, err
		}
		chat.ID = dm
	}
	a.rememberTrigger(c.TriggerID, chat)
	return []incoming{{key: chat.ID, user: c.UserID, ev: bot.Event{
		ID: "command:" + c.TriggerID, Platform: Name, Kind: bot.EventCommand, User: bot.User{ID: c.UserID},
		Chat: chat, Text: a.plainText(ctx, c.Text), Trigger: c.TriggerID,
	}}}, nil
}

// rememberTrigger notes where a trigger came from, so a modal opened with
// it answers its submission in the same chat.
func (a *Adapter) rememberTrigger(id string, chat bot.Chat) {
	if id == "" {
		return
	}
	now := a.opts.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.triggers[id] = trigger{chat: chat, at: now}
	if len(a.triggers) > 1000 {
		for k, t := range a.triggers {
			if now.Sub(t.at) > 5*time.Minute { // trigger ids expire after 3 s anyway
				delete(a.triggers, k)
			}
		}
	}
}

// isGroupChat reports whether a channel is a ticket's group chat (DMs never are).
func (a *Adapter) isGroupChat(ctx context.Context, channel string) bool {
	return !strings.HasPrefix(channel, "D") && a.groups.Has(ctx, channel)
}

func (a *Adapter) isAgentChannel(channel string) bool {
	return slices.Contains(a.opts.AgentChannels(), channel)
}

var (
	reUserRef    = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|[^>]*)?>`)
	reChannelRef = regexp.MustCompile(`<#([CG][A-Z0-9]+)(?:\|([^>]*))?>`)
	reSpecial    = regexp.MustCompile(`<!([a-z]+)(?:\^[^|>]*)?(?:\|[^>]*)?>`)
	reLinkRef    = regexp.MustCompile(`<([^<>|]+)\|([^<>]+)>|<([^<>|]+)>`)
)

// plainText turns Slack's formatted text into what the person typed:
// user mentions as @display name (so "@Ada" in a card thread notifies Ada),
// links as their address, entities decoded.
func (a *Adapter) plainText(ctx context.Context, s string) string {
	s = reUserRef.ReplaceAllStringFunc(s, func(m string) string {
		return "@" + a.User(ctx, reUserRef.FindStringSubmatch(m)[1]).Name
	})
	s = reChannelRef.ReplaceAllStringFunc(s, func(m string) string {
		sm := reChannelRef.FindStringSubmatch(m)
		if sm[2] != "" {
			return "#" + sm[2]
		}
		return "#" + sm[1]
	})
	s = reSpecial.ReplaceAllString(s, "@$1")
	s = reLinkRef.ReplaceAllStringFunc(s, func(m string) string {
		sm := reLinkRef.FindStringSubmatch(m)
		if sm[3] != "" {
			return strings.TrimPrefix(sm[3], "mailto:")
		}
		if strings.TrimPrefix(sm[1], "mailto:") == sm[2] {
			return sm[2]
		}
		return sm[2] + " (" + sm[1] + ")"
	})
	return html.UnescapeString(s)
}

// dispatch hands events to the engine in order per chat, after looking up
// each user's name and locale.
func (a *Adapter) dispatch(events []incoming) {
	for _, in := range events {
		if !a.disp.Do(in.key, func(ctx context.Context, handle kit.Handler) {
			ev := in.ev
			if in.user != "" {
				ev.User = a.User(ctx, in.user)
			}
			a.disp.Handle(ctx, handle, ev)
		}) {
			return
		}
	}
}
