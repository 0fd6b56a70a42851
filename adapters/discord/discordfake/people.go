package discordfake

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

func (s *Server) member(user string, perms int64) map[string]any {
	return map[string]any{"user": s.users[user], "permissions": fmt.Sprint(perms), "roles": []string{}}
}

// DM has the user write to the bot in their DM; it returns the message id.
func (s *Server) DM(user, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.dmLocked(user)
	return s.userMessageLocked(c, user, text, false)
}

// DMChannel returns the id of the user's DM channel with the bot.
func (s *Server) DMChannel(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dmLocked(user).ID
}

// Say has the user write in a guild channel or thread, mentioning the bot if asked.
func (s *Server) Say(user, channel, text string, mention bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channel]
	if c == nil {
		s.tb.Fatalf("discordfake: no channel %s", channel)
	}
	if mention {
		text = "<@" + s.BotID + "> " + text
	}
	return s.userMessageLocked(c, user, text, mention)
}

func (s *Server) userMessageLocked(c *Channel, user, text string, mention bool) string {
	if c.Metadata != nil && (c.Metadata.Locked || c.Metadata.Archived) {
		s.tb.Fatalf("discordfake: %s cannot write in locked thread %s", user, c.ID)
	}
	msg := &Message{ID: s.id(), ChannelID: c.ID, GuildID: c.GuildID, Author: s.users[user], Content: text, Embeds: []json.RawMessage{}}
	s.messages[msg.ID] = msg
	s.order = append(s.order, msg)
	ev := map[string]any{"id": msg.ID, "channel_id": c.ID, "author": msg.Author, "content": text, "embeds": []any{},
		"mentions": []any{}, "timestamp": time.Now().Format(time.RFC3339), "type": 0}
	if mention {
		ev["mentions"] = []any{s.users[s.BotID]}
	}
	if c.GuildID != "" {
		ev["guild_id"] = c.GuildID
		ev["member"] = map[string]any{"roles": []string{}}
	}
	s.dispatchLocked("MESSAGE_CREATE", ev)
	return msg.ID
}

// Redeliver sends a user's message's MESSAGE_CREATE again (at-least-once delivery).
func (s *Server) Redeliver(msgID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messages[msgID]
	ev := map[string]any{"id": m.ID, "channel_id": m.ChannelID, "author": m.Author, "content": m.Content, "embeds": []any{}, "mentions": []any{}}
	if m.GuildID != "" {
		ev["guild_id"] = m.GuildID
	}
	s.dispatchLocked("MESSAGE_CREATE", ev)
}

// StartThread opens a public thread on a message (its id is the message's id).
func (s *Server) StartThread(user, msgID, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messages[msgID]
	c := &Channel{ID: m.ID, Type: TypePublicThread, GuildID: s.GuildID, ParentID: m.ChannelID, Name: name,
		Metadata: &struct {
			Archived bool `json:"archived"`
			Locked   bool `json:"locked"`
		}{}, Members: []string{user}}
	s.channels[c.ID] = c
	s.dispatchLocked("THREAD_CREATE", c)
	return c.ID
}

func (s *Server) newInteraction(user, channel string, typ int, msg *Message, data any, perms int64) string {
	c := s.channels[channel]
	in := &Interaction{ID: s.id(), Token: "itoken-" + s.id(), User: user, Channel: channel, Type: typ, Created: time.Now()}
	payload := map[string]any{"id": in.ID, "application_id": s.AppID, "type": typ, "token": in.Token, "version": 1,
		"channel_id": channel, "data": data, "locale": "en-US"}
	if c.GuildID != "" {
		payload["guild_id"] = c.GuildID
		payload["member"] = s.member(user, perms)
	} else {
		payload["user"] = s.users[user]
	}
	if msg != nil {
		in.Message = msg.ID
		payload["message"] = msg
	}
	s.interactions[in.ID] = in
	s.dispatchLocked("INTERACTION_CREATE", payload)
	return in.ID
}

