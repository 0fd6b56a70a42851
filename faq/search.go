package faq

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Hit is one FAQ item matching a question.
type Hit struct {
	ItemID, CategoryID string
	// Question and Answer are localized to the language searched
	// (fallback: the desk's default language).
	Question, Answer string
	// Score is the raw retrieval score (best phrasing plus a little for
	// every other phrasing of the item that matched).
	Score float64
	// Confidence in [0,1] reads as the probability that this hit is the
	// item the user wants.
	Confidence float64
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

// Search limits.
const (
	maxQueryBytes = 1000 // longer input is cut: nobody asks an FAQ question in a page of text
	minCandidates = 40   // Bleve documents retrieved before items are aggregated and re-ranked
)

// Scoring constants.
const (
	// otherPhrasingBonus is the share of every further matching phrasing's
	// score added to an item's best phrasing score.
	otherPhrasingBonus = 0.3
	// keywordFactor discounts a keyword matched alone against a full
	// phrasing: a keyword says what an item is about, not what was asked.
	keywordFactor = 0.9
	// simRank is the share of similarity in the ranking key; the rest is
	// the Bleve score relative to the best candidate's.
	simRank = 0.5
	// bestWeight and coverWeight mix the best phrasing's similarity with
	// how much of the question the item's phrasings explain at all.
	bestWeight     = 0.4
	coverWeight    = 0.1
	centroidWeight = 0.5
)

// Search returns up to n items matching text, best first. lang is the
// language of text ("" = detect among the desk's languages; a language the
// desk does not speak is searched as the default language). Items without
// a translation in that language are searched in the default language.
func (ix *Index) Search(ctx context.Context, text, lang string, n int) ([]Hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("faq search: %w", err)
	}
	text = clip(strings.TrimSpace(text), maxQueryBytes)
	if text == "" || len(ix.items) == 0 {
		return nil, nil
	}
	if n <= 0 {
		n = DefaultHits
	}
	lang = ix.searchLang(text, lang)
	def := ix.langs[0]
	qL := terms(ix.analyzers[lang], text)
	qD := qL
	if lang != def {
		qD = terms(ix.analyzers[def], text)
	}
	q := ix.query(lang, qL, qD)
	if q == nil {
		return nil, nil
	}
	req := bleve.NewSearchRequestOptions(q, max(minCandidates, 8*n), 0, false)
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("faq search: %w", err)
	}

	// Aggregate phrasing documents per item.
	type cand struct {
		item              int
		best, rest        float64
		sim, rank, margin float64
	}
	var cands []cand
	pos := map[int]int{}
	for _, h := range res.Hits {
		d, err := strconv.Atoi(h.ID)
		if err != nil || d < 0 || d >= len(ix.docs) {
			return nil, fmt.Errorf("faq search: unexpected document id %q", h.ID)
		}
		it := ix.docs[d]
		if p, ok := pos[it]; ok {
			cands[p].rest += h.Score
			continue
		}
		pos[it] = len(cands)
		cands = append(cands, cand{item: it, best: h.Score})
	}
	if len(cands) == 0 {
		return nil, nil
	}
	wL, wD := ix.queryWeights(lang, qL), ix.queryWeights(def, qD)
	for i := range cands {
		e := &ix.items[cands[i].item]
		if ps, ok := e.phrasings[lang]; ok {
			cands[i].sim = similarity(qL, wL, ps, e.cnormSq[lang])
		} else {
			cands[i].sim = similarity(qD, wD, e.phrasings[def], e.cnormSq[def])
		}
	}
	score := func(c cand) float64 { return c.best + otherPhrasingBonus*c.rest }
	var top float64
	for _, c := range cands {
		top = max(top, score(c))
	}
	for i := range cands {
		cands[i].rank = simRank*cands[i].sim + (1-simRank)*score(cands[i])/top
	}
	sort.SliceStable(cands, func(a, b int) bool {
		ca, cb := cands[a], cands[b]
		if ca.rank != cb.rank {
			return ca.rank > cb.rank
		}
		return ca.item < cb.item
	})
	// The margin is over the best other candidate's similarity, the same
	// feature the calibration is fitted on.
	sim1, sim2 := -1.0, -1.0
	for _, c := range cands {
		if c.sim > sim1 {
			sim1, sim2 = c.sim, sim1
		} else if c.sim > sim2 {
			sim2 = c.sim
		}
	}
	for i := range cands {
		other := sim1
		if cands[i].sim == sim1 {
			other = max(sim2, 0)
		}
		cands[i].margin = cands[i].sim - other
	}
	if len(cands) > n {
		cands = cands[:n]
	}
	hits := make([]Hit, len(cands))
	prev := 1.0
	for i, c := range cands {
		e := &ix.items[c.item]
		question, answer := ix.Localize(e.item, lang)
		hits[i] = Hit{
			ItemID:     e.item.ID,
			CategoryID: e.category,
			Question:   question,
			Answer:     answer,
			Score:      score(c),
			// A hit ranked lower is never shown as likelier than one above it.
			Confidence: min(prev, ix.calib.prob(c.sim, c.margin)),
		}
		prev = hits[i].Confidence
	}
	return hits, nil
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
		st := ix.stats[l]
		if st == nil {
			continue
		}
		for _, t := range terms(ix.analyzers[l], text) {
			if st.df[t] > 0 {
				scores[i]++
			}
		}
	}
	return ix.langs[argmax(scores)]
}

