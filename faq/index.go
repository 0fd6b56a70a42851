package faq

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq/vectors"
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
	// phrasings counts, per language the item has its own text in, its
	// analysed phrasings (their features live only in the language's
	// space once it is built).
	phrasings map[string]int
}

// Index is one desk's FAQ. It is immutable after Build and safe for
// concurrent use. It holds only memory: nothing needs closing.
type Index struct {
	langs     []string // desk languages, first = default
	th        config.Thresholds
	analyzers map[string]analysis.Analyzer
	// raw analyzers fold and lower-case but keep stop words and do not
	// stem (nil for CJK languages, whose analyzer keeps everything).
	raw    map[string]analysis.Analyzer
	spaces map[string]*space
	calib  calibration
	// vecs are the word vectors per language (none: lexical model only).
	vecs map[string]*vectors.Table
	// exact maps, per language, a phrasing's normalised words (see
	// exactKey) to its item, -1 when items share it.
	exact map[string]map[string]int
	// chars: the language's features include character n-grams (FAQs
	// of up to charMaxItems items in it).
	chars map[string]bool

	items []itemEntry
	byID  map[string]int
	menu  []*config.Category
	cats  map[string]*config.Category
}

// Options are Build's optional settings.
type Options struct {
	// Vectors are word-vector tables per language, for the vector
	// classifier. English has the embedded table unless Vectors names
	// another, or NoVectors is set.
	Vectors map[string]*vectors.Table
	// NoVectors leaves every language with the lexical model only.
	NoVectors bool
}

// Build indexes an FAQ for a desk speaking languages (first = default).
// A nil FAQ gives an empty index. Zero thresholds take the defaults.
func Build(f *config.FAQ, languages []string, th config.Thresholds) (*Index, error) {
	return BuildWith(f, languages, th, Options{})
}

