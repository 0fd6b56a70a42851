package web_test

import (
	"context"
	"errors"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// TestFormShowsSentOnlyOnceTheEngineTookIt: a form is shown "✓ Sent" only
// after the engine has the submission (saved, the ticket opened). When the
// engine fails first (a crash, the store down), the form stays open with
// nothing lost and can be sent again; the second send opens one ticket.
func TestFormShowsSentOnlyOnceTheEngineTookIt(t *testing.T) {
	srv := start(t)
	sam := signIn(t, srv, "sam", "Sam")
	sam.say(sam.dm(), "How do I connect to the VPN?")
	sam.press(sam.last(sam.dm(), "Did this help?"), "No")
	sam.press(sam.last(sam.dm(), "talk to an agent"), "Talk to an agent")
	form := sam.lastForm(sam.dm())
	values := map[string]string{"system": "VPN", "details": "portal not found"}

	srv.Web.SetHandler(func(ctx context.Context, ev bot.Event) error { return errors.New("process killed") })
	if code, out := sam.post("/chat/api/form", map[string]any{"chat": form.Chat, "message": form.ID, "values": values}); code < 500 {
		t.Fatalf("a submission the engine did not take: %d %v, want a 5xx", code, out)
	}
	if v := sam.lastForm(sam.dm()); v.FormState != "open" {
		t.Fatalf("the form shows %q although the engine did not take it", v.FormState)
	}

	srv.Web.SetHandler(srv.Engine.Handle)
	if code, out := sam.post("/chat/api/form", map[string]any{"chat": form.Chat, "message": form.ID, "values": values}); code != 200 {
		t.Fatalf("sending again: %d %v", code, out)
	}
	if v := sam.lastForm(sam.dm()); v.FormState != "sent" || v.Values["details"] != "portal not found" {
		t.Fatalf("form after sending: %s %v", v.FormState, v.Values)
	}
	ts, err := srv.Store.List(context.Background(), tickets.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || len(ts[0].Form) < 2 || ts[0].Form[1].Value != "portal not found" {
		t.Fatalf("want one ticket with the answers, got %+v", ts)
	}
	sam.last(sam.dm(), "IT-1")
}