func (s *Server) visibleLocked(m *Message, user string) bool {
	return m.EphemeralFor == "" || m.EphemeralFor == user
}

// Press presses the button labelled label on a message; it returns the interaction id.
func (s *Server) Press(user, msgID, label string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messages[msgID]
	if m == nil || !s.visibleLocked(m, user) {
		s.tb.Fatalf("discordfake: %s cannot see message %s", user, msgID)
	}
	for _, row := range m.Components {
		for _, c := range row.Components {
			if c.Type == 2 && c.Label == label && c.Style != 5 {
				if c.Disabled {
					s.tb.Fatalf("discordfake: the button %q of message %s is disabled: a person cannot press it", label, msgID)
				}
				return s.newInteraction(user, m.ChannelID, 3, m, map[string]any{"custom_id": c.CustomID, "component_type": 2}, 0)
			}
		}
	}
	s.tb.Fatalf("discordfake: message %s has no button %q: %s", msgID, label, describe(m))
	return ""
}

// Choose picks the option labelled label from the select menu of a message.
func (s *Server) Choose(user, msgID, label string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.messages[msgID]
	if m == nil || !s.visibleLocked(m, user) {
		s.tb.Fatalf("discordfake: %s cannot see message %s", user, msgID)
	}
	for _, row := range m.Components {
		for _, c := range row.Components {
			if c.Type != 3 {
				continue
			}
			for _, o := range c.Options {
				if o.Label == label {
					return s.newInteraction(user, m.ChannelID, 3, m, map[string]any{"custom_id": c.CustomID, "component_type": 3, "values": []string{o.Value}}, 0)
				}
			}
		}
	}
	s.tb.Fatalf("discordfake: message %s has no option %q: %s", msgID, label, describe(m))
	return ""
}

// Submit submits a modal with values by input label.
func (s *Server) Submit(md Modal, values map[string]string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows []any
	for _, in := range md.Inputs {
		v := values[in.Label]
		if in.Required != nil && *in.Required && v == "" {
			s.tb.Fatalf("discordfake: required input %q left empty: Discord would not let the user submit", in.Label)
		}
		rows = append(rows, map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": in.CustomID, "value": v}}})
	}
	var from *Message
	if md.FromMessage != "" {
		from = s.messages[md.FromMessage]
	}
	return s.newInteraction(md.User, md.Channel, 5, from, map[string]any{"custom_id": md.CustomID, "components": rows}, 0)
}

// Command runs /helpdesk <sub> [options] in a channel; perms are the
// member's permissions Discord computes.
func (s *Server) Command(user, channel, sub string, opts map[string]string, perms int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var os []any
	for k, v := range opts {
		os = append(os, map[string]any{"name": k, "type": 3, "value": v})
	}
	data := map[string]any{"id": "cmd-1", "name": "helpdesk", "type": 1,
		"options": []any{map[string]any{"name": sub, "type": 1, "options": os}}}
	return s.newInteraction(user, channel, 2, nil, data, perms)
}

// RawInteraction dispatches an INTERACTION_CREATE with raw data.
func (s *Server) RawInteraction(raw string) { s.DispatchRaw("INTERACTION_CREATE", raw) }

// Messages returns what viewer sees in a channel, oldest first.
func (s *Server) Messages(channel, viewer string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.order {
		if m.ChannelID == channel && s.visibleLocked(m, viewer) {
			out = append(out, *m)
		}
	}
	return out
}

// Message returns a message by id.
func (s *Server) Message(id string) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.messages[id]
}

// Channel returns a channel by id.
func (s *Server) Channel(id string) (Channel, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[id]
	if !ok {
		return Channel{}, false
	}
	return c.clone(), true
}

