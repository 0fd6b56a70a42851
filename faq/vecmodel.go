package faq

import (
	"math"

	"github.com/helpdesk-chat/helpdesk/faq/vectors"
)

// The vector classifier of a language: a phrasing's sentence vector is the
// SIF-weighted mean of its raw words' vectors (a word's weight a/(a+p(w)),
// p its frequency, estimated from its rank by Zipf's law) with the first
// principal component of the FAQ's phrasings removed (what all sentences
// share), L2-normalised; a softmax regression over them, trained on the
// FAQ's own phrasings against the same rivals as the lexical classifier,
// scores the classes. Its probabilities are mixed with the lexical
// classifier's (fuse): the words of a paraphrase differ, their vectors
// less.
const (
	sifA         = 1e-3
	zipfH        = 13.5 // harmonic number of a 400,000-word vocabulary
	vecInitScale = 5.0  // start weights: the class centroids times this
	vecEpochs    = 12
	vecRate      = 1.0
	vecRateDecay = 0.3
	vecWork      = 300_000_000 // multiply-adds of a training, bounding its epochs
	// vecNearWork bounds the work of finding each example's nearest
	// centroids as extra rivals (examples × classes × dims).
	vecNearWork = 400_000_000
	vecNear     = 10
	// vecScanWork bounds the classes a question's vector is scored
	// against (classes × dims): above it, only the lexical candidates.
	vecScanWork = 600_000
)

// fusionWeight is the vector classifier's share of the fused
// log-probability (chosen on CLINC150 val).
const fusionWeight = 0.4

// vecModel is the vector classifier of one language's space.
type vecModel struct {
	tab  *vectors.Table
	dims int
	pc   []float32 // first principal component of the phrasings, unit length
	w    []float32 // classes × dims
	bias []float32
	cent []float32 // classes × dims, unit centroids
}

// sentence returns the SIF sentence vector of raw words (nil if no word
// has a vector), before the principal component is removed.
func sentenceVector(tab *vectors.Table, words []string) []float32 {
	var v []float32
	n := 0
	for _, w := range words {
		i, ok := tab.Lookup(w)
		if !ok {
			continue
		}
		if v == nil {
			v = make([]float32, tab.Dims())
		}
		p := 1 / (float64(tab.Rank(i)+1) * zipfH)
		tab.AddTo(v, i, float32(sifA/(sifA+p)))
		n++
	}
	if n > 1 {
		for k := range v {
			v[k] /= float32(n)
		}
	}
	return v
}

// rawWords returns the raw words among features.
func rawWords(feats []string) []string {
	var out []string
	for _, f := range feats {
		if f[0] == featRaw {
			out = append(out, f[1:])
		}
	}
	return out
}

// finish removes the principal component pc from v and normalises it.
func finish(v, pc []float32) []float32 {
	if v == nil {
		return nil
	}
	if pc != nil {
		var d float32
		for k := range v {
			d += v[k] * pc[k]
		}
		for k := range v {
			v[k] -= d * pc[k]
		}
	}
	var sq float64
	for _, x := range v {
		sq += float64(x) * float64(x)
	}
	if sq == 0 {
		return nil
	}
	n := float32(1 / math.Sqrt(sq))
	for k := range v {
		v[k] *= n
	}
	return v
}

// principal returns the first principal component (uncentred, as SIF
// does) of vectors, by power iteration.
func principal(vs [][]float32, dims int) []float32 {
	u := make([]float32, dims)
	for k := range u {
		u[k] = 1 / float32(math.Sqrt(float64(dims)))
	}
	next := make([]float64, dims)
	for it := 0; it < 30; it++ {
		clear(next)
		for _, v := range vs {
			if v == nil {
				continue
			}
			var d float64
			for k := range v {
				d += float64(v[k]) * float64(u[k])
			}
			for k := range v {
				next[k] += d * float64(v[k])
			}
		}
		var sq float64
		for _, x := range next {
			sq += x * x
		}
		if sq == 0 {
			return nil
		}
		n := 1 / math.Sqrt(sq)
		for k := range u {
			u[k] = float32(next[k] * n)
		}
	}
	return u
}

