package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

const testConfig = "testdata/helpdesk.yaml"

func mustSee(t *testing.T, p *bottest.Person, text string) {
	t.Helper()
	if !p.Sees(text) {
		t.Fatalf("%s should see %q; they see:\n%s", p.Name, text, p.New())
	}
}

func mustNotSee(t *testing.T, p *bottest.Person, text string) {
	t.Helper()
	if p.Sees(text) {
		t.Fatalf("%s should not see %q", p.Name, text)
	}
}

func TestGreetingShowsDeskAndMenu(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl Example")
	carl.Say("hi")
	last := carl.Last()
	if !strings.Contains(last.Text, "IT Help Desk") || !strings.Contains(last.Text, "Laptops, accounts, VPN") {
		t.Fatalf("greeting should name the desk and describe it, got %q", last.Text)
	}
	if last.Select == nil || len(last.Select.Options) != 2 {
		t.Fatalf("greeting should offer the 2 top-level topics, got %+v", last.Select)
	}
	carl.Choose("Accounts")
	mustSee(t, carl, "{SAP}")
	carl.Choose("SAP")
	mustSee(t, carl, "{My SAP user is locked}")
	carl.Press("Back")
	carl.Choose("How do I reset my password?")
	mustSee(t, carl, "https://id.example.com/reset")
	if len(h.Tickets()) != 0 {
		t.Fatal("browsing the menu must not open a ticket")
	}
}

func TestConfidentAnswerThatHelped(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	carl.Say("How do I reset my password?")
	last := carl.Last()
	if !strings.Contains(last.Text, "https://id.example.com/reset") || !strings.Contains(last.Text, "Did this help?") {
		t.Fatalf("want the password answer with 'Did this help?', got %q", last.Text)
	}
	carl.Press("Yes")
	mustSee(t, carl, "Glad I could help")
	if len(h.Tickets()) != 0 {
		t.Fatal("a helpful answer must not open a ticket")
	}
}

func TestUnknownQuestionOffersMenuAndAgent(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	carl.Say("hello")
	carl.Say("zebra quantum marmalade")
	mustSee(t, carl, "I don't know the answer")
	last := carl.Last()
	if len(last.Buttons) != 2 || last.Buttons[0].Label != "Browse topics" || last.Buttons[1].Label != "Talk to an agent" {
		t.Fatalf("want [Browse topics] [Talk to an agent], got %s", bottest.Render(last))
	}
	carl.Press("Talk to an agent")
	// The accounts-less question has no topic: no form, the ticket opens at once.
	mustSee(t, carl, "I've opened ticket **IT-1**")
	tk := h.Ticket("IT-1")
	if tk.Subject != "zebra quantum marmalade" {
		t.Fatalf("subject = %q", tk.Subject)
	}
}

