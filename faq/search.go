package faq

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/helpdesk-chat/helpdesk/internal/textutil"
)

// Hit is one FAQ item matching a question.
type Hit struct {
	ItemID, CategoryID string
	// Question and Answer are localized to the language searched
	// (fallback: the desk's default language).
	Question, Answer string
	// Score is the classifier's raw score for the item (comparable
	// between hits of one search only).
	Score float64
	// Confidence in [0,1] reads as the probability that this hit is the
	// item the user wants.
	Confidence float64
	// Lang is the language the hit was found and localized in: the one
	// asked for, unless another desk language answered with confidence.
	Lang string
}

// Decision is what the bot should do with a search result.
type Decision int

const (
	// DecideNone: nothing is close enough; offer the menu or an agent.
	DecideNone Decision = iota
	// DecideSuggest: offer the best hits as "Did you mean".
	DecideSuggest
	// DecideAnswer: answer directly with the top hit.
	DecideAnswer
)

func (d Decision) String() string {
	switch d {
	case DecideSuggest:
		return "suggest"
	case DecideAnswer:
		return "answer"
	}
	return "none"
}

// DefaultHits is the number of hits Set.Search returns, and Index.Search
// when asked for n <= 0.
const DefaultHits = 5

// maxQueryBytes cuts longer input: nobody asks an FAQ question in a page
// of text.
const maxQueryBytes = 1000

// candidate is a class of one language's space, scored for a question.
type candidate struct {
	sp    *space
	x     sparse
	class int
	score float64
	cover float64
}

// Search returns up to n items matching text, best first. lang is the
// language of text ("" = detect among the desk's languages; a language the
// desk does not speak is searched as the default language). Items without
// a translation in that language are searched in the default language.
func (ix *Index) Search(ctx context.Context, text, lang string, n int) ([]Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("faq search: %w", err)
	}
	text = textutil.ClipBytes(strings.TrimSpace(text), maxQueryBytes)
	if text == "" || len(ix.items) == 0 {
		return nil, nil
	}
	if n <= 0 {
		n = DefaultHits
	}
	asked := normLang(lang)
	lang = ix.searchLang(text, lang)
	hits := ix.searchIn(text, lang, n)
	if asked == "" || len(ix.langs) < 2 || ix.Decide(hits) == DecideAnswer {
		return hits, nil
	}
	// The platform locale's FAQ is not sure: the language the question
	// is written in may be clearer (a German question in an English
	// browser). The detected language first, then, if nothing is worth
	// even suggesting yet, the best confidence of the others.
	tried := map[string]bool{lang: true}
	order := []string{ix.detect(text)}
	order = append(order, ix.langs...)
	for k, l := range order {
		if tried[l] || (k > 0 && ix.Decide(hits) != DecideNone) {
			continue
		}
		tried[l] = true
		other := ix.searchIn(text, l, n)
		// Another language's hits must at least be worth suggesting.
		if ix.Decide(other) == DecideNone || (len(hits) > 0 && other[0].Confidence <= hits[0].Confidence) {
			continue
		}
		hits = other
		if ix.Decide(hits) == DecideAnswer {
			break
		}
	}
	return hits, nil
}

// searchIn is Search in one language (a desk language).
func (ix *Index) searchIn(text, lang string, n int) []Hit {
	def := ix.langs[0]
	depth := max(n, 10)
	var cands []candidate
	if sp := ix.spaces[lang]; sp != nil {
		cands = ix.candidates(cands, sp, lang, text, depth, nil)
	}
	if lang != def {
		if sp := ix.spaces[def]; sp != nil {
			// Items with text of their own in lang were searched there.
			cands = ix.candidates(cands, sp, def, text, depth, func(item int) bool {
				return ix.items[item].phrasings[lang] == 0
			})
		}
	}
	exact := ix.exactItem(lang, text)
	if len(cands) == 0 && exact < 0 {
		return nil
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })
	rs := make([]ranked, len(cands))
	for i, c := range cands {
		rs[i] = ranked{c.class, c.score}
	}
	ps := softmax(rs)
	if len(cands) > n {
		cands = cands[:n]
	}
	hits := make([]Hit, len(cands))
	prev := 1.0
	for i, c := range cands {
		e := &ix.items[c.sp.items[c.class]]
		question, answer := ix.Localize(e.item, lang)
		sim := c.sp.cent[c.class].dot(c.x)
		hits[i] = Hit{
			ItemID:     e.item.ID,
			CategoryID: e.category,
			Question:   question,
			Answer:     answer,
			Score:      c.score,
			// A hit ranked lower is never shown as likelier than one above it.
			Confidence: min(prev, ix.calib.prob(ps[i], sim, c.cover)),
			Lang:       lang,
		}
		prev = hits[i].Confidence
	}
	if exact >= 0 {
		hits = ix.putFirst(hits, exact, lang, n)
	}
	return hits
}

