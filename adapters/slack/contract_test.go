package slack_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/platformtest"
)

// TestContract runs the platform contract suite on the Slack adapter over
// the fake Slack (Socket Mode envelopes in, Web API calls out).
func TestContract(t *testing.T) {
	t.Parallel()
	platformtest.Run(t, slackDriver{})
}

type slackDriver struct{}

// slackSession signals a change each time the engine has handled an event
// (the world's handled channel); the fake acknowledges envelopes before.
type slackSession struct {
	w       *world
	changed platformtest.Signal
}

var _ platformtest.Session = (*slackSession)(nil)

func (slackDriver) Start(t *testing.T) platformtest.Session {
	s := &slackSession{w: newWorld(t)}
	s.w.start()
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-s.w.handled:
				s.changed.Notify()
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() { close(stop) })
	return s
}

func (s *slackSession) Requester() string { return "UCARL" }
func (s *slackSession) Agent() string     { return "UADA" }
func (s *slackSession) DM(t *testing.T, user string) string {
	s.w.ensureIM(user)
	return "D" + user[1:]
}
func (s *slackSession) AgentChannel() string                      { return "CAGENTS" }
func (s *slackSession) GroupChat(t *testing.T, ref string) string { return ref }
func (s *slackSession) Changed() <-chan struct{}                  { return s.changed.C() }
func (s *slackSession) Tickets() platformtest.Tickets             { return s.w.store }

func (s *slackSession) Say(t *testing.T, user, chat, text string) platformtest.Delivery {
	t.Helper()
	ev := inGroup(chat, user, text)
	if strings.HasPrefix(chat, "D") {
		ev = dm(user, text)
	}
	cb := s.w.callback(ev)
	s.w.slack.push(s.w.next("env-"), "events_api", cb)
	return platformtest.Delivery{Chat: chat, Event: cb}
}

// Redeliver sends the event callback again in a new envelope, with the same
// event_id, as Slack retries an event it thinks was not handled.
func (s *slackSession) Redeliver(t *testing.T, d platformtest.Delivery) {
	t.Helper()
	s.w.slack.push(s.w.next("env-"), "events_api", d.Event)
}

func (s *slackSession) Press(t *testing.T, user string, m platformtest.Message, label string) {
	t.Helper()
	fm := m.Raw.(fakeMsg)
	id, value, typ, ok := element(fm.Blocks, label)
	if !ok {
		t.Fatalf("no control %q on %s", label, m.Text)
	}
	s.w.slack.push(s.w.next("env-"), "interactive", s.w.clickPayload(user, fm, id, value, typ))
}

func (s *slackSession) Messages(t *testing.T, user, chat string) []platformtest.Message {
	var out []platformtest.Message
	for _, fm := range s.w.slack.messages(chat, user) {
		out = append(out, platformtest.Message{Chat: chat, ID: fm.TS, Text: render(fm.Blocks), Buttons: buttons(fm.Blocks), Raw: fm})
	}
	return out
}

func (s *slackSession) Archived(t *testing.T, chat string) bool {
	return s.w.slack.channel(chat).Archived
}

var _ platformtest.Markup = (*slackSession)(nil)

// mrkdwnTexts are the texts of a post that Slack reads as mrkdwn: the
// fallback text and every mrkdwn text object of its blocks (plain_text is
// shown as it is).
func mrkdwnTexts(fm fakeMsg) []string {
	out := []string{fm.Text}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "mrkdwn" {
				s, _ := v["text"].(string)
				out = append(out, s)
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	for _, b := range fm.Blocks {
		walk(b)
	}
	return out
}

var (
	// https://docs.slack.dev/messaging/formatting-message-text#linking-urls
	reSlackLink = regexp.MustCompile(`<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>`)
	// https://docs.slack.dev/messaging/formatting-message-text#mentioning-users
	// and #special-mentions: <@U…>, <!here>, <!channel>, <!everyone>, <!subteam^…>.
	reSlackMention = regexp.MustCompile(`<(@[UW][A-Z0-9]+|![a-z^A-Z0-9]+)(?:\|[^>]*)?>`)
)

// Links are Slack's <address|text> links; bare addresses Slack links as
// themselves.
func (s *slackSession) Links(t *testing.T, m platformtest.Message) []platformtest.Link {
	var out []platformtest.Link
	for _, txt := range mrkdwnTexts(m.Raw.(fakeMsg)) {
		for _, l := range reSlackLink.FindAllStringSubmatch(txt, -1) {
			text := l[2]
			if text == "" {
				text = l[1]
			}
			out = append(out, platformtest.Link{Text: text, Target: l[1]})
		}
	}
	return out
}

// Notified: without link_names Slack notifies only the <@…> and <!…>
// forms (the adapter never sets link_names).
func (s *slackSession) Notified(t *testing.T, m platformtest.Message) []string {
	var out []string
	for _, txt := range mrkdwnTexts(m.Raw.(fakeMsg)) {
		for _, l := range reSlackMention.FindAllStringSubmatch(txt, -1) {
			out = append(out, l[1])
		}
	}
	return out
}

var _ platformtest.Chooser = (*slackSession)(nil)

// Options lists the options of the message's static_select, grouped or not.
func (s *slackSession) Options(t *testing.T, m platformtest.Message) []string {
	var out []string
	for _, b := range m.Raw.(fakeMsg).Blocks {
		els, _ := b["elements"].([]any)
		for _, e := range els {
			el := e.(map[string]any)
			if el["type"] != "static_select" {
				continue
			}
			for _, o := range selectOptionsOf(el) {
				t, _ := o["text"].(map[string]any)
				label, _ := t["text"].(string)
				out = append(out, label)
			}
		}
	}
	return out
}

// Choose picks an option as Slack sends a static_select choice (Press finds
// options by label too).
func (s *slackSession) Choose(t *testing.T, user string, m platformtest.Message, option string) {
	s.Press(t, user, m, option)
}

var _ platformtest.FormFiller = (*slackSession)(nil)

// FillForm submits the newest modal as Slack does (view_submission), each
// input by its label, a select by the value of the option so labelled.
func (s *slackSession) FillForm(t *testing.T, user, chat string, answers map[string]string) {
	t.Helper()
	platformtest.WaitFor(t, s, "the form's modal", func() bool {
		s.w.slack.mu.Lock()
		defer s.w.slack.mu.Unlock()
		return len(s.w.slack.views) > 0
	})
	text := func(v any) string {
		m, _ := v.(map[string]any)
		s, _ := m["text"].(string)
		return s
	}
	values := map[string]string{}
	for _, b := range s.w.slack.lastView().View["blocks"].([]any) {
		bm := b.(map[string]any)
		ans, ok := answers[text(bm["label"])]
		if !ok {
			continue
		}
		if el := bm["element"].(map[string]any); el["type"] == "static_select" {
			for _, o := range selectOptionsOf(el) {
				if text(o["text"]) == ans {
					ans = o["value"].(string)
				}
			}
		}
		values[bm["block_id"].(string)] = ans
	}
	s.w.slack.push(s.w.next("env-"), "interactive", s.w.submission(user, values))
}

// RateLimitNext implements platformtest.RateLimiter: chat.postMessage
// answers 429 with Retry-After: 1 (the test clock waits it out at once).
func (s *slackSession) RateLimitNext(t *testing.T, n int) {
	for range n {
		s.w.slack.failNext("chat.postMessage", failure{status: http.StatusTooManyRequests, retryAfter: 1})
	}
}
