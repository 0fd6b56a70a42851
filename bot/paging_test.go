package bot_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// bigDesk writes a config whose desk has topics FAQ topics (each with one
// question) and a form of twelve fields, one a select of options entries.
func bigDesk(t *testing.T, topics, options int) string {
	t.Helper()
	dir := t.TempDir()
	var faqY strings.Builder
	faqY.WriteString("menu:\n")
	for i := 1; i <= topics; i++ {
		fmt.Fprintf(&faqY, "  - id: t%d\n    title: Topic %d\n    form: big\n    items:\n      - id: q%d\n        question: Question of topic %d?\n        answer: Answer of topic %d.\n", i, i, i, i, i)
	}
	var opts []string
	for i := 1; i <= options; i++ {
		opts = append(opts, fmt.Sprintf("Option %d", i))
	}
	var fields strings.Builder
	fmt.Fprintf(&fields, "          - {id: pick, label: \"Which one?\", type: select, required: true, options: [%s]}\n", strings.Join(opts, ", "))
	for i := 2; i <= 12; i++ {
		fmt.Fprintf(&fields, "          - {id: f%d, label: Field %d, type: paragraph}\n", i, i)
	}
	cfg := `store: sqlite:unused.db
listen: 127.0.0.1:0
platforms:
  web: {enabled: true}
desks:
  - id: it
    name: IT Help Desk
    faq: faq.yaml
    forms:
      big:
        title: Big form
        fields:
` + fields.String() + `    agents:
      - {name: Ada, web: ada}
    agent_channel: {web: "channel:it-agents"}
`
	for name, body := range map[string]string{"helpdesk.yaml": cfg, "faq.yaml": faqY.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "helpdesk.yaml")
}

// newestSelect is the newest select carl sees.
func newestSelect(t *testing.T, h *bottest.Harness, p *bottest.Person) *bot.Select {
	t.Helper()
	msgs := h.Platform.Messages(p.DM(), p.ID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if s := msgs[i].Msg.Select; s != nil {
			return s
		}
	}
	t.Fatalf("%s sees no select", p.Name)
	return nil
}

// browse turns the pages of the newest select with "More…" until it offers
// want, and tells what it saw on the way; it fails past 20 pages.
func browse(t *testing.T, h *bottest.Harness, p *bottest.Person, want string) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for range 20 {
		sel := newestSelect(t, h, p)
		if h.Platform.SelectLimit > 0 && len(sel.Options) > h.Platform.SelectLimit {
			t.Fatalf("a select of %d options on a platform that shows %d", len(sel.Options), h.Platform.SelectLimit)
		}
		more := ""
		for _, o := range sel.Options {
			seen[o.Label] = true
			if strings.HasPrefix(o.Label, "More…") {
				more = o.Label
			}
		}
		if seen[want] {
			return seen
		}
		if more == "" {
			t.Fatalf("%q is on no page; the last page offers %v", want, sel.Options)
		}
		p.Choose(more)
	}
	t.Fatalf("%q not found in 20 pages", want)
	return nil
}

// TestMenuOf120TopicsPagesAtThePlatformLimit: on a platform whose selects
// show 25 options, every one of 120 topics can be reached with "More…",
// and one on the last page opens; where selects show any number, all 120
// are in the first menu.
func TestMenuOf120TopicsPagesAtThePlatformLimit(t *testing.T) {
	path := bigDesk(t, 120, 3)
	h := bottest.New(t, path, bottest.WithSelectLimit(25))
	carl := h.Person("carl", "Carl")
	carl.Say("hi")
	seen := browse(t, h, carl, "Topic 120")
	for i := 1; i <= 120; i++ {
		if !seen[fmt.Sprintf("Topic %d", i)] {
			t.Errorf("Topic %d was on no page", i)
		}
	}
	carl.Choose("Topic 120")
	carl.Choose("Question of topic 120?")
	mustSee(t, carl, "Answer of topic 120.")

	// Back from a later page: "‹ Previous" shows the page before.
	carl.Press("Back")
	browse(t, h, carl, "Topic 50")
	sel := newestSelect(t, h, carl)
	if !strings.HasPrefix(sel.Options[0].Label, "‹ Previous") {
		t.Fatalf("a later page starts with %q, want ‹ Previous", sel.Options[0].Label)
	}
	carl.Choose(sel.Options[0].Label)
	if first := newestSelect(t, h, carl).Options[1].Label; first != "Topic 24" {
		t.Fatalf("the page before 47–69 starts with %q, want Topic 24", first)
	}

	all := bottest.New(t, path)
	ann := all.Person("ann", "Ann")
	ann.Say("hi")
	if n := len(newestSelect(t, all, ann).Options); n != 120 {
		t.Fatalf("without a platform limit the menu offers %d topics, want 120", n)
	}
}

