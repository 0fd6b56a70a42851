package faq

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/helpdesk-chat/helpdesk/config"
)

// Default thresholds, used when a desk leaves its thresholds at zero.
const (
	DefaultAnswerThreshold  = 0.85
	DefaultSuggestThreshold = 0.35
)

// ErrInvalidFAQ is wrapped by Build errors caused by the FAQ itself
// (duplicate or empty ids).
var ErrInvalidFAQ = errors.New("invalid faq")

// kind of a phrasing: what an admin wrote it as.
type kind uint8

const (
	kindQuestion kind = iota
	kindAlternate
	kindKeyword
)

// Index field names, suffixed with "_" + language.
const (
	fieldPhrasing = "q"
	fieldKeywords = "k"
	fieldAnswer   = "a"
	// fieldFallback lists the languages for which a default-language
	// document stands in, because its item has no translation in them.
	fieldFallback = "fb"
)

// Field boosts: how an admin's phrasings outweigh the answer body.
const (
	boostPhrasing = 3.0
	boostKeywords = 2.0
	boostAnswer   = 0.5
)

// phrasing is one analyzed question, alternate or keyword of an item.
type phrasing struct {
	kind    kind
	terms   []string
	weights []float64 // of terms, filled in once all phrasings are counted
	total   float64   // sum of weights
}

// itemEntry is an item with everything search needs about it.
type itemEntry struct {
	item     *config.Item
	category string
	// phrasings per language the item has its own text in.
	phrasings map[string][]phrasing
	// cnormSq per language: squared length of the phrasings' centroid.
	cnormSq map[string]float64
}

// langStats holds the term statistics of one language's phrasings, for
// weighting query terms by how much they tell items apart.
type langStats struct {
	docs int
	df   map[string]int
	// unknown is the weight of a query term no phrasing uses: the mean
	// weight of the vocabulary, so one unknown word neither dominates nor
	// vanishes.
	unknown float64
}

func (s *langStats) weight(term string) float64 {
	df := s.df[term]
	if df == 0 {
		return s.unknown
	}
	return math.Log(1 + float64(s.docs)/float64(df))
}

// Index is one desk's FAQ. It is immutable after Build and safe for
// concurrent use. Close it when it is no longer used.
type Index struct {
	idx       bleve.Index
	langs     []string // desk languages, first = default
	th        config.Thresholds
	analyzers map[string]analysis.Analyzer
	stats     map[string]*langStats
	calib     calibration

	items []itemEntry
	byID  map[string]int
	docs  []int // bleve document number -> item index
	menu  []*config.Category
	cats  map[string]*config.Category

	closeOnce sync.Once
	closeErr  error
}

// Build indexes an FAQ for a desk speaking languages (first = default).
// A nil FAQ gives an empty index. Zero thresholds take the defaults.
func Build(f *config.FAQ, languages []string, th config.Thresholds) (*Index, error) {
	ix := &Index{
		th:        th,
		analyzers: map[string]analysis.Analyzer{},
		stats:     map[string]*langStats{},
		byID:      map[string]int{},
		cats:      map[string]*config.Category{},
	}
	if ix.th.Answer == 0 {
		ix.th.Answer = DefaultAnswerThreshold
	}
	if ix.th.Suggest == 0 {
		ix.th.Suggest = DefaultSuggestThreshold
	}
	seen := map[string]bool{}
	for _, l := range languages {
		l = normLang(l)
		if l != "" && !seen[l] {
			seen[l] = true
			ix.langs = append(ix.langs, l)
		}
	}
	if len(ix.langs) == 0 {
		ix.langs = []string{"en"}
	}
	if f != nil {
		ix.menu = f.Menu
		if err := ix.collect(f.Menu); err != nil {
			return nil, err
		}
	}

	im, err := ix.mapping()
	if err != nil {
		return nil, fmt.Errorf("faq mapping: %w", err)
	}
	for _, l := range ix.langs {
		a := im.AnalyzerNamed(analyzerName(l))
		if a == nil {
			return nil, fmt.Errorf("faq analyzer for %q is missing", l)
		}
		ix.analyzers[l] = a
	}
	// Scorch without a path keeps everything in memory. It searches about
	// five times faster than bleve.NewMemOnly (upsidedown on gtreap) and
	// builds three times faster, at the cost of two goroutines per index
	// until Close.
	idx, err := bleve.NewUsing("", im, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("faq index: %w", err)
	}
	ix.idx = idx
	if err := ix.index(); err != nil {
		_ = idx.Close()
		return nil, err
	}
	ix.calib = ix.fitCalibration()
	return ix, nil
}

