package stats_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/center/stats"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

func at(day, hour, minute int) time.Time {
	return time.Date(2026, 3, day, hour, minute, 0, 0, time.UTC)
}

// ticket builds a fixture ticket with functional options.
func ticket(key string, created time.Time, opts ...func(*tickets.Ticket)) *tickets.Ticket {
	t := &tickets.Ticket{Key: key, Desk: "it", CreatedAt: created, Status: tickets.StatusOpen}
	for _, o := range opts {
		o(t)
	}
	return t
}

func category(c string) func(*tickets.Ticket) { return func(t *tickets.Ticket) { t.Category = c } }

func agent(name string, firstResponse time.Duration) func(*tickets.Ticket) {
	return func(t *tickets.Ticket) {
		t.Assignee = name
		t.Status = tickets.StatusInService
		t.FirstResponseAt = t.CreatedAt.Add(firstResponse)
	}
}

func ended(at time.Time) func(*tickets.Ticket) {
	return func(t *tickets.Ticket) { t.Status = tickets.StatusResolved; t.EndedAt = at }
}

func rated(r int, at time.Time) func(*tickets.Ticket) {
	return func(t *tickets.Ticket) { t.Evaluation = &tickets.Evaluation{Rating: r, Scale: 5, At: at} }
}

func q(text string, o tickets.Outcome, at time.Time) tickets.Question {
	return tickets.Question{Desk: "it", Text: text, Outcome: o, At: at}
}

func fixture() ([]*tickets.Ticket, []tickets.Question) {
	ts := []*tickets.Ticket{
		ticket("IT-1", at(2, 9, 0), category("network"), agent("Ada", 10*time.Minute), ended(at(2, 10, 0)), rated(5, at(2, 10, 5))),
		ticket("IT-2", at(2, 12, 0), category("network"), agent("Ada", 30*time.Minute), ended(at(3, 12, 0)), rated(3, at(3, 13, 0))),
		ticket("IT-3", at(3, 8, 0), category("hardware"), agent("Linus", 20*time.Minute)),
		// Created before the period: counts for its closing and rating only.
		ticket("IT-0", at(1, 9, 0), category("hardware"), agent("Linus", 2*time.Hour), ended(at(4, 9, 0)), rated(4, at(4, 9, 30))),
		ticket("IT-4", at(4, 10, 0)),
		ticket("IT-5", at(4, 11, 0), ended(at(4, 11, 30)), func(t *tickets.Ticket) { t.MergedInto = "IT-4" }),
		ticket("IT-6", at(5, 1, 0), category("network")), // after the period
	}
	qs := []tickets.Question{
		q("How do I reset my VPN?", tickets.OutcomeAnswered, at(2, 8, 0)),
		q("vpn token expired", tickets.OutcomeUnanswered, at(2, 8, 30)),
		q("VPN  token expired!", tickets.OutcomeEscalated, at(3, 7, 59)),
		q("printer offline", tickets.OutcomeHelpful, at(3, 9, 0)),
		q("Wifi slow", tickets.OutcomeNotHelpful, at(3, 10, 0)),
		q("Where is the cafeteria", tickets.OutcomeSuggested, at(4, 8, 0)),
		q("laptop wont boot", tickets.OutcomePicked, at(4, 9, 0)),
		q("laptop still wont boot", tickets.OutcomePickedHelpful, at(4, 9, 30)),
		q("old question", tickets.OutcomeUnanswered, at(1, 9, 0)), // before the period
	}
	return ts, qs
}

