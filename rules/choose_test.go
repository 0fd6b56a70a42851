package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/rules"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// loads builds an Availability.Loads map: loads("Ada", 2, "Bob", 0).
func loads(kv ...any) map[string]tickets.AgentLoad {
	m := map[string]tickets.AgentLoad{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = tickets.AgentLoad{Open: kv[i+1].(int)}
	}
	return m
}

func TestChoose(t *testing.T) {
	t.Parallel()
	office := hours(t, berlin, weekly("mon-fri", "09:00-17:00"))
	newYork := hours(t, "America/New_York", weekly("mon-fri", "09:00-17:00"))
	tokyo := hours(t, "Asia/Tokyo", weekly("mon-fri", "09:00-17:00"))
	monday := at(t, berlin, "2026-03-30 10:00")
	saturday := at(t, berlin, "2026-03-28 10:00")
	networkRule := withRules(rule(whenCategory("network"), assignSkills("network"), priority("high")))
	network := ticket(withCategory("network"))
	lastAssigned := func(m map[string]tickets.AgentLoad, name string, x time.Time) map[string]tickets.AgentLoad {
		l := m[name]
		l.LastAssigned = x
		m[name] = l
		return m
	}

	tests := []struct {
		name       string
		d          *config.Desk
		t          *tickets.Ticket
		av         rules.Availability
		now        time.Time
		want       string   // agent name, "" for nobody
		wantReason []string // substrings of the reason
	}{
		{
			name: "only the agent with the skill",
			d: desk(withDeskHours(office), networkRule,
				withAgents(agent("Bob", withSkills("accounts")), agent("Ada", withSkills("accounts", "network")))),
			t: network, now: monday, want: "Ada",
			wantReason: []string{"only online agent with skills [network]", "(0 open)"},
		},
		{
			name: "an agent needs every skill",
			d: desk(withDeskHours(office), withRules(rule(assignSkills("network", "accounts"))),
				withAgents(agent("Bob", withSkills("network")), agent("Ada", withSkills("Accounts", "network")))),
			t: ticket(), now: monday, want: "Ada",
		},
		{
			name: "nobody has the skill",
			d:    desk(withDeskHours(office), networkRule, withAgents(agent("Bob", withSkills("accounts")))),
			t:    network, now: monday,
			wantReason: []string{"no agent of the desk with skills [network]"},
		},
		{
			name: "desk without agents",
			d:    desk(withDeskHours(office)),
			t:    ticket(), now: monday,
			wantReason: []string{"no agents"},
		},
		{
			name: "agent outside own hours in another zone",
			d: desk(withDeskHours(office), withAgents(
				agent("Ada", withHours(newYork)), agent("Bob"))),
			t: ticket(), av: rules.Availability{Loads: loads("Ada", 0, "Bob", 3)}, now: monday, want: "Bob",
		},
		{
			name: "agent inside own hours while the desk is closed",
			d: desk(withDeskHours(office), withAgents(
				agent("Ada"), agent("Kenji", withHours(tokyo)))),
			t: ticket(), now: at(t, berlin, "2026-03-30 06:00"), want: "Kenji",
		},
		{
			name: "weekend: nobody within hours, says when the desk opens",
			d: desk(withDeskHours(office), networkRule, withAgents(
				agent("Ada", withSkills("network")), agent("Bob", withSkills("network"), withHours(newYork)))),
			t: network, now: saturday,
			wantReason: []string{"no agent with skills [network] is within service hours", "next opening Mon 09:00 Europe/Berlin"},
		},
		{
			name: "weekend: the agent who opens first is named by zone",
			d: desk(withDeskHours(office), withAgents(
				agent("Ada"), agent("Kenji", withHours(tokyo)))),
			t: ticket(), now: saturday,
			wantReason: []string{"within service hours", "next opening Mon 09:00 Asia/Tokyo"},
		},
		{
			name: "max_open reached goes to a busier agent without a limit",
			d:    desk(withDeskHours(office), withAgents(agent("Ada", withMaxOpen(2)), agent("Bob"))),
			t:    ticket(), av: rules.Availability{Loads: loads("Ada", 2, "Bob", 3)}, now: monday, want: "Bob",
			wantReason: []string{"(3 open)"},
		},
		{
			name: "everyone at max_open",
			d:    desk(withDeskHours(office), withAgents(agent("Ada", withMaxOpen(2)), agent("Bob", withMaxOpen(1)))),
			t:    ticket(), av: rules.Availability{Loads: loads("Ada", 2, "Bob", 4)}, now: monday,
			wantReason: []string{"every online agent is at max_open", "2 agents"},
		},
		{
			name: "away agent is skipped, missing presence is online",
			d:    desk(withDeskHours(office), withAgents(agent("Ada"), agent("Bob"))),
			t:    ticket(),
			av:   rules.Availability{Loads: loads("Ada", 0, "Bob", 5), Presence: map[string]string{"Ada": "away"}},
			now:  monday, want: "Bob",
		},
		{
			name:       "everyone away or offline",
			d:          desk(withDeskHours(office), withAgents(agent("Ada"), agent("Bob"))),
			t:          ticket(),
			av:         rules.Availability{Presence: map[string]string{"Ada": "away", "Bob": "offline"}},
			now:        monday,
			wantReason: []string{"no agent is online", "2 agents are away or offline"},
		},
		{
			name: "several reasons at once",
			d: desk(withDeskHours(office), withAgents(
				agent("Ada", withHours(newYork)), agent("Bob"), agent("Cy", withMaxOpen(1)))),
			t: ticket(),
			av: rules.Availability{Loads: loads("Cy", 1),
				Presence: map[string]string{"Bob": "offline"}},
			now: monday,
			wantReason: []string{"no agent is available", "1 outside service hours (next opening Mon 09:00 America/New_York)",
				"1 away or offline", "1 at max_open"},
		},
		{
			name: "least busy",
			d:    desk(withDeskHours(office), withAgents(agent("Ada"), agent("Bob"), agent("Cy"))),
			t:    ticket(), av: rules.Availability{Loads: loads("Ada", 2, "Bob", 1, "Cy", 3)}, now: monday, want: "Bob",
			wantReason: []string{"least busy of 3 online agents (1 open)"},
		},
		{
			name: "least busy tie goes to the longest without a ticket",
			d:    desk(withDeskHours(office), withAgents(agent("Ada"), agent("Bob"))),
			t:    ticket(),
			av: rules.Availability{Loads: lastAssigned(lastAssigned(loads("Ada", 1, "Bob", 1),
				"Ada", monday.Add(-time.Hour)), "Bob", monday.Add(-2*time.Hour))},
			now: monday, want: "Bob",
		},
		{
			name: "least busy full tie goes to config order",
			d:    desk(withDeskHours(office), withAgents(agent("Cy"), agent("Ada"), agent("Bob"))),
			t:    ticket(), av: rules.Availability{Loads: loads("Ada", 1, "Bob", 1, "Cy", 1)}, now: monday, want: "Cy",
		},
		{
			name: "round robin: never assigned first",
			d:    desk(withDeskHours(office), withStrategy(rules.StrategyRoundRobin), withAgents(agent("Ada"), agent("Bob"), agent("Cy"))),
			t:    ticket(),
			av: rules.Availability{Loads: lastAssigned(lastAssigned(loads("Ada", 0, "Bob", 0, "Cy", 5),
				"Ada", monday.Add(-time.Hour)), "Bob", monday.Add(-2*time.Hour))},
			now: monday, want: "Cy",
			wantReason: []string{"round robin", "3 online agents", "never assigned"},
		},
		{
			name: "round robin: oldest assignment, whatever the load",
			d:    desk(withDeskHours(office), withStrategy(rules.StrategyRoundRobin), withAgents(agent("Ada"), agent("Bob"))),
			t:    ticket(),
			av: rules.Availability{Loads: lastAssigned(lastAssigned(loads("Ada", 4, "Bob", 0),
				"Ada", at(t, "UTC", "2026-03-30 06:00")), "Bob", monday.Add(-time.Minute))},
			now: monday, want: "Ada",
			wantReason: []string{"last assigned 2026-03-30 06:00 UTC"},
		},
		{
			name: "round robin tie goes to config order",
			d:    desk(withDeskHours(office), withStrategy(rules.StrategyRoundRobin), withAgents(agent("Bob"), agent("Ada"))),
			t:    ticket(), now: monday, want: "Bob",
		},
		{
			name: "agent who let it time out is skipped",
			d:    desk(withDeskHours(office), withAgents(agent("Ada"), agent("Bob"))),
			t:    ticket(withDeclined("Ada")), av: rules.Availability{Loads: loads("Ada", 0, "Bob", 3)}, now: monday, want: "Bob",
			wantReason: []string{"skipped Ada (let it time out)"},
		},
		{
			name: "everyone declined: offered again, not to the last one",
			d:    desk(withDeskHours(office), withAgents(agent("Ada"), agent("Bob"), agent("Cy"))),
			t:    ticket(withDeclined("Ada", "Bob", "Cy")),
			av:   rules.Availability{Loads: loads("Ada", 2, "Bob", 1, "Cy", 0)}, now: monday, want: "Bob",
			wantReason: []string{"offering it again"},
		},
		{
			name: "everyone available declined, the undeclined one is offline",
			d:    desk(withDeskHours(office), withAgents(agent("Ada"), agent("Bob"), agent("Cy"))),
			t:    ticket(withDeclined("Bob", "Ada")),
			av:   rules.Availability{Loads: loads("Ada", 0, "Bob", 2), Presence: map[string]string{"Cy": "offline"}},
			now:  monday, want: "Bob",
		},
		{
			name: "the only candidate gets it back",
			d:    desk(withDeskHours(office), withAgents(agent("Ada"))),
			t:    ticket(withDeclined("Ada")), now: monday, want: "Ada",
		},
		{
			name: "rule restricts to named agents",
			d: desk(withDeskHours(office), withRules(rule(whenPlatform("slack"), assignAgents("Bob"))),
				withAgents(agent("Ada"), agent("Bob"))),
			t: ticket(withPlatform("slack")), av: rules.Availability{Loads: loads("Ada", 0, "Bob", 4)}, now: monday, want: "Bob",
			wantReason: []string{"among [Bob]"},
		},
		{
			name: "desk without hours is always open",
			d:    desk(withAgents(agent("Ada"))),
			t:    ticket(), now: saturday, want: "Ada",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rules.Choose(tt.d, tt.t, tt.av, tt.now)
			got := ""
			if c.Agent != nil {
				got = c.Agent.Name
			}
			if got != tt.want {
				t.Fatalf("Choose picked %q, want %q (reason: %s)", got, tt.want, c.Reason)
			}
			if c.Reason == "" {
				t.Fatal("Choose gave no reason")
			}
			for _, s := range tt.wantReason {
				if !strings.Contains(c.Reason, s) {
					t.Errorf("reason %q does not mention %q", c.Reason, s)
				}
			}
		})
	}
}