// collect walks the menu tree, recording categories and items.
func (ix *Index) collect(cats []*config.Category) error {
	for _, c := range cats {
		if c == nil {
			continue
		}
		if c.ID == "" {
			return fmt.Errorf("%w: category %q has no id", ErrInvalidFAQ, c.Title)
		}
		if _, dup := ix.cats[c.ID]; dup {
			return fmt.Errorf("%w: duplicate category id %q", ErrInvalidFAQ, c.ID)
		}
		ix.cats[c.ID] = c
		for _, it := range c.Items {
			if it == nil {
				continue
			}
			if it.ID == "" {
				return fmt.Errorf("%w: an item of category %q has no id", ErrInvalidFAQ, c.ID)
			}
			if _, dup := ix.byID[it.ID]; dup {
				return fmt.Errorf("%w: duplicate item id %q", ErrInvalidFAQ, it.ID)
			}
			ix.byID[it.ID] = len(ix.items)
			ix.items = append(ix.items, itemEntry{item: it, category: c.ID})
		}
		if err := ix.collect(c.Children); err != nil {
			return err
		}
	}
	return nil
}

// mapping declares per-language text fields with their analyzers.
func (ix *Index) mapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	if err := addAnalyzers(im, ix.langs); err != nil {
		return nil, err
	}
	doc := bleve.NewDocumentStaticMapping()
	for _, l := range ix.langs {
		for _, name := range []string{fieldPhrasing, fieldKeywords, fieldAnswer} {
			fm := bleve.NewTextFieldMapping()
			fm.Analyzer = analyzerName(l)
			fm.Store = false
			fm.IncludeInAll = false
			fm.IncludeTermVectors = false
			fm.DocValues = false
			doc.AddFieldMappingsAt(name+"_"+l, fm)
		}
	}
	fb := bleve.NewKeywordFieldMapping()
	fb.Analyzer = keyword.Name
	fb.Store = false
	fb.IncludeInAll = false
	fb.IncludeTermVectors = false
	fb.DocValues = false
	doc.AddFieldMappingsAt(fieldFallback, fb)
	im.DefaultMapping = doc
	im.DefaultAnalyzer = analyzerName(ix.langs[0])
	return im, nil
}

// text is an item's wording in one language.
type text struct {
	question   string
	alternates []string
	keywords   []string
	answer     string
}

// textIn returns the item's own text in lang, or false if it has none
// (the default language always has the item's base fields).
func (ix *Index) textIn(it *config.Item, lang string) (text, bool) {
	if tr, ok := it.Translations[lang]; ok && tr.Question != "" {
		t := text{question: tr.Question, alternates: tr.Alternates, keywords: tr.Keywords, answer: tr.Answer}
		// Keywords are often product names that need no translation.
		if len(t.keywords) == 0 {
			t.keywords = it.Keywords
		}
		if t.answer == "" {
			t.answer = it.Answer
		}
		return t, true
	}
	if lang == ix.langs[0] {
		return text{question: it.Question, alternates: it.Alternates, keywords: it.Keywords, answer: it.Answer}, true
	}
	return text{}, false
}