// clone copies a channel so callers never share its mutable parts.
func (c *Channel) clone() Channel {
	out := *c
	if c.Metadata != nil {
		md := *c.Metadata
		out.Metadata = &md
	}
	if c.Invitable != nil {
		v := *c.Invitable
		out.Invitable = &v
	}
	out.Members = append([]string(nil), c.Members...)
	out.Overwrites = append([]Overwrite(nil), c.Overwrites...)
	return out
}

// ChildrenOf returns the threads and channels whose parent is id.
func (s *Server) ChildrenOf(id string) []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Channel
	for _, c := range s.channels {
		if c.ParentID == id {
			out = append(out, c.clone())
		}
	}
	return out
}

// GuildChannels returns the guild's text channels.
func (s *Server) GuildChannels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Channel
	for _, c := range s.channels {
		if c.GuildID != "" && c.Type == TypeText {
			out = append(out, c.clone())
		}
	}
	return out
}

// Interaction returns an interaction by id.
func (s *Server) Interaction(id string) Interaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := *s.interactions[id]
	in.Responses = append([]int(nil), in.Responses...)
	return in
}

// Modals returns the modals shown so far.
func (s *Server) Modals() []Modal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Modal(nil), s.modals...)
}

// Text renders a message as the user reads it (content, embed text, controls).
func (m Message) Text() string { return describe(&m) }

// Buttons returns the labels of a message's buttons.
// Disabled lists the labels of the message's disabled buttons.
func (m Message) Disabled() []string {
	var out []string
	for _, row := range m.Components {
		for _, c := range row.Components {
			if c.Type == 2 && c.Disabled {
				out = append(out, c.Label)
			}
		}
	}
	return out
}

func (m Message) Buttons() []string {
	var out []string
	for _, row := range m.Components {
		for _, c := range row.Components {
			if c.Type == 2 {
				out = append(out, c.Label)
			}
		}
	}
	return out
}

func describe(m *Message) string {
	var b strings.Builder
	b.WriteString(m.Content)
	for _, e := range m.Embeds {
		b.WriteString(" " + string(e))
	}
	for _, row := range m.Components {
		for _, c := range row.Components {
			switch c.Type {
			case 2:
				b.WriteString(" [" + c.Label + "]")
			case 3:
				for _, o := range c.Options {
					b.WriteString(" {" + o.Label + "}")
				}
			}
		}
	}
	return b.String()
}

// Changed returns a channel closed at the fake's next change (a REST
// request answered, a gateway connection or session change).
func (s *Server) Changed() <-chan struct{} { return s.changed.C() }

// Notify wakes the waiters for a change outside the fake: the test calls it
// when its engine has handled an event (what WaitFor may read from a store).
func (s *Server) Notify() { s.changed.Notify() }

// WaitFor waits until cond holds (the bot works asynchronously over the
// network), re-checking it after each change of the fake, and fails the
// test after 10 s.
func (s *Server) WaitFor(what string, cond func() bool) {
	s.tb.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		ch := s.changed.C()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			s.tb.Fatalf("discordfake: timed out waiting for %s", what)
		}
	}
}

// WaitMessage waits for a message in channel, visible to viewer, after the
// first `after` messages, whose text contains want; it returns it.
func (s *Server) WaitMessage(channel, viewer string, after int, want string) Message {
	s.tb.Helper()
	var got Message
	var msgs []Message
	find := func() bool {
		msgs = s.Messages(channel, viewer)
		for i := min(after, len(msgs)); i < len(msgs); i++ {
			if strings.Contains(msgs[i].Text(), want) && msgs[i].Author.ID == s.BotID {
				got = msgs[i]
				return true
			}
		}
		return false
	}
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		ch := s.changed.C()
		if find() {
			return got
		}
		select {
		case <-ch:
		case <-deadline.C:
			var all []string
			for _, m := range msgs {
				all = append(all, m.Author.Username+": "+m.Text())
			}
			s.tb.Fatalf("discordfake: no message %q in %s for %s; they see:\n%s", want, channel, viewer, strings.Join(all, "\n"))
			return got
		}
	}
}
