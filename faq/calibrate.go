package faq

import (
	"math"
	"sort"
)

// Confidence is logistic(calib[0] + calib[1]*sim + calib[2]*margin), where
// sim is the hit's similarity to the question and margin its similarity
// minus the best other candidate's. The weights are fitted when the index
// is built, from the FAQ's own phrasings: each sampled phrasing is asked as
// a question with itself left out, and the model learns how often the top
// hit is then the phrasing's own item. So a confidence of 0.7 means that
// about 7 in 10 such questions are answered with the right item, on this
// FAQ, whatever its size, domain or language.
type calibration [3]float64

// priorCalibration is the model used when an FAQ has too few phrasings to
// learn from, and the prior the fit is pulled towards.
var priorCalibration = calibration{-8 * 0.7, 8, 1.5}

// Calibration fit limits.
const (
	calibMaxSamples  = 3000 // held-out phrasings over all languages, enough for three weights
	calibCandidates  = 30   // items scored per held-out phrasing
	calibMinPostings = 50   // a term in more items than this and 5% of them is skipped when gathering candidates
	calibPrior       = 10.0 // strength of the pull towards priorCalibration
)

func (c calibration) prob(sim, margin float64) float64 {
	z := c[0] + c[1]*sim + c[2]*margin
	return 1 / (1 + math.Exp(-z))
}

// calibSample is one held-out phrasing's top candidate.
type calibSample struct {
	sim, margin float64
	right       bool
}

// fitCalibration fits the confidence model by leave-one-out over the
// phrasings of every language.
func (ix *Index) fitCalibration() calibration {
	var samples []calibSample
	for _, l := range ix.langs {
		samples = append(samples, ix.looSamples(l)...)
	}
	return fitLogistic(samples, priorCalibration, calibPrior)
}

// looSamples asks phrasings of lang (questions and alternates of items
// with at least two of them) as questions, each with itself left out.
func (ix *Index) looSamples(lang string) []calibSample {
	type ref struct{ item, phr int }
	post := map[string][]int{} // term -> items (deduplicated per item)
	var pool []ref
	for i := range ix.items {
		ps := ix.items[i].phrasings[lang]
		seen := map[string]bool{}
		n := 0
		for _, p := range ps {
			if p.kind != kindKeyword {
				n++
			}
			for _, t := range p.terms {
				if !seen[t] {
					seen[t] = true
					post[t] = append(post[t], i)
				}
			}
		}
		if n < 2 {
			continue
		}
		for j, p := range ps {
			if p.kind != kindKeyword {
				pool = append(pool, ref{i, j})
			}
		}
	}
	if len(pool) == 0 {
		return nil
	}
	stride := max(1, len(pool)*len(ix.langs)/calibMaxSamples)
	// Terms in many items say little and would make every item a
	// candidate; they are left out of candidate gathering.
	maxPostings := max(calibMinPostings, len(ix.items)/20)
	acc := make([]float64, len(ix.items))
	var touched []int
	type cs struct {
		item int
		acc  float64
	}
	var cands []cs
	var out []calibSample
	for k := 0; k < len(pool); k += stride {
		r := pool[k]
		held := ix.items[r.item].phrasings[lang][r.phr]
		q, w := held.terms, held.weights
		touched = touched[:0]
		for ti, t := range q {
			if p := post[t]; len(p) <= maxPostings {
				for _, it := range p {
					if acc[it] == 0 {
						touched = append(touched, it)
					}
					acc[it] += w[ti]
				}
			}
		}
		cands = cands[:0]
		for _, it := range touched {
			cands = append(cands, cs{it, acc[it]})
			acc[it] = 0
		}
		sort.Slice(cands, func(a, b int) bool {
			if cands[a].acc != cands[b].acc {
				return cands[a].acc > cands[b].acc
			}
			return cands[a].item < cands[b].item
		})
		if len(cands) > calibCandidates {
			cands = cands[:calibCandidates]
		}
		best, second, bestItem := -1.0, 0.0, -1
		for _, c := range cands {
			ps := ix.items[c.item].phrasings[lang]
			norm := ix.items[c.item].cnormSq[lang]
			if c.item == r.item {
				rest := make([]phrasing, 0, len(ps)-1)
				rest = append(rest, ps[:r.phr]...)
				ps = append(rest, ps[r.phr+1:]...)
				norm = centroidNormSq(ps)
			}
			s := similarity(q, w, ps, norm)
			if s > best {
				best, second, bestItem = s, max(best, 0), c.item
			} else if s > second {
				second = s
			}
		}
		if bestItem < 0 {
			out = append(out, calibSample{})
			continue
		}
		out = append(out, calibSample{sim: best, margin: best - second, right: bestItem == r.item})
	}
	return out
}

// fitLogistic fits weights by Newton's method on the log-likelihood with a
// Gaussian prior (strength lambda) centred on prior, so a handful of
// samples moves the model little and thousands decide it.
func fitLogistic(samples []calibSample, prior calibration, lambda float64) calibration {
	c := prior
	if len(samples) == 0 {
		return c
	}
	for iter := 0; iter < 50; iter++ {
		var g [3]float64
		var h [3][3]float64
		for k := 0; k < 3; k++ {
			g[k] = -lambda * (c[k] - prior[k])
			h[k][k] = -lambda
		}
		for _, s := range samples {
			x := [3]float64{1, s.sim, s.margin}
			p := c.prob(s.sim, s.margin)
			y := 0.0
			if s.right {
				y = 1
			}
			for a := 0; a < 3; a++ {
				g[a] += (y - p) * x[a]
				for b := 0; b < 3; b++ {
					h[a][b] -= p * (1 - p) * x[a] * x[b]
				}
			}
		}
		step, ok := solve3(h, g)
		if !ok {
			break
		}
		var size float64
		for k := 0; k < 3; k++ {
			c[k] -= step[k]
			size += math.Abs(step[k])
		}
		if size < 1e-6 {
			break
		}
	}
	for _, v := range c {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return prior
		}
	}
	return c
}

// solve3 solves h·x = g by Gaussian elimination with partial pivoting.
func solve3(h [3][3]float64, g [3]float64) ([3]float64, bool) {
	var m [3][4]float64
	for i := 0; i < 3; i++ {
		copy(m[i][:3], h[i][:])
		m[i][3] = g[i]
	}
	for col := 0; col < 3; col++ {
		piv := col
		for r := col + 1; r < 3; r++ {
			if math.Abs(m[r][col]) > math.Abs(m[piv][col]) {
				piv = r
			}
		}
		if math.Abs(m[piv][col]) < 1e-12 {
			return [3]float64{}, false
		}
		m[col], m[piv] = m[piv], m[col]
		for r := 0; r < 3; r++ {
			if r == col {
				continue
			}
			f := m[r][col] / m[col][col]
			for k := col; k < 4; k++ {
				m[r][k] -= f * m[col][k]
			}
		}
	}
	var x [3]float64
	for i := 0; i < 3; i++ {
		x[i] = m[i][3] / m[i][i]
	}
	return x, true
}