// BuildWith is Build with options.
func BuildWith(f *config.FAQ, languages []string, th config.Thresholds, opt Options) (*Index, error) {
	ix := &Index{
		vecs:      map[string]*vectors.Table{},
		chars:     map[string]bool{},
		th:        th,
		analyzers: map[string]analysis.Analyzer{},
		raw:       map[string]analysis.Analyzer{},
		spaces:    map[string]*space{},
		byID:      map[string]int{},
		cats:      map[string]*config.Category{},
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
	if !opt.NoVectors {
		for l, t := range opt.Vectors {
			if t != nil {
				ix.vecs[normLang(l)] = t
			}
		}
		if ix.vecs["en"] == nil && slices.Contains(ix.langs, "en") {
			t, err := vectors.English()
			if err != nil {
				return nil, fmt.Errorf("faq english vectors: %w", err)
			}
			ix.vecs["en"] = t
		}
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
// confidence calibration. The work is split into independent jobs
// (analysis of a run of items in one language, one model's training) that
// run on all cores; the result does not depend on their order.
func (ix *Index) index() {
	nl, ni := len(ix.langs), len(ix.items)
	for _, lang := range ix.langs {
		n := 0
		for i := range ix.items {
			if _, ok := ix.textIn(ix.items[i].item, lang); ok {
				n++
			}
		}
		ix.chars[lang] = n <= charMaxItems
	}
	// phr[l][i]: the phrasings of item i in language l.
	phr := make([][][]phrasing, nl)
	for l := range phr {
		phr[l] = make([][]phrasing, ni)
	}
	chunks := (ni + analysisChunk - 1) / analysisChunk
	parallel(nl*chunks, func(j int) {
		l, c := j/chunks, j%chunks
		lang := ix.langs[l]
		cache := map[string]string{}
		for i := c * analysisChunk; i < min(ni, (c+1)*analysisChunk); i++ {
			t, ok := ix.textIn(ix.items[i].item, lang)
			if !ok {
				continue
			}
			var ps []phrasing
			add := func(k kind, s string) {
				if fs := ix.featuresCached(lang, s, cache); len(fs) > 0 {
					ps = append(ps, phrasing{kind: k, feats: fs})
				}
			}
			add(kindQuestion, t.question)
			for _, a := range t.alternates {
				add(kindAlternate, a)
			}
			for _, kw := range t.keywords {
				add(kindKeyword, kw)
			}
			phr[l][i] = ps
		}
	})

	perLang := make([]map[int][][]string, nl)
	orders := make([][]int, nl)
	for i := range ix.items {
		ix.items[i].phrasings = map[string]int{}
	}
	for l, lang := range ix.langs {
		for i := range ix.items {
			ps := phr[l][i]
			if len(ps) == 0 {
				continue
			}
			ix.items[i].phrasings[lang] = len(ps)
			fss := make([][]string, len(ps))
			for k, p := range ps {
				fss[k] = p.feats
			}
			if perLang[l] == nil {
				perLang[l] = map[int][][]string{}
			}
			perLang[l][i] = fss
			orders[l] = append(orders[l], i)
		}
	}

	spaces := make([]*space, nl)
	exss := make([][]example, nl)
	// Sentence vectors of the examples (nil: no vectors) and the
	// principal component removed from them, per language.
	vss := make([][][]float32, nl)
	pcs := make([][]float32, nl)
	// Each language's space and final model's start, then its examples'
	// rivals, in runs of examples searched concurrently.
	parallel(nl, func(l int) {
		if len(orders[l]) > 0 {
			spaces[l], exss[l] = newSpace(perLang[l], orders[l])
			spaces[l].start(exss[l], nil)
			if tab := ix.vecs[ix.langs[l]]; tab != nil {
				var words [][]string
				for _, it := range orders[l] {
					for _, fs := range perLang[l][it] {
						if len(fs) > 0 {
							words = append(words, rawWords(fs))
						}
					}
				}
				vss[l], pcs[l] = exampleVectors(tab, words)
			}
		}
	})
	type run struct{ lang, from, to int }
	var runs []run
	for l, sp := range spaces {
		if sp == nil {
			continue
		}
		for from := 0; from < len(exss[l]); from += rivalChunk {
			runs = append(runs, run{l, from, min(len(exss[l]), from+rivalChunk)})
		}
	}
	cands := make([][][]int32, nl)
	for l := range cands {
		cands[l] = make([][]int32, len(exss[l]))
	}
	parallel(len(runs), func(j int) {
		r := runs[j]
		copy(cands[r.lang][r.from:], spaces[r.lang].rivals(exss[r.lang], nil, r.from, r.to))
	})

	// One job per model: each language's final model and its held-out
	// models (see heldOutSets).
	type job struct {
		lang int
		held []bool // nil: the final model
		oos  bool   // held holds whole items: their phrasings are out of scope
		out  []calibSample
	}
	// The final models first: a held-out model that shares their rivals
	// waits for its final model's training to be prepared, and jobs are
	// started in order, so the one it waits for is already running.
	var jobs []*job
	for l, sp := range spaces {
		if sp != nil {
			jobs = append(jobs, &job{lang: l})
		}
	}
	for l, sp := range spaces {
		if sp == nil {
			continue
		}
		for _, h := range ix.heldOutSets(sp, exss[l]) {
			jobs = append(jobs, &job{lang: l, held: h})
		}
		if h := heldOutItems(sp, exss[l]); h != nil {
			jobs = append(jobs, &job{lang: l, held: h, oos: true})
		}
	}
	trainings := make([]*training, nl)
	prepared := make([]chan struct{}, nl)
	for l := range prepared {
		prepared[l] = make(chan struct{})
	}
	parallel(len(jobs), func(j int) {
		jb := jobs[j]
		l := jb.lang
		sp, exs := spaces[l], exss[l]
		if jb.held == nil {
			if sp.denseFits(exs) {
				close(prepared[l])
				sp.fitDense(exs, nil)
			} else {
				trainings[l] = sp.prepare(exs, nil, cands[l])
				close(prepared[l])
				sp.train(trainings[l])
			}
			if tab := ix.vecs[ix.langs[l]]; tab != nil {
				sp.vm = trainVec(tab, pcs[l], len(sp.items), exs, vss[l], nil, cands[l])
			}
			return
		}
		var vm *vecModel
		if tab := ix.vecs[ix.langs[l]]; tab != nil {
			vm = trainVec(tab, pcs[l], len(sp.items), exs, vss[l], jb.held, cands[l])
		}
		jb.out = heldOutSamples(sp, exs, jb.held, cands[l], vm, vss[l], func() *training {
			<-prepared[l]
			return trainings[l]
		})
	})
	var samples, all []calibSample
	for _, jb := range jobs {
		for _, o := range jb.out {
			if jb.oos {
				o.oos, o.right = true, false
			} else {
				samples = append(samples, o)
			}
			all = append(all, o)
		}
	}
	for l, sp := range spaces {
		if sp != nil {
			ix.spaces[ix.langs[l]] = sp
		}
	}
	ix.calib = fitLogistic(samples, priorCalibration, calibPrior)
	answer, suggest := chooseThresholds(ix.calib, all)
	if ix.th.Answer == 0 {
		ix.th.Answer = answer
	}
	if ix.th.Suggest == 0 {
		ix.th.Suggest = min(suggest, ix.th.Answer)
	}
	ix.exact = ix.exactKeys(phr)
}

// Sizes of the build's concurrent jobs.
const (
	analysisChunk = 256  // items analysed per job
	rivalChunk    = 2048 // examples whose rivals are searched per job
)

// features analyses a phrasing or question in lang into its features.
// The search analyzer of a language is its raw chain followed by stop
// word removal and stemming, so the text is tokenized once: the raw
// chain's terms are taken, then the remaining filters run on its tokens.
func (ix *Index) features(lang, text string) []string {
	return ix.featuresCached(lang, text, nil)
}

// featuresCached is features with a cache of what the filters after the
// raw chain (stop words, stemmer: they take one token at a time) make of
// each raw term ("": dropped); nil for none. The build analyses every
// phrasing, and the same words come back again and again.
func (ix *Index) featuresCached(lang, text string, cache map[string]string) []string {
	full, _ := ix.analyzers[lang].(*analysis.DefaultAnalyzer)
	raw, _ := ix.raw[lang].(*analysis.DefaultAnalyzer)
	if full == nil || raw == nil || text == "" || !sharesChain(full, raw) {
		return features(terms(ix.analyzers[lang], text), terms(ix.raw[lang], text), ix.chars[lang])
	}
	toks := raw.Analyze([]byte(text))
	rawTerms := distinctTerms(toks)
	post := full.TokenFilters[len(raw.TokenFilters):]
	if cache == nil {
		for _, f := range post {
			toks = f.Filter(toks)
		}
		return features(distinctTerms(toks), rawTerms, ix.chars[lang])
	}
	analysed := make([]string, 0, len(toks))
	for _, t := range toks {
		term, ok := cache[string(t.Term)]
		if !ok {
			tk := *t
			tk.Term = append([]byte(nil), t.Term...)
			one := analysis.TokenStream{&tk}
			for _, f := range post {
				one = f.Filter(one)
			}
			if len(one) > 0 {
				term = string(one[0].Term)
			}
			cache[string(t.Term)] = term
		}
		if term != "" && !slices.Contains(analysed, term) {
			analysed = append(analysed, term)
		}
	}
	return features(analysed, rawTerms, ix.chars[lang])
}

// sharesChain reports whether full starts with raw's chain: the same
// number of char and token filters (both are built by addAnalyzers from
// the same lists, raw's a prefix of full's).
func sharesChain(full, raw *analysis.DefaultAnalyzer) bool {
	return len(full.CharFilters) == len(raw.CharFilters) && len(full.TokenFilters) >= len(raw.TokenFilters)
}

// parallel calls f(0) … f(n-1), on as many goroutines as there are cores.
func parallel(n int, f func(i int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
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

// exactKey is what a question and a phrasing must share to be the same
// question: their analysed words (folded, lower-cased, stop and chat words
// removed, stemmed) in order; "" for none.
func exactKey(feats []string) string {
	var b []byte
	for _, f := range feats {
		if f[0] != featWord {
			continue
		}
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, f[1:]...)
	}
	return string(b)
}

// exactKeys maps every phrasing of every language to its item (-1 when
// several items share one), so a listed phrasing is always answered.
func (ix *Index) exactKeys(phr [][][]phrasing) map[string]map[string]int {
	out := map[string]map[string]int{}
	for l, lang := range ix.langs {
		m := map[string]int{}
		for i, ps := range phr[l] {
			for _, p := range ps {
				k := exactKey(p.feats)
				if k == "" {
					continue
				}
				if j, ok := m[k]; ok && j != i {
					m[k] = -1
				} else {
					m[k] = i
				}
			}
		}
		out[lang] = m
	}
	return out
}

// exactItem returns the item a question is a listed phrasing of, in lang
// or (for items without text in lang) the default language, or -1.
func (ix *Index) exactItem(lang, text string) int {
	k := exactKey(ix.features(lang, text))
	if i, ok := ix.exact[lang][k]; ok && k != "" {
		return i
	}
	def := ix.langs[0]
	if lang == def {
		return -1
	}
	k = exactKey(ix.features(def, text))
	if i, ok := ix.exact[def][k]; ok && k != "" && i >= 0 && ix.items[i].phrasings[lang] == 0 {
		return i
	}
	return -1
}
