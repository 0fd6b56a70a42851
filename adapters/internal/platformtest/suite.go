package platformtest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Driver starts one adapter, over its own fake of the platform, with the
// real engine and a fresh store. Each call to Start is independent, so the
// cases of the suite run in parallel.
//
// The config the driver loads must have the desk "it" with the adapters'
// FAQ (testdata/faq/it.yaml: the VPN, password and guest wifi questions), an
// agent named Ada (the Agent) and an agent channel.
type Driver interface {
	Start(t *testing.T) Session
}

// Session is one running adapter as its people use it. Chat ids and user ids
// are the platform's own. Methods fail the test on a platform error.
type Session interface {
	// Requester is the employee asking; Agent is the desk's agent (Ada).
	Requester() string
	Agent() string
	// DM is the chat of user with the bot; AgentChannel the desk's agent channel.
	DM(t *testing.T, user string) string
	AgentChannel() string
	// GroupChat is the chat where a ticket's group chat is held, from the
	// reference the engine stored on the ticket.
	GroupChat(t *testing.T, ref string) string

	// Say delivers a message from user in chat as the platform does; it
	// does not wait for the bot to handle it.
	Say(t *testing.T, user, chat, text string) Delivery
	// Redeliver delivers the same platform event again, as platforms do
	// with at-least-once delivery (Slack's retries, a gateway replay).
	Redeliver(t *testing.T, d Delivery)
	// Press presses the control labelled label on m as user.
	Press(t *testing.T, user string, m Message, label string)

	// Messages returns what user sees of the bot's posts in chat, oldest first.
	Messages(t *testing.T, user, chat string) []Message
	// Archived tells whether the chat is closed for new messages.
	Archived(t *testing.T, chat string) bool
	// Changed is closed when something may have changed (an event handled).
	Changed() <-chan struct{}
	// Tickets reads the store the engine writes.
	Tickets() Tickets
}

// Tickets is what the suite reads of the ticket store.
type Tickets interface {
	GetByKey(ctx context.Context, key string) (*tickets.Ticket, error)
	Messages(ctx context.Context, ticketID int64) ([]tickets.Message, error)
}

// Delivery is a platform event the driver delivered, for Redeliver.
type Delivery struct {
	Chat string
	// Event is the driver's own record of what it sent.
	Event any
}

// Message is one post of the bot as a person sees it.
type Message struct {
	Chat string
	ID   string
	// Text is what the person reads (content, fields, control labels).
	Text    string
	Buttons []string
	// Raw is the driver's own record of the post, for Press.
	Raw any
}

// Case is one case of the suite; each gets a fresh Session and runs in
// parallel with the others. A case that needs more of a platform than
// Session offers (its documented limits, a 429 storm) asks for it with a
// type assertion on an optional interface of the Session and skips the
// platforms that lack it, so adding such cases changes no driver.
type Case struct {
	Name string
	Run  func(t *testing.T, s Session)
}

// cases are the journey and the edge cases every adapter passes; the
// per-platform limit cases are added here.
func cases() []Case {
	return []Case{
		{"Journey", journey},
		{"DuplicateDeliveryHandledOnce", duplicateDelivery},
		{"OrderInOneChat", orderInOneChat},
		{"LongAnswer5000ArrivesWhole", longAnswer("What does the printer handbook say?", 5000)},
		{"LongAnswer20000ArrivesWhole", longAnswer("What does the travel expense handbook say?", 20000)},
		{"NoDisguisedLinksNoMentions", disguisedLinks},
	}
}

// Run runs every case against the driver, each in parallel on its own Session.
func Run(t *testing.T, d Driver) {
	t.Helper()
	for _, c := range cases() {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			c.Run(t, d.Start(t))
		})
	}
}

// waitTimeout bounds every wait: a bot that never answers fails the test.
const waitTimeout = 15 * time.Second

// WaitFor waits, without polling, until cond holds, re-checking it each time
// the session reports a change.
func WaitFor(t *testing.T, s Session, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		ch := s.Changed()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// Wait waits for a message of the bot in chat, seen by user, after the first
// `after` of them, whose text contains every one of wants.
func Wait(t *testing.T, s Session, user, chat string, after int, wants ...string) Message {
	t.Helper()
	var got Message
	var seen []Message
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		ch := s.Changed()
		seen = s.Messages(t, user, chat)
		for _, m := range seen[min(after, len(seen)):] {
			if containsAll(m.Text, wants) {
				return m
			}
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("%s sees no message with %q in %s; they see:\n%s", user, wants, chat, dump(seen))
			return got
		}
	}
}

