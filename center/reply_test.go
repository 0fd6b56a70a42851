package center_test

import (
	"net/http"
	"net/url"
	"strings"
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

// The reply box offers the engine's channels (Send as) and sends by the
// one picked; the API's reply takes it as via.
func TestReplySendAs(t *testing.T) {
	e := newEnv(t)
	tk := e.open("it", "carol@example.com", "Printer")
	ada := e.signIn("ada@example.com")
	_, page := ada.do("GET", "/center/tickets/"+tk.Key, nil)
	if !strings.Contains(page, `<select id="reply-via" name="via">`) || !strings.Contains(page, `<option value="email">A mail to carol@example.com</option>`) {
		t.Fatalf("the reply box offers the channels:\n%s", page)
	}
	if code, _ := ada.post("/center/tickets/"+tk.Key+"/reply", url.Values{"text": {"Is it plugged in?"}, "via": {"email"}}); code != http.StatusSeeOther {
		t.Fatalf("reply: %d", code)
	}
	if status, out := e.api("POST", "/api/v1/tickets/"+tk.Key+"/transitions", crmToken, `{"action":"reply","text":"Any news?","via":"dm"}`); status != http.StatusOK {
		t.Fatalf("API reply: %d %s", status, out)
	}
	got := strings.Join(e.engine.Changes(), "|")
	if !strings.Contains(got, tk.Key+" reply via email") || !strings.Contains(got, tk.Key+" reply via dm") {
		t.Fatalf("the channel reaches the engine: %s", got)
	}
}
