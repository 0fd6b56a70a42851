// Package eval measures how well a desk's FAQ answers: it runs labelled
// cases through faq.Index.Search and Decide and reports hit@1, hit@3, the
// share answered directly and correctly, the share answered wrongly, the
// share of out-of-scope questions rejected, latency, and a reliability
// table (confidence bucket → share of top hits that were right).
//
// It is the logic behind `helpdesk faq eval` (DESIGN.md section 5). It
// imports faq and config only.
package eval

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
)

// Case is one labelled question. Expect nil means out of scope: the bot
// must not answer it directly.
type Case struct {
	Q      string  `json:"q"`
	Expect *string `json:"expect"`
	Lang   string  `json:"lang"`
}

// ErrBadCase is wrapped by ReadCases errors about the file's content.
var ErrBadCase = errors.New("bad case")

// ReadCases reads JSON Lines cases; blank lines are skipped. Errors name
// the line.
func ReadCases(r io.Reader) ([]Case, error) {
	var out []Case
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := strings.TrimSpace(sc.Text())
		if b == "" {
			continue
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(b), &raw); err != nil {
			return nil, fmt.Errorf("line %d: %w: %v", line, ErrBadCase, err)
		}
		if _, ok := raw["expect"]; !ok {
			return nil, fmt.Errorf(`line %d: %w: no "expect" (use null for out of scope)`, line, ErrBadCase)
		}
		var c Case
		if err := json.Unmarshal([]byte(b), &c); err != nil {
			return nil, fmt.Errorf("line %d: %w: %v", line, ErrBadCase, err)
		}
		if strings.TrimSpace(c.Q) == "" {
			return nil, fmt.Errorf(`line %d: %w: empty "q"`, line, ErrBadCase)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	return out, nil
}

// Figures are the measures over a set of cases. Shares are in [0,1].
type Figures struct {
	N         int     `json:"n"`
	InScope   int     `json:"in_scope"`
	OutScope  int     `json:"out_of_scope"`
	Hit1      float64 `json:"hit_at_1"`   // in-scope cases whose top hit is the expected item
	Hit3      float64 `json:"hit_at_3"`   // in-scope cases with the expected item in the top 3
	Answered  float64 `json:"answered"`   // in-scope cases answered directly and correctly
	Suggested float64 `json:"suggested"`  // in-scope cases offered as "did you mean" with the right item among them
	Wrong     float64 `json:"wrong"`      // all cases answered directly with a wrong item
	OOSReject float64 `json:"oos_reject"` // out-of-scope cases not answered directly
	P50us     int64   `json:"p50_us"`
	P99us     int64   `json:"p99_us"`
}

// Bucket is one row of the reliability table: cases whose top hit's
// confidence is in [Lo,Hi), and the share of them whose top hit was right
// (an out-of-scope case is never right).
type Bucket struct {
	Lo      float64 `json:"lo"`
	Hi      float64 `json:"hi"`
	N       int     `json:"n"`
	Correct float64 `json:"correct"`
}

// Report is the result of Run.
type Report struct {
	Answer      float64             `json:"answer_threshold"`
	Suggest     float64             `json:"suggest_threshold"`
	Languages   map[string]*Figures `json:"languages"`
	Overall     Figures             `json:"overall"`
	Calibration []Bucket            `json:"calibration"`
}

// Buckets is the number of rows of the reliability table.
const Buckets = 10

// suggestions is how many hits the bot offers as "did you mean".
const suggestions = 3

// Run searches every case in ix and scores the outcome with ix's
// thresholds.
func Run(ctx context.Context, ix *faq.Index, cases []Case) (*Report, error) {
	type tally struct {
		n, in, oos, hit1, hit3, answered, suggested, wrong, reject int
		lat                                                        []time.Duration
	}
	per := map[string]*tally{}
	all := &tally{}
	var cal [Buckets]struct{ n, right int }
	for i, c := range cases {
		start := time.Now()
		hits, err := ix.Search(ctx, c.Q, c.Lang, suggestions)
		took := time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("case %d: %w", i+1, err)
		}
		d := ix.Decide(hits)
		lang := c.Lang
		if lang == "" {
			lang = "-"
		}
		t := per[lang]
		if t == nil {
			t = &tally{}
			per[lang] = t
		}
		right := c.Expect != nil && len(hits) > 0 && hits[0].ItemID == *c.Expect
		if len(hits) > 0 {
			b := min(int(hits[0].Confidence*Buckets), Buckets-1)
			cal[b].n++
			if right {
				cal[b].right++
			}
		}
		in3 := false
		if c.Expect != nil {
			for j := 0; j < len(hits) && j < suggestions; j++ {
				if hits[j].ItemID == *c.Expect {
					in3 = true
				}
			}
		}
		for _, t := range []*tally{t, all} {
			t.n++
			t.lat = append(t.lat, took)
			if c.Expect == nil {
				t.oos++
				if d == faq.DecideAnswer {
					t.wrong++
				} else {
					t.reject++
				}
				continue
			}
			t.in++
			if right {
				t.hit1++
			}
			if in3 {
				t.hit3++
			}
			switch d {
			case faq.DecideAnswer:
				if right {
					t.answered++
				} else {
					t.wrong++
				}
			case faq.DecideSuggest:
				if in3 {
					t.suggested++
				}
			}
		}
	}
	figures := func(t *tally) Figures {
		sort.Slice(t.lat, func(a, b int) bool { return t.lat[a] < t.lat[b] })
		return Figures{
			N: t.n, InScope: t.in, OutScope: t.oos,
			Hit1: ratio(t.hit1, t.in), Hit3: ratio(t.hit3, t.in),
			Answered: ratio(t.answered, t.in), Suggested: ratio(t.suggested, t.in),
			Wrong: ratio(t.wrong, t.n), OOSReject: ratio(t.reject, t.oos),
			P50us: percentile(t.lat, 50), P99us: percentile(t.lat, 99),
		}
	}
	answer, suggest := ix.Thresholds()
	r := &Report{Answer: answer, Suggest: suggest, Languages: map[string]*Figures{}, Overall: figures(all)}
	for l, t := range per {
		f := figures(t)
		r.Languages[l] = &f
	}
	for i, b := range cal {
		r.Calibration = append(r.Calibration, Bucket{
			Lo: float64(i) / Buckets, Hi: float64(i+1) / Buckets, N: b.n, Correct: ratio(b.right, b.n),
		})
	}
	return r, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// percentile of sorted durations, in microseconds (nearest rank).
func percentile(sorted []time.Duration, p int) int64 {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p+99)/100 - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i].Microseconds()
}