// index analyzes every item's phrasings and feeds the Bleve index: one
// document per phrasing, one for the keywords and one for the answer, per
// language the item is written in. Everything goes in one batch, so Scorch
// holds one segment and never needs to merge.
func (ix *Index) index() error {
	def := ix.langs[0]
	batch := ix.idx.NewBatch()
	add := func(itemIdx int, doc map[string]interface{}) error {
		id := strconv.Itoa(len(ix.docs))
		ix.docs = append(ix.docs, itemIdx)
		if err := batch.Index(id, doc); err != nil {
			return fmt.Errorf("faq index item %q: %w", ix.items[itemIdx].item.ID, err)
		}
		return nil
	}
	for i := range ix.items {
		e := &ix.items[i]
		e.phrasings = map[string][]phrasing{}
		var missing []interface{}
		for _, l := range ix.langs[1:] {
			if _, ok := ix.textIn(e.item, l); !ok {
				missing = append(missing, l)
			}
		}
		for _, l := range ix.langs {
			t, ok := ix.textIn(e.item, l)
			if !ok {
				continue
			}
			a := ix.analyzers[l]
			st := ix.stats[l]
			if st == nil {
				st = &langStats{df: map[string]int{}}
				ix.stats[l] = st
			}
			with := func(doc map[string]interface{}) map[string]interface{} {
				if l == def && len(missing) > 0 {
					doc[fieldFallback] = missing
				}
				return doc
			}
			// Document frequency counts items, not phrasings: a word
			// every phrasing of one item uses is what sets that item
			// apart, not a common word.
			st.docs++
			counted := map[string]bool{}
			addPhrasing := func(k kind, s string) {
				p := phrasing{kind: k, terms: terms(a, s)}
				if len(p.terms) == 0 {
					return
				}
				e.phrasings[l] = append(e.phrasings[l], p)
				for _, term := range p.terms {
					if !counted[term] {
						counted[term] = true
						st.df[term]++
					}
				}
			}
			phr := append([]string{t.question}, t.alternates...)
			for j, s := range phr {
				k := kindAlternate
				if j == 0 {
					k = kindQuestion
				}
				addPhrasing(k, s)
				if err := add(i, with(map[string]interface{}{fieldPhrasing + "_" + l: s})); err != nil {
					return err
				}
			}
			for _, kw := range t.keywords {
				addPhrasing(kindKeyword, kw)
			}
			if len(t.keywords) > 0 {
				if err := add(i, with(map[string]interface{}{fieldKeywords + "_" + l: t.keywords})); err != nil {
					return err
				}
			}
			if t.answer != "" {
				if err := add(i, with(map[string]interface{}{fieldAnswer + "_" + l: t.answer})); err != nil {
					return err
				}
			}
		}
	}
	if batch.Size() > 0 {
		if err := ix.idx.Batch(batch); err != nil {
			return fmt.Errorf("faq index: %w", err)
		}
	}
	for _, st := range ix.stats {
		var sum float64
		for _, df := range st.df {
			sum += math.Log(1 + float64(st.docs)/float64(df))
		}
		if len(st.df) > 0 {
			st.unknown = sum / float64(len(st.df))
		}
	}
	for i := range ix.items {
		e := &ix.items[i]
		e.cnormSq = make(map[string]float64, len(e.phrasings))
		for l, ps := range e.phrasings {
			st := ix.stats[l]
			for j := range ps {
				p := &ps[j]
				p.weights = make([]float64, len(p.terms))
				for k, t := range p.terms {
					p.weights[k] = st.weight(t)
					p.total += p.weights[k]
				}
			}
			e.cnormSq[l] = centroidNormSq(ps)
		}
	}
	return nil
}

// Close releases the Bleve index and its goroutines. Close the old Index
// after a reload has swapped in a new one; it must not be used after Close.
// It is safe to call more than once.
func (ix *Index) Close() error {
	ix.closeOnce.Do(func() { ix.closeErr = ix.idx.Close() })
	return ix.closeErr
}

// Len is the number of items.
func (ix *Index) Len() int { return len(ix.items) }

// Languages returns the desk's languages, default first.
func (ix *Index) Languages() []string { return append([]string(nil), ix.langs...) }

// Item looks up an item by id.
func (ix *Index) Item(id string) (*config.Item, bool) {
	i, ok := ix.byID[id]
	if !ok {
		return nil, false
	}
	return ix.items[i].item, true
}

// Localize returns the item's question and answer in lang, falling back
// to the desk's default language for what is not translated.
func (ix *Index) Localize(it *config.Item, lang string) (question, answer string) {
	if it == nil {
		return "", ""
	}
	question, answer = it.Question, it.Answer
	if tr, ok := it.Translations[normLang(lang)]; ok {
		if tr.Question != "" {
			question = tr.Question
		}
		if tr.Answer != "" {
			answer = tr.Answer
		}
	}
	return question, answer
}

// Categories returns the sub-categories of a category, or the top-level
// menu for parentID "". An unknown id gives nil.
func (ix *Index) Categories(parentID string) []*config.Category {
	if parentID == "" {
		return ix.menu
	}
	c, ok := ix.cats[parentID]
	if !ok {
		return nil
	}
	return c.Children
}

// Category looks up a category by id.
func (ix *Index) Category(id string) (*config.Category, bool) {
	c, ok := ix.cats[id]
	return c, ok
}

// CategoryTitle returns the category's title in lang, falling back to its
// default title.
func (ix *Index) CategoryTitle(c *config.Category, lang string) string {
	if c == nil {
		return ""
	}
	if tr, ok := c.Translations[normLang(lang)]; ok && tr.Title != "" {
		return tr.Title
	}
	return c.Title
}

// Items returns the items directly in a category.
func (ix *Index) Items(categoryID string) []*config.Item {
	c, ok := ix.cats[categoryID]
	if !ok {
		return nil
	}
	return c.Items
}

// CategoryOf returns the id of the category holding an item ("" if the
// item is unknown).
func (ix *Index) CategoryOf(itemID string) string {
	i, ok := ix.byID[itemID]
	if !ok {
		return ""
	}
	return ix.items[i].category
}
