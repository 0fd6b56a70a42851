package discord_test

import (
	"encoding/json"
	"slices"
	"strings"
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

var _ platformtest.Chooser = (*discordSession)(nil)

func (s *discordSession) Options(t *testing.T, m platformtest.Message) []string {
	var out []string
	for _, row := range m.Raw.(discordfake.Message).Components {
		for _, c := range row.Components {
			if c.Type == 3 {
				for _, o := range c.Options {
					out = append(out, o.Label)
				}
			}
		}
	}
	return out
}

func (s *discordSession) Choose(t *testing.T, user string, m platformtest.Message, option string) {
	s.f.Choose(user, m.ID, option)
}

var _ platformtest.FormFiller = (*discordSession)(nil)

// FillForm plays Discord's steps of a form: each select step (turning its
// pages with More… until the option is there), then each modal (pressing
// Continue between two), answering fields by label, until every answer is given.
func (s *discordSession) FillForm(t *testing.T, user, chat string, answers map[string]string) {
	t.Helper()
	f := s.f
	left := map[string]string{}
	for k, v := range answers {
		left[k] = v
	}
	modals := len(f.Modals())
	seenMsgs := 0
	for len(left) > 0 {
		var sel *discordfake.Message
		var cont *discordfake.Message
		f.WaitFor("the next step of the form", func() bool {
			sel, cont = nil, nil
			ms := f.Messages(chat, user)
			for i := len(ms) - 1; i >= seenMsgs; i-- {
				m := ms[i]
				if hasSelect(m) && sel == nil && slices.ContainsFunc(mapKeys(left), func(l string) bool { return strings.Contains(m.Content, l) }) {
					sel = &m
				}
				if slices.Contains(m.Buttons(), "Continue") && cont == nil {
					cont = &m
				}
			}
			return sel != nil || cont != nil || len(f.Modals()) > modals
		})
		switch {
		case len(f.Modals()) > modals:
			md := f.Modals()[modals]
			modals++
			values := map[string]string{}
			for _, in := range md.Inputs {
				values[in.Label] = left[in.Label]
				delete(left, in.Label)
			}
			seenMsgs = len(f.Messages(chat, user))
			f.Submit(md, values)
		case sel != nil:
			label := ""
			for l := range left {
				if strings.Contains(sel.Content, l) {
					label = l
				}
			}
			if label == "" {
				t.Fatalf("a select step for none of %v: %s", left, sel.Text())
			}
			for range 20 {
				m := current(f, chat, user, sel.ID)
				if slices.Contains(options(m), left[label]) {
					break
				}
				i := slices.IndexFunc(m.Buttons(), func(b string) bool { return strings.HasPrefix(b, "More…") })
				if i < 0 {
					t.Fatalf("option %q is on no page of %s", left[label], m.Text())
				}
				edits := m.Edits
				f.Press(user, m.ID, m.Buttons()[i])
				f.WaitFor("the next page of options", func() bool { return current(f, chat, user, sel.ID).Edits > edits })
			}
			seenMsgs = len(f.Messages(chat, user))
			f.Choose(user, sel.ID, left[label])
			delete(left, label)
		default:
			seenMsgs = len(f.Messages(chat, user))
			f.Press(user, cont.ID, "Continue")
		}
	}
}

func hasSelect(m discordfake.Message) bool { return len(options(m)) > 0 }

func options(m discordfake.Message) []string {
	var out []string
	for _, row := range m.Components {
		for _, c := range row.Components {
			for _, o := range c.Options {
				out = append(out, o.Label)
			}
		}
	}
	return out
}

func current(f *discordfake.Server, chat, user, id string) discordfake.Message {
	for _, m := range f.Messages(chat, user) {
		if m.ID == id {
			return m
		}
	}
	return discordfake.Message{}
}

func mapKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// RateLimitNext implements platformtest.RateLimiter: the fake answers the
// next n posts 429 with retry_after 0.05 s, as Discord words it.
func (s *discordSession) RateLimitNext(t *testing.T, n int) { s.f.RateLimitNext(n) }
