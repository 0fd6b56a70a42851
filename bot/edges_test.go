package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// resolved escalates a question, starts and ends the chat, and returns the
// requester and the agent with the rating prompt shown.
func resolved(t *testing.T, h *bottest.Harness) (carl, agent *bottest.Person) {
	t.Helper()
	carl, _, agent = escalate(h)
	agent.Press("Start Chat")
	agent.PressIn(carl.Group().ID, "End Service")
	mustSee(t, carl, "How would you rate")
	return carl, agent
}

func TestSeveralRatingReasons(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, _ := resolved(t, h)
	carl.Press("★★★★☆")
	mustSee(t, carl, "Anything you'd like to add?")
	carl.Press("Fast")
	carl.Press("Friendly")
	carl.Press("Solved it")
	carl.Press("✓ Friendly") // a second press takes it back
	// The prompt shows what is chosen and keeps every other button live.
	last := carl.Last()
	var labels []string
	for _, b := range last.Buttons {
		labels = append(labels, b.Label)
	}
	if want := []string{"✓ Fast", "Friendly", "✓ Solved it", "Add a comment", "Done"}; !slices.Equal(labels, want) {
		t.Fatalf("buttons %q, want %q", labels, want)
	}
	if ev := h.Ticket("IT-1").Evaluation; ev == nil || ev.Rating != 4 || !slices.Equal(ev.Reasons, []string{"Fast", "Solved it"}) {
		t.Fatalf("evaluation = %+v", ev)
	}
	carl.Press("Done")
	mustSee(t, carl, "Thanks for your feedback!")
	if tr := h.Transcript(carl.DM(), carl.ID); strings.Contains(tr, "[Done]") || strings.Contains(tr, "Fast]") {
		t.Fatalf("after Done the prompt keeps live buttons:\n%s", tr)
	}
	mustSee(t, carl, "Noted: Fast, Solved it.")
}

func TestReasonsThenComment(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, _ := resolved(t, h)
	carl.Press("★★☆☆☆")
	carl.Press("Friendly")
	carl.Press("Fast")
	carl.Say("Took two tries")
	mustSee(t, carl, "Thanks for your feedback!")
	ev := h.Ticket("IT-1").Evaluation
	if ev == nil || ev.Rating != 2 || ev.Comment != "Took two tries" || !slices.Equal(ev.Reasons, []string{"Friendly", "Fast"}) {
		t.Fatalf("evaluation = %+v", ev)
	}
}

func TestReplyAfterRatingAndCommentOffersReopen(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, agent := resolved(t, h)
	carl.Press("★★★★★")
	carl.Say("Quick, thanks")
	mustSee(t, carl, "Thanks for your feedback!")
	if !strings.Contains(h.Transcript(carl.DM(), carl.ID), "You rated it ★★★★★.\n[Reopen]") {
		t.Fatalf("the rated prompt should keep its Reopen button:\n%s", h.Transcript(carl.DM(), carl.ID))
	}
	h.Clock.Advance(3 * time.Hour)
	carl.Say("thanks!")
	mustSee(t, carl, "You're welcome!")
	carl.Say("It dropped again this morning")
	mustSee(t, carl, "Is this about **IT-1**, resolved earlier?")
	mustNotSee(t, carl, "couldn't find")
	if st := h.Ticket("IT-1").Status; st != tickets.StatusResolved {
		t.Fatalf("status %s: only the press reopens", st)
	}
	carl.Press("Reopen")
	mustSee(t, carl, "I've reopened **IT-1**")
	tk := h.Ticket("IT-1")
	if tk.Status != tickets.StatusAssigned || tk.Assignee != agent.Name {
		t.Fatalf("reopened ticket %s/%s", tk.Status, tk.Assignee)
	}
	msgs, err := h.Store.Messages(context.Background(), tk.ID)
	if err != nil || len(msgs) == 0 || msgs[len(msgs)-1].Text != "It dropped again this morning" {
		t.Fatalf("the reply should be on the reopened ticket for the agent: %+v %v", msgs, err)
	}
	if !strings.Contains(h.Transcript(agent.DM(), agent.ID), "IT-1") {
		t.Fatal("the agent should hear of the reopened ticket")
	}
}

func TestThanksNeverReopens(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, _ := resolved(t, h)
	for _, s := range []string{"thanks!", "Thank you.", "ok, thanks", "Danke", "👍"} {
		carl.Say(s)
		mustSee(t, carl, "You're welcome!")
	}
	if st := h.Ticket("IT-1").Status; st != tickets.StatusResolved {
		t.Fatalf("status %s after thanks", st)
	}
	carl.Press("★★★☆☆") // the rating prompt is still live
	mustSee(t, carl, "Anything you'd like to add?")
}

func TestReplyAfterTheWindowIsANewQuestion(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, _ := resolved(t, h)
	h.Clock.Advance(73 * time.Hour)
	carl.Say("How do I reset my password?")
	mustNotSee(t, carl, "Is this about **IT-1**")
	mustSee(t, carl, "https://id.example.com/reset")
}

func TestClosedRoomEndServiceDoesNotEndTheReopenedTicket(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, agent := resolved(t, h)
	old := carl.Group().ID
	carl.Say("Broken again")
	carl.Press("Reopen")
	// The old room's End Service went when it closed; a stale client
	// pressing it still, before the new chat starts and after, is refused.
	agent.PressValue(old, "end", itoa(h.Ticket("IT-1").ID))
	if st := h.Ticket("IT-1").Status; st != tickets.StatusAssigned {
		t.Fatalf("the closed room's End Service changed the reopened ticket: %s", st)
	}
	agent.Press("Start Chat")
	agent.PressValue(old, "end", itoa(h.Ticket("IT-1").ID))
	if st := h.Ticket("IT-1").Status; st != tickets.StatusInService {
		t.Fatalf("the closed room's End Service changed the reopened ticket: %s", st)
	}
	if !strings.Contains(h.Transcript(old, agent.ID), "no longer active") {
		t.Fatalf("the agent should be told the button is stale:\n%s", h.Transcript(old, agent.ID))
	}
	groups := h.Platform.Groups("carl")
	if len(groups) != 2 {
		t.Fatalf("%d group chats", len(groups))
	}
	agent.PressIn(groups[1].ID, "End Service")
	if st := h.Ticket("IT-1").Status; st != tickets.StatusResolved {
		t.Fatalf("the new room's End Service should end the ticket: %s", st)
	}
}
