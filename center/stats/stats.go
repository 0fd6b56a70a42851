package stats

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Period is the time range of a report, [Since, Until), and the time zone
// whose calendar days the daily figures use.
type Period struct {
	Since, Until time.Time
	Loc          *time.Location // nil: UTC
}

func (p Period) has(t time.Time) bool {
	return !t.IsZero() && !t.Before(p.Since) && t.Before(p.Until)
}

func (p Period) loc() *time.Location {
	if p.Loc == nil {
		return time.UTC
	}
	return p.Loc
}

// Questions counts what the bot did with the questions asked in the period.
type Questions struct {
	Asked int
	// Answered counts questions the bot answered itself: directly (with or
	// without feedback) or by a "Did you mean" choice the user picked.
	Answered   int
	Helpful    int // answered, and the user said it helped
	NotHelpful int // answered, and the user said it did not
	Suggested  int // "Did you mean" shown, nothing picked
	Unanswered int // the bot did not know
	Escalated  int // the question became a ticket
}

// Durations summarises a set of durations.
type Durations struct {
	Count  int
	Median time.Duration // the middle value; the mean of the two middle ones for an even count
	P90    time.Duration // nearest rank: the smallest value at or above 90% of the values
}

// Satisfaction summarises the ratings given in the period.
type Satisfaction struct {
	Count   int
	Average float64 // on the scale; 0 when Count is 0
	Scale   int
	// Distribution[i] is how many ratings were i+1 stars.
	Distribution []int
}

// Agent is one agent's figures.
type Agent struct {
	Name          string
	Closed        int // tickets they resolved in the period (merged duplicates excluded)
	FirstResponse Durations
	Resolution    Durations
	Satisfaction  Satisfaction
}

// Category is one FAQ topic's figures ("" for tickets without one).
type Category struct {
	ID           string
	Opened       int
	Closed       int
	Resolution   Durations
	Satisfaction Satisfaction
}

// Day is one calendar day's volume.
type Day struct {
	Date      time.Time // local midnight
	Questions int
	Opened    int
	Closed    int
}

// Unanswered is a question the bot could not settle, with how often it was asked.
type Unanswered struct {
	Text      string // the latest wording
	Count     int
	Escalated int // of which became tickets
	Last      time.Time
}

// Report is the statistics of one desk (or several) over a period.
type Report struct {
	Period        Period
	Questions     Questions
	Opened        int // tickets created in the period
	Closed        int // tickets resolved in the period, merged duplicates excluded
	Merged        int // duplicates merged in the period
	FirstResponse Durations
	Resolution    Durations
	Satisfaction  Satisfaction
	Agents        []Agent    // by name
	Categories    []Category // most opened first
	Daily         []Day
	TopUnanswered []Unanswered
}

// TopUnansweredLimit is how many unanswered questions a report lists.
const TopUnansweredLimit = 10

// Compute builds the report for the period from the tickets and questions of
// the desks to report on. Tickets created before the period count for what
// happened to them inside it (closed, rated).
//
// Times: first response is FirstResponseAt - CreatedAt of tickets created in
// the period; resolution is EndedAt - CreatedAt of tickets closed in it.
func Compute(p Period, ts []*tickets.Ticket, qs []tickets.Question) Report {
	r := Report{Period: p}
	var first, resolution []time.Duration
	var ratings []*tickets.Evaluation
	agents := map[string]*agentAcc{}
	cats := map[string]*catAcc{}
	agent := func(name string) *agentAcc {
		if agents[name] == nil {
			agents[name] = &agentAcc{}
		}
		return agents[name]
	}
	cat := func(id string) *catAcc {
		if cats[id] == nil {
			cats[id] = &catAcc{}
		}
		return cats[id]
	}
	r.Daily = days(p)
	day := func(t time.Time) *Day {
		lt := t.In(p.loc())
		d := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, p.loc())
		i, ok := slices.BinarySearchFunc(r.Daily, d, func(a Day, b time.Time) int { return a.Date.Compare(b) })
		if !ok {
			return nil
		}
		return &r.Daily[i]
	}

	for _, t := range ts {
		if p.has(t.CreatedAt) {
			r.Opened++
			cat(t.Category).opened++
			if d := day(t.CreatedAt); d != nil {
				d.Opened++
			}
			if !t.FirstResponseAt.IsZero() {
				fr := t.FirstResponseAt.Sub(t.CreatedAt)
				first = append(first, fr)
				if t.Assignee != "" {
					agent(t.Assignee).first = append(agent(t.Assignee).first, fr)
				}
			}
		}
		if t.Status == tickets.StatusResolved && p.has(t.EndedAt) {
			if t.MergedInto != "" {
				r.Merged++
			} else {
				res := t.EndedAt.Sub(t.CreatedAt)
				r.Closed++
				resolution = append(resolution, res)
				c := cat(t.Category)
				c.closed++
				c.resolution = append(c.resolution, res)
				if d := day(t.EndedAt); d != nil {
					d.Closed++
				}
				if t.Assignee != "" {
					a := agent(t.Assignee)
					a.closed++
					a.resolution = append(a.resolution, res)
				}
			}
		}
		// Every rating counts: those given before a reopen too.
		evs := make([]*tickets.Evaluation, 0, len(t.EarlierRatings)+1)
		for i := range t.EarlierRatings {
			evs = append(evs, &t.EarlierRatings[i])
		}
		if t.Evaluation != nil {
			evs = append(evs, t.Evaluation)
		}
		for _, ev := range evs {
			if !p.has(ev.At) {
				continue
			}
			ratings = append(ratings, ev)
			cat(t.Category).ratings = append(cat(t.Category).ratings, ev)
			if t.Assignee != "" {
				agent(t.Assignee).ratings = append(agent(t.Assignee).ratings, ev)
			}
		}
	}
	r.FirstResponse = summarize(first)
	r.Resolution = summarize(resolution)
	r.Satisfaction = satisfaction(ratings)

	for name, a := range agents {
		r.Agents = append(r.Agents, Agent{Name: name, Closed: a.closed, FirstResponse: summarize(a.first),
			Resolution: summarize(a.resolution), Satisfaction: satisfaction(a.ratings)})
	}
	slices.SortFunc(r.Agents, func(a, b Agent) int { return strings.Compare(a.Name, b.Name) })
	for id, c := range cats {
		r.Categories = append(r.Categories, Category{ID: id, Opened: c.opened, Closed: c.closed,
			Resolution: summarize(c.resolution), Satisfaction: satisfaction(c.ratings)})
	}
	slices.SortFunc(r.Categories, func(a, b Category) int {
		return cmp.Or(cmp.Compare(b.Opened, a.Opened), cmp.Compare(b.Closed, a.Closed), strings.Compare(a.ID, b.ID))
	})

	var inPeriod []tickets.Question
	for _, q := range qs {
		if !p.has(q.At) {
			continue
		}
		inPeriod = append(inPeriod, q)
		r.Questions.Asked++
		if d := day(q.At); d != nil {
			d.Questions++
		}
		switch q.Outcome {
		case tickets.OutcomeAnswered, tickets.OutcomePicked:
			r.Questions.Answered++
		case tickets.OutcomeHelpful, tickets.OutcomePickedHelpful:
			r.Questions.Answered++
			r.Questions.Helpful++
		case tickets.OutcomeNotHelpful:
			r.Questions.Answered++
			r.Questions.NotHelpful++
		case tickets.OutcomeSuggested:
			r.Questions.Suggested++
		case tickets.OutcomeUnanswered:
			r.Questions.Unanswered++
		case tickets.OutcomeEscalated:
			r.Questions.Escalated++
		}
	}
	r.TopUnanswered = TopUnanswered(inPeriod, TopUnansweredLimit)
	return r
}

