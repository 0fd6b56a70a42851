package rules_test

import (
	"slices"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/rules"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	it := desk(withRules(
		rule(whenCategory("network"), assignSkills("network"), priority("high")),
		rule(whenForm("system", "SAP"), whenForm("urgency", "blocked"), assignSkills("sap"), priority("urgent")),
		rule(whenKeywords("password reset", "locked"), assignSkills("accounts")),
		rule(whenPlatform("discord"), assignAgents("Grace"), priority("low")),
	))
	tests := []struct {
		name       string
		d          *config.Desk
		t          *tickets.Ticket
		wantRule   int
		wantSkills []string
		wantAgents []string
		wantPrio   tickets.Priority
	}{
		{"category", it, ticket(withCategory("network")), 0, []string{"network"}, nil, tickets.PriorityHigh},
		{"category of another topic", it, ticket(withCategory("network-printers")), -1, nil, nil, tickets.PriorityNormal},
		{"every form value, ignoring case", it, ticket(withAnswer("system", "sap "), withAnswer("urgency", "Blocked")),
			1, []string{"sap"}, nil, tickets.PriorityUrgent},
		{"one form value is not enough", it, ticket(withAnswer("system", "SAP"), withAnswer("urgency", "whenever")),
			-1, nil, nil, tickets.PriorityNormal},
		{"form value under another field", it, ticket(withAnswer("details", "SAP"), withAnswer("urgency", "blocked")),
			-1, nil, nil, tickets.PriorityNormal},
		{"keyword as a word", it, ticket(withSubject("Account LOCKED since this morning")), 2, []string{"accounts"}, nil, tickets.PriorityNormal},
		{"keyword phrase across punctuation", it, ticket(withSubject("need a Password-Reset, please")), 2, []string{"accounts"}, nil, tickets.PriorityNormal},
		{"keyword inside another word", it, ticket(withSubject("unlocked door")), -1, nil, nil, tickets.PriorityNormal},
		{"platform", it, ticket(withPlatform("discord")), 3, nil, []string{"Grace"}, tickets.PriorityLow},
		{"first match wins", it, ticket(withCategory("network"), withPlatform("discord"), withSubject("locked")),
			0, []string{"network"}, nil, tickets.PriorityHigh},
		{"no rules", desk(), ticket(withCategory("network")), -1, nil, nil, tickets.PriorityNormal},
		{"catch-all rule", desk(withRules(rule(whenCategory("x")), rule(priority("high")))), ticket(),
			1, nil, nil, tickets.PriorityHigh},
		{"unknown priority falls back to normal", desk(withRules(rule(priority("asap")))), ticket(),
			0, nil, nil, tickets.PriorityNormal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rules.Match(tt.d, tt.t)
			if r.Rule != tt.wantRule || r.Priority != tt.wantPrio ||
				!slices.Equal(r.Skills, tt.wantSkills) || !slices.Equal(r.Agents, tt.wantAgents) {
				t.Errorf("Match = %+v, want rule %d skills %v agents %v priority %s",
					r, tt.wantRule, tt.wantSkills, tt.wantAgents, tt.wantPrio)
			}
		})
	}
}

func TestSortQueue(t *testing.T) {
	t.Parallel()
	base := at(t, "UTC", "2026-03-30 09:00")
	q := []*tickets.Ticket{
		ticket(withID(1), withPriority(tickets.PriorityNormal), createdAt(base)),
		ticket(withID(2), withPriority(tickets.PriorityUrgent), createdAt(base.Add(time.Hour))),
		ticket(withID(3), withPriority(tickets.PriorityNormal), createdAt(base.Add(-time.Hour))),
		ticket(withID(5), withPriority(tickets.PriorityHigh), createdAt(base)),
		ticket(withID(4), withPriority(tickets.PriorityHigh), createdAt(base)),
		ticket(withID(6), withPriority(tickets.PriorityLow), createdAt(base.Add(-48*time.Hour))),
	}
	rules.SortQueue(q)
	var got []int64
	for _, tk := range q {
		got = append(got, tk.ID)
	}
	if want := []int64{2, 4, 5, 3, 1, 6}; !slices.Equal(got, want) {
		t.Errorf("queue order = %v, want %v (priority, then age, then id)", got, want)
	}
}
