package platformtest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
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
		{"Menu120TopicsAllBrowsable", menu120},
		{"Subject300CharactersKeptWhole", longSubject},
		{"Form12FieldsSelect150Answers900", bigForm},
		{"NoDisguisedLinksNoMentions", disguisedLinks},
		{"RateLimitStormLosesNoReply", rateLimitStorm},
	}
}

// RateLimiter is a Session whose fake can answer 429, in its platform's
// form (Slack's and Mattermost's Retry-After header, Discord's retry_after
// body and X-RateLimit-* headers), with a small wait so tests do not sleep.
type RateLimiter interface {
	// RateLimitNext makes the next n posts of the bot answer 429.
	RateLimitNext(t *testing.T, n int)
}

// rateLimitStorm: while the platform answers 429 to the bot's next posts,
// a question with a long answer (several messages) is asked; the answer
// still arrives whole and in order, "Did this help?" on the last.
func rateLimitStorm(t *testing.T, s Session) {
	rl, ok := s.(RateLimiter)
	if !ok {
		t.Skip("the session cannot rate limit the bot")
	}
	rl.RateLimitNext(t, 8)
	longAnswer("What does the printer handbook say?", 5000)(t, s)
}

// FormFiller is a Session whose people fill in the form the bot opened for
// them, as the platform shows it (modal, dialog, web form, Discord's steps).
type FormFiller interface {
	// FillForm answers the form shown to user in chat, field by label; a
	// select is answered with the label of its option.
	FillForm(t *testing.T, user, chat string, answers map[string]string)
}

// BigFormAnswers are the answers of the adapters' form "big" (topic
// Catalogue): option 150 of its select, six answers of 900 characters and
// five short ones.
func BigFormAnswers() map[string]string {
	a := map[string]string{"Which one?": "Option 150"}
	for i := 2; i <= 12; i++ {
		if i <= 7 {
			a[fmt.Sprintf("Answer %d", i)] = strings.Repeat(string(rune('a'+i)), 900)
		} else {
			a[fmt.Sprintf("Answer %d", i)] = fmt.Sprintf("short answer %d", i)
		}
	}
	return a
}

// bigForm: the 12-field form of topic Catalogue, with a 150-option select,
// is filled in with option 150 and six 900-character answers; the ticket
// keeps every answer whole and the agent channel sees all of them on the
// card (split where the platform needs it, within its limits).
func bigForm(t *testing.T, s Session) {
	c, ok := s.(Chooser)
	f, ok2 := s.(FormFiller)
	if !ok || !ok2 {
		t.Skip("the session cannot choose options or fill forms")
	}
	req, agent := s.Requester(), s.Agent()
	dm := s.DM(t, req)
	s.Say(t, req, dm, "hi")
	has := func(label string) func([]string) bool {
		return func(o []string) bool { return slices.Contains(o, label) }
	}
	m, _ := waitOptions(t, s, c, req, dm, 0, has("Catalogue"))
	n := len(s.Messages(t, req, dm))
	c.Choose(t, req, m, "Catalogue")
	m, _ = waitOptions(t, s, c, req, dm, n, has("Topic 1"))
	n = len(s.Messages(t, req, dm))
	c.Choose(t, req, m, "Topic 1")
	offer := Wait(t, s, req, dm, n, "Topic 1", "Talk to an agent")
	n = len(s.Messages(t, req, dm))
	s.Press(t, req, offer, "Talk to an agent")
	answers := BigFormAnswers()
	f.FillForm(t, req, dm, answers)
	Wait(t, s, req, dm, n, "opened ticket", "IT-1")
	tk := ticket(t, s, "IT-1")
	got := map[string]string{}
	for _, a := range tk.Form {
		got[a.Label] = a.Value
	}
	for label, want := range answers {
		if got[label] != want {
			t.Errorf("IT-1's answer to %q is %d characters %q…, want the %d given", label, len(got[label]), head(got[label]), len(want))
		}
	}
	WaitFor(t, s, "every answer on the card of IT-1", func() bool {
		var all strings.Builder
		for _, m := range s.Messages(t, agent, s.AgentChannel()) {
			all.WriteString(words(m.Text) + " ")
		}
		for _, want := range answers {
			if !strings.Contains(all.String(), want) {
				return false
			}
		}
		return true
	})
}

// Chooser is a Session whose people pick options of a message's select menu
// (as the platform delivers such a choice); the menu cases need it.
type Chooser interface {
	// Options lists the labels of the select menu options on m, in order.
	Options(t *testing.T, m Message) []string
	// Choose picks the option labelled option on m as user.
	Choose(t *testing.T, user string, m Message, option string)
}

