package faq

import (
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Feature kinds, the first byte of a feature's key. Word features come
// from the language's search analyzer (stop words gone, stems), raw ones
// from the same chain without stop word removal and stemming: "where am
// i" and "how do i" say a lot about what a question asks, and only the
// raw stream keeps them.
const (
	featWord      = 'w' // analysed term
	featWordPair  = 'b' // two neighbouring analysed terms
	featRaw       = 'r' // raw (folded, lower-cased) word
	featRawPair   = 'p' // two neighbouring raw words, "^" and "$" marking the ends
	featChars     = 'c' // 2 to 5 characters of the raw words joined by spaces
	rawWordWeight = 1.0
	charMin       = 2
	charMax       = 5
	// charMaxItems: larger FAQs (in one language) have no character
	// n-grams. They multiply a phrasing's features by about eight, and
	// with them the build time; a large FAQ has phrasings enough for
	// its words to carry.
	charMaxItems = 300
)

// charWeight scales character n-grams against word features: there are
// many of them, each saying little, and together they catch what stems
// miss (compounds, typos, inflections a light stemmer leaves).
const charWeight = 0.5

// featureWeight is the factor of a feature's idf in a phrasing's vector.
func featureWeight(kind byte) float32 {
	switch kind {
	case featRaw, featRawPair:
		return rawWordWeight
	case featChars:
		return charWeight
	}
	return 1
}

// Model training.
const (
	trainEpochs    = 12
	trainRate      = 1.0
	trainRateDecay = 0.3
	trainMinGrad   = 1e-3 // smaller gradients are not worth the update
	// trainWork bounds the softmax terms computed per training (examples
	// × rivals × epochs): a large FAQ gets fewer rivals and epochs, so the
	// build time grows linearly with the FAQ.
	trainWork       = 2_000_000
	trainMinEpochs  = 2
	trainMinRivals  = 5
	trainBiasRate   = 0.1
	trainCandidates = 20 // other classes in each training example's softmax
	// scoreBudget bounds the postings walked per question: the rarest
	// features are walked first, and common ones are skipped once the
	// budget is spent (their share of the score is small).
	scoreBudget = 20_000
	// trainBudget is the postings budget when finding a training
	// example's rivals, done for every phrasing at build time.
	trainBudget = 3_000
	// trainSearchWork bounds the postings walked to find the rivals of
	// all examples of a training; no example walks fewer than
	// trainMinBudget.
	trainSearchWork = 50_000_000
	trainMinBudget  = 500
	// rerankDepth classes get an exact score after the postings walk.
	rerankDepth = 40
	// trainRerank × the rivals wanted get an exact score when a training
	// example's postings walk was cut short.
	trainRerank = 2
)

// features lists the distinct features of a text: analysed terms and their
// pairs, raw words and their pairs.
func features(analysed, raw []string, chars bool) []string {
	// The features are written one after the other into one buffer and
	// cut out of one string: a phrasing costs two allocations, not one
	// per feature. A repeated feature is dropped as soon as it is written
	// (by a scan of those before: a phrasing has few).
	size := 3
	for _, t := range analysed {
		size += 2*len(t) + 3
	}
	nchars := 2
	for _, t := range raw {
		size += 2*len(t) + 5
		nchars += len(t) + 1
	}
	if !chars {
		nchars = 0
	}
	if len(raw) > 0 {
		size += nchars * (charMax - charMin + 1) * (charMax + 2)
	}
	buf := make([]byte, 0, size)
	ends := make([]int, 0, 2*(len(analysed)+len(raw))+1+nchars*(charMax-charMin+1))
	var seen map[string]bool // for long texts
	long := len(analysed)+len(raw) > 32 || (chars && len(raw) > 0)
	add := func(kind byte, a, b string) {
		from := len(buf)
		buf = append(buf, kind)
		buf = append(buf, a...)
		if b != "" {
			buf = append(buf, ' ')
			buf = append(buf, b...)
		}
		f := buf[from:]
		if long {
			if seen == nil {
				seen = make(map[string]bool, cap(ends))
			}
			if seen[string(f)] {
				buf = buf[:from]
				return
			}
			seen[string(f)] = true
		} else {
			start := 0
			for _, end := range ends {
				if end-start == len(f) && string(buf[start:end]) == string(f) {
					buf = buf[:from]
					return
				}
				start = end
			}
		}
		ends = append(ends, len(buf))
	}
	for i, t := range analysed {
		add(featWord, t, "")
		if i > 0 {
			add(featWordPair, analysed[i-1], t)
		}
	}
	if len(raw) > 0 {
		prev := "^"
		for _, t := range raw {
			add(featRaw, t, "")
			add(featRawPair, prev, t)
			prev = t
		}
		add(featRawPair, prev, "$")
		// Character n-grams across word boundaries, over the runes of
		// " w1 w2 ... ".
		text := []rune(" " + strings.Join(raw, " ") + " ")
		for n := charMin; chars && n <= charMax; n++ {
			for i := 0; i+n <= len(text); i++ {
				add(featChars, string(text[i:i+n]), "")
			}
		}
	}
	all := string(buf)
	out := make([]string, len(ends))
	start := 0
	for i, end := range ends {
		out[i] = all[start:end]
		start = end
	}
	return out
}

// sparse is a feature vector: ids ascending, with weights.
type sparse struct {
	ids []int32
	w   []float32
}

func (v sparse) Len() int           { return len(v.ids) }
func (v sparse) Less(i, j int) bool { return v.ids[i] < v.ids[j] }
func (v sparse) Swap(i, j int) {
	v.ids[i], v.ids[j] = v.ids[j], v.ids[i]
	v.w[i], v.w[j] = v.w[j], v.w[i]
}

// dot is the inner product of v with a (usually shorter) vector u.
func (v sparse) dot(u sparse) float64 {
	var s float64
	if len(v.ids) > 8*len(u.ids) {
		for j, id := range u.ids {
			if i := v.find(id); i >= 0 {
				s += float64(v.w[i]) * float64(u.w[j])
			}
		}
		return s
	}
	i, j := 0, 0
	for i < len(v.ids) && j < len(u.ids) {
		switch {
		case v.ids[i] < u.ids[j]:
			i++
		case v.ids[i] > u.ids[j]:
			j++
		default:
			s += float64(v.w[i]) * float64(u.w[j])
			i++
			j++
		}
	}
	return s
}

// dotMarked is v.dot(u), with u's features marked in a bitmap.
func (v sparse) dotMarked(u sparse, mark []uint64) float64 {
	var s float64
	j := 0
	for i, id := range v.ids {
		if mark[id>>6]&(1<<(id&63)) == 0 {
			continue
		}
		for u.ids[j] < id {
			j++
		}
		s += float64(v.w[i]) * float64(u.w[j])
	}
	return s
}

// find returns the position of id in v, or -1.
func (v sparse) find(id int32) int {
	lo, hi := 0, len(v.ids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if v.ids[m] < id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(v.ids) && v.ids[lo] == id {
		return lo
	}
	return -1
}

type posting struct {
	class int32
	w     float32
}

// space is the classifier of one language: its classes are the items
// written in that language. Weights live both per class (for exact scores)
// and per feature (postings, to find the best classes fast).
type space struct {
	vocab  map[string]int32
	idf    []float32
	isWord []bool // feature is an analysed term
	items  []int  // class -> item index
	w      []sparse
	bias   []float32
	cent   []sparse // L2-normalised centroid of each class's phrasings
	post   [][]posting
	// dense holds the weights of a space trained by fitDense, feature
	// by feature (features × classes); w and post are then unused.
	dense []float32
	// vm is the vector classifier (nil: the language has no vectors).
	vm *vecModel
	// scorers recycles per-search scratch space.
	scorers sync.Pool
}

// example is one phrasing of a class.
type example struct {
	x     sparse
	class int
}

// vectorize turns features into an L2-normalised tf-idf vector over the
// space's vocabulary; unknown features are dropped. It also returns the
// share of the text's word features the vocabulary knows.
func (s *space) vectorize(feats []string) (sparse, float64) {
	v := sparse{ids: make([]int32, 0, len(feats)), w: make([]float32, 0, len(feats))}
	var sq float64
	words, known := 0, 0
	for _, f := range feats {
		if f[0] == featWord {
			words++
		}
		id, ok := s.vocab[f]
		if !ok {
			continue
		}
		if f[0] == featWord {
			known++
		}
		x := s.idf[id] * featureWeight(f[0])
		v.ids = append(v.ids, id)
		v.w = append(v.w, x)
		sq += float64(x) * float64(x)
	}
	if sq > 0 {
		n := float32(1 / math.Sqrt(sq))
		for i := range v.w {
			v.w[i] *= n
		}
	}
	sort.Sort(v)
	cover := 1.0
	if words > 0 {
		cover = float64(known) / float64(words)
	}
	return v, cover
}

// newSpace builds the vocabulary and idf of a language from its items'
// phrasing features (per item, in the order of items), and returns the
// vectorised examples.
func newSpace(itemFeats map[int][][]string, order []int) (*space, []example) {
	s := &space{vocab: map[string]int32{}}
	var df []int
	var stamp []int   // last item (+1) counted in df, per feature
	var raw []float32 // feature's weight factor (featureWeight)
	ids := make([][][]int32, len(order))
	for c, it := range order {
		fss := itemFeats[it]
		ids[c] = make([][]int32, len(fss))
		for k, fs := range fss {
			xs := make([]int32, len(fs))
			for j, f := range fs {
				id, ok := s.vocab[f]
				if !ok {
					id = int32(len(df))
					// f shares its phrasing's string; the vocabulary
					// outlives the phrasings.
					s.vocab[strings.Clone(f)] = id
					df = append(df, 0)
					stamp = append(stamp, 0)
					raw = append(raw, featureWeight(f[0]))
					s.isWord = append(s.isWord, f[0] == featWord)
				}
				xs[j] = id
				if stamp[id] != c+1 {
					stamp[id] = c + 1
					df[id]++
				}
			}
			ids[c][k] = xs
		}
	}
	n := float64(len(order))
	s.idf = make([]float32, len(df))
	for i, d := range df {
		s.idf[i] = float32(math.Log(1 + n/float64(d)))
	}
	var exs []example
	s.items = append([]int(nil), order...)
	for c := range order {
		for _, xs := range ids[c] {
			if x := s.vectorizeIDs(xs, raw); len(x.ids) > 0 {
				exs = append(exs, example{x: x, class: c})
			}
		}
	}
	return s, exs
}

// vectorizeIDs is vectorize for a phrasing whose features are all in the
// vocabulary (given by id, distinct; raw tells the raw ones).
func (s *space) vectorizeIDs(ids []int32, raw []float32) sparse {
	v := sparse{ids: ids, w: make([]float32, len(ids))}
	var sq float64
	for i, id := range ids {
		x := s.idf[id] * raw[id]
		v.w[i] = x
		sq += float64(x) * float64(x)
	}
	if sq > 0 {
		n := float32(1 / math.Sqrt(sq))
		for i := range v.w {
			v.w[i] *= n
		}
	}
	// Insertion sort by id: a phrasing has few features.
	for i := 1; i < len(v.ids); i++ {
		for j := i; j > 0 && v.ids[j] < v.ids[j-1]; j-- {
			v.Swap(j, j-1)
		}
	}
	return v
}

// Training fits the weights on examples (skipping those marked held out):
// each class starts as the centroid of its phrasings (start) and learns,
// by a few epochs of SGD on the softmax over itself and the classes its
// phrasings are most easily confused with (rivals), which of its words
// tell it apart (fit). A class only weighs features its own phrasings
// use, so the weights stay as sparse as the FAQ.

// start sets each class's weights to the centroid of its phrasings (those
// not held out), and indexes them.
func (s *space) start(exs []example, held []bool) { s.startFrom(nil, exs, held) }

// startFrom is start for a held-out model of the full model base (nil:
// none), whose start is already done: a class none of whose phrasings is
// held out starts from base's centroid, as it would. It returns the
// classes that are not: the affected ones.
func (s *space) startFrom(base *space, exs []example, held []bool) []bool {
	nc := len(s.items)
	affected := make([]bool, nc)
	for i, e := range exs {
		if held != nil && held[i] {
			affected[e.class] = true
		}
	}
	// Examples grouped by class (counting sort).
	first := make([]int, nc+1)
	for i, e := range exs {
		if held == nil || !held[i] {
			first[e.class+1]++
		}
	}
	for c := 0; c < nc; c++ {
		first[c+1] += first[c]
	}
	byClass := make([]int, first[nc])
	next := append([]int(nil), first[:nc]...)
	for i, e := range exs {
		if held == nil || !held[i] {
			byClass[next[e.class]] = i
			next[e.class]++
		}
	}
	s.cent = make([]sparse, nc)
	s.w = make([]sparse, nc)
	acc := make([]float64, len(s.idf))
	var touched []int32
	for c := 0; c < nc; c++ {
		if base != nil && !affected[c] {
			v := base.cent[c]
			s.cent[c] = v
			s.w[c] = sparse{ids: v.ids, w: append([]float32(nil), v.w...)}
			continue
		}
		touched = touched[:0]
		for _, i := range byClass[first[c]:first[c+1]] {
			x := exs[i].x
			for k, id := range x.ids {
				if acc[id] == 0 {
					touched = append(touched, id)
				}
				acc[id] += float64(x.w[k])
			}
		}
		slices.Sort(touched)
		v := sparse{ids: make([]int32, len(touched)), w: make([]float32, len(touched))}
		var sq float64
		for k, id := range touched {
			x := acc[id]
			acc[id] = 0
			v.ids[k] = id
			v.w[k] = float32(x)
			sq += x * x
		}
		if sq > 0 {
			n := float32(1 / math.Sqrt(sq))
			for i := range v.w {
				v.w[i] *= n
			}
		}
		s.cent[c] = v
		s.w[c] = sparse{ids: v.ids, w: append([]float32(nil), v.w...)}
	}
	s.bias = make([]float32, nc)
	s.index()
	return affected
}

// trainRivals is the number of rivals of each example in the softmax, for
// a training on n examples.
func trainRivals(n int) int {
	return min(trainCandidates, max(trainMinRivals, trainWork/(trainEpochs*max(1, n))))
}

// rivals returns, for the examples in [from, to) not held out, their own
// class followed by the classes their centroid scores rank highest (nil
// for the others). It only reads the space, so runs of examples can be
// searched concurrently.
func (s *space) rivals(exs []example, held []bool, from, to int) [][]int32 {
	n := 0
	for i := range exs {
		if held == nil || !held[i] {
			n++
		}
	}
	rivals := trainRivals(n)
	// A large FAQ walks fewer postings per example, so finding rivals
	// grows linearly with the FAQ too; rare features, walked first, say
	// most about which classes an example is confused with.
	budget := min(trainBudget, max(trainMinBudget, trainSearchWork/max(1, n)))
	cands := make([][]int32, to-from)
	if len(s.items) < 2 {
		return cands
	}
	sc := newScorer(len(s.items))
	for i := from; i < to; i++ {
		if held != nil && held[i] {
			continue
		}
		top := s.top(sc, exs[i].x, rivals+1, budget, true)
		cs := make([]int32, 0, len(top)+1)
		cs = append(cs, int32(exs[i].class))
		for _, r := range top {
			if r.class != exs[i].class {
				cs = append(cs, int32(r.class))
			}
		}
		if len(cs) > rivals+1 {
			cs = cs[:rivals+1]
		}
		cands[i-from] = cs
	}
	return cands
}

// fit runs the SGD epochs from the centroids set by start, on the
// examples not held out, each against its rivals (cands[i], as rivals
// returns them; examples without are skipped).
func (s *space) fit(exs []example, held []bool, cands [][]int32) {
	s.train(s.prepare(exs, held, cands))
}

// training is what the SGD epochs of a model walk: the examples trained
// on (idx, ascending), and for each the span of its links, one per
// candidate class, to the features they share.
type training struct {
	idx   []int
	spans []span
	links []link
	pairs []shared
	// extra holds the pairs of links with a negative off (at -off-1),
	// when pairs are another training's.
	extra []shared
}

// prepare works out the training of fit (nil: nothing to train).
func (s *space) prepare(exs []example, held []bool, cands [][]int32) *training {
	var idx []int
	for i := range exs {
		if (held == nil || !held[i]) && len(cands[i]) > 0 {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 || len(s.items) < 2 {
		return nil
	}
	// Where each example's features sit in each rival's weights, worked
	// out once: the epochs then touch only shared features.
	spans, links, pairs := s.links(exs, idx, cands)
	return &training{idx: idx, spans: spans, links: links, pairs: pairs}
}

// prepareFrom is prepare for a held-out model that shares its rivals
// (cands) with the full model whose training is base, and whose start
// weights differ from the full model's only for the affected classes
// (see start): the links of the examples not held out are base's, but
// for those to affected classes, worked out again.
func (s *space) prepareFrom(base *training, exs []example, held, affected []bool) *training {
	if base == nil {
		return nil
	}
	t := &training{}
	var redo []int32 // links to work out again
	var redoEx []int // their examples
	for k, i := range base.idx {
		if held[i] {
			continue
		}
		t.idx = append(t.idx, i)
		sp := base.spans[k]
		t.spans = append(t.spans, span{int32(len(t.links)), sp.n})
		for _, l := range base.links[sp.off : sp.off+sp.n] {
			if affected[l.class] {
				redo = append(redo, int32(len(t.links)))
				redoEx = append(redoEx, i)
			}
			t.links = append(t.links, l)
		}
	}
	if len(t.idx) == 0 {
		return nil
	}
	// base's pairs are shared (only read); the links worked out again
	// have theirs in extra.
	t.pairs = base.pairs
	for r, k := range redo {
		l := &t.links[k]
		x, w := exs[redoEx[r]].x, s.w[l.class]
		from := len(t.extra)
		a, b := 0, 0
		for a < len(x.ids) && b < len(w.ids) {
			switch {
			case x.ids[a] < w.ids[b]:
				a++
			case x.ids[a] > w.ids[b]:
				b++
			default:
				t.extra = append(t.extra, shared{x.w[a], int32(b)})
				a++
				b++
			}
		}
		l.off, l.n = -int32(from)-1, int32(len(t.extra)-from)
	}
	return t
}

// shared returns the pairs of a link.
func (t *training) shared(l link) []shared {
	if l.off < 0 {
		return t.extra[-l.off-1 : -l.off-1+l.n]
	}
	return t.pairs[l.off : l.off+l.n]
}

// train runs the SGD epochs of a training (nil: none) and indexes the
// weights.
func (s *space) train(t *training) {
	if t == nil {
		return
	}
	rivals := trainRivals(len(t.idx))
	epochs := min(trainEpochs, max(trainMinEpochs, trainWork/(len(t.idx)*(rivals+1))))
	spans, links := t.spans, t.links
	if len(spans) > 0 {
		// The epochs shuffle spans: a shared training keeps its order.
		spans = slices.Clone(spans)
	}
	rng := uint64(0x9e3779b97f4a7c15)
	p := make([]float64, trainCandidates+1)
	for ep := 0; ep < epochs; ep++ {
		for k := len(spans) - 1; k > 0; k-- {
			rng = rng*6364136223846793005 + 1442695040888963407
			j := int((rng >> 33) % uint64(k+1))
			spans[k], spans[j] = spans[j], spans[k]
		}
		eta := trainRate / (1 + trainRateDecay*float64(ep))
		for _, sp := range spans {
			ls := links[sp.off : sp.off+sp.n]
			mx := math.Inf(-1)
			for k, l := range ls {
				w := s.w[l.class].w
				v := float64(s.bias[l.class])
				for _, pr := range t.shared(l) {
					v += float64(pr.xw) * float64(w[pr.pos])
				}
				p[k] = v
				mx = max(mx, v)
			}
			z := softmaxExp(p[:len(ls)], mx)
			for k, l := range ls {
				g := p[k] / z
				if k == 0 {
					g--
				}
				if math.Abs(g) < trainMinGrad {
					continue
				}
				w := s.w[l.class].w
				f := float32(-eta * g)
				for _, pr := range t.shared(l) {
					w[pr.pos] += f * pr.xw
				}
				s.bias[l.class] -= float32(eta * g * trainBiasRate)
			}
		}
	}
	s.index()
}

// link is one candidate class of a training example, with where the
// features they share sit in pairs.
type link struct{ class, off, n int32 }

// span is where an example's links sit.
type span struct{ off, n int32 }

// shared is a feature an example shares with a class's weights: the
// example's weight for it and its position in the class's weights.
type shared struct {
	xw  float32
	pos int32
}

// links returns, for each example i of idx (in order), the span of its
// links: one per candidate class cands[i][k], in that order, each to the
// features the example shares with the class, in the order of the
// example's features.
func (s *space) links(exs []example, idx []int, cands [][]int32) ([]span, []link, []shared) {
	nc := len(s.items)
	// Links grouped by class (counting sort).
	first := make([]int32, nc+1)
	total := 0
	for _, i := range idx {
		for _, c := range cands[i] {
			first[c+1]++
		}
		total += len(cands[i])
	}
	for c := 0; c < nc; c++ {
		first[c+1] += first[c]
	}
	// byClass[r] and ref[r]: the example and the link at position r of
	// the class order.
	byClass := make([]int32, total)
	next := append([]int32(nil), first[:nc]...)
	spans := make([]span, len(idx))
	links := make([]link, total)
	ref := make([]int32, total)
	off := 0
	for k, i := range idx {
		spans[k] = span{int32(off), int32(len(cands[i]))}
		for _, c := range cands[i] {
			links[off] = link{class: c}
			byClass[next[c]] = int32(i)
			ref[next[c]] = int32(off)
			next[c]++
			off++
		}
	}
	// The class's features are marked in a bitmap over the vocabulary
	// (small enough to stay in cache, unlike a table of positions); a
	// marked feature's position is then found by binary search. A link
	// shares at most all of its example's features (its own class
	// does; rivals often most of them, the common words).
	mark := make([]uint64, (len(s.idf)+63)/64)
	bound := 0
	for _, i := range idx {
		bound += len(exs[i].x.ids) * len(cands[i])
	}
	byClassPairs := make([]shared, 0, bound)
	for c := 0; c < nc; c++ {
		if first[c] == first[c+1] {
			continue
		}
		w := s.w[c]
		for _, id := range w.ids {
			mark[id>>6] |= 1 << (id & 63)
		}
		for r := first[c]; r < first[c+1]; r++ {
			x := exs[byClass[r]].x
			from := len(byClassPairs)
			b := 0
			for a, id := range x.ids {
				if mark[id>>6]&(1<<(id&63)) == 0 {
					continue
				}
				// Both ascending: search on from the last match.
				b += sparse{ids: w.ids[b:]}.find(id)
				byClassPairs = append(byClassPairs, shared{x.w[a], int32(b)})
				b++
			}
			l := &links[ref[r]]
			l.off, l.n = int32(from), int32(len(byClassPairs)-from)
		}
		for _, id := range w.ids {
			mark[id>>6] = 0
		}
	}
	// Laid out again example by example, so an example's step in an
	// epoch reads its pairs from one place.
	pairs := make([]shared, len(byClassPairs))
	n := int32(0)
	for k := range links {
		l := &links[k]
		copy(pairs[n:], byClassPairs[l.off:l.off+l.n])
		l.off = n
		n += l.n
	}
	return spans, links, pairs
}

// index rebuilds the postings from the weights.
func (s *space) index() {
	s.post = make([][]posting, len(s.idf))
	// One array for all postings, cut into each feature's (counting sort).
	end := make([]int32, len(s.idf))
	for _, v := range s.w {
		for _, id := range v.ids {
			end[id]++
		}
	}
	total := int32(0)
	for id, n := range end {
		total += n
		end[id] = total
	}
	all := make([]posting, total)
	for id := range s.post {
		from := int32(0)
		if id > 0 {
			from = end[id-1]
		}
		s.post[id] = all[from:from:end[id]]
	}
	for c, v := range s.w {
		for k, id := range v.ids {
			s.post[id] = append(s.post[id], posting{int32(c), v.w[k]})
		}
	}
}

// scorer is the per-search scratch space of a space.
type scorer struct {
	acc     []float64
	mark    []uint64 // bitmap over the vocabulary, all zero between uses
	touched []int32
	order   []int
	lens    []int // postings per feature of the question
}

func newScorer(classes int) *scorer { return &scorer{acc: make([]float64, classes)} }

// search returns the n best classes for x, with scratch space from the pool.
func (s *space) search(x sparse, n int) []ranked {
	sc, _ := s.scorers.Get().(*scorer)
	if sc == nil || len(sc.acc) != len(s.items) {
		sc = newScorer(len(s.items))
	}
	out := s.top(sc, x, n, scoreBudget, false)
	s.scorers.Put(sc)
	return out
}

// ranked is a class with its exact score.
type ranked struct {
	class int
	score float64
}

// top returns up to n classes with the highest exact scores for x, best
// first, from the rerankDepth best by the postings walk. With walked set,
// a walk that skipped no postings is taken as exact (the postings hold the
// weights), and only the n best are kept: training asks this of every
// phrasing, and most walks are complete.
func (s *space) top(sc *scorer, x sparse, n, budget int, walked bool) []ranked {
	if len(x.ids) == 0 {
		return nil
	}
	if s.dense != nil {
		return s.topDense(sc, x, n)
	}
	// Rarest features first (insertion sort: a question has few features).
	// Each feature's postings are looked up once (they are spread over
	// a large table).
	sc.order = sc.order[:0]
	sc.lens = sc.lens[:0]
	for k := range x.ids {
		l := len(s.post[x.ids[k]])
		sc.lens = append(sc.lens, l)
		j := len(sc.order)
		sc.order = append(sc.order, k)
		for ; j > 0 && sc.lens[sc.order[j-1]] > l; j-- {
			sc.order[j] = sc.order[j-1]
		}
		sc.order[j] = k
	}
	spent := 0
	cut := false
	sc.touched = sc.touched[:0]
	acc := sc.acc
	for _, k := range sc.order {
		ps := s.post[x.ids[k]]
		if spent > 0 && spent+len(ps) > budget {
			cut = true
			break
		}
		spent += len(ps)
		xw := float64(x.w[k])
		for _, p := range ps {
			a := acc[p.class]
			if a == 0 {
				sc.touched = append(sc.touched, p.class)
			}
			a += xw * float64(p.w)
			if a == 0 {
				a = 1e-300 // still touched
			}
			acc[p.class] = a
		}
	}
	exact := walked && !cut
	// The rerankDepth best, kept sorted best first by insertion: most
	// classes fall below the last kept one and cost one comparison.
	depth := min(rerankDepth, len(sc.touched))
	if exact {
		depth = min(n, len(sc.touched))
	} else if walked {
		depth = min(trainRerank*n, len(sc.touched))
	}
	cands := make([]ranked, 0, depth)
	for _, c := range sc.touched {
		r := ranked{int(c), acc[c] + float64(s.bias[c])}
		acc[c] = 0
		if len(cands) == depth && !better(r, cands[depth-1]) {
			continue
		}
		if len(cands) < depth {
			cands = append(cands, r)
		} else {
			cands[depth-1] = r
		}
		for j := len(cands) - 1; j > 0 && better(cands[j], cands[j-1]); j-- {
			cands[j], cands[j-1] = cands[j-1], cands[j]
		}
	}
	if exact {
		return cands
	}
	// Exact scores: x's features are marked in a bitmap, so each class's
	// weights are scanned once and only shared features are looked up in
	// x (the sum runs over the shared features in id order, as dot's).
	if len(sc.mark) == 0 {
		sc.mark = make([]uint64, (len(s.idf)+63)/64)
	}
	for _, id := range x.ids {
		sc.mark[id>>6] |= 1 << (id & 63)
	}
	for i := range cands {
		c := cands[i].class
		cands[i].score = s.w[c].dotMarked(x, sc.mark) + float64(s.bias[c])
	}
	for _, id := range x.ids {
		sc.mark[id>>6] = 0
	}
	sort.Slice(cands, func(a, b int) bool { return better(cands[a], cands[b]) })
	if len(cands) > n {
		cands = cands[:n]
	}
	return cands
}

// better orders ranked classes: higher score first, then lower class.
func better(a, b ranked) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.class < b.class
}

// softmaxExp turns the scores p (whose maximum is mx) into exp(p-mx) in
// place and returns their sum: the softmax's numerators and denominator.
func softmaxExp(p []float64, mx float64) (z float64) {
	for k := range p {
		p[k] = math.Exp(p[k] - mx)
		z += p[k]
	}
	return z
}