type agentAcc struct {
	closed            int
	first, resolution []time.Duration
	ratings           []*tickets.Evaluation
}

type catAcc struct {
	opened, closed int
	resolution     []time.Duration
	ratings        []*tickets.Evaluation
}

// days lists the calendar days of the period, oldest first.
func days(p Period) []Day {
	if !p.Since.Before(p.Until) {
		return nil
	}
	loc := p.loc()
	s := p.Since.In(loc)
	d := time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc)
	var out []Day
	for d.Before(p.Until) && len(out) < 400 {
		out = append(out, Day{Date: d})
		d = d.AddDate(0, 0, 1)
	}
	return out
}

// summarize returns the count, median and 90th percentile of ds.
func summarize(ds []time.Duration) Durations {
	n := len(ds)
	if n == 0 {
		return Durations{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	rank := int(math.Ceil(0.9*float64(n))) - 1
	return Durations{Count: n, Median: med, P90: s[rank]}
}

// satisfaction averages ratings. Ratings on a smaller scale (the desk's
// scale changed) are mapped onto the largest scale seen.
func satisfaction(evs []*tickets.Evaluation) Satisfaction {
	scale := 5
	for _, e := range evs {
		scale = max(scale, e.Scale)
	}
	s := Satisfaction{Scale: scale, Distribution: make([]int, scale)}
	sum := 0.0
	for _, e := range evs {
		if e.Scale <= 0 || e.Rating < 1 || e.Rating > e.Scale {
			continue
		}
		v := float64(e.Rating)
		if e.Scale != scale {
			v = 1 + float64(e.Rating-1)*float64(scale-1)/float64(e.Scale-1)
		}
		s.Count++
		sum += v
		s.Distribution[int(math.Round(v))-1]++
	}
	if s.Count > 0 {
		s.Average = sum / float64(s.Count)
	}
	return s
}

// TopUnanswered groups the questions the bot could not settle (unanswered,
// not helpful, escalated) by their normalised wording and returns the n most
// asked, then the most recent.
func TopUnanswered(qs []tickets.Question, n int) []Unanswered {
	groups := map[string]*Unanswered{}
	for _, q := range qs {
		switch q.Outcome {
		case tickets.OutcomeUnanswered, tickets.OutcomeNotHelpful, tickets.OutcomeEscalated:
		default:
			continue
		}
		k := normalize(q.Text)
		if k == "" {
			continue
		}
		g := groups[k]
		if g == nil {
			g = &Unanswered{}
			groups[k] = g
		}
		g.Count++
		if q.Outcome == tickets.OutcomeEscalated {
			g.Escalated++
		}
		if !q.At.Before(g.Last) {
			g.Last = q.At
			g.Text = strings.TrimSpace(q.Text)
		}
	}
	out := make([]Unanswered, 0, len(groups))
	for _, g := range groups {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b Unanswered) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), b.Last.Compare(a.Last), strings.Compare(a.Text, b.Text))
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// normalize folds case, punctuation and spacing, so "VPN down?" and
// "vpn  down" count as one question.
func normalize(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}
