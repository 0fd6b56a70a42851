package tickets_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// editDesk is the desk "it" with a menu of two topics, each with its form.
func editDesk() *config.Desk {
	return &config.Desk{ID: "it", Name: "IT Help Desk",
		FAQ: &config.FAQ{Menu: []*config.Category{{ID: "network", Title: "Network", Form: "access"}, {ID: "hardware", Title: "Hardware"}}},
		Forms: map[string]*config.Form{
			"access": {Title: "Access request", Fields: []*config.Field{
				{ID: "system", Label: "Which system?", Type: "select", Options: []string{"SAP", "GitLab", "VPN"}, Required: true},
				{ID: "details", Label: "What happened?", Type: "paragraph", MaxLen: 20},
			}},
		}}
}

func ptr[T any](v T) *T { return &v }

func TestEdit(t *testing.T) {
	f := newFixture(t)
	tk := f.given(t, "assigned")
	desk := editDesk()

	got, err := f.svc.Edit(ctx, tk.ID, tickets.Edit{Subject: ptr("  VPN   drops every hour "), Category: ptr("network"),
		Priority: ptr(tickets.PriorityHigh), Tags: &[]string{"VPN", "home office"},
		Form: map[string]string{"system": "vpn", "details": "since Monday"}}, desk, asAda, tickets.SourceWeb)
	if err != nil {
		t.Fatal(err)
	}
	want := []tickets.FormAnswer{{ID: "system", Label: "Which system?", Value: "VPN"}, {ID: "details", Label: "What happened?", Value: "since Monday"}}
	if got.Subject != "VPN drops every hour" || got.Category != "network" || got.Priority != tickets.PriorityHigh ||
		!slices.Equal(got.Tags, []string{"home-office", "vpn"}) || !slices.Equal(got.Form, want) {
		t.Fatalf("edited ticket: %+v", got)
	}
	evs, _ := f.store.Events(ctx, tk.ID)
	last := evs[len(evs)-1]
	if last.Kind != "edit" || last.Actor != asAda || last.Source != tickets.SourceWeb {
		t.Fatalf("last event %+v, want Ada's edit", last)
	}
	for _, part := range []string{`subject "VPN down" -> "VPN drops every hour"`, "topic (none) -> network", "priority low -> high",
		"tags +home-office +vpn", "form Which system?, What happened?"} {
		if !strings.Contains(last.Detail, part) {
			t.Errorf("edit event %q does not say %q", last.Detail, part)
		}
	}
	if strings.Contains(last.Detail, "since Monday") {
		t.Errorf("edit event %q keeps a form answer", last.Detail)
	}

	// An edit that changes nothing writes no event.
	if _, err := f.svc.Edit(ctx, tk.ID, tickets.Edit{Subject: ptr("VPN drops every hour"), Tags: &[]string{"vpn", "Home Office"}}, desk, asAda, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	if again, _ := f.store.Events(ctx, tk.ID); len(again) != len(evs) {
		t.Errorf("a no-op edit wrote %d events", len(again)-len(evs))
	}
	// Clearing an optional answer removes it; the admin may edit too.
	got, err = f.svc.Edit(ctx, tk.ID, tickets.Edit{Form: map[string]string{"details": ""}, Tags: &[]string{}}, desk, asAdmin, tickets.SourceAPI)
	if err != nil || len(got.Form) != 1 || got.Tags != nil {
		t.Errorf("clearing details and tags: %+v, %v", got, err)
	}
}

func TestEditRefused(t *testing.T) {
	f := newFixture(t)
	tk := f.given(t, "in_service")
	desk := editDesk()
	if _, err := f.svc.Edit(ctx, tk.ID, tickets.Edit{Category: ptr("network"), Form: map[string]string{"system": "SAP"}}, desk, asAda, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	before, _ := f.store.Get(ctx, tk.ID)
	for _, c := range []struct {
		name  string
		ed    tickets.Edit
		actor tickets.Actor
		code  string
	}{
		{"by the requester", tickets.Edit{Subject: ptr("mine")}, asRequester, errs.EFORBIDDEN},
		{"empty subject", tickets.Edit{Subject: ptr("   ")}, asAda, errs.EINVALID},
		{"subject over the limit", tickets.Edit{Subject: ptr(strings.Repeat("x", tickets.MaxSubjectLen+1))}, asAda, errs.EINVALID},
		{"unknown topic", tickets.Edit{Category: ptr("printers")}, asAda, errs.EINVALID},
		{"bad priority", tickets.Edit{Priority: ptr(tickets.Priority(7))}, asAda, errs.EINVALID},
		{"odd tag", tickets.Edit{Tags: &[]string{"a<b"}}, asAda, errs.EINVALID},
		{"long tag", tickets.Edit{Tags: &[]string{strings.Repeat("t", tickets.MaxTagLen+1)}}, asAda, errs.EINVALID},
		{"required field cleared", tickets.Edit{Form: map[string]string{"system": ""}}, asAda, errs.EINVALID},
		{"not an option", tickets.Edit{Form: map[string]string{"system": "Outlook"}}, asAda, errs.EINVALID},
		{"answer too long", tickets.Edit{Form: map[string]string{"details": strings.Repeat("y", 21)}}, asAda, errs.EINVALID},
		{"no such field", tickets.Edit{Form: map[string]string{"laptop": "x"}}, asAda, errs.EINVALID},
		{"a topic without a form", tickets.Edit{Category: ptr("hardware"), Form: map[string]string{"system": "VPN"}}, asAda, errs.EINVALID},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.Edit(ctx, tk.ID, c.ed, desk, c.actor, tickets.SourceWeb)
			if errs.Code(err) != c.code {
				t.Fatalf("error %v, want code %s", err, c.code)
			}
			if after, _ := f.store.Get(ctx, tk.ID); after.UpdatedAt != before.UpdatedAt || after.Subject != before.Subject {
				t.Errorf("a refused edit changed the ticket")
			}
		})
	}
	// The answers of the former topic's form may be sent back unchanged.
	if got, err := f.svc.Edit(ctx, tk.ID, tickets.Edit{Category: ptr("hardware"), Form: map[string]string{"system": "SAP"}}, desk, asAda, tickets.SourceWeb); err != nil || got.Category != "hardware" {
		t.Errorf("moving to a topic without a form: %v", err)
	}
	// The subject limit is the one Open keeps to.
	long := strings.Repeat("z", tickets.MaxSubjectLen)
	if got, err := f.svc.Edit(ctx, tk.ID, tickets.Edit{Subject: &long}, desk, asAda, tickets.SourceWeb); err != nil || got.Subject != long {
		t.Errorf("a subject of exactly %d characters: %v", tickets.MaxSubjectLen, err)
	}
}

