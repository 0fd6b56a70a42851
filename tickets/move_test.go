package tickets_test

import (
	"testing"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

func TestMove(t *testing.T) {
	f := newFixture(t)
	hr := &config.Desk{ID: "hr", Name: "HR Desk", FAQ: &config.FAQ{Menu: []*config.Category{{ID: "payroll", Title: "Payroll"}}}}
	tk := f.given(t, "in_service")
	if _, err := f.svc.Edit(ctx, tk.ID, tickets.Edit{Category: ptr("network"), Tags: &[]string{"vip"}}, editDesk(), asAda, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		to    *config.Desk
		actor tickets.Actor
		code  string
	}{
		{"by the requester", hr, asRequester, errs.EFORBIDDEN},
		{"to no desk", nil, asAda, errs.EINVALID},
		{"to its own desk", editDesk(), asAda, errs.EINVALID},
	} {
		if _, err := f.svc.Move(ctx, tk.ID, c.to, tickets.PriorityHigh, "", c.actor, tickets.SourceWeb); errs.Code(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	got, err := f.svc.Move(ctx, tk.ID, hr, tickets.PriorityHigh, "payroll question", asAda, tickets.SourceWeb)
	if err != nil {
		t.Fatal(err)
	}
	if got.Desk != "hr" || got.Key != tk.Key || got.Status != tickets.StatusOpen || got.Assignee != "" || got.GroupChat != "" ||
		got.Category != "" || got.Priority != tickets.PriorityHigh || len(got.Tags) != 1 {
		t.Errorf("moved ticket: %+v", got)
	}
	evs, _ := f.store.Events(ctx, tk.ID)
	if last := evs[len(evs)-1]; last.Kind != "move" || last.Detail != "it -> hr: payroll question" {
		t.Errorf("move event %+v", last)
	}
	done := f.given(t, "resolved")
	if _, err := f.svc.Move(ctx, done.ID, hr, tickets.PriorityNormal, "", asAda, tickets.SourceWeb); errs.Code(err) != errs.ECONFLICT {
		t.Errorf("moving a resolved ticket: %v", err)
	}
}

func TestDeleteKeepsARecordWithoutContent(t *testing.T) {
	f := newFixture(t)
	tk := f.given(t, "in_service")
	if _, err := f.svc.Delete(ctx, tk.ID, asRequester, tickets.SourceWeb); errs.Code(err) != errs.EFORBIDDEN {
		t.Errorf("delete by the requester: %v", err)
	}
	got, err := f.svc.Delete(ctx, tk.ID, asAdmin, tickets.SourceWeb)
	if err != nil {
		t.Fatal(err)
	}
	if got.Key != tk.Key || got.Status != tickets.StatusResolved || got.Requester.ID != "" || got.Subject != "(deleted)" {
		t.Errorf("deleted ticket: %+v", got)
	}
	// The record stays out of the requester's list: it names nobody.
	if ts, _ := f.store.List(ctx, tickets.Filter{Requester: &requester}); len(ts) != 0 {
		t.Errorf("the requester's list still has %d tickets", len(ts))
	}
}