func containsAll(s string, wants []string) bool {
	for _, w := range wants {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

func dump(ms []Message) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString("- " + m.Text + "\n")
	}
	return b.String()
}

func count(ms []Message, want string) int {
	n := 0
	for _, m := range ms {
		if strings.Contains(m.Text, want) {
			n++
		}
	}
	return n
}

func ticket(t *testing.T, s Session, key string) *tickets.Ticket {
	t.Helper()
	tk, err := s.Tickets().GetByKey(context.Background(), key)
	if err != nil {
		t.Fatalf("ticket %s: %v", key, err)
	}
	return tk
}

// transcript is the ticket's transcript as "Author: text" lines.
func transcript(t *testing.T, s Session, key string) []string {
	t.Helper()
	ms, err := s.Tickets().Messages(context.Background(), ticket(t, s, key).ID)
	if err != nil {
		t.Fatalf("messages of %s: %v", key, err)
	}
	var out []string
	for _, m := range ms {
		if m.Kind == tickets.KindTranscript {
			out = append(out, m.Text)
		}
	}
	return out
}

// journey: an FAQ question is answered; a question the FAQ cannot answer
// becomes a ticket whose card reaches the agent; Start Chat opens the group
// chat, which carries messages both ways; End Service closes it and asks the
// requester for an evaluation.
func journey(t *testing.T, s Session) {
	req, agent := s.Requester(), s.Agent()
	dm := s.DM(t, req)

	s.Say(t, req, dm, "How do I connect to the VPN?")
	answer := Wait(t, s, req, dm, 0, "GlobalProtect", "Did this help?")
	n := len(s.Messages(t, req, dm))
	s.Press(t, req, answer, "Yes")
	Wait(t, s, req, dm, n, "Glad I could help")

	n = len(s.Messages(t, req, dm))
	s.Say(t, req, dm, "zebra quantum marmalade")
	offer := Wait(t, s, req, dm, n, "know the answer", "Talk to an agent")
	n = len(s.Messages(t, req, dm))
	s.Press(t, req, offer, "Talk to an agent")
	Wait(t, s, req, dm, n, "opened ticket", "IT-1")
	// Dispatch may come after the "opened" reply (it is a step of its own).
	WaitFor(t, s, "IT-1 assigned", func() bool { return ticket(t, s, "IT-1").Status == tickets.StatusAssigned })
	if tk := ticket(t, s, "IT-1"); tk.Subject != "zebra quantum marmalade" || tk.Assignee != "Ada" {
		t.Fatalf("IT-1: subject %q, assigned to %q; want the question, assigned to Ada", tk.Subject, tk.Assignee)
	}

	card := Wait(t, s, agent, s.AgentChannel(), 0, "IT-1", "Start Chat")
	s.Press(t, agent, card, "Start Chat")
	var group string
	WaitFor(t, s, "the group chat of IT-1", func() bool { return ticket(t, s, "IT-1").GroupChat != "" })
	group = s.GroupChat(t, ticket(t, s, "IT-1").GroupChat)
	summary := Wait(t, s, agent, group, 0, "IT-1", "End Service")

	s.Say(t, req, group, "It drops every hour")
	s.Say(t, agent, group, "Please update the client to 6.2")
	s.Say(t, req, group, "Done, it works")
	want := []string{"It drops every hour", "Please update the client to 6.2", "Done, it works"}
	WaitFor(t, s, "the group chat's messages in the transcript", func() bool { return len(transcript(t, s, "IT-1")) >= len(want) })
	if got := transcript(t, s, "IT-1"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("transcript of IT-1:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	n = len(s.Messages(t, req, dm))
	s.Press(t, agent, summary, "End Service")
	Wait(t, s, req, dm, n, "How would you rate")
	if !s.Archived(t, group) {
		t.Errorf("the group chat %s is still open after End Service", group)
	}
	if tk := ticket(t, s, "IT-1"); tk.Status != tickets.StatusResolved {
		t.Errorf("IT-1 after End Service: %s, want resolved", tk.Status)
	}
}

// duplicateDelivery: the same platform event delivered twice is answered
// once. A later question in the same chat is the marker: its answer comes
// after anything the duplicate could have caused, so once it is there,
// nothing else will arrive.
func duplicateDelivery(t *testing.T, s Session) {
	req := s.Requester()
	dm := s.DM(t, req)
	d := s.Say(t, req, dm, "How do I reset my password?")
	Wait(t, s, req, dm, 0, "id.example.com/reset")
	s.Redeliver(t, d)
	n := len(s.Messages(t, req, dm))
	s.Say(t, req, dm, "What is the guest wifi password?")
	Wait(t, s, req, dm, n, "reception")
	if got := count(s.Messages(t, req, dm), "id.example.com/reset"); got != 1 {
		t.Fatalf("the redelivered question was answered %d times, want once:\n%s", got, dump(s.Messages(t, req, dm)))
	}
}

// orderInOneChat: questions sent one right after the other, without waiting
// for the answers, are answered in the order they were asked.
func orderInOneChat(t *testing.T, s Session) {
	req := s.Requester()
	dm := s.DM(t, req)
	qs := []struct{ q, a string }{
		{"How do I connect to the VPN?", "GlobalProtect"},
		{"How do I reset my password?", "id.example.com/reset"},
		{"What is the guest wifi password?", "reception"},
	}
	for _, q := range qs {
		s.Say(t, req, dm, q.q)
	}
	WaitFor(t, s, "the three answers", func() bool {
		ms := s.Messages(t, req, dm)
		return count(ms, qs[0].a) > 0 && count(ms, qs[1].a) > 0 && count(ms, qs[2].a) > 0
	})
	var order []string
	for _, m := range s.Messages(t, req, dm) {
		for _, q := range qs {
			if strings.Contains(m.Text, q.a) {
				order = append(order, q.a)
			}
		}
	}
	if got, want := strings.Join(order, ","), "GlobalProtect,id.example.com/reset,reception"; got != want {
		t.Fatalf("answers in the order %s, want %s:\n%s", got, want, dump(s.Messages(t, req, dm)))
	}
}

// LongAnswer is the FAQ answer of at least n characters that the adapters'
// testdata/faq/it.yaml holds for the printer (5,000) and travel expense
// (20,000) handbook questions: paragraphs of five sentences.
func LongAnswer(n int) string {
	var paras []string
	for p := 1; len(strings.Join(paras, "\n\n")) < n; p++ {
		var ss []string
		for i := 1; i <= 5; i++ {
			ss = append(ss, fmt.Sprintf("Step %d.%d: open the handbook page and read the section again.", p, i))
		}
		paras = append(paras, strings.Join(ss, " "))
	}
	return strings.Join(paras, "\n\n")
}

// longAnswer: an FAQ answer longer than the platform takes in one message
// arrives whole and in order, over as many messages as it needs, with
// "Did this help?" and its buttons on the last one only.
func longAnswer(question string, n int) func(t *testing.T, s Session) {
	return func(t *testing.T, s Session) {
		req := s.Requester()
		dm := s.DM(t, req)
		s.Say(t, req, dm, question)
		last := Wait(t, s, req, dm, 0, "Did this help?")
		ms := s.Messages(t, req, dm)
		var texts []string
		started := false
		for _, m := range ms {
			// The greeting may come before the answer.
			if started = started || strings.Contains(m.Text, "Step 1.1:"); !started {
				continue
			}
			if len(m.Buttons) > 0 && m.ID != last.ID {
				t.Errorf("a message before the last has buttons %v", m.Buttons)
			}
			texts = append(texts, m.Text)
			if m.ID == last.ID {
				break
			}
		}
		if !hasButton(last, "Yes") {
			t.Errorf("the last message has buttons %v, want Yes", last.Buttons)
		}
		got, want := words(strings.Join(texts, "\n")), words(LongAnswer(n))
		if !strings.Contains(got, want) {
			t.Fatalf("the %d-character answer did not arrive whole in %d messages; got %d characters:\n%s", len(want), len(texts), len(got), head(got))
		}
	}
}

// words is s as a person reads it: HTML tags (the web chat's) dropped, runs
// of blanks and line breaks as one space.
func words(s string) string {
	return strings.Join(strings.Fields(reTag.ReplaceAllString(s, " ")), " ")
}

var reTag = regexp.MustCompile(`</?[a-z]+>`)

func head(s string) string {
	if len(s) > 300 {
		return s[:150] + " … " + s[len(s)-150:]
	}
	return s
}

func hasButton(m Message, label string) bool {
	for _, b := range m.Buttons {
		if b == label {
			return true
		}
	}
	return false
}
