package center_test

import (
	"net/http"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// The API's reply action goes through the engine's Reply (which sends it to
// the requester) and lands in the transcript; an empty reply is refused.
func TestAPIReply(t *testing.T) {
	e := newEnv(t)
	body := `{"desk":"it","subject":"Printer","requester":{"platform":"web","id":"carol@example.com","name":"Carol"}}`
	if status, out := e.api("POST", "/api/v1/tickets", crmToken, body); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, out)
	}
	if status, out := e.api("POST", "/api/v1/tickets/IT-1/transitions", crmToken, `{"action":"reply","text":"  "}`); status != http.StatusBadRequest {
		t.Fatalf("an empty reply: %d %s", status, out)
	}
	if status, out := e.api("POST", "/api/v1/tickets/IT-1/transitions", crmToken, `{"action":"reply","text":"Is it plugged in?"}`); status != http.StatusOK {
		t.Fatalf("reply: %d %s", status, out)
	}
	ms, err := e.store.Messages(t.Context(), e.get("IT-1").ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Kind != tickets.KindTranscript || ms[0].Text != "Is it plugged in?" || ms[0].Author.Name != "api:crm" {
		t.Fatalf("transcript: %+v", ms)
	}
}