// Line formats figures as the contract line of DESIGN.md section 5.
func (f Figures) Line() string {
	return fmt.Sprintf("hit@1=%.3f hit@3=%.3f answered=%.3f wrong=%.3f oos_reject=%.3f p50_us=%d p99_us=%d n=%d",
		f.Hit1, f.Hit3, f.Answered, f.Wrong, f.OOSReject, f.P50us, f.P99us, f.N)
}

// WriteText prints the thresholds, the figures per language (when there
// is more than one) and, with calibration, the reliability table; its
// last line is the overall contract line.
func (r *Report) WriteText(w io.Writer, calibration bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "thresholds: answer=%.2f suggest=%.2f\n", r.Answer, r.Suggest)
	if calibration {
		b.WriteString("confidence  cases  top hit right\n")
		for _, k := range r.Calibration {
			fmt.Fprintf(&b, "%.1f-%.1f  %6d  %.3f\n", k.Lo, k.Hi, k.N, k.Correct)
		}
	}
	langs := make([]string, 0, len(r.Languages))
	for l := range r.Languages {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	if len(langs) > 1 {
		for _, l := range langs {
			fmt.Fprintf(&b, "lang=%s %s\n", l, r.Languages[l].Line())
		}
	}
	b.WriteString(r.Overall.Line())
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// FAQLanguages returns the languages to index an FAQ file in when no desk
// says: the language its base text is written in (detected among the
// languages with an analyzer), then every language it has translations in.
func FAQLanguages(f *config.FAQ) []string {
	var sample strings.Builder
	trans := map[string]bool{}
	var walk func([]*config.Category)
	walk = func(cats []*config.Category) {
		for _, c := range cats {
			if c == nil {
				continue
			}
			for _, it := range c.Items {
				if it == nil {
					continue
				}
				if sample.Len() < 20000 {
					sample.WriteString(it.Question)
					sample.WriteString(" ")
					for _, a := range it.Alternates {
						sample.WriteString(a)
						sample.WriteString(" ")
					}
				}
				for l := range it.Translations {
					trans[l] = true
				}
			}
			walk(c.Children)
		}
	}
	if f != nil {
		walk(f.Menu)
	}
	base := faq.DetectLanguage(sample.String(), faq.Languages())
	langs := []string{base}
	var rest []string
	for l := range trans {
		if l != base {
			rest = append(rest, l)
		}
	}
	sort.Strings(rest)
	return append(langs, rest...)
}

// SelfCases turns an FAQ into cases from its own phrasings: every item's
// question and alternates, in its base language (the first of langs) and
// in each translation to one of langs. The bot must answer each of them
// with its item (`helpdesk faq eval --self`).
func SelfCases(f *config.FAQ, langs []string) []Case {
	if f == nil || len(langs) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, l := range langs {
		want[l] = true
	}
	var out []Case
	add := func(id, lang string, qs ...string) {
		for _, q := range qs {
			if strings.TrimSpace(q) != "" {
				out = append(out, Case{Q: q, Expect: &id, Lang: lang})
			}
		}
	}
	var walk func([]*config.Category)
	walk = func(cats []*config.Category) {
		for _, c := range cats {
			if c == nil {
				continue
			}
			for _, it := range c.Items {
				if it == nil {
					continue
				}
				add(it.ID, langs[0], it.Question)
				add(it.ID, langs[0], it.Alternates...)
				tl := make([]string, 0, len(it.Translations))
				for l := range it.Translations {
					tl = append(tl, l)
				}
				sort.Strings(tl)
				for _, l := range tl {
					if tr := it.Translations[l]; want[l] && l != langs[0] {
						add(it.ID, l, tr.Question)
						add(it.ID, l, tr.Alternates...)
					}
				}
			}
			walk(c.Children)
		}
	}
	walk(f.Menu)
	return out
}
