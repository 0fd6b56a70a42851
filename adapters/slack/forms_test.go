package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/slack"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/errs"
)

// viewErrors decodes a view_submission answer; it fails the test unless it
// is response_action errors.
func viewErrors(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	var resp struct {
		Action string            `json:"response_action"`
		Errors map[string]string `json:"errors"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil || resp.Action != "errors" || len(resp.Errors) == 0 {
		t.Fatalf("want response_action errors, got %q (%v)", raw, err)
	}
	return resp.Errors
}

// wantErrors checks that exactly the fields in want have an error that
// mentions the given text.
func wantErrors(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("errors %v, want errors for %v", got, want)
	}
	for id, text := range want {
		if !strings.Contains(got[id], text) {
			t.Fatalf("error for %s = %q, want it to mention %q (all: %v)", id, got[id], text, got)
		}
	}
}

func noTicket(t *testing.T, w *world, key string) {
	t.Helper()
	if _, err := w.store.GetByKey(context.Background(), key); errs.Code(err) != errs.ENOTFOUND {
		t.Fatalf("%s should not exist (err %v)", key, err)
	}
}

// invalidTicketForm is a submission of the access form with every field wrong.
var invalidTicketForm = map[string]string{
	"system":  "Printer",                // not among the options
	"details": "   ",                    // required
	"phone":   strings.Repeat("5", 201), // max length 200
}

var invalidTicketErrors = map[string]string{
	"system": "choose one of the options", "details": "required", "phone": "at most 200 characters",
}

func TestInvalidModalSubmissionKeepsModalOpenInSocketMode(t *testing.T) {
	w := newWorld(t)
	w.start()
	w.say("UCARL", "VPN does not connect")
	w.press("UCARL", "DCARL", "No")
	w.press("UCARL", "DCARL", "Talk to an agent")
	before := w.transcript("DCARL", "UCARL")

	env := w.next("env-")
	w.slack.push(env, "interactive", w.submission("UCARL", invalidTicketForm))
	wantErrors(t, viewErrors(t, w.slack.ackPayload(env)), invalidTicketErrors)

	// Only some fields wrong: only those are marked.
	env = w.next("env-")
	w.slack.push(env, "interactive", w.submission("UCARL", map[string]string{"system": "VPN", "details": "x", "phone": strings.Repeat("☎", 201)}))
	wantErrors(t, viewErrors(t, w.slack.ackPayload(env)), map[string]string{"phone": "at most 200"})

	// The corrected submission is the first event the engine sees (events of
	// one chat are handled in order), and it opens the ticket.
	env = w.next("env-")
	w.slack.push(env, "interactive", w.submission("UCARL", map[string]string{"system": "VPN", "details": "It drops every hour"}))
	if p := w.slack.ackPayload(env); len(p) != 0 && string(p) != "null" {
		t.Fatalf("a valid submission is acked without a payload (the modal closes), got %s", p)
	}
	ev := w.wait(1)[0]
	if ev.Kind != bot.EventForm || ev.Values["details"] != "It drops every hour" {
		t.Fatalf("the engine should get only the valid submission, got %+v", ev)
	}
	w.noMoreEvents()
	// (The form prompt itself loses its buttons once the form is sent.)
	before = before[:strings.Index(before, "Please fill in the form")]
	if after := w.transcript("DCARL", "UCARL"); !strings.HasPrefix(after, before) || strings.Count(after, "I've opened ticket") != 1 ||
		strings.Contains(after, "/3*") {
		t.Fatalf("the invalid submissions must not reach the chat:\n%s", after)
	}
	if tk := w.ticket("IT-1"); tk.Form[1].Value != "It drops every hour" {
		t.Fatalf("ticket form: %+v", tk.Form)
	}
	noTicket(t, w, "IT-2")
}

func TestTamperedModalMetadataIsNotTrusted(t *testing.T) {
	w := newWorld(t)
	w.start()
	w.say("UCARL", "VPN does not connect")
	w.press("UCARL", "DCARL", "No")
	w.press("UCARL", "DCARL", "Talk to an agent")

	// Make details optional and answer in #general, keeping the signature.
	p := w.submission("UCARL", map[string]string{"system": "VPN", "details": ""})
	view := p["view"].(map[string]any)
	var meta map[string]any
	if err := json.Unmarshal([]byte(view["private_metadata"].(string)), &meta); err != nil {
		t.Fatalf("private_metadata is not JSON: %v", err)
	}
	if len(view["private_metadata"].(string)) > 3000 {
		t.Fatal("private_metadata over Slack's 3000 characters")
	}
	for _, f := range meta["f"].([]any) {
		delete(f.(map[string]any), "r")
	}
	meta["c"] = "CGENERAL"
	b, _ := json.Marshal(meta)
	view["private_metadata"] = string(b)

	env := w.next("env-")
	w.slack.push(env, "interactive", p)
	ev := w.wait(1)[0]
	// Not verified: not validated in the modal, but the engine checks it and
	// the answer goes to Carl's DM, not to the channel the metadata named.
	if ev.Chat.ID != "DCARL" {
		t.Fatalf("a tampered chat must not be trusted: %+v", ev.Chat)
	}
	if n := len(w.slack.messages("CGENERAL", "")); n != 0 {
		t.Fatalf("%d messages went to #general", n)
	}
	mustContain(t, "Carl's DM", w.transcript("DCARL", "UCARL"), "required")
	noTicket(t, w, "IT-1")
}

func TestInvalidCommentKeepsModalOpen(t *testing.T) {
	w := newWorld(t)
	w.start()
	escalate(w)
	w.press("UADA", "DADA", "Start Chat")
	gc, ok := w.slack.channelNamed("it-1-vpn-does-not-connect")
	if !ok {
		t.Fatal("no group chat")
	}
	w.press("UADA", gc.ID, "End Service")
	w.press("UCARL", "DCARL", "★★★★☆")
	w.press("UCARL", "DCARL", "Add a comment")

	for _, tc := range []struct{ comment, want string }{
		{"", "required"},
		{" \n ", "required"},
		{strings.Repeat("a", 2001), "at most 2000 characters"},
	} {
		env := w.next("env-")
		w.slack.push(env, "interactive", w.submission("UCARL", map[string]string{"comment": tc.comment}))
		wantErrors(t, viewErrors(t, w.slack.ackPayload(env)), map[string]string{"comment": tc.want})
	}
	w.noMoreEvents()
	if ev := w.ticket("IT-1").Evaluation; ev != nil && ev.Comment != "" {
		t.Fatalf("an invalid comment was saved: %+v", ev)
	}
	w.submit("UCARL", map[string]string{"comment": "Quick and friendly"})
	mustContain(t, "Carl's DM", w.transcript("DCARL", "UCARL"), "Thanks for your feedback!")
	if ev := w.ticket("IT-1").Evaluation; ev == nil || ev.Comment != "Quick and friendly" {
		t.Fatalf("evaluation: %+v", ev)
	}
}

// TestInvalidModalSubmissionOverHTTP answers the errors in the response body.
func TestInvalidModalSubmissionOverHTTP(t *testing.T) {
	w, srv := httpWorld(t)
	secret := w.cfg.Platforms.Slack.SigningSecret
	const formType = "application/x-www-form-urlencoded"
	send := func(path, contentType string, body string) string {
		t.Helper()
		code, resp := post(t, srv, path, contentType, body, secret, w.clock.Now())
		if code != 200 {
			t.Fatalf("%s: status %d %s", path, code, resp)
		}
		return resp
	}
	interact := func(payload map[string]any) string {
		b, _ := json.Marshal(payload)
		return send(slack.PathInteractivity, formType, url.Values{"payload": {string(b)}}.Encode())
	}
	press := func(label string) {
		t.Helper()
		ms := w.slack.messages("DCARL", "UCARL")
		for i := len(ms) - 1; i >= 0; i-- {
			if id, value, typ, ok := element(ms[i].Blocks, label); ok {
				interact(w.clickPayload("UCARL", ms[i], id, value, typ))
				w.wait(1)
				return
			}
		}
		t.Fatalf("no %q in Carl's DM", label)
	}
	w.ensureIM("UCARL")
	b, _ := json.Marshal(w.callback(dm("UCARL", "VPN does not connect")))
	send(slack.PathEvents, "application/json", string(b))
	w.wait(1)
	press("No")
	press("Talk to an agent")

	wantErrors(t, viewErrors(t, []byte(interact(w.submission("UCARL", invalidTicketForm)))), invalidTicketErrors)
	noTicket(t, w, "IT-1")

	if body := interact(w.submission("UCARL", map[string]string{"system": "GitLab", "details": "Cannot push"})); body != "" {
		t.Fatalf("a valid submission is answered with an empty body (the modal closes), got %q", body)
	}
	if ev := w.wait(1)[0]; ev.Kind != bot.EventForm || ev.Values["system"] != "GitLab" {
		t.Fatalf("the engine should get only the valid submission, got %+v", ev)
	}
	w.noMoreEvents()
	if tk := w.ticket("IT-1"); tk.Form[0].Value != "GitLab" {
		t.Fatalf("ticket form: %+v", tk.Form)
	}
}

// TestLargeFormMetadataFits: select lists too long for private_metadata are
// left to the engine; required fields are still checked in the modal.
func TestLargeFormMetadataFits(t *testing.T) {
	w := newWorld(t)
	w.handle = func(context.Context, bot.Event) error { return nil }
	w.start()
	form := bot.Form{ID: "big", Title: "Big"}
	for i := range 6 {
		fl := bot.FormField{ID: fmt.Sprintf("s%d", i), Label: "Pick", Type: bot.FieldSelect, Required: true}
		for j := range 100 {
			fl.Options = append(fl.Options, fmt.Sprintf("option %d of field %d", j, i))
		}
		form.Fields = append(form.Fields, fl)
	}
	form.Fields = append(form.Fields, bot.FormField{ID: "note", Label: "Note", Type: bot.FieldText, Required: true, MaxLen: 10})
	if err := w.adapter.OpenForm(context.Background(), "trig-big", form); err != nil {
		t.Fatal(err)
	}
	meta := w.slack.lastView().View["private_metadata"].(string)
	if len(meta) > 3000 {
		t.Fatalf("private_metadata has %d characters, Slack allows 3000", len(meta))
	}
	values := map[string]string{"note": ""}
	for i := range 6 {
		values[fmt.Sprintf("s%d", i)] = "not an option"
	}
	env := w.next("env-")
	w.slack.push(env, "interactive", w.submission("UCARL", values))
	errs := viewErrors(t, w.slack.ackPayload(env))
	if !strings.Contains(errs["note"], "required") {
		t.Fatalf("the required note must still be checked: %v", errs)
	}
	checked := 0
	for i := range 6 {
		if strings.Contains(errs[fmt.Sprintf("s%d", i)], "options") {
			checked++
		}
	}
	if checked == 0 || checked == 6 {
		t.Fatalf("want some (not all) option lists kept within the limit, %d checked: %v", checked, errs)
	}
	w.noMoreEvents()
}

// A modal with a 150-option select (static_select takes 100) offers every
// option in option groups of 100, which the fake checks as Slack does, and a
// submission of option 150 with six 900-character answers is valid and
// reaches the engine whole (never "not one of the options").
func TestModalSelectOf150Options(t *testing.T) {
	w := newWorld(t)
	w.handle = func(context.Context, bot.Event) error { return nil }
	w.start()
	form := bot.Form{ID: "big", Title: "Hardware and software access"}
	pick := bot.FormField{ID: "pick", Label: "Which one?", Type: bot.FieldSelect, Required: true}
	for i := 1; i <= 150; i++ {
		pick.Options = append(pick.Options, fmt.Sprintf("Option %d", i))
	}
	form.Fields = append(form.Fields, pick)
	for i := 2; i <= 7; i++ {
		form.Fields = append(form.Fields, bot.FormField{ID: fmt.Sprintf("a%d", i), Label: fmt.Sprintf("Answer %d", i), Type: bot.FieldParagraph, MaxLen: 1000})
	}
	if err := w.adapter.OpenForm(context.Background(), "trig-big", form); err != nil {
		t.Fatal(err)
	}
	view := w.slack.lastView().View
	if title := view["title"].(map[string]any)["text"].(string); len([]rune(title)) > 24 {
		t.Fatalf("modal title %q over 24 characters", title)
	}
	var offered []string
	for _, b := range view["blocks"].([]any) {
		el := b.(map[string]any)["element"].(map[string]any)
		if el["type"] == "static_select" {
			for _, o := range selectOptionsOf(el) {
				offered = append(offered, o["value"].(string))
			}
		}
	}
	if len(offered) != 150 || offered[149] != "Option 150" {
		t.Fatalf("the modal offers %d options (last %q), want all 150", len(offered), offered[len(offered)-1])
	}
	values := map[string]string{"pick": "Option 150"}
	for i := 2; i <= 7; i++ {
		values[fmt.Sprintf("a%d", i)] = strings.Repeat(string(rune('a'+i)), 900)
	}
	env := w.next("env-")
	w.slack.push(env, "interactive", w.submission("UCARL", values))
	if p := w.slack.ackPayload(env); len(p) != 0 && string(p) != "null" {
		t.Fatalf("option 150 and 900-character answers were refused: %s", p)
	}
	ev := w.wait(1)[0]
	if ev.Values["pick"] != "Option 150" || len(ev.Values["a7"]) != 900 {
		t.Fatalf("the engine got %q and %d characters", ev.Values["pick"], len(ev.Values["a7"]))
	}
}
