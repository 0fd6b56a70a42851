package faq

import (
	"errors"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/helpdesk-chat/helpdesk/config"
)

// Default thresholds, used when a desk leaves its thresholds at zero.
const (
	DefaultAnswerThreshold  = 0.97
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

// phrasing is one analysed question, alternate or keyword of an item.
type phrasing struct {
	kind  kind
	feats []string
}

// itemEntry is an item with everything search needs about it.
type itemEntry struct {
	item     *config.Item
	category string
	// phrasings per language the item has its own text in.
	phrasings map[string][]phrasing
}

// langStats counts, per analysed term of one language, the items using it;
// language detection asks which language's FAQ knows a question's words.
type langStats struct {
	df map[string]int
}

// Index is one desk's FAQ. It is immutable after Build and safe for
// concurrent use. Close it when it is no longer used.
type Index struct {
	langs     []string // desk languages, first = default
	th        config.Thresholds
	analyzers map[string]analysis.Analyzer
	// raw analyzers fold and lower-case but keep stop words and do not
	// stem (nil for CJK languages, whose analyzer keeps everything).
	raw    map[string]analysis.Analyzer
	stats  map[string]*langStats
	spaces map[string]*space
	calib  calibration

	items []itemEntry
	byID  map[string]int
	menu  []*config.Category
	cats  map[string]*config.Category
}

// Build indexes an FAQ for a desk speaking languages (first = default).
// A nil FAQ gives an empty index. Zero thresholds take the defaults.
func Build(f *config.FAQ, languages []string, th config.Thresholds) (*Index, error) {
	ix := &Index{
		th:        th,
		analyzers: map[string]analysis.Analyzer{},
		raw:       map[string]analysis.Analyzer{},
		spaces:    map[string]*space{},
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
		if !isCJK(l) {
			ix.raw[l] = im.AnalyzerNamed(rawAnalyzerName(l))
		}
	}
	ix.index()
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

// mapping registers the analyzers of the desk's languages.
func (ix *Index) mapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	if err := addAnalyzers(im, ix.langs); err != nil {
		return nil, err
	}
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

// index analyses every item's phrasings in every language it is written
// in, and trains one classifier per language (see model.go), plus the
// confidence calibration.
func (ix *Index) index() {
	perLang := map[string]map[int][][]string{}
	orders := map[string][]int{}
	for i := range ix.items {
		e := &ix.items[i]
		e.phrasings = map[string][]phrasing{}
		for _, l := range ix.langs {
			t, ok := ix.textIn(e.item, l)
			if !ok {
				continue
			}
			st := ix.stats[l]
			if st == nil {
				st = &langStats{df: map[string]int{}}
				ix.stats[l] = st
			}
			counted := map[string]bool{}
			add := func(k kind, s string) {
				ts := terms(ix.analyzers[l], s)
				fs := features(ts, terms(ix.raw[l], s))
				if len(fs) == 0 {
					return
				}
				e.phrasings[l] = append(e.phrasings[l], phrasing{kind: k, feats: fs})
				for _, term := range ts {
					if !counted[term] {
						counted[term] = true
						st.df[term]++
					}
				}
			}
			add(kindQuestion, t.question)
			for _, a := range t.alternates {
				add(kindAlternate, a)
			}
			for _, kw := range t.keywords {
				add(kindKeyword, kw)
			}
			if len(e.phrasings[l]) == 0 {
				continue
			}
			if perLang[l] == nil {
				perLang[l] = map[int][][]string{}
			}
			for _, p := range e.phrasings[l] {
				perLang[l][i] = append(perLang[l][i], p.feats)
			}
			orders[l] = append(orders[l], i)
		}
	}
	var samples []calibSample
	for _, l := range ix.langs {
		if len(orders[l]) == 0 {
			continue
		}
		sp, exs := newSpace(perLang[l], orders[l])
		samples = append(samples, ix.heldOutSamples(sp, exs)...)
		sp.train(exs, nil)
		ix.spaces[l] = sp
	}
	ix.calib = fitLogistic(samples, priorCalibration, calibPrior)
}

// Close releases the index. It is kept for callers that managed the Bleve
// index this package used to hold; an Index now holds only memory, and
// Close is a no-op that is safe to call more than once.
func (ix *Index) Close() error { return nil }

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
