package discord_test

import (
	"encoding/json"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/discord/discordfake"
	"github.com/helpdesk-chat/helpdesk/adapters/internal/platformtest"
)

// TestContract runs the platform contract suite on the Discord adapter over
// the protocol fake (gateway events in, REST calls out).
func TestContract(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, discordDriver{})
}

type discordDriver struct{}

// discordSession: the fake signals each REST request and gateway change, and
// the env each event its engine has handled.
type discordSession struct {
	e *env
	f *discordfake.Server
}

var _ platformtest.Session = (*discordSession)(nil)

func (discordDriver) Start(t *testing.T) platformtest.Session {
	e := start(t)
	return &discordSession{e: e, f: e.fake}
}

func (s *discordSession) Requester() string                         { return annID }
func (s *discordSession) Agent() string                             { return adaID }
func (s *discordSession) DM(t *testing.T, user string) string       { return s.f.DMChannel(user) }
func (s *discordSession) AgentChannel() string                      { return agentChannel }
func (s *discordSession) GroupChat(t *testing.T, ref string) string { return ref }
func (s *discordSession) Changed() <-chan struct{}                  { return s.f.Changed() }
func (s *discordSession) Tickets() platformtest.Tickets             { return s.e.store }

func (s *discordSession) Say(t *testing.T, user, chat, text string) platformtest.Delivery {
	var id string
	if chat == s.f.DMChannel(user) {
		id = s.f.DM(user, text)
	} else {
		id = s.f.Say(user, chat, text, false)
	}
	return platformtest.Delivery{Chat: chat, Event: id}
}

// Redeliver sends the message's MESSAGE_CREATE again, as after a resumed
// gateway session.
func (s *discordSession) Redeliver(t *testing.T, d platformtest.Delivery) {
	s.f.Redeliver(d.Event.(string))
}

func (s *discordSession) Press(t *testing.T, user string, m platformtest.Message, label string) {
	s.f.Press(user, m.ID, label)
}

func (s *discordSession) Messages(t *testing.T, user, chat string) []platformtest.Message {
	var out []platformtest.Message
	for _, m := range s.f.Messages(chat, user) {
		if m.Author.ID != s.f.BotID {
			continue
		}
		out = append(out, platformtest.Message{Chat: chat, ID: m.ID, Text: m.Text(), Buttons: m.Buttons(), Raw: m})
	}
	return out
}

func (s *discordSession) Archived(t *testing.T, chat string) bool {
	c, ok := s.f.Channel(chat)
	if !ok {
		return true // a private channel is deleted at End Service
	}
	return c.Metadata != nil && c.Metadata.Archived
}

var _ platformtest.Markup = (*discordSession)(nil)

// Links are the masked links and <address> links Discord renders in the
// content and in each embed's title, description and fields.
func (s *discordSession) Links(t *testing.T, m platformtest.Message) []platformtest.Link {
	dm := m.Raw.(discordfake.Message)
	out := platformtest.MarkdownLinks(dm.Content)
	for _, raw := range dm.Embeds {
		var e struct {
			Title, Description string
			Fields             []struct{ Name, Value string }
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		for _, txt := range []string{e.Title, e.Description} {
			out = append(out, platformtest.MarkdownLinks(txt)...)
		}
		for _, f := range e.Fields {
			out = append(out, platformtest.MarkdownLinks(f.Name)...)
			out = append(out, platformtest.MarkdownLinks(f.Value)...)
		}
	}
	return out
}

// Notified is empty: the fake refuses (400) every message whose
// allowed_mentions is not {"parse": []}, which suppresses every ping
// (https://discord.com/developers/docs/resources/message#allowed-mentions-object),
// and mentions in embeds never ping.
func (s *discordSession) Notified(t *testing.T, m platformtest.Message) []string { return nil }
