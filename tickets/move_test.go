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

func TestSplit(t *testing.T) {
	f := newFixture(t)
	tk := f.given(t, "in_service")
	if _, err := f.svc.RecordMessage(ctx, tk.ID, "also my printer   is broken", "m1", asRequester, tickets.SourceChat); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AddNote(ctx, tk.ID, "a note", "", asAda, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	ms, _ := f.store.Messages(ctx, tk.ID)
	msg, note := ms[0], ms[1]
	if _, _, err := f.svc.Split(ctx, tk.ID, msg.ID, "IT", asRequester, tickets.SourceWeb); errs.Code(err) != errs.EFORBIDDEN {
		t.Errorf("split by the requester: %v", err)
	}
	if _, _, err := f.svc.Split(ctx, tk.ID, note.ID, "IT", asAda, tickets.SourceWeb); errs.Code(err) != errs.EINVALID {
		t.Errorf("split of a note: %v", err)
	}
	from, split, err := f.svc.Split(ctx, tk.ID, msg.ID, "IT", asAda, tickets.SourceWeb)
	if err != nil {
		t.Fatal(err)
	}
	if split.Key != "IT-2" || split.SplitFrom != tk.Key || split.Subject != "also my printer is broken" || split.Status != tickets.StatusOpen ||
		split.Requester != tk.Requester || len(from.Splits) != 1 || from.Splits[0] != split.Key {
		t.Errorf("split: from %+v\nnew %+v", from, split)
	}
	if sm, _ := f.store.Messages(ctx, split.ID); len(sm) != 1 || sm[0].Text != msg.Text || sm[0].Author != asRequester {
		t.Errorf("the new ticket's transcript: %+v", sm)
	}
	// Splitting the same message again opens nothing new.
	if _, again, err := f.svc.Split(ctx, tk.ID, msg.ID, "IT", asAda, tickets.SourceWeb); err != nil || again.Key != split.Key {
		t.Errorf("split again: %v, %v", again, err)
	}
	if got, _ := f.store.Get(ctx, tk.ID); len(got.Splits) != 1 {
		t.Errorf("splits after a repeat: %v", got.Splits)
	}
}