// waitOptions waits for a message of the bot in chat, after the first
// `after`, whose select offers want, and returns it with its options.
func waitOptions(t *testing.T, s Session, c Chooser, user, chat string, after int, want func([]string) bool) (Message, []string) {
	t.Helper()
	var found Message
	var opts []string
	WaitFor(t, s, "a menu in "+chat, func() bool {
		ms := s.Messages(t, user, chat)
		for i := len(ms) - 1; i >= after && i >= 0; i-- {
			if o := c.Options(t, ms[i]); len(o) > 0 && want(o) {
				found, opts = ms[i], o
				return true
			}
		}
		return false
	})
	return found, opts
}

// menu120: the adapters' FAQ has a topic "Catalogue" of 120 topics; every
// one of them can be reached from the menu on each platform (paged with
// "More…" where a select holds fewer, in option groups on Slack), and the
// 120th opens. A platform refusing an oversized select fails the case, as
// each fake enforces its platform's limit.
func menu120(t *testing.T, s Session) {
	c, ok := s.(Chooser)
	if !ok {
		t.Skip("the session cannot choose select options")
	}
	req := s.Requester()
	dm := s.DM(t, req)
	s.Say(t, req, dm, "hi")
	has := func(label string) func([]string) bool {
		return func(o []string) bool { return slices.Contains(o, label) }
	}
	m, _ := waitOptions(t, s, c, req, dm, 0, has("Catalogue"))
	n := len(s.Messages(t, req, dm))
	c.Choose(t, req, m, "Catalogue")
	seen := map[string]bool{}
	for page := 0; ; page++ {
		if page == 20 {
			t.Fatalf("Topic 120 not reached in 20 pages; seen %d topics", len(seen))
		}
		m, opts := waitOptions(t, s, c, req, dm, n, func(o []string) bool { return slices.ContainsFunc(o, isTopic) })
		for _, o := range opts {
			seen[o] = true
		}
		n = len(s.Messages(t, req, dm))
		if seen["Topic 120"] {
			c.Choose(t, req, m, "Topic 120")
			break
		}
		i := slices.IndexFunc(opts, func(o string) bool { return strings.HasPrefix(o, "More…") })
		if i < 0 {
			t.Fatalf("no Topic 120 and no More… on %v", opts)
		}
		c.Choose(t, req, m, opts[i])
	}
	// Topic 120's own page: it names Topic 120 and lists no other topic.
	WaitFor(t, s, "the page of Topic 120", func() bool {
		ms := s.Messages(t, req, dm)
		for _, m := range ms[min(n, len(ms)):] {
			if strings.Contains(m.Text, "Topic 120") && !strings.Contains(m.Text, "Topic 119") {
				return true
			}
		}
		return false
	})
	for i := 1; i <= 120; i++ {
		if !seen[fmt.Sprintf("Topic %d", i)] {
			t.Errorf("Topic %d was on no page of the menu", i)
		}
	}
}

func isTopic(o string) bool { return strings.HasPrefix(o, "Topic ") }

// LongQuestion is a question of 311 characters the FAQ cannot answer.
var LongQuestion = strings.TrimSpace(strings.Repeat("zebra quantum marmalade ", 13))

// longSubject: a 311-character question becomes a ticket whose subject is
// shortened for titles, and whose card shows the agent the whole question.
func longSubject(t *testing.T, s Session) {
	req, agent := s.Requester(), s.Agent()
	dm := s.DM(t, req)
	s.Say(t, req, dm, LongQuestion)
	offer := Wait(t, s, req, dm, 0, "know the answer", "Talk to an agent")
	n := len(s.Messages(t, req, dm))
	s.Press(t, req, offer, "Talk to an agent")
	Wait(t, s, req, dm, n, "opened ticket", "IT-1")
	tk := ticket(t, s, "IT-1")
	if len([]rune(tk.Subject)) > tickets.MaxSubjectLen {
		t.Errorf("subject of %d characters, want at most %d", len([]rune(tk.Subject)), tickets.MaxSubjectLen)
	}
	whole := false
	for _, a := range tk.Form {
		whole = whole || a.Value == LongQuestion
	}
	if !whole {
		t.Fatalf("IT-1 does not keep the whole question: subject %q, form %+v", tk.Subject, tk.Form)
	}
	Wait(t, s, agent, s.AgentChannel(), 0, "IT-1")
	WaitFor(t, s, "the whole question on the card of IT-1", func() bool {
		for _, m := range s.Messages(t, agent, s.AgentChannel()) {
			if strings.Contains(words(m.Text), LongQuestion) {
				return true
			}
		}
		return false
	})
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
// It is generous: the cases of a suite run in parallel under -race on a
// shared 2-core machine, where a 20,000-character answer alone takes 10 s.
const waitTimeout = 45 * time.Second

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
