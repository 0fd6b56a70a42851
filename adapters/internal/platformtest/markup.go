package platformtest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Link is a link as the platform shows it: its visible text and where it
// goes.
type Link struct {
	Text, Target string
}

// Hidden reports whether the link's target is not what its text shows:
// a disguised link.
func (l Link) Hidden() bool {
	return strings.TrimSpace(l.Text) != strings.TrimSpace(l.Target)
}

// Markup is implemented by sessions that can say what the platform makes of
// a bot post: the links it shows and the people it notifies. The
// disguised-link case needs it.
type Markup interface {
	// Links returns every link of m as the platform renders it (a bare
	// address the platform links by itself has Text == Target).
	Links(t *testing.T, m Message) []Link
	// Notified returns who m notifies beyond the chat's usual notice: the
	// users it mentions and @here/@channel/@everyone/@all broadcasts, as
	// the platform would count them.
	Notified(t *testing.T, m Message) []string
}

// Payload is what an employee types to try to plant a disguised link and to
// notify people: markdown links (one to a protocol-relative address that
// browsers resolve to http://evil.example), Slack's link and mention syntax,
// broadcasts and @names.
const Payload = "@ada zebra [click here](https://evil.example/login) @here <@UADA> <!here> [x](/\\evil.example) " +
	"<https://evil.example/b|the docs> <@123456789012345678> @everyone @channel quantum marmalade"

// disguisedLinks: a question full of link and mention markup becomes a
// ticket; no post the requester or the agent sees (the "opened" reply, the
// ticket card, the group chat's summary) shows a link whose target differs
// from its text, or notifies anyone.
func disguisedLinks(t *testing.T, s Session) {
	mk, ok := s.(Markup)
	if !ok {
		t.Skip("the session cannot say what its platform renders")
	}
	req, agent := s.Requester(), s.Agent()
	dm := s.DM(t, req)
	s.Say(t, req, dm, Payload)
	offer := Wait(t, s, req, dm, 0, "Talk to an agent")
	n := len(s.Messages(t, req, dm))
	s.Press(t, req, offer, "Talk to an agent")
	Wait(t, s, req, dm, n, "IT-1")
	WaitFor(t, s, "IT-1 assigned", func() bool { return ticket(t, s, "IT-1").Status == tickets.StatusAssigned })
	if tk := ticket(t, s, "IT-1"); !strings.Contains(tk.Subject, "[click here](https://evil.example/login)") {
		t.Fatalf("the subject was not kept as typed: %q", tk.Subject)
	}
	card := Wait(t, s, agent, s.AgentChannel(), 0, "IT-1", "Start Chat")
	s.Press(t, agent, card, "Start Chat")
	WaitFor(t, s, "the group chat of IT-1", func() bool { return ticket(t, s, "IT-1").GroupChat != "" })
	group := s.GroupChat(t, ticket(t, s, "IT-1").GroupChat)
	Wait(t, s, agent, group, 0, "IT-1", "End Service")
	Wait(t, s, req, dm, n, "opened a chat") // Start Chat's last post

	seen := 0
	for _, where := range []struct{ user, chat string }{{req, dm}, {agent, s.AgentChannel()}, {agent, group}, {agent, s.DM(t, agent)}} {
		for _, m := range s.Messages(t, where.user, where.chat) {
			seen++
			for _, l := range mk.Links(t, m) {
				if l.Hidden() && strings.Contains(strings.ToLower(l.Target), "evil") {
					t.Errorf("a disguised link %q → %q in %s:\n%s", l.Text, l.Target, where.chat, m.Text)
				}
			}
			if who := mk.Notified(t, m); len(who) > 0 {
				t.Errorf("a post in %s notifies %v:\n%s", where.chat, who, m.Text)
			}
		}
	}
	if seen < 4 {
		t.Fatalf("only %d posts to check", seen)
	}
}

var (
	reMDLink = regexp.MustCompile(`^\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?[^)]*\)`)
	reMDAuto = regexp.MustCompile(`^<((?:https?|mailto):[^>\s]*)>`)
)

// MarkdownLinks finds the links a CommonMark-style renderer (Mattermost,
// Discord) makes of s: [text](target) and <address>, honouring backslash
// escapes and code spans. Bare addresses are linked as themselves, so they
// are not reported.
func MarkdownLinks(s string) []Link {
	var out []Link
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // the next character is literal
		case '`':
			if j := strings.IndexByte(s[i+1:], '`'); j >= 0 {
				i += j + 1
			}
		case '[':
			if m := reMDLink.FindStringSubmatch(s[i:]); m != nil && !strings.Contains(m[1], "\\]") {
				out = append(out, Link{Text: unescapeMD(m[1]), Target: m[2]})
				i += len(m[0]) - 1
			}
		case '<':
			if m := reMDAuto.FindStringSubmatch(s[i:]); m != nil {
				out = append(out, Link{Text: m[1], Target: m[1]})
				i += len(m[0]) - 1
			}
		}
	}
	return out
}

func unescapeMD(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
