package bot_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot/bottest"
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