func TestCompute(t *testing.T) {
	t.Parallel()
	ts, qs := fixture()
	r := stats.Compute(stats.Period{Since: at(2, 0, 0), Until: at(5, 0, 0)}, ts, qs)

	if want := (stats.Questions{Asked: 8, Answered: 5, Helpful: 2, NotHelpful: 1, Suggested: 1, Unanswered: 1, Escalated: 1}); r.Questions != want {
		t.Errorf("questions = %+v, want %+v", r.Questions, want)
	}
	if r.Opened != 5 || r.Closed != 3 || r.Merged != 1 {
		t.Errorf("opened %d closed %d merged %d, want 5, 3, 1", r.Opened, r.Closed, r.Merged)
	}
	if want := (stats.Durations{Count: 3, Median: 20 * time.Minute, P90: 30 * time.Minute}); r.FirstResponse != want {
		t.Errorf("first response = %+v, want %+v", r.FirstResponse, want)
	}
	if want := (stats.Durations{Count: 3, Median: 24 * time.Hour, P90: 72 * time.Hour}); r.Resolution != want {
		t.Errorf("resolution = %+v, want %+v", r.Resolution, want)
	}
	if want := (stats.Satisfaction{Count: 3, Average: 4, Scale: 5, Distribution: []int{0, 0, 1, 1, 1}}); !reflect.DeepEqual(r.Satisfaction, want) {
		t.Errorf("satisfaction = %+v, want %+v", r.Satisfaction, want)
	}
	wantAgents := []stats.Agent{
		{Name: "Ada", Closed: 2,
			FirstResponse: stats.Durations{Count: 2, Median: 20 * time.Minute, P90: 30 * time.Minute},
			Resolution:    stats.Durations{Count: 2, Median: 12*time.Hour + 30*time.Minute, P90: 24 * time.Hour},
			Satisfaction:  stats.Satisfaction{Count: 2, Average: 4, Scale: 5, Distribution: []int{0, 0, 1, 0, 1}}},
		{Name: "Linus", Closed: 1,
			FirstResponse: stats.Durations{Count: 1, Median: 20 * time.Minute, P90: 20 * time.Minute},
			Resolution:    stats.Durations{Count: 1, Median: 72 * time.Hour, P90: 72 * time.Hour},
			Satisfaction:  stats.Satisfaction{Count: 1, Average: 4, Scale: 5, Distribution: []int{0, 0, 0, 1, 0}}},
	}
	if !reflect.DeepEqual(r.Agents, wantAgents) {
		t.Errorf("agents =\n%+v\nwant\n%+v", r.Agents, wantAgents)
	}
	var cats []string
	for _, c := range r.Categories {
		cats = append(cats, c.ID+":"+strconv.Itoa(c.Opened)+"/"+strconv.Itoa(c.Closed))
	}
	if got, want := strings.Join(cats, " "), "network:2/2 :2/0 hardware:1/1"; got != want {
		t.Errorf("categories = %q, want %q", got, want)
	}
	wantDays := []stats.Day{
		{Date: at(2, 0, 0), Questions: 2, Opened: 2, Closed: 1},
		{Date: at(3, 0, 0), Questions: 3, Opened: 1, Closed: 1},
		{Date: at(4, 0, 0), Questions: 3, Opened: 2, Closed: 1},
	}
	if !reflect.DeepEqual(r.Daily, wantDays) {
		t.Errorf("daily =\n%+v\nwant\n%+v", r.Daily, wantDays)
	}
	wantTop := []stats.Unanswered{
		{Text: "VPN  token expired!", Count: 2, Escalated: 1, Last: at(3, 7, 59)},
		{Text: "Wifi slow", Count: 1, Last: at(3, 10, 0)},
	}
	if !reflect.DeepEqual(r.TopUnanswered, wantTop) {
		t.Errorf("top unanswered =\n%+v\nwant\n%+v", r.TopUnanswered, wantTop)
	}
}

func TestDailyUsesTheLocalCalendar(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	since := time.Date(2026, 3, 2, 0, 0, 0, 0, berlin)
	p := stats.Period{Since: since, Until: since.AddDate(0, 0, 2), Loc: berlin}
	// 23:30 UTC on the 2nd is 00:30 on the 3rd in Berlin.
	r := stats.Compute(p, []*tickets.Ticket{ticket("IT-1", at(2, 23, 30))}, nil)
	if len(r.Daily) != 2 || r.Daily[0].Opened != 0 || r.Daily[1].Opened != 1 {
		t.Errorf("daily = %+v, want the ticket on the 3rd", r.Daily)
	}
}

func TestSummaries(t *testing.T) {
	t.Parallel()
	m := time.Minute
	for _, c := range []struct {
		name      string
		durations []time.Duration
		want      stats.Durations
	}{
		{"none", nil, stats.Durations{}},
		{"one", []time.Duration{5 * m}, stats.Durations{Count: 1, Median: 5 * m, P90: 5 * m}},
		{"even count averages the middle", []time.Duration{4 * m, 1 * m, 3 * m, 2 * m}, stats.Durations{Count: 4, Median: 150 * time.Second, P90: 4 * m}},
		{"ten values", []time.Duration{1 * m, 2 * m, 3 * m, 4 * m, 5 * m, 6 * m, 7 * m, 8 * m, 9 * m, 100 * m},
			stats.Durations{Count: 10, Median: 330 * time.Second, P90: 9 * m}},
		{"eleven values", []time.Duration{1 * m, 2 * m, 3 * m, 4 * m, 5 * m, 6 * m, 7 * m, 8 * m, 9 * m, 10 * m, 100 * m},
			stats.Durations{Count: 11, Median: 6 * m, P90: 10 * m}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ts := make([]*tickets.Ticket, len(c.durations))
			for i, d := range c.durations {
				ts[i] = ticket("IT", at(2, 9, 0), agent("Ada", d))
			}
			r := stats.Compute(stats.Period{Since: at(2, 0, 0), Until: at(3, 0, 0)}, ts, nil)
			if r.FirstResponse != c.want {
				t.Errorf("first response = %+v, want %+v", r.FirstResponse, c.want)
			}
		})
	}
}