// exampleVectors computes the sentence vectors of examples (raw words of
// each, in order) and the principal component, and returns the finished
// vectors.
func exampleVectors(tab *vectors.Table, words [][]string) ([][]float32, []float32) {
	vs := make([][]float32, len(words))
	for i, ws := range words {
		vs[i] = sentenceVector(tab, ws)
	}
	pc := principal(vs, tab.Dims())
	for i := range vs {
		vs[i] = finish(vs[i], pc)
	}
	return vs, pc
}

func dot32(a, b []float32) float64 {
	var s0, s1, s2, s3 float32
	b = b[:len(a)]
	k := 0
	for ; k+4 <= len(a); k += 4 {
		s0 += a[k] * b[k]
		s1 += a[k+1] * b[k+1]
		s2 += a[k+2] * b[k+2]
		s3 += a[k+3] * b[k+3]
	}
	for ; k < len(a); k++ {
		s0 += a[k] * b[k]
	}
	return float64(s0 + s1 + s2 + s3)
}

// trainVec fits a vector model for nc classes on the examples not held
// out (vs[i] nil: no vector), each against its rivals cands[i] (own class
// first), to which the classes with the nearest centroids are added when
// the FAQ is small enough.
func trainVec(tab *vectors.Table, pc []float32, nc int, exs []example, vs [][]float32, held []bool, cands [][]int32) *vecModel {
	d := tab.Dims()
	m := &vecModel{tab: tab, dims: d, pc: pc, w: make([]float32, nc*d), bias: make([]float32, nc), cent: make([]float32, nc*d)}
	var idx []int
	for i, e := range exs {
		if (held != nil && held[i]) || vs[i] == nil {
			continue
		}
		idx = append(idx, i)
		c := m.cent[e.class*d : (e.class+1)*d]
		for k, x := range vs[i] {
			c[k] += x
		}
	}
	for c := 0; c < nc; c++ {
		row := m.cent[c*d : (c+1)*d]
		finish(row, nil)
		for k, x := range row {
			m.w[c*d+k] = x * vecInitScale
		}
	}
	if len(idx) == 0 || nc < 2 {
		return m
	}
	// Rivals: the lexical ones plus, for a small FAQ, the nearest centroids.
	rv := make([][]int32, len(idx))
	near := len(idx)*nc*d <= vecNearWork
	total := 0
	for j, i := range idx {
		var cs []int32
		if cands != nil && len(cands[i]) > 0 {
			cs = append(cs, cands[i]...)
		} else {
			cs = append(cs, int32(exs[i].class))
		}
		if near {
			cs = nearest(m.cent, nc, d, vs[i], vecNear, cs)
		}
		rv[j] = cs
		total += len(cs)
	}
	epochs := min(vecEpochs, max(2, vecWork/max(1, total*d)))
	order := make([]int, len(idx))
	for j := range order {
		order[j] = j
	}
	rng := uint64(0x2545f4914f6cdd1d)
	p := make([]float64, 0, 64)
	for ep := 0; ep < epochs; ep++ {
		for k := len(order) - 1; k > 0; k-- {
			rng = rng*6364136223846793005 + 1442695040888963407
			j := int((rng >> 33) % uint64(k+1))
			order[k], order[j] = order[j], order[k]
		}
		eta := vecRate / (1 + vecRateDecay*float64(ep))
		for _, j := range order {
			x := vs[idx[j]]
			cs := rv[j]
			p = p[:0]
			mx := math.Inf(-1)
			for _, c := range cs {
				s := dot32(x, m.w[int(c)*d:int(c+1)*d]) + float64(m.bias[c])
				p = append(p, s)
				mx = max(mx, s)
			}
			z := softmaxExp(p, mx)
			for k, c := range cs {
				g := p[k] / z
				if k == 0 {
					g--
				}
				if math.Abs(g) < trainMinGrad {
					continue
				}
				f := float32(-eta * g)
				row := m.w[int(c)*d : int(c+1)*d]
				for q, xv := range x {
					row[q] += f * xv
				}
				m.bias[c] -= float32(eta * g * trainBiasRate)
			}
		}
	}
	return m
}

