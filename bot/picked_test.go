package bot_test

import (
	"context"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// A "Did you mean" pick that the user then says helped is logged as
// picked_helpful, so `helpdesk faq suggest` can offer its wording as an
// alternate; a plain helpful answer stays helpful.
func TestPickedAndHelpfulIsLoggedAsSuch(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	carl.Say("password trouble")
	if !carl.Sees("Did you mean") {
		t.Fatalf("want suggestions, last message: %+v", carl.Last())
	}
	carl.Press("How do I reset my password?")
	carl.Press("Yes")
	carl.Say("How do I reset my password?")
	carl.Press("Yes")
	qs, err := h.Store.Questions(context.Background(), tickets.QuestionFilter{Desk: "it"})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 2 {
		t.Fatalf("want 2 logged questions, got %+v", qs)
	}
	if qs[0].Outcome != tickets.OutcomePickedHelpful || qs[0].ItemID != "password-reset" {
		t.Errorf("picked question: %+v", qs[0])
	}
	if qs[1].Outcome != tickets.OutcomeHelpful {
		t.Errorf("answered question: %+v", qs[1])
	}
}
