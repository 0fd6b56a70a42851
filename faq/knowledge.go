package faq

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/helpdesk-chat/helpdesk/config"
)

// Knowledge is the full-text index of one desk's FAQ that agents search (the
// knowledge panel, `/helpdesk faq <words>`): every item's question,
// alternates, keywords and answer in each desk language it is written in,
// each analysed with its language's analyzer, in an in-memory Bleve index.
// Unlike Index (the bot's answering model) it finds words that occur only in
// answers, and it returns highlighted matches a page at a time. It is safe
// for concurrent use; Close frees it.
type Knowledge struct {
	ix    bleve.Index
	langs []string
	items map[string]*config.Item
}

// knowledgeFields are the indexed fields of an item, with their boosts:
// a word in the question says more than one in the answer.
var knowledgeFields = []struct {
	name  string
	boost float64
}{{"question", 4}, {"alternates", 3}, {"keywords", 3}, {"answer", 1}}

func knowledgeField(name, lang string) string { return name + "_" + lang }

// BuildKnowledge indexes f for full-text search in languages (the desk's,
// first = default).
func BuildKnowledge(f *config.FAQ, languages []string) (*Knowledge, error) {
	langs := cleanLangs(languages)
	im := bleve.NewIndexMapping()
	if err := addAnalyzers(im, langs); err != nil {
		return nil, err
	}
	for _, lang := range langs {
		dm := bleve.NewDocumentStaticMapping()
		for _, fl := range knowledgeFields {
			fm := mapping.NewTextFieldMapping()
			fm.Analyzer = analyzerName(lang)
			fm.Store = true
			fm.IncludeTermVectors = true
			dm.AddFieldMappingsAt(knowledgeField(fl.name, lang), fm)
		}
		im.AddDocumentMapping("item_"+lang, dm)
	}
	im.DefaultMapping = bleve.NewDocumentDisabledMapping()
	ix, err := bleve.NewMemOnly(im)
	if err != nil {
		return nil, fmt.Errorf("knowledge index: %w", err)
	}
	k := &Knowledge{ix: ix, langs: langs, items: map[string]*config.Item{}}
	b := ix.NewBatch()
	var walk func(cs []*config.Category) error
	walk = func(cs []*config.Category) error {
		for _, c := range cs {
			for _, it := range c.Items {
				k.items[it.ID] = it
				for i, lang := range langs {
					t, ok := itemText(it, lang, i == 0)
					if !ok {
						continue
					}
					// _type (the mapping's type field) picks the language's mapping.
					doc := map[string]any{
						"_type":                            "item_" + lang,
						knowledgeField("question", lang):   t.question,
						knowledgeField("alternates", lang): strings.Join(t.alternates, "\n"),
						knowledgeField("keywords", lang):   strings.Join(t.keywords, ", "),
						knowledgeField("answer", lang):     t.answer,
					}
					if err := b.Index(it.ID+"\x00"+lang, doc); err != nil {
						return err
					}
				}
			}
			if err := walk(c.Children); err != nil {
				return err
			}
		}
		return nil
	}
	if f != nil {
		if err := walk(f.Menu); err != nil {
			ix.Close()
			return nil, fmt.Errorf("knowledge index: %w", err)
		}
	}
	if err := ix.Batch(b); err != nil {
		ix.Close()
		return nil, fmt.Errorf("knowledge index: %w", err)
	}
	return k, nil
}

func cleanLangs(languages []string) []string {
	var langs []string
	for _, l := range languages {
		if l = normLang(l); l != "" && !contains(langs, l) {
			langs = append(langs, l)
		}
	}
	if len(langs) == 0 {
		langs = []string{"en"}
	}
	return langs
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// itemText is the item's wording in lang (the base fields in the default
// language), with the untranslated keywords and answer where a
// translation leaves them out.
func itemText(it *config.Item, lang string, isDefault bool) (text, bool) {
	if tr, ok := it.Translations[lang]; ok && tr.Question != "" {
		t := text{question: tr.Question, alternates: tr.Alternates, keywords: tr.Keywords, answer: tr.Answer}
		if len(t.keywords) == 0 {
			t.keywords = it.Keywords
		}
		if t.answer == "" {
			t.answer = it.Answer
		}
		return t, true
	}
	if isDefault {
		return text{question: it.Question, alternates: it.Alternates, keywords: it.Keywords, answer: it.Answer}, true
	}
	return text{}, false
}

// KnowledgeHit is one FAQ item found, in the language it matched in.
type KnowledgeHit struct {
	ItemID   string
	Lang     string
	Question string // the item's question in Lang
	Answer   string // the item's answer in Lang (markdown, as written)
	Score    float64
	// Highlights are fragments of the matching fields with every matched
	// word in <mark>…</mark>, HTML-escaped otherwise, by field (question,
	// alternates, keywords, answer).
	Highlights map[string][]string
}

// KnowledgePage is one page of results.
type KnowledgePage struct {
	Hits  []KnowledgeHit
	Total int // results in all
	From  int // offset of the first hit
}

// MaxKnowledgePage caps the hits of one page.
const MaxKnowledgePage = 50

// ErrEmptyQuery is returned for a query with no words.
var ErrEmptyQuery = errors.New("the search has no words")

// Search finds the items matching words in any desk language (each
// language's fields analysed with its analyzer), best first, and returns
// size hits from offset from (size at most MaxKnowledgePage).
func (k *Knowledge) Search(ctx context.Context, words string, from, size int) (KnowledgePage, error) {
	words = strings.TrimSpace(words)
	if words == "" {
		return KnowledgePage{}, ErrEmptyQuery
	}
	size = min(max(size, 1), MaxKnowledgePage)
	from = max(from, 0)
	var qs []query.Query
	var fields []string
	for _, lang := range k.langs {
		for _, fl := range knowledgeFields {
			name := knowledgeField(fl.name, lang)
			m := bleve.NewMatchQuery(words)
			m.SetField(name)
			m.SetBoost(fl.boost)
			qs = append(qs, m)
			fields = append(fields, name)
		}
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(qs...), size, from, false)
	req.Highlight = bleve.NewHighlightWithStyle("html")
	for _, f := range fields {
		req.Highlight.AddField(f)
	}
	res, err := k.ix.SearchInContext(ctx, req)
	if err != nil {
		return KnowledgePage{}, fmt.Errorf("search the FAQ: %w", err)
	}
	page := KnowledgePage{Total: int(res.Total), From: from}
	for _, h := range res.Hits {
		id, lang, _ := strings.Cut(h.ID, "\x00")
		it := k.items[id]
		if it == nil {
			continue
		}
		t, _ := itemText(it, lang, lang == k.langs[0])
		hit := KnowledgeHit{ItemID: id, Lang: lang, Question: t.question, Answer: t.answer, Score: h.Score,
			Highlights: map[string][]string{}}
		for f, frags := range h.Fragments {
			name := strings.TrimSuffix(f, "_"+lang)
			hit.Highlights[name] = frags
		}
		page.Hits = append(page.Hits, hit)
	}
	return page, nil
}

// Close frees the index.
func (k *Knowledge) Close() error { return k.ix.Close() }