// putFirst makes item i the sure top hit: a question that is one of its
// listed phrasings is answered with it.
func (ix *Index) putFirst(hits []Hit, i int, lang string, n int) []Hit {
	e := &ix.items[i]
	h := Hit{ItemID: e.item.ID, CategoryID: e.category}
	for k := range hits {
		if hits[k].ItemID == e.item.ID {
			h = hits[k]
			hits = append(hits[:k], hits[k+1:]...)
			break
		}
	}
	if h.Question == "" {
		h.Question, h.Answer = ix.Localize(e.item, lang)
		if len(hits) > 0 {
			h.Score = hits[0].Score
		}
	}
	h.Confidence = 1
	h.Lang = lang
	hits = append([]Hit{h}, hits...)
	if len(hits) > n {
		hits = hits[:n]
	}
	return hits
}

// candidates appends the best classes of a space for text analysed in
// lang, keeping only items keep accepts (nil keeps all).
func (ix *Index) candidates(out []candidate, sp *space, lang, text string, n int, keep func(item int) bool) []candidate {
	fs := ix.features(lang, text)
	if !hasWord(fs) {
		return out // stop words only: nothing says what is asked
	}
	x, cover := sp.vectorize(fs)
	if len(x.ids) == 0 {
		return out
	}
	want := n
	if keep != nil {
		want = rerankDepth
	}
	rs := sp.search(x, want)
	if sp.vm != nil {
		rs = fuse(sp, sp.vm, x, sp.vm.query(fs), rs, want)
	}
	for _, r := range rs {
		if keep != nil && !keep(sp.items[r.class]) {
			continue
		}
		out = append(out, candidate{sp: sp, x: x, class: r.class, score: r.score, cover: cover})
		if keep != nil && len(out) >= n*2 {
			break
		}
	}
	return out
}

// hasWord reports whether features include an analysed term.
func hasWord(fs []string) bool {
	for _, f := range fs {
		if f[0] == featWord {
			return true
		}
	}
	return false
}

// softmax turns scores into probabilities.
func softmax(rs []ranked) []float64 {
	ps := make([]float64, len(rs))
	if len(rs) == 0 {
		return ps
	}
	mx := rs[0].score
	for _, r := range rs {
		mx = max(mx, r.score)
	}
	var z float64
	for i, r := range rs {
		ps[i] = math.Exp(r.score - mx)
		z += ps[i]
	}
	for i := range ps {
		ps[i] /= z
	}
	return ps
}

// Decide applies the desk's thresholds to the top hit.
func (ix *Index) Decide(hits []Hit) Decision {
	if len(hits) == 0 {
		return DecideNone
	}
	switch c := hits[0].Confidence; {
	case c >= ix.th.Answer:
		return DecideAnswer
	case c >= ix.th.Suggest:
		return DecideSuggest
	}
	return DecideNone
}

// Thresholds returns the thresholds Decide applies (defaults filled in).
func (ix *Index) Thresholds() (answer, suggest float64) { return ix.th.Answer, ix.th.Suggest }

// searchLang picks the language to search text in.
func (ix *Index) searchLang(text, lang string) string {
	lang = normLang(lang)
	if lang == "" {
		return ix.detect(text)
	}
	for _, l := range ix.langs {
		if l == lang {
			return l
		}
	}
	return ix.langs[0]
}

// detect guesses the language of text among the desk's languages from
// function words and from how many of its words each language's FAQ text
// uses, so "Passwort vergessen" reads as German in a desk that has it.
func (ix *Index) detect(text string) string {
	if len(ix.langs) == 1 {
		return ix.langs[0]
	}
	if lang, ok := scriptLanguage(text, ix.langs); ok {
		return lang
	}
	scores := functionWordScores(text, ix.langs)
	for i, l := range ix.langs {
		sp := ix.spaces[l]
		if sp == nil {
			continue
		}
		for _, t := range terms(ix.analyzers[l], text) {
			if _, ok := sp.vocab[string(featWord)+t]; ok {
				scores[i]++
			}
		}
	}
	return ix.langs[argmax(scores)]
}