func TestChooseCarriesRoute(t *testing.T) {
	t.Parallel()
	d := desk(withRules(rule(whenCategory("network"), assignSkills("network"), priority("urgent"))),
		withAgents(agent("Ada", withSkills("network"))))
	c := rules.Choose(d, ticket(withCategory("network")), rules.Availability{}, at(t, "UTC", "2026-03-30 10:00"))
	if c.Route.Rule != 0 || c.Route.Priority != tickets.PriorityUrgent {
		t.Errorf("route = %+v, want rule 0 at urgent priority", c.Route)
	}
}

func TestNextAvailable(t *testing.T) {
	t.Parallel()
	office := hours(t, berlin, weekly("mon-fri", "09:00-17:00"))
	tokyo := hours(t, "Asia/Tokyo", weekly("mon-fri", "09:00-17:00"))
	saturday := at(t, berlin, "2026-03-28 10:00")
	tests := []struct {
		name   string
		d      *config.Desk
		now    time.Time
		want   time.Time
		wantOK bool
	}{
		{"desk hours without agents", desk(withDeskHours(office)), saturday, at(t, berlin, "2026-03-30 09:00"), true},
		{"agents on desk hours", desk(withDeskHours(office), withAgents(agent("Ada"))), saturday, at(t, berlin, "2026-03-30 09:00"), true},
		{"an agent with earlier hours", desk(withDeskHours(office), withAgents(agent("Ada"), agent("Kenji", withHours(tokyo)))),
			saturday, at(t, "Asia/Tokyo", "2026-03-30 09:00"), true},
		{"open now", desk(withDeskHours(office), withAgents(agent("Ada"))), at(t, berlin, "2026-03-30 10:00"), at(t, berlin, "2026-03-30 10:00"), true},
		{"never", desk(withDeskHours(hours(t, berlin)), withAgents(agent("Ada"))), saturday, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := rules.NextAvailable(tt.d, tt.now)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("NextAvailable = %s, %v; want %s, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