// query matches the question against the fields of lang, and, for items
// not translated into lang, against the default language's fields.
func (ix *Index) query(lang string, qL, qD []string) query.Query {
	def := ix.langs[0]
	var parts []query.Query
	if q := fieldsQuery(lang, qL); q != nil {
		parts = append(parts, q)
	}
	if lang != def {
		if q := fieldsQuery(def, qD); q != nil {
			fb := query.NewTermQuery(lang)
			fb.SetField(fieldFallback)
			fb.SetBoost(0.01)
			parts = append(parts, query.NewConjunctionQuery([]query.Query{q, fb}))
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return query.NewDisjunctionQuery(parts)
}

// fieldsQuery matches any of the terms in the phrasing, keyword and answer
// fields of one language.
func fieldsQuery(lang string, qterms []string) query.Query {
	if len(qterms) == 0 {
		return nil
	}
	fields := []struct {
		name  string
		boost float64
	}{{fieldPhrasing, boostPhrasing}, {fieldKeywords, boostKeywords}, {fieldAnswer, boostAnswer}}
	perField := make([]query.Query, 0, len(fields))
	for _, f := range fields {
		tq := make([]query.Query, len(qterms))
		for i, t := range qterms {
			q := query.NewTermQuery(t)
			q.SetField(f.name + "_" + lang)
			tq[i] = q
		}
		dq := query.NewDisjunctionQuery(tq)
		dq.SetBoost(f.boost)
		perField = append(perField, dq)
	}
	return query.NewDisjunctionQuery(perField)
}

func (ix *Index) queryWeights(lang string, q []string) []float64 {
	st := ix.stats[lang]
	w := make([]float64, len(q))
	for i, t := range q {
		if st != nil {
			w[i] = st.weight(t)
		} else {
			w[i] = 1
		}
	}
	return w
}

// similarity of a question (terms q with weights w) to an item's
// phrasings, in [0,1]: the best weighted F1 overlap with one phrasing,
// mixed with the share of the question any phrasing explains.
func similarity(q []string, w []float64, ps []phrasing, cnormSq float64) float64 {
	var qTotal, qSq float64
	for _, x := range w {
		qTotal += x
		qSq += x * x
	}
	if qTotal == 0 || len(ps) == 0 {
		return 0
	}
	var best, covered float64
	var cntBuf [32]float64 // per query term: phrasings that use it
	var cnt []float64
	if len(q) <= len(cntBuf) {
		cnt = cntBuf[:len(q)]
	} else {
		cnt = make([]float64, len(q))
	}
	for _, p := range ps {
		var inter float64
		for k, t := range p.terms {
			for i, qt := range q {
				if qt == t {
					inter += p.weights[k]
					cnt[i]++
					break
				}
			}
		}
		if inter == 0 || p.total == 0 {
			continue
		}
		qc, pc := inter/qTotal, inter/p.total
		f := 2 * qc * pc / (qc + pc)
		if p.kind == kindKeyword {
			f *= keywordFactor
		}
		best = max(best, f)
	}
	// The centroid weighs every term by the share of the item's phrasings
	// that use it, so words its phrasings agree on count most.
	var dot float64
	n := float64(len(ps))
	for i, c := range cnt {
		if c > 0 {
			covered += w[i]
			dot += w[i] * w[i] * c / n
		}
	}
	var cos float64
	if dot > 0 && cnormSq > 0 {
		cos = dot / math.Sqrt(cnormSq*qSq)
	}
	return bestWeight*best + coverWeight*covered/qTotal + centroidWeight*cos
}

// centroidNormSq is the squared length of the centroid of phrasings.
func centroidNormSq(ps []phrasing) float64 {
	type tw struct{ n, w float64 }
	m := make(map[string]tw, 32)
	for _, p := range ps {
		for k, t := range p.terms {
			e := m[t]
			e.n++
			e.w = p.weights[k]
			m[t] = e
		}
	}
	n := float64(len(ps))
	var sq float64
	for _, e := range m {
		v := e.n / n * e.w
		sq += v * v
	}
	return sq
}

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