// nearest appends to cs (without repeating) the n classes whose centroids
// are nearest to x.
func nearest(cent []float32, nc, d int, x []float32, n int, cs []int32) []int32 {
	best := make([]ranked, 0, n)
	for c := 0; c < nc; c++ {
		r := ranked{c, dot32(x, cent[c*d:(c+1)*d])}
		if len(best) == n && !better(r, best[n-1]) {
			continue
		}
		if len(best) < n {
			best = append(best, r)
		} else {
			best[n-1] = r
		}
		for j := len(best) - 1; j > 0 && better(best[j], best[j-1]); j-- {
			best[j], best[j-1] = best[j-1], best[j]
		}
	}
	for _, r := range best {
		dup := false
		for _, c := range cs {
			if int(c) == r.class {
				dup = true
				break
			}
		}
		if !dup {
			cs = append(cs, int32(r.class))
		}
	}
	return cs
}

// query returns the finished sentence vector of a question's features.
func (m *vecModel) query(feats []string) []float32 {
	return finish(sentenceVector(m.tab, rawWords(feats)), m.pc)
}

// score is class c's score for the finished vector q.
func (m *vecModel) score(q []float32, c int) float64 {
	return dot32(q, m.w[c*m.dims:(c+1)*m.dims]) + float64(m.bias[c])
}

// top returns the n classes scoring highest for q, or nil when the FAQ is
// too large to scan (the lexical candidates are scored then).
func (m *vecModel) top(q []float32, n int) []ranked {
	nc := len(m.bias)
	if q == nil || nc*m.dims > vecScanWork {
		return nil
	}
	best := make([]ranked, 0, n)
	for c := 0; c < nc; c++ {
		r := ranked{c, m.score(q, c)}
		if len(best) == n && !better(r, best[n-1]) {
			continue
		}
		if len(best) < n {
			best = append(best, r)
		} else {
			best[n-1] = r
		}
		for j := len(best) - 1; j > 0 && better(best[j], best[j-1]); j-- {
			best[j], best[j-1] = best[j-1], best[j]
		}
	}
	return best
}

// fuse merges the lexical top classes of a question (lex, exact scores)
// with the vector model's, and returns up to n classes ranked by the fused
// probability, each with the score log(p) + the log-sum-exp of the lexical
// scores, so that a softmax over the result gives back p (and merging with
// another space's lexical scores stays on one scale). sp scores the
// classes the vector model adds; x is the question's lexical vector.
func fuse(sp *space, m *vecModel, x sparse, q []float32, lex []ranked, n int) []ranked {
	if m == nil || q == nil {
		return lex
	}
	cl := append([]ranked(nil), lex...)
	for _, r := range m.top(q, n) {
		found := false
		for _, l := range cl {
			if l.class == r.class {
				found = true
				break
			}
		}
		if !found {
			cl = append(cl, ranked{r.class, sp.score(x, r.class)})
		}
	}
	if len(cl) == 0 {
		return nil
	}
	vr := make([]ranked, len(cl))
	for i, r := range cl {
		vr[i] = ranked{r.class, m.score(q, r.class)}
	}
	pl, pv := softmax(cl), softmax(vr)
	mx := cl[0].score
	for _, r := range cl {
		mx = max(mx, r.score)
	}
	var z float64
	for _, r := range cl {
		z += math.Exp(r.score - mx)
	}
	lse := mx + math.Log(z)
	out := make([]ranked, len(cl))
	for i, r := range cl {
		// A weighted geometric mean: an item both classifiers doubt stays
		// doubtful.
		lp := (1-fusionWeight)*math.Log(max(pl[i], 1e-300)) + fusionWeight*math.Log(max(pv[i], 1e-300))
		out[i] = ranked{r.class, lse + lp}
	}
	sortRanked(out)
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// sortRanked sorts best first (insertion: lists are short).
func sortRanked(rs []ranked) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && better(rs[j], rs[j-1]); j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}
