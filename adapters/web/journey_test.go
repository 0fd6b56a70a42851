package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/web"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// TestJourneyOverHTTP plays the whole journey through the web chat's HTTP
// API, as the page does: ask, answer, "No", the HTML form, the ticket card,
// Start Chat, chatting in the room (live, by the event stream), End Service
// and the rating.
func TestJourneyOverHTTP(t *testing.T) {
	srv := start(t)
	sam := signIn(t, srv, "sam", "Sam")
	ada := signIn(t, srv, "ada", "Ada")
	adaLive := ada.stream(ada.me().Seq)
	samLive := sam.stream(sam.me().Seq)

	sam.say(sam.dm(), "How do I connect to the VPN?")
	answer := sam.last(sam.dm(), "Did this help?")
	if !strings.Contains(answer.HTML, "<li>Open GlobalProtect.</li>") {
		t.Fatalf("answer not rendered as a list: %s", answer.HTML)
	}
	sam.press(answer, "No")
	if v := sam.last(sam.dm(), "Did this help?"); v.Pressed == nil || v.Pressed.Value == "" {
		t.Errorf("the pressed answer is not marked: %+v", v.Pressed)
	}
	sam.press(sam.last(sam.dm(), "talk to an agent"), "Talk to an agent")

	form := sam.lastForm(sam.dm())
	if form.Form == nil || form.FormState != "open" || !form.Private {
		t.Fatalf("no open private form: %+v", form)
	}
	// A required field left empty: refused with the field named.
	code, out := sam.post("/chat/api/form", map[string]any{"chat": form.Chat, "message": form.ID, "values": map[string]string{"system": "VPN"}})
	if code != 422 || out["fields"].(map[string]any)["details"] == nil {
		t.Fatalf("incomplete form: %d %v", code, out)
	}
	code, out = sam.post("/chat/api/form", map[string]any{"chat": form.Chat, "message": form.ID,
		"values": map[string]string{"system": "VPN", "details": "GlobalProtect says *portal not found*"}})
	if code != 200 {
		t.Fatalf("form: %d %v", code, out)
	}
	if v := sam.lastForm(sam.dm()); v.FormState != "sent" || v.Values["system"] != "VPN" {
		t.Fatalf("form after sending: %s %v", v.FormState, v.Values)
	}
	if code, _ := sam.post("/chat/api/form", map[string]any{"chat": form.Chat, "message": form.ID,
		"values": map[string]string{"system": "VPN", "details": "again"}}); code != 409 {
		t.Fatalf("second submission of one form: %d, want 409", code)
	}
	sam.last(sam.dm(), "will help you")

	// Ada gets the card live, in her DM and in the desk's agent channel.
	adaLive.next(t, "Start Chat")
	card := ada.last(ada.dm(), "IT-1")
	if !strings.Contains(dumpFields(card), "portal not found") {
		t.Errorf("card lacks the form answers: %s", dumpFields(card))
	}
	ada.last("it-agents", "IT-1")
	ada.press(card, "Start Chat")

	// The room: both are members, both see it appear live.
	ev := samLive.next(t, "IT-1")
	for ev.Kind != "chat" {
		ev = samLive.next(t, "IT-1")
	}
	var room struct{ ID, Title string }
	json.Unmarshal([]byte(ev.Data), &room)
	if !strings.HasPrefix(room.ID, "group:") {
		t.Fatalf("room event: %s", ev.Data)
	}
	ada.say(room.ID, "Hi Sam, which laptop do you use?")
	samLive.next(t, "which laptop")
	sam.say(room.ID, "A ThinkPad **T14**")
	adaLive.next(t, "ThinkPad")
	if v := ada.last(room.ID, "ThinkPad"); !strings.Contains(v.HTML, "<strong>T14</strong>") || v.From.Name != "Sam" {
		t.Errorf("Sam's message as Ada sees it: %+v", v)
	}

	ada.press(ada.last(room.ID, "End Service"), "End Service")
	if code, _ := sam.post("/chat/api/send", map[string]string{"chat": room.ID, "text": "still there?"}); code != 409 {
		t.Errorf("posting into the closed room: %d, want 409", code)
	}
	rate := sam.last(sam.dm(), "How would you rate")
	var four web.ButtonView
	for _, b := range rate.Buttons {
		if b.Star == 4 {
			four = b
		}
	}
	if four.ID == "" {
		t.Fatalf("no star buttons: %+v", rate.Buttons)
	}
	if code, out := sam.post("/chat/api/action", map[string]any{"chat": rate.Chat, "message": rate.ID, "id": four.ID, "value": four.Value}); code != 200 {
		t.Fatalf("rating: %d %v", code, out)
	}
	ts, err := srv.Store.List(t.Context(), tickets.Filter{})
	if err != nil || len(ts) != 1 || ts[0].Evaluation == nil || ts[0].Evaluation.Rating != 4 {
		t.Fatalf("ticket after rating: %+v %v", ts, err)
	}
	// Several reasons can be picked: each press leaves the prompt live.
	sam.press(sam.last(sam.dm(), "Anything you"), "Fast")
	more := sam.last(sam.dm(), "Anything you")
	if more.Pressed != nil {
		t.Fatalf("after a reason the prompt is marked pressed (its buttons disabled): %+v", more.Pressed)
	}
	sam.press(more, "Friendly")
	sam.press(sam.last(sam.dm(), "Anything you"), "Done")
	ts, err = srv.Store.List(t.Context(), tickets.Filter{})
	if err != nil || len(ts) != 1 || ts[0].Evaluation == nil || strings.Join(ts[0].Evaluation.Reasons, ",") != "Fast,Friendly" {
		t.Fatalf("ticket after the reasons: %+v %v", ts, err)
	}
	msgs, err := srv.Store.Messages(t.Context(), ts[0].ID)
	if err != nil || len(msgs) < 2 {
		t.Errorf("transcript has %d messages (%v), want the room's two", len(msgs), err)
	}

	// A reload (a new tab, or another replica on the same store) shows the same history.
	again := signIn(t, srv, "sam", "Sam")
	if a, b := len(again.history(room.ID)), len(sam.history(room.ID)); a != b || a == 0 {
		t.Errorf("history after reload: %d messages, before %d", a, b)
	}

	// Buttons whose moment has passed are stale: the form's prompt once
	// the form is sent, the rating prompts once the ticket is reopened.
	prompt := sam.last(sam.dm(), "Please fill in the form")
	if !prompt.Stale {
		t.Errorf("the form prompt stays live after the form was sent: %+v", prompt.Buttons)
	}
	if code, _ := sam.post("/chat/api/action", map[string]any{"chat": prompt.Chat, "message": prompt.ID, "id": prompt.Buttons[0].ID, "value": prompt.Buttons[0].Value}); code != 409 {
		t.Errorf("a stale form prompt button: %d, want 409", code)
	}
	rated := sam.last(sam.dm(), "You rated it")
	if rated.Stale || len(rated.Buttons) != 1 {
		t.Fatalf("the rated prompt should keep a live Reopen: %+v", rated)
	}
	sam.say(sam.dm(), "It is broken again")
	sam.press(sam.last(sam.dm(), "Is this about"), "Reopen")
	sam.last(sam.dm(), "reopened")
	if v := sam.last(sam.dm(), "You rated it"); !v.Stale {
		t.Errorf("the old rating prompt stays live after the reopen: %+v", v)
	}
	ts, err = srv.Store.List(t.Context(), tickets.Filter{})
	if err != nil || len(ts) != 1 || ts[0].Status != tickets.StatusAssigned {
		t.Fatalf("after Reopen: %+v %v", ts, err)
	}

	// Ended again, then reopened from the Ticket Center: the engine retires
	// the new rating prompt at once, and the page shows it disabled.
	agent := tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: "ada", Name: "Ada"}
	if _, err := srv.Engine.StartChat(t.Context(), ts[0].ID, agent, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Engine.EndService(t.Context(), ts[0].ID, "", agent, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	if v := sam.last(sam.dm(), "How would you rate"); v.Stale || v.ID == rate.ID {
		t.Fatalf("the second rating prompt should be new and live: %+v", v)
	}
	if _, err := srv.Engine.Reopen(t.Context(), ts[0].ID, "it came back", agent, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	if v := sam.last(sam.dm(), "How would you rate"); !v.Stale {
		t.Errorf("the rating prompt stays live after a reopen from the Ticket Center: %+v", v)
	}
}

func dumpFields(v web.View) string {
	var b strings.Builder
	for _, f := range v.Fields {
		b.WriteString(f.Label + "=" + f.HTML + "; ")
	}
	return b.String()
}