func TestEndWithReason(t *testing.T) {
	f := newFixture(t)
	desk := &config.Desk{ID: "it", CloseReasons: []string{"Solved", "Duplicate", "No reply from the requester"}}
	tk := f.given(t, "in_service")
	if _, err := f.svc.EndWithReason(ctx, tk.ID, "", "solved", desk, asRequester, tickets.SourceWeb); errs.Code(err) != errs.EFORBIDDEN {
		t.Errorf("a requester's close reason: %v, want forbidden", err)
	}
	if _, err := f.svc.EndWithReason(ctx, tk.ID, "", strings.Repeat("r", tickets.MaxCloseReasonLen+1), desk, asAda, tickets.SourceWeb); errs.Code(err) != errs.EINVALID {
		t.Errorf("a long close reason: %v, want invalid", err)
	}
	got, err := f.svc.EndWithReason(ctx, tk.ID, "all good", "  no REPLY from the requester ", desk, asAda, tickets.SourceWeb)
	if err != nil || got.Status != tickets.StatusResolved || got.CloseReason != "No reply from the requester" {
		t.Fatalf("end with a listed reason: %+v, %v", got, err)
	}
	evs, _ := f.store.Events(ctx, tk.ID)
	if last := evs[len(evs)-1]; last.Kind != "end" || last.Detail != "reason: No reply from the requester; all good" {
		t.Errorf("end event %+v", last)
	}
	// Reopen forgets the reason; the agent's own words are kept as written.
	if got, err = f.svc.Reopen(ctx, tk.ID, "again", asRequester, tickets.SourceChat); err != nil || got.CloseReason != "" {
		t.Fatalf("reopen: %+v, %v", got, err)
	}
	if got, err = f.svc.EndWithReason(ctx, tk.ID, "", "Fixed by a reboot", desk, asAda, tickets.SourceWeb); err != nil || got.CloseReason != "Fixed by a reboot" {
		t.Errorf("end with free text: %+v, %v", got, err)
	}
	// End without a reason, as buttons and timers do, keeps none.
	other := f.given(t, "in_service")
	if got, err := f.svc.End(ctx, other.ID, "done", asAda, tickets.SourceButton); err != nil || got.CloseReason != "" {
		t.Errorf("End: %+v, %v", got, err)
	}
}

func TestSetAgentStatus(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		name, agent, status string
		actor               tickets.Actor
		code                string
	}{
		{"herself", "Ada", "away", asAda, ""},
		{"an admin for her", "Ada", "offline", asAdmin, ""},
		{"another agent", "Ada", "online", asBob, errs.EFORBIDDEN},
		{"a requester", "Ada", "online", asRequester, errs.EFORBIDDEN},
		{"an unknown status", "Ada", "asleep", asAda, errs.EINVALID},
	} {
		if err := f.svc.SetAgentStatus(ctx, c.agent, c.status, c.actor); errs.Code(err) != c.code {
			t.Errorf("%s: %v, want code %q", c.name, err, c.code)
		}
	}
	if ps, _ := f.store.Presence(ctx); ps["Ada"] != "offline" {
		t.Errorf("presence %v, want Ada offline", ps)
	}
}
