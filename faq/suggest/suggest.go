// Package suggest turns the question log into FAQ improvements: phrasings
// that led users to a helpful answer through "Did you mean" become
// suggested alternates of that item, and the questions the bot did not
// answer (unanswered, not helpful, escalated) are grouped by similarity
// into gaps, most frequent first. `helpdesk faq suggest` prints both as
// YAML; the Ticket Center shows the same lists.
//
// It imports tickets and config types only: no store, no platform.
package suggest

import (
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Alternate is a phrasing users asked that led, through a picked
// suggestion, to an answer they said helped.
type Alternate struct {
	ItemID string `json:"item_id" yaml:"item"`
	Text   string `json:"text" yaml:"text"`
	Count  int    `json:"count" yaml:"count"`
}

// SuggestedAlternates returns the phrasings of picked-and-helpful
// questions, per item, that the FAQ f does not already have (f may be
// nil), most asked first. Spellings that differ only in case, accents,
// punctuation or spacing count as one.
func SuggestedAlternates(questions []tickets.Question, f *config.FAQ) []Alternate {
	known := map[string]bool{}
	for _, it := range items(f) {
		for _, s := range phrasingsOf(it) {
			known[it.ID+"\x00"+normalize(s)] = true
		}
	}
	idx := map[string]int{}
	var out []Alternate
	for _, q := range questions {
		if q.Outcome != tickets.OutcomePickedHelpful || q.ItemID == "" {
			continue
		}
		n := normalize(q.Text)
		if n == "" || known[q.ItemID+"\x00"+n] {
			continue
		}
		key := q.ItemID + "\x00" + n
		if i, ok := idx[key]; ok {
			out[i].Count++
			continue
		}
		idx[key] = len(out)
		out = append(out, Alternate{ItemID: q.ItemID, Text: strings.TrimSpace(q.Text), Count: 1})
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].ItemID != out[b].ItemID {
			return out[a].ItemID < out[b].ItemID
		}
		return out[a].Count > out[b].Count
	})
	return out
}

// GapOutcomes are the outcomes that mean the FAQ failed the user.
var gapOutcomes = map[tickets.Outcome]bool{
	tickets.OutcomeUnanswered: true,
	tickets.OutcomeNotHelpful: true,
	tickets.OutcomeEscalated:  true,
}

// Phrasing is one distinct wording inside a gap.
type Phrasing struct {
	Text  string `json:"text" yaml:"text"`
	Count int    `json:"count" yaml:"count"`
}

// Gap is a group of similar questions the FAQ did not answer well.
type Gap struct {
	// Count is how many times questions of the group were asked.
	Count int `json:"count"`
	// Phrasings are the group's distinct wordings, most asked first; the
	// first makes a good draft question.
	Phrasings []Phrasing `json:"phrasings"`
	// Outcomes counts how the questions ended.
	Outcomes map[tickets.Outcome]int `json:"outcomes"`
	// Language is the most frequent language of the group ("" if unknown).
	Language string `json:"language,omitempty"`
	// ItemID is the item the bot most often offered for them (answered
	// but not helpful, or suggested first): what to fix rather than add.
	ItemID string `json:"item_id,omitempty"`
}

// DefaultSimilarity is the token overlap (Jaccard) from which two
// questions are grouped.
const DefaultSimilarity = 0.5

// Gaps groups the unanswered, not helpful and escalated questions by
// similarity (Jaccard overlap of their words, at least minSimilarity; 0
// takes DefaultSimilarity) and returns the groups, most asked first; at
// most limit of them when limit > 0.
func Gaps(questions []tickets.Question, minSimilarity float64, limit int) []Gap {
	if minSimilarity <= 0 {
		minSimilarity = DefaultSimilarity
	}
	// Distinct wordings first, with their counts.
	type wording struct {
		text     string
		toks     map[string]bool
		count    int
		outcomes map[tickets.Outcome]int
		langs    map[string]int
		items    map[string]int
	}
	byNorm := map[string]*wording{}
	var ws []*wording
	for _, q := range questions {
		if !gapOutcomes[q.Outcome] {
			continue
		}
		n := normalize(q.Text)
		if n == "" {
			continue
		}
		w := byNorm[n]
		if w == nil {
			w = &wording{text: strings.TrimSpace(q.Text), toks: tokens(n), outcomes: map[tickets.Outcome]int{},
				langs: map[string]int{}, items: map[string]int{}}
			byNorm[n] = w
			ws = append(ws, w)
		}
		w.count++
		w.outcomes[q.Outcome]++
		if q.Language != "" {
			w.langs[q.Language]++
		}
		if q.ItemID != "" {
			w.items[q.ItemID]++
		}
	}
	sort.SliceStable(ws, func(a, b int) bool { return ws[a].count > ws[b].count })

	// Greedy grouping: each wording joins the group whose first (most
	// asked) wording it overlaps most, if enough.
	type group struct {
		head  map[string]bool
		words []*wording
	}
	var groups []*group
	for _, w := range ws {
		var best *group
		bestSim := minSimilarity
		for _, g := range groups {
			if s := jaccard(w.toks, g.head); s >= bestSim {
				best, bestSim = g, s
			}
		}
		if best == nil {
			groups = append(groups, &group{head: w.toks, words: []*wording{w}})
			continue
		}
		best.words = append(best.words, w)
	}
	out := make([]Gap, 0, len(groups))
	for _, g := range groups {
		gap := Gap{Outcomes: map[tickets.Outcome]int{}}
		langs, its := map[string]int{}, map[string]int{}
		for _, w := range g.words {
			gap.Count += w.count
			gap.Phrasings = append(gap.Phrasings, Phrasing{Text: w.text, Count: w.count})
			for o, n := range w.outcomes {
				gap.Outcomes[o] += n
			}
			for l, n := range w.langs {
				langs[l] += n
			}
			for it, n := range w.items {
				its[it] += n
			}
		}
		gap.Language, gap.ItemID = mostFrequent(langs), mostFrequent(its)
		out = append(out, gap)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Count > out[b].Count })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func mostFrequent(m map[string]int) string {
	best, n := "", 0
	for k, c := range m {
		if c > n || (c == n && k < best) {
			best, n = k, c
		}
	}
	return best
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for t := range a {
		if b[t] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// normalize lower-cases, strips accents and punctuation and collapses
// spaces, so "Où est l'imprimante ?" and "ou est l imprimante" are one.
func normalize(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	folded, _, err := transform.String(t, s)
	if err != nil {
		folded = s
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(folded) {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

// tokens are the words of a normalized question that carry meaning:
// very short words (articles, pronouns in most languages) are left out
// unless nothing else remains.
func tokens(n string) map[string]bool {
	out := map[string]bool{}
	all := strings.Fields(n)
	for _, w := range all {
		if len([]rune(w)) > 2 {
			out[w] = true
		}
	}
	if len(out) == 0 {
		for _, w := range all {
			out[w] = true
		}
	}
	return out
}

func items(f *config.FAQ) []*config.Item {
	if f == nil {
		return nil
	}
	var out []*config.Item
	var walk func([]*config.Category)
	walk = func(cs []*config.Category) {
		for _, c := range cs {
			if c == nil {
				continue
			}
			for _, it := range c.Items {
				if it != nil {
					out = append(out, it)
				}
			}
			walk(c.Children)
		}
	}
	walk(f.Menu)
	return out
}

func phrasingsOf(it *config.Item) []string {
	out := append([]string{it.Question}, it.Alternates...)
	for _, tr := range it.Translations {
		out = append(out, tr.Question)
		out = append(out, tr.Alternates...)
	}
	return out
}