// TestFormSelectOf150OptionsInChat: a form asked in chat on a platform whose
// selects show 25 offers option 150 on a later page, and choosing it is the
// answer on the ticket (never "not one of the options").
func TestFormSelectOf150OptionsInChat(t *testing.T) {
	h := bottest.New(t, bigDesk(t, 2, 150), bottest.WithSelectLimit(25))
	carl := h.Person("carl", "Carl")
	carl.Say("hi")
	carl.Choose("Topic 2")
	carl.Choose("Question of topic 2?")
	carl.Press("No")
	carl.Press("Talk to an agent")
	mustSee(t, carl, "Which one?")
	seen := browse(t, h, carl, "Option 150")
	for i := 1; i <= 150; i++ {
		if !seen[fmt.Sprintf("Option %d", i)] {
			t.Errorf("Option %d was on no page", i)
		}
	}
	carl.Choose("Option 150")
	for i := 2; i <= 12; i++ {
		carl.Say(strings.Repeat("x", 900))
	}
	mustSee(t, carl, "IT-1")
	tk := h.Ticket("IT-1")
	if len(tk.Form) != 12 || tk.Form[0].Value != "Option 150" {
		t.Fatalf("IT-1's form: %+v, want 12 answers, the first Option 150", tk.Form)
	}
	for _, a := range tk.Form[1:] {
		if len([]rune(a.Value)) != 900 {
			t.Fatalf("answer %s has %d characters, want the 900 typed", a.ID, len([]rune(a.Value)))
		}
	}
}

// TestCardRefusedIsNeverSilent: when the platform refuses the ticket's card
// (as Discord one over its limits), the agent channel is told in plain text
// and the requester is not promised an agent who was never told; the ticket
// stays assigned, for the assign timeout to pass on.
func TestCardRefusedIsNeverSilent(t *testing.T) {
	h := bottest.New(t, testConfig)
	h.Platform.Refuse = func(chat string, msg bot.Message) error {
		if msg.Title != "" {
			return errors.New("400 Bad Request: embeds over 6000 characters")
		}
		return nil
	}
	carl := h.Person("carl", "Carl")
	carl.Say("hello")
	carl.Say("zebra quantum marmalade")
	carl.Press("Talk to an agent")
	mustSee(t, carl, "I've opened ticket **IT-1**")
	mustSee(t, carl, "could not reach the agent")
	if strings.Contains(h.Transcript(carl.DM(), "carl"), "will help you with") {
		t.Fatalf("the requester is promised an agent who got no card:\n%s", h.Transcript(carl.DM(), "carl"))
	}
	channel := h.Transcript("channel:it-agents", "")
	for _, want := range []string{"The card of **IT-1**", "could not be posted to Ada's DM", "could not be posted to this channel", "embeds over 6000"} {
		if !strings.Contains(channel, want) {
			t.Errorf("the agent channel lacks %q:\n%s", want, channel)
		}
	}
	if tk := h.Ticket("IT-1"); tk.Status != tickets.StatusAssigned {
		t.Fatalf("IT-1 is %s, want still assigned (routable)", tk.Status)
	}
}