func TestSatisfactionAcrossScales(t *testing.T) {
	t.Parallel()
	// A desk moved from a 3-point to a 5-point scale: 3/3 is 5/5, 2/3 is 3/5.
	ts := []*tickets.Ticket{
		ticket("IT-1", at(2, 9, 0), func(t *tickets.Ticket) { t.Evaluation = &tickets.Evaluation{Rating: 3, Scale: 3, At: at(2, 10, 0)} }),
		ticket("IT-2", at(2, 9, 0), func(t *tickets.Ticket) { t.Evaluation = &tickets.Evaluation{Rating: 2, Scale: 3, At: at(2, 10, 0)} }),
		ticket("IT-3", at(2, 9, 0), rated(1, at(2, 10, 0))),
	}
	s := stats.Compute(stats.Period{Since: at(2, 0, 0), Until: at(3, 0, 0)}, ts, nil).Satisfaction
	want := stats.Satisfaction{Count: 3, Average: 3, Scale: 5, Distribution: []int{1, 0, 1, 0, 1}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("satisfaction = %+v, want %+v", s, want)
	}
}

func TestTopUnansweredLimitAndOrder(t *testing.T) {
	t.Parallel()
	var qs []tickets.Question
	for i := range 15 {
		for range i + 1 {
			qs = append(qs, q("question "+string(rune('a'+i)), tickets.OutcomeUnanswered, at(2, 9, i)))
		}
	}
	qs = append(qs, q("answered one", tickets.OutcomeHelpful, at(2, 9, 0)))
	top := stats.TopUnanswered(qs, 3)
	if len(top) != 3 || top[0].Text != "question o" || top[0].Count != 15 || top[2].Text != "question m" {
		t.Errorf("top = %+v, want o (15), n, m", top)
	}
}

func TestCharts(t *testing.T) {
	t.Parallel()
	ts, qs := fixture()
	r := stats.Compute(stats.Period{Since: at(2, 0, 0), Until: at(5, 0, 0)}, ts, qs)
	vol := stats.VolumeChart(r.Daily)
	for _, want := range []string{`role="img"`, "8 questions, 5 tickets opened, 3 closed", "Tue 3 Mar: 3 questions", "Wed 4 Mar: 2 opened"} {
		if !strings.Contains(vol, want) {
			t.Errorf("volume chart lacks %q", want)
		}
	}
	if n := strings.Count(vol, "<rect") - 3; n != 9 { // 3 legend swatches
		t.Errorf("volume chart has %d bars, want 3 days x 3 series", n)
	}
	rat := stats.RatingChart(r.Satisfaction)
	for _, want := range []string{"3 ratings, average 4.0 of 5", "1 of 3 ratings were 5 stars", "0 of 3 ratings were 1 stars", "1 (33%)"} {
		if !strings.Contains(rat, want) {
			t.Errorf("rating chart lacks %q", want)
		}
	}
	if empty := stats.VolumeChart(nil); !strings.HasSuffix(empty, "</svg>") || !strings.Contains(empty, "0 questions") {
		t.Errorf("empty chart = %q", empty)
	}
}

// TestRatingsBeforeAReopenCount: a ticket rated, reopened and rated again
// counts both ratings.
func TestRatingsBeforeAReopenCount(t *testing.T) {
	t.Parallel()
	ts := []*tickets.Ticket{ticket("IT-1", at(2, 9, 0), func(t *tickets.Ticket) {
		t.EarlierRatings = []tickets.Evaluation{{Rating: 1, Scale: 5, At: at(2, 10, 0)}}
		t.Evaluation = &tickets.Evaluation{Rating: 5, Scale: 5, At: at(2, 12, 0)}
	})}
	s := stats.Compute(stats.Period{Since: at(2, 0, 0), Until: at(3, 0, 0)}, ts, nil).Satisfaction
	want := stats.Satisfaction{Count: 2, Average: 3, Scale: 5, Distribution: []int{1, 0, 0, 0, 1}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("satisfaction = %+v, want %+v", s, want)
	}
}