// TestDidYouMean: a question the FAQ is unsure about gets "Did you mean"
// with its choices and "None of these"; the choice the user tries is kept on
// the ticket. Whether "phone" is unsure depends on the FAQ model, so the test
// asks the model how sure it is and sets the desk's thresholds around that:
// the best hit lies between suggest and answer, the next one below suggest.
// The suggestion path (with one choice) is then certain, never skipped.
func TestDidYouMean(t *testing.T) {
	const question = "phone"
	cfg, err := config.Load(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	set, err := faq.BuildSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ix, _ := set.Desk("it")
	// The bot searches in the desk's default language: "hi" (a greeting)
	// sets no other.
	hits, err := ix.Search(context.Background(), question, cfg.Desk("it").DefaultLanguage(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].Confidence >= 1 || (len(hits) > 1 && hits[1].Confidence >= hits[0].Confidence) {
		t.Fatalf("the FAQ's hits for %q leave no room for a suggestion: %+v", question, hits)
	}
	next := 0.0
	if len(hits) > 1 {
		next = hits[1].Confidence
	}
	answer, suggest := (hits[0].Confidence+1)/2, (hits[0].Confidence+next)/2
	src, err := os.ReadFile(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := filepath.Abs(filepath.Dir(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	yaml := strings.ReplaceAll(string(src), "faq: faq/", "faq: "+filepath.Join(dir, "faq")+"/")
	itFAQ := "faq: " + filepath.Join(dir, "faq", "it.yaml") + "\n"
	if !strings.Contains(yaml, itFAQ) {
		t.Fatalf("the test config has no IT FAQ line %q", itFAQ)
	}
	yaml = strings.Replace(yaml, itFAQ, itFAQ+"    thresholds: {answer: "+strconv.FormatFloat(answer, 'g', -1, 64)+
		", suggest: "+strconv.FormatFloat(suggest, 'g', -1, 64)+"}\n", 1)
	path := filepath.Join(t.TempDir(), "helpdesk.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}

	h := bottest.New(t, path)
	carl := h.Person("carl", "Carl")
	carl.Say("hi")
	carl.Say(question)
	last := carl.Last()
	if !strings.Contains(last.Text, "Did you mean") {
		t.Fatalf("%q (confidence %.3f, thresholds answer %.3f suggest %.3f) got no suggestion: %s",
			question, hits[0].Confidence, answer, suggest, bottest.Render(last))
	}
	if last.Buttons[len(last.Buttons)-1].Label != "None of these" || len(last.Buttons) < 2 || len(last.Buttons) > 4 {
		t.Fatalf("want 1-3 choices and [None of these], got %s", bottest.Render(last))
	}
	if last.Buttons[0].Value != hits[0].ItemID {
		t.Fatalf("the first choice is %q, want the FAQ's best hit %q", last.Buttons[0].Value, hits[0].ItemID)
	}
	carl.Press(last.Buttons[0].Label)
	mustSee(t, carl, "Did this help?")
	carl.Press("No")
	carl.Press("Talk to an agent")
	tk := h.Ticket("IT-1")
	if len(tk.Suggested) != 1 || tk.Suggested[0] != last.Buttons[0].Value {
		t.Fatalf("the ticket should record the suggestion the user tried: %v", tk.Suggested)
	}
}

// journey walks the whole help desk journey with the form asked in chat.
func TestWholeJourneyWithFormInChat(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl Example")
	ada := h.Person("ada", "Ada")

	carl.Say("VPN does not connect")
	mustSee(t, carl, "GlobalProtect")
	carl.Press("No")
	carl.Press("Talk to an agent")
	mustSee(t, carl, "**1/3** Which system?")
	carl.Say("Oracle") // not an option
	mustSee(t, carl, "Please choose one of: SAP, GitLab, VPN")
	carl.Press("VPN")
	mustSee(t, carl, "**2/3** What happened?")
	carl.Say("") // required
	carl.Say("It drops every hour since Monday")
	mustSee(t, carl, "**3/3** Phone number _(optional)_")
	carl.Press("Skip")
	mustSee(t, carl, "I've opened ticket **IT-1** for you: VPN does not connect")
	mustSee(t, carl, "**Ada** will help you with **IT-1**")

	tk := h.Ticket("IT-1")
	if tk.Status != tickets.StatusAssigned || tk.Assignee != "Ada" || tk.Priority != tickets.PriorityHigh {
		t.Fatalf("ticket = %s/%s/%s, want assigned to Ada with high priority (network rule)", tk.Status, tk.Assignee, tk.Priority)
	}
	if tk.Category != "network" || len(tk.Suggested) != 1 || tk.Suggested[0] != "vpn-connect" {
		t.Fatalf("category %q suggested %v", tk.Category, tk.Suggested)
	}
	// Ada's card has the form answers and what the bot suggested.
	card := h.Transcript(ada.DM(), "ada")
	for _, want := range []string{"# IT-1 · VPN does not connect", "Which system?: VPN", "What happened?: It drops every hour since Monday",
		"Bot suggested: How do I connect to the VPN?", "[Start Chat]", "Priority: high"} {
		if !strings.Contains(card, want) {
			t.Fatalf("Ada's card lacks %q:\n%s", want, card)
		}
	}
	if !strings.Contains(h.Transcript("channel:it-agents", ""), "IT-1 · VPN does not connect") {
		t.Fatal("the card should also be in the agent channel")
	}

	ada.Press("Start Chat")
	g := carl.Group()
	if g.Spec.Name != "it-1-vpn-does-not-connect" || len(g.Members) != 2 {
		t.Fatalf("group chat %q with %v", g.Spec.Name, g.Members)
	}
	if !strings.Contains(h.Transcript(g.ID, "carl"), "[End Service]") {
		t.Fatal("the group chat should have an End Service button")
	}
	if !strings.Contains(h.Transcript(ada.DM(), "ada"), "In service with Ada") {
		t.Fatalf("the card should be updated in place:\n%s", h.Transcript(ada.DM(), "ada"))
	}
	carl.SayIn(g.ID, "Hi Ada, it just dropped again")
	ada.SayIn(g.ID, "Please update GlobalProtect to 6.2")
	carl.SayIn(g.ID, "That fixed it, thanks!")
	ada.PressIn(g.ID, "End Service")

	g, _ = h.Platform.Group(g.ID)
	if !g.Archived {
		t.Fatal("End Service should archive the group chat")
	}
	tk = h.Ticket("IT-1")
	if tk.Status != tickets.StatusResolved || tk.FirstResponseAt.IsZero() || tk.StartedAt.IsZero() || tk.EndedAt.IsZero() {
		t.Fatalf("ticket after End Service: %+v", tk)
	}
	msgs, err := h.Store.Messages(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, m := range msgs {
		lines = append(lines, m.Author.Name+": "+m.Text)
	}
	want := []string{"Carl Example: Hi Ada, it just dropped again", "Ada: Please update GlobalProtect to 6.2", "Carl Example: That fixed it, thanks!"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Fatalf("transcript:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}

	mustSee(t, carl, "**IT-1** is resolved. How would you rate")
	carl.Press("★★★★☆")
	mustSee(t, carl, "Anything you'd like to add?")
	carl.Press("Fast")
	carl.Say("Quick and friendly")
	mustSee(t, carl, "Thanks for your feedback!")
	tk = h.Ticket("IT-1")
	if tk.Evaluation == nil || tk.Evaluation.Rating != 4 || tk.Evaluation.Scale != 5 ||
		tk.Evaluation.Comment != "Quick and friendly" || len(tk.Evaluation.Reasons) != 1 || tk.Evaluation.Reasons[0] != "Fast" {
		t.Fatalf("evaluation = %+v", tk.Evaluation)
	}
	// After the evaluation, a reply inside the reopen window is offered
	// to reopen IT-1, or to go on as a new question.
	carl.Say("How do I reset my password?")
	mustSee(t, carl, "Is this about **IT-1**, resolved earlier?")
	carl.Press("New question")
	mustSee(t, carl, "https://id.example.com/reset")

	evs, err := h.Store.Events(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		if e.Kind != "cards" && e.Kind != "flag" && e.Kind != "message" {
			kinds = append(kinds, e.Kind+"/"+string(e.Actor.Role))
		}
	}
	if got := strings.Join(kinds, " "); got != "open/user assign/system start/agent end/agent evaluate/user evaluate/user evaluate/user" {
		t.Fatalf("audit trail: %s", got)
	}
}

func TestFormAsDialog(t *testing.T) {
	h := bottest.New(t, testConfig, bottest.WithForms())
	carl := h.Person("carl", "Carl")
	carl.Say("VPN does not connect")
	carl.Press("No")
	carl.Press("Talk to an agent")
	forms := h.Platform.OpenedForms()
	if len(forms) != 1 || forms[0].Form.Title != "Access request" || len(forms[0].Form.Fields) != 3 {
		t.Fatalf("want the Access request form opened as a dialog, got %+v", forms)
	}
	if f := forms[0].Form.Fields[0]; f.Type != bot.FieldSelect || len(f.Options) != 3 || !f.Required {
		t.Fatalf("select field = %+v", f)
	}
	carl.Submit(map[string]string{"system": "gitlab", "details": "403 on push"})
	mustSee(t, carl, "I've opened ticket **IT-1**")
	tk := h.Ticket("IT-1")
	if len(tk.Form) != 3 || tk.Form[0].Value != "GitLab" || tk.Form[1].Value != "403 on push" || tk.Form[2].Value != "" {
		t.Fatalf("form answers = %+v", tk.Form)
	}
}

func TestFormDialogWithMissingRequiredFieldContinuesInChat(t *testing.T) {
	h := bottest.New(t, testConfig, bottest.WithForms())
	carl := h.Person("carl", "Carl")
	carl.Say("VPN does not connect")
	carl.Press("No")
	carl.Press("Talk to an agent")
	carl.Submit(map[string]string{"system": "VPN"})
	mustSee(t, carl, "What happened?: This one is required.")
	carl.Say("It drops")
	carl.Press("Skip")
	mustSee(t, carl, "I've opened ticket **IT-1**")
}

func TestOnlyTheAssigneeOrAnAdminMayStartAndEnd(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	ada := h.Person("ada", "Ada")
	grace := h.Person("grace", "Grace")
	linus := h.Person("linus", "Linus")
	carl.Say("zebra quantum marmalade")
	carl.Press("Talk to an agent")
	tk := h.Ticket("IT-1")
	id := tk.ID
	assignee := tk.Assignee
	other, otherP := grace, "grace"
	if assignee == "Grace" {
		other, otherP = ada, "ada"
	}
	other.PressValue(other.DM(), "start", itoa(id))
	if !strings.Contains(h.Transcript(other.DM(), otherP), "Only the assigned agent ("+assignee+") or a desk admin can start the chat") {
		t.Fatalf("a non-assignee should get a private refusal:\n%s", h.Transcript(other.DM(), otherP))
	}
	carl.PressValue(carl.DM(), "start", itoa(id))
	if got := h.Ticket("IT-1"); got.Status != tickets.StatusAssigned || len(h.Platform.Groups("carl")) != 0 {
		t.Fatal("a refused Start Chat must change nothing")
	}
	// A desk admin may act for the assignee.
	linus.PressValue(linus.DM(), "start", itoa(id))
	if got := h.Ticket("IT-1"); got.Status != tickets.StatusInService {
		t.Fatalf("admin Start Chat: status %s", got.Status)
	}
	g := carl.Group()
	other.PressValue(g.ID, "end", itoa(id))
	if got := h.Ticket("IT-1"); got.Status != tickets.StatusInService {
		t.Fatal("a non-assignee must not end the service")
	}
	// The requester may end it.
	carl.PressIn(g.ID, "End Service")
	if got := h.Ticket("IT-1"); got.Status != tickets.StatusResolved {
		t.Fatalf("requester End Service: status %s", got.Status)
	}
	// Only the requester rates.
	other.PressValue(other.DM(), "rate", itoa(id)+":1")
	if h.Ticket("IT-1").Evaluation != nil {
		t.Fatal("someone else rated the ticket")
	}
}

// escalate has Carl ask what the FAQ does not know and talk to an agent: it
// returns Carl, his ticket IT-1 and the agent it went to.
func escalate(h *bottest.Harness) (*bottest.Person, *tickets.Ticket, *bottest.Person) {
	h.T.Helper()
	carl := h.Person("carl", "Carl")
	carl.Say("zebra quantum marmalade")
	carl.Press("Talk to an agent")
	tk := h.Ticket("IT-1")
	return carl, tk, h.Person(strings.ToLower(tk.Assignee), tk.Assignee)
}

func itoa(id int64) string {
	return strconv.FormatInt(id, 10)
}

func TestQueueWhenNobodyIsAvailable(t *testing.T) {
	h := bottest.New(t, testConfig)
	ada := h.Person("ada", "Ada")
	grace := h.Person("grace", "Grace")
	ada.Command("offline")
	grace.Command("away")
	mustSee(t, ada, "You are now offline.")
	carl := h.Person("carl", "Carl")
	carl.Say("zebra quantum marmalade")
	carl.Press("Talk to an agent")
	mustSee(t, carl, "Your ticket is number 1 in the queue")
	if h.Ticket("IT-1").Status != tickets.StatusOpen {
		t.Fatal("ticket should be queued")
	}
	dora := h.Person("dora", "Dora")
	dora.Say("xylophone nebula")
	dora.Press("Talk to an agent")
	mustSee(t, dora, "number 2 in the queue")
	grace.Command("online")
	if got := h.Ticket("IT-1"); got.Assignee != "Grace" {
		t.Fatalf("the oldest ticket should go to Grace when she comes online, got %q", got.Assignee)
	}
	if got := h.Ticket("IT-2"); got.Assignee != "Grace" {
		t.Fatalf("Grace can take two (max_open 2), got %q", got.Assignee)
	}
	mustSee(t, carl, "**Grace** will help you with **IT-1**")
	eve := h.Person("eve", "Eve")
	eve.Say("quasar lemonade")
	eve.Press("Talk to an agent")
	if got := h.Ticket("IT-3"); got.Status != tickets.StatusOpen {
		t.Fatalf("Grace is full (max_open 2): IT-3 should wait, got %s", got.Status)
	}
	grace.PressValue(grace.DM(), "start", itoa(h.Ticket("IT-1").ID))
	grace.PressIn(carl.Group().ID, "End Service")
	if got := h.Ticket("IT-3"); got.Assignee != "Grace" {
		t.Fatalf("IT-3 should go to Grace once she frees up, got %q/%s", got.Assignee, got.Status)
	}
}

func TestHighPriorityIsServedFirst(t *testing.T) {
	h := bottest.New(t, testConfig)
	ada := h.Person("ada", "Ada")
	ada.Command("offline")
	h.Person("grace", "Grace").Command("offline")
	dora := h.Person("dora", "Dora")
	dora.Say("xylophone nebula")
	dora.Press("Talk to an agent") // IT-1, normal
	h.Clock.Advance(time.Minute)
	carl := h.Person("carl", "Carl")
	carl.Say("VPN does not connect") // network → high
	carl.Press("No")
	carl.Press("Talk to an agent")
	carl.Press("VPN")
	carl.Say("drops")
	carl.Press("Skip")
	q, err := h.Store.Queue(context.Background(), "it")
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q[0].Key != "IT-2" {
		t.Fatalf("the high-priority IT-2 should lead the queue: %v", q)
	}
	ada.Command("online")
	if got := h.Ticket("IT-2"); got.Assignee != "Ada" {
		t.Fatalf("IT-2 → %q", got.Assignee)
	}
}

func TestAgentWhoDoesNotStartLosesTheTicket(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	carl.Say("zebra quantum marmalade")
	carl.Press("Talk to an agent")
	first := h.Ticket("IT-1").Assignee
	h.Tick(9 * time.Minute)
	if h.Ticket("IT-1").Assignee != first {
		t.Fatal("not yet timed out")
	}
	h.Tick(2 * time.Minute)
	tk := h.Ticket("IT-1")
	if tk.Assignee == first || tk.Assignee == "" || tk.Status != tickets.StatusAssigned {
		t.Fatalf("after the timeout the ticket should go to the other agent, got %q/%s", tk.Assignee, tk.Status)
	}
	firstP := h.Person(strings.ToLower(first), first)
	mustSee(t, firstP, "was passed on to the next agent")
	if !strings.Contains(h.Transcript(firstP.DM(), firstP.ID), "Assigned to "+tk.Assignee) {
		t.Fatalf("%s's card should show the new assignee:\n%s", first, h.Transcript(firstP.DM(), firstP.ID))
	}
	// The old card no longer starts anything.
	firstP.PressValue(firstP.DM(), "start", itoa(tk.ID))
	if h.Ticket("IT-1").Status != tickets.StatusAssigned {
		t.Fatal("the previous agent must not start the chat any more")
	}
}

func TestReplyAfterEndReopens(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, _, agent := escalate(h)
	agent.Press("Start Chat")
	agent.PressIn(carl.Group().ID, "End Service")
	mustSee(t, carl, "How would you rate")
	h.Clock.Advance(2 * time.Hour)
	carl.Say("Sorry, it is broken again")
	mustSee(t, carl, "Is this about **IT-1**, resolved earlier?")
	if h.Ticket("IT-1").Status != tickets.StatusResolved {
		t.Fatal("a reply alone must not reopen the ticket")
	}
	carl.Press("Reopen")
	mustSee(t, carl, "I've reopened **IT-1**")
	tk := h.Ticket("IT-1")
	if tk.Status != tickets.StatusAssigned || tk.Assignee != agent.Name {
		t.Fatalf("reopened ticket: %s/%s", tk.Status, tk.Assignee)
	}
	agent.Press("Start Chat")
	if h.Ticket("IT-1").Status != tickets.StatusInService || len(h.Platform.Groups("carl")) != 2 {
		t.Fatal("the agent should be able to start a new chat for the reopened ticket")
	}
}

func TestReopenWindowCloses(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, _, agent := escalate(h)
	agent.Press("Start Chat")
	agent.PressIn(carl.Group().ID, "End Service")
	h.Clock.Advance(73 * time.Hour)
	carl.Press("Reopen")
	mustSee(t, carl, "IT-1 can no longer be reopened")
	if h.Ticket("IT-1").Status != tickets.StatusResolved {
		t.Fatal("reopened after the window")
	}
}

func TestSilentChatIsWarnedThenClosed(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, _, agent := escalate(h)
	agent.Press("Start Chat")
	g := carl.Group()
	h.Tick(119 * time.Minute)
	if strings.Contains(h.Transcript(g.ID, "carl"), "No one has written here") {
		t.Fatal("warned too early")
	}
	h.Tick(2 * time.Minute)
	if !strings.Contains(h.Transcript(g.ID, "carl"), "No one has written here for 2h") {
		t.Fatalf("want an inactivity warning:\n%s", h.Transcript(g.ID, "carl"))
	}
	h.Tick(time.Minute)
	if strings.Count(h.Transcript(g.ID, "carl"), "No one has written here") != 1 {
		t.Fatal("the warning must fire once")
	}
	h.Tick(22 * time.Hour)
	if h.Ticket("IT-1").Status != tickets.StatusResolved {
		t.Fatal("a silent chat should close itself after 24h")
	}
	mustSee(t, carl, "How would you rate")
	if g, _ := h.Platform.Group(g.ID); !g.Archived {
		t.Fatal("the auto-closed chat should be archived")
	}
}

func TestDuplicateEventHasOneEffect(t *testing.T) {
	h := bottest.New(t, testConfig)
	ev := bot.Event{ID: "same-id", Platform: "web", Kind: bot.EventMessage, User: bot.User{ID: "carl", Name: "Carl"},
		Chat: bot.Chat{ID: bottest.DMChat("carl"), Kind: bot.ChatDirect}, Text: "How do I reset my password?"}
	h.Deliver(ev)
	n := h.Platform.Count()
	h.Deliver(ev)
	if h.Platform.Count() != n {
		t.Fatal("a redelivered event must not be answered twice")
	}
	carl := h.Person("carl", "Carl")
	carl.Say("zebra quantum marmalade")
	s := h.Platform.Messages(carl.DM(), "carl")
	last := s[len(s)-1]
	press := bot.Event{ID: "press-1", Platform: "web", Kind: bot.EventAction, User: bot.User{ID: "carl", Name: "Carl"},
		Chat: bot.Chat{ID: carl.DM(), Kind: bot.ChatDirect}, Action: bot.Action{ID: "agent", Message: last.Ref}}
	h.Deliver(press)
	h.Deliver(press)
	if n := len(h.Tickets()); n != 1 {
		t.Fatalf("a double-delivered Talk to an agent made %d tickets", n)
	}
}

func TestDeskAvailabilityAndChoice(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl") // not on the HR list: only IT
	carl.Say("hi")
	mustSee(t, carl, "IT Help Desk")
	mustNotSee(t, carl, "HR Desk")

	ann := h.Person("ann", "Ann")
	ann.Say("Where do I find my payslip?")
	mustSee(t, ann, "Which help desk can help you?")
	ann.Press("HR Desk")
	mustSee(t, ann, "Payslips are in the HR portal")
}

func TestDeskOfflineAndAdmin(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	carl.Command("desk it offline")
	mustSee(t, carl, "Only admins of the IT Help Desk")
	boss := h.Person("boss@example.com", "Boss")
	boss.Command("desk it offline")
	mustSee(t, boss, "The IT Help Desk is now offline.")
	carl.Say("How do I reset my password?")
	mustSee(t, carl, "The IT Help Desk is offline at the moment")
	mustNotSee(t, carl, "id.example.com")
	boss.Command("desk it online")
	carl.Say("How do I reset my password?")
	mustSee(t, carl, "id.example.com")
}

func TestDeskHoursTellWhenItOpens(t *testing.T) {
	// Saturday 2026-11-21 12:00 Berlin: the HR desk is closed until Monday 09:00.
	h := bottest.New(t, testConfig, bottest.WithStart(time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC)))
	ann := h.Person("ann", "Ann")
	ann.Say("hi")
	ann.Press("HR Desk")
	ann.Say("my bonus is missing")
	ann.Press("Talk to an agent")
	mustSee(t, ann, "It opens again Mon 23 Nov 09:00 (Europe/Berlin)")
	if h.Ticket("HR-1").Status != tickets.StatusOpen {
		t.Fatal("the ticket should wait for the desk to open")
	}
	h.Tick(46 * time.Hour) // Monday 09:00 Berlin
	if got := h.Ticket("HR-1"); got.Assignee != "Hope" {
		t.Fatalf("Hope should get HR-1 when her shift starts, got %q/%s", got.Assignee, got.Status)
	}
}

func TestLocaleChoosesLanguage(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("klaus", "Klaus")
	carl.Locale = "de-DE"
	carl.Say("Passwort vergessen")
	mustSee(t, carl, "Wie setze ich mein Passwort zurück?")
	mustSee(t, carl, "Gehen Sie zu")
}

func TestAgentPullsFAQIntoChatAndSeesEarlierTickets(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, _, agent := escalate(h)
	agent.Press("Start Chat")
	g := carl.Group()
	// The search is a private list of results, with the command that posts one.
	agent.CommandIn(g.ID, bot.ChatGroup, "faq reset password")
	list := h.Transcript(g.ID, agent.ID)
	if !strings.Contains(list, "How do I reset my password?") || !strings.Contains(list, "`/helpdesk faq post ") {
		t.Fatalf("the agent should see a list of FAQ entries:\n%s", list)
	}
	if strings.Contains(h.Transcript(g.ID, "carl"), "How do I reset my password?") {
		t.Fatal("the requester sees the agent's FAQ search")
	}
	id := regexp.MustCompile("`/helpdesk faq post ([^`]+)`").FindStringSubmatch(list)[1]
	agent.CommandIn(g.ID, bot.ChatGroup, "faq post "+id)
	if !strings.Contains(h.Transcript(g.ID, "carl"), "https://id.example.com/reset") {
		t.Fatalf("the FAQ answer should be posted in the chat:\n%s", h.Transcript(g.ID, "carl"))
	}
	// The transcript says the bot wrote it, at the agent's request.
	ms, _ := h.Store.Messages(context.Background(), h.Ticket("IT-1").ID)
	if last := ms[len(ms)-1]; last.Author.Role != tickets.RoleSystem || !strings.Contains(last.Author.Name, "posted by "+agent.Name) {
		t.Errorf("the posted answer is attributed to %+v", last.Author)
	}
	carl.CommandIn(g.ID, bot.ChatGroup, "faq reset password")
	if !strings.Contains(h.Transcript(g.ID, "carl"), "Only agents can post FAQ answers here.") {
		t.Fatal("users may not post FAQ answers")
	}
	agent.PressIn(g.ID, "End Service")
	carl.Press("★★★★★")
	carl.Press("Skip")
	carl.Say("quasar lemonade")
	carl.Press("Talk to an agent")
	tk2 := h.Ticket("IT-2")
	agent2 := h.Person(strings.ToLower(tk2.Assignee), tk2.Assignee)
	if !strings.Contains(h.Transcript(agent2.DM(), agent2.ID), "Earlier tickets: IT-1 (zebra quantum marmalade, resolved)") {
		t.Fatalf("the card should list the user's earlier tickets:\n%s", h.Transcript(agent2.DM(), agent2.ID))
	}
}

func TestTransferSnoozeAndNotes(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, tk, _ := escalate(h)
	from := h.Person(strings.ToLower(tk.Assignee), tk.Assignee)
	toName := "Grace"
	if tk.Assignee == "Grace" {
		toName = "Ada"
	}
	to := h.Person(strings.ToLower(toName), toName)
	carl.Command("transfer IT-1 " + toName)
	mustSee(t, carl, "Only agents of the it desk")
	from.Command("note IT-1 @" + toName + " can you take this? it is about SAP")
	mustSee(t, to, "mentioned you in a note on **IT-1**")
	from.Command("transfer IT-1 " + toName)
	if got := h.Ticket("IT-1"); got.Assignee != toName {
		t.Fatalf("transfer: assignee %q", got.Assignee)
	}
	to.Press("Start Chat")
	to.Command("snooze IT-1 2h")
	if got := h.Ticket("IT-1"); got.Status != tickets.StatusSnoozed {
		t.Fatalf("snooze: %s", got.Status)
	}
	h.Tick(2*time.Hour + time.Minute)
	if got := h.Ticket("IT-1"); got.Status != tickets.StatusInService {
		t.Fatalf("wake: %s", got.Status)
	}
	mustSee(t, to, "**IT-1** is back from snooze")
	msgs, _ := h.Store.Messages(context.Background(), tk.ID)
	var notes int
	for _, m := range msgs {
		if m.Kind == tickets.KindNote {
			notes++
		}
	}
	if notes != 1 {
		t.Fatalf("want 1 internal note, got %d", notes)
	}
	mustNotSee(t, carl, "can you take this")
}

func TestUserTextCannotBroadcast(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	carl.Say("@channel @here <!everyone> urgent zebra")
	carl.Press("Talk to an agent")
	tk := h.Ticket("IT-1")
	for _, bad := range []string{"@channel", "@here", "!everyone"} {
		if strings.Contains(tk.Subject, bad) {
			t.Fatalf("subject keeps %q: %q", bad, tk.Subject)
		}
	}
	if !strings.Contains(tk.Subject, "urgent zebra") {
		t.Fatalf("subject lost the words: %q", tk.Subject)
	}
}

func TestHotReloadKeepsConversationsGoing(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	carl.Say("VPN does not connect")
	carl.Press("No")
	carl.Press("Talk to an agent")
	carl.Press("VPN")
	h.Reload(testConfig) // a new snapshot mid-form
	carl.Say("drops")
	carl.Press("Skip")
	mustSee(t, carl, "I've opened ticket **IT-1**")
}

func TestSLAWarningAndBreachGoToTheAgentChannel(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	carl.Say("zebra quantum marmalade")
	carl.Press("Talk to an agent")
	h.Tick(19 * time.Minute)
	channel := func() string { return h.Transcript("channel:it-agents", "") }
	if strings.Contains(channel(), "⚠️") {
		t.Fatal("warned too early")
	}
	h.Tick(2 * time.Minute)
	if strings.Count(channel(), "⚠️ **IT-1**") != 1 {
		t.Fatalf("want one SLA warning 10m before the breach:\n%s", channel())
	}
	h.Tick(10 * time.Minute)
	if strings.Count(channel(), "⚠️ **IT-1**") != 2 {
		t.Fatalf("want the breach reported once:\n%s", channel())
	}
	h.Tick(time.Hour)
	if strings.Count(channel(), "⚠️ **IT-1**") != 2 {
		t.Fatal("SLA messages must fire once each")
	}
}

func TestQuestionsAreLoggedWithTheirOutcome(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	carl.Say("How do I reset my password?")
	carl.Press("Yes")
	carl.Say("zebra quantum marmalade")
	carl.Press("Talk to an agent")
	qs, err := h.Store.Questions(context.Background(), tickets.QuestionFilter{Desk: "it"})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 2 {
		t.Fatalf("want 2 logged questions, got %+v", qs)
	}
	if qs[0].Outcome != tickets.OutcomeHelpful || qs[0].ItemID != "password-reset" || qs[0].Confidence < 0.65 {
		t.Errorf("first question: %+v", qs[0])
	}
	if qs[1].Outcome != tickets.OutcomeEscalated || qs[1].TicketID != h.Ticket("IT-1").ID {
		t.Errorf("second question: %+v", qs[1])
	}
}

func TestWebCommandSendsALinkOnlyWhenTheWebIsServed(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	carl.Command("web")
	mustSee(t, carl, "not enabled")
}

func TestRepliesInACardThreadAreInternalNotes(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, tk, _ := escalate(h)
	card := h.Platform.Messages("channel:it-agents", "")[0]
	other := "Grace"
	if tk.Assignee == "Grace" {
		other = "Ada"
	}
	reply := func(user, name, text string) {
		h.Deliver(bot.Event{ID: "r-" + user + text, Kind: bot.EventMessage, User: bot.User{ID: user, Name: name},
			Chat: bot.Chat{ID: "channel:it-agents", Kind: bot.ChatChannel, Thread: card.Ref.ID}, Text: text})
	}
	reply(strings.ToLower(other), other, "@"+tk.Assignee+" the user called, it is urgent")
	reply("carl", "Carl", "a user in the channel is not an agent")
	msgs, err := h.Store.Messages(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Kind != tickets.KindNote || msgs[0].Author.Name != other {
		t.Fatalf("want one internal note by %s, got %+v", other, msgs)
	}
	assignee := h.Person(strings.ToLower(tk.Assignee), tk.Assignee)
	mustSee(t, assignee, other+" mentioned you in a note on **IT-1**")
	mustNotSee(t, carl, "it is urgent")
}

// TestCardShowsTagsAndCloseReason: the agents' card lists the desk's tags
// and, once ended, the close reason.
func TestCardShowsTagsAndCloseReason(t *testing.T) {
	h := bottest.New(t, testConfig)
	_, tk, agent := escalate(h)
	actor := tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: agent.ID, Name: tk.Assignee}
	tags := []string{"vpn", "home-office"}
	if _, err := h.Engine.Edit(context.Background(), tk.ID, tickets.Edit{Tags: &tags}, actor, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	if dm := h.Transcript(agent.DM(), agent.ID); !strings.Contains(dm, "Tags: home-office, vpn") {
		t.Fatalf("the card has no tags:\n%s", dm)
	}
	if _, err := h.Engine.EndServiceWithReason(context.Background(), tk.ID, "", "Duplicate", actor, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	if dm := h.Transcript(agent.DM(), agent.ID); !strings.Contains(dm, "Close reason: Duplicate") {
		t.Fatalf("the card has no close reason:\n%s", dm)
	}
}

// TestAgentCommandsTypedInTheDM: an agent's commands work without
// /helpdesk in their DM; a mistyped one gets a hint and is not logged as a
// question the FAQ could not answer; an employee's words are questions.
func TestAgentCommandsTypedInTheDM(t *testing.T) {
	h := bottest.New(t, testConfig)
	ada := h.Person("ada", "Ada")
	ada.Say("away")
	mustSee(t, ada, "You are now away.")
	ada.Say("onlnie")
	mustSee(t, ada, "did you mean `/helpdesk online`?")
	ada.Command("offlien")
	mustSee(t, ada, "did you mean `/helpdesk offline`?")
	// A ticket command mistyped before a ticket key is a command too, with
	// or without /helpdesk, whether or not the ticket exists.
	ada.Say("snoze IT-3 2h")
	mustSee(t, ada, "There is no command \"snoze\"; did you mean `/helpdesk snooze`?")
	ada.Command("nots it-12 called the user back")
	mustSee(t, ada, "did you mean `/helpdesk note`?")
	qs, err := h.Store.Questions(context.Background(), tickets.QuestionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 0 {
		t.Errorf("an agent's commands were logged as questions: %+v", qs)
	}
	// Other words after a near-verb are a question, as before.
	ada.Say("snoze the alarm")
	if qs, err := h.Store.Questions(context.Background(), tickets.QuestionFilter{}); err != nil || len(qs) != 1 || qs[0].Text != "snoze the alarm" {
		t.Errorf("questions %+v (%v), want the one about the alarm", qs, err)
	}
	carl := h.Person("carl", "Carl")
	carl.Say("away")
	if strings.Contains(h.Transcript(carl.DM(), carl.ID), "You are now") {
		t.Error("an employee's word was taken as an agent command")
	}
}
