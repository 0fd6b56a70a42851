package faq

import (
	"math"
	"slices"
	"sort"
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
	rawWordWeight = 1.0
)

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
func features(analysed, raw []string) []string {
	out := make([]string, 0, 2*(len(analysed)+len(raw))+1)
	seen := make(map[string]bool, cap(out))
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for i, t := range analysed {
		add(string(featWord) + t)
		if i > 0 {
			add(string(featWordPair) + analysed[i-1] + " " + t)
		}
	}
	if len(raw) > 0 {
		prev := "^"
		for _, t := range raw {
			add(string(featRaw) + t)
			add(string(featRawPair) + prev + " " + t)
			prev = t
		}
		add(string(featRawPair) + prev + " $")
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
		x := s.idf[id]
		if f[0] == featRaw || f[0] == featRawPair {
			x *= rawWordWeight
		}
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
	var stamp []int // last item (+1) counted in df, per feature
	var raw []bool  // feature is a raw word or pair
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
					s.vocab[f] = id
					df = append(df, 0)
					stamp = append(stamp, 0)
					raw = append(raw, f[0] == featRaw || f[0] == featRawPair)
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
func (s *space) vectorizeIDs(ids []int32, raw []bool) sparse {
	v := sparse{ids: ids, w: make([]float32, len(ids))}
	var sq float64
	for i, id := range ids {
		x := s.idf[id]
		if raw[id] {
			x *= rawWordWeight
		}
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
func (s *space) start(exs []example, held []bool) {
	nc := len(s.items)
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
	nc := len(s.items)
	var idx []int
	for i := range exs {
		if (held == nil || !held[i]) && len(cands[i]) > 0 {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 || nc < 2 {
		return
	}
	rivals := trainRivals(len(idx))
	epochs := min(trainEpochs, max(trainMinEpochs, trainWork/(len(idx)*(rivals+1))))
	// Where each example's features sit in each rival's weights, worked
	// out once: the epochs then touch only shared features.
	type link struct {
		off, n int32 // into pairs
	}
	links := make([][]link, len(exs))
	var pairs []int32 // (position in x, position in w) pairs
	for _, i := range idx {
		x := exs[i].x
		ls := make([]link, len(cands[i]))
		for k, c := range cands[i] {
			off := len(pairs)
			w := s.w[c]
			a, b := 0, 0
			for a < len(x.ids) && b < len(w.ids) {
				switch {
				case x.ids[a] < w.ids[b]:
					a++
				case x.ids[a] > w.ids[b]:
					b++
				default:
					pairs = append(pairs, int32(a), int32(b))
					a++
					b++
				}
			}
			ls[k] = link{int32(off), int32((len(pairs) - off) / 2)}
		}
		links[i] = ls
	}
	rng := uint64(0x9e3779b97f4a7c15)
	p := make([]float64, trainCandidates+1)
	for ep := 0; ep < epochs; ep++ {
		for k := len(idx) - 1; k > 0; k-- {
			rng = rng*6364136223846793005 + 1442695040888963407
			j := int((rng >> 33) % uint64(k+1))
			idx[k], idx[j] = idx[j], idx[k]
		}
		eta := trainRate / (1 + trainRateDecay*float64(ep))
		for _, i := range idx {
			x, cs, ls := exs[i].x, cands[i], links[i]
			mx := math.Inf(-1)
			for k, c := range cs {
				w := s.w[c].w
				v := float64(s.bias[c])
				pr := pairs[ls[k].off : ls[k].off+2*ls[k].n]
				for j := 0; j < len(pr); j += 2 {
					v += float64(x.w[pr[j]]) * float64(w[pr[j+1]])
				}
				p[k] = v
				mx = max(mx, v)
			}
			var z float64
			for k := range cs {
				p[k] = math.Exp(p[k] - mx)
				z += p[k]
			}
			for k, c := range cs {
				g := p[k] / z
				if k == 0 {
					g--
				}
				if math.Abs(g) < trainMinGrad {
					continue
				}
				w := s.w[c].w
				f := float32(-eta * g)
				pr := pairs[ls[k].off : ls[k].off+2*ls[k].n]
				for j := 0; j < len(pr); j += 2 {
					w[pr[j+1]] += f * x.w[pr[j]]
				}
				s.bias[c] -= float32(eta * g * trainBiasRate)
			}
		}
	}
	s.index()
}

// index rebuilds the postings from the weights.
func (s *space) index() {
	s.post = make([][]posting, len(s.idf))
	for c, v := range s.w {
		for k, id := range v.ids {
			s.post[id] = append(s.post[id], posting{int32(c), v.w[k]})
		}
	}
}

// scorer is the per-search scratch space of a space.
type scorer struct {
	acc     []float64
	touched []int32
	order   []int
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
	// Rarest features first (insertion sort: a question has few features).
	sc.order = sc.order[:0]
	for k := range x.ids {
		l := len(s.post[x.ids[k]])
		j := len(sc.order)
		sc.order = append(sc.order, k)
		for ; j > 0 && len(s.post[x.ids[sc.order[j-1]]]) > l; j-- {
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
	for i := range cands {
		cands[i].score = s.w[cands[i].class].dot(x) + float64(s.bias[cands[i].class])
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
