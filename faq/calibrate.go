package faq

import (
	"math"
)

// Confidence is logistic(calib[0] + calib[1]*p + calib[2]*sim +
// calib[3]*cover), where p is the classifier's probability for the hit
// among the best candidates, sim the cosine of the question to the
// centroid of the item's phrasings, and cover the share of the question's
// words the FAQ uses at all (a question mostly about things the FAQ never
// mentions is out of its scope, however well one word matches). The weights are fitted when the index is built, from the
// FAQ's own phrasings: sampled phrasings are held out, a model is trained
// on the rest, each held-out phrasing is asked as a question, and the
// calibration learns how often the top hit is then the phrasing's own
// item. So a confidence of 0.7 means that about 7 in 10 such questions are
// answered with the right item, on this FAQ, whatever its size, domain or
// language.
type calibration [calibDims]float64

// calibDims is the number of calibration weights (bias and features).
const calibDims = 4

// priorCalibration is the model used when an FAQ has too few phrasings to
// learn from, and the prior the fit is pulled towards.
var priorCalibration = calibration{-12, 6, 6, 6}

// Calibration fit limits.
const (
	calibMaxSamples = 3000 // held-out phrasings over all languages, enough for three weights
	calibMaxRounds  = 5    // models trained for the held-out phrasings of a small FAQ
	calibPrior      = 10.0 // strength of the pull towards priorCalibration
	calibMaxOOS     = 400  // phrasings of held-out items, per language
	// calibShareRivals is the largest share of held-out phrasings for
	// which a held-out model reuses the full model's rivals.
	calibShareRivals = 0.05
)

func (c calibration) prob(p, sim, cover float64) float64 {
	z := c[0] + c[1]*p + c[2]*sim + c[3]*cover
	return 1 / (1 + math.Exp(-z))
}

// calibSample is one held-out phrasing's top candidate.
type calibSample struct {
	p, sim, cover float64
	right         bool
	oos           bool // its item was held out: answering it is wrong
}

// Threshold choice: the lowest answer threshold at which, on the held-out
// phrasings, at most thresholdWrong of those answered are wrong and at
// most thresholdOOS of the held-out items' phrasings are answered (an
// item held out is often a near twin of one kept, so this share runs
// higher than for real out-of-scope questions); the suggest threshold
// keeps the product default unless the answer one is lower. Chosen on
// CLINC150 val.
const (
	thresholdWrong = 0.040
	thresholdOOS   = 0.20
	thresholdMin   = 0.50
	thresholdMax   = DefaultAnswerThreshold
)

// chooseThresholds picks the answer and suggest thresholds of an FAQ from
// its held-out samples (the defaults when there are too few).
func chooseThresholds(c calibration, samples []calibSample) (answer, suggest float64) {
	var in, oos []float64
	var inRight []bool
	for _, s := range samples {
		p := c.prob(s.p, s.sim, s.cover)
		if s.oos {
			oos = append(oos, p)
		} else {
			in = append(in, p)
			inRight = append(inRight, s.right)
		}
	}
	if len(in) < 20 || len(oos) == 0 {
		// Too small an FAQ to tell (under 10 items, nothing says how
		// out-of-scope questions score): its listed phrasings are
		// answered anyway.
		return DefaultAnswerThreshold, DefaultSuggestThreshold
	}
	for t := thresholdMin; t < thresholdMax; t += 0.01 {
		n, wrong := 0, 0
		for i, p := range in {
			if p >= t {
				n++
				if !inRight[i] {
					wrong++
				}
			}
		}
		o := 0
		for _, p := range oos {
			if p >= t {
				o++
			}
		}
		if n > 0 && float64(wrong) <= thresholdWrong*float64(n) && float64(o) <= thresholdOOS*float64(max(1, len(oos))) {
			return math.Round(t*100) / 100, DefaultSuggestThreshold
		}
	}
	return DefaultAnswerThreshold, DefaultSuggestThreshold
}

// heldOutItems chooses whole items to hold out, so that their phrasings
// play questions the FAQ cannot answer: about a tenth of the examples, at
// most calibMaxOOS; nil for an FAQ of fewer than 10 items.
func heldOutItems(sp *space, exs []example) []bool {
	nc := len(sp.items)
	if nc < 10 {
		return nil
	}
	target := min(len(exs)/10, calibMaxOOS)
	pick := make([]bool, nc)
	count := make([]int, nc)
	for _, e := range exs {
		count[e.class]++
	}
	n := 0
	for k := 0; k < nc && n < target; k++ {
		c := (k*7919 + 13) % nc
		if pick[c] {
			continue
		}
		pick[c] = true
		n += count[c]
	}
	held := make([]bool, len(exs))
	for i, e := range exs {
		held[i] = pick[e.class]
	}
	return held
}

// heldOutSets chooses the phrasings of a language to hold out, one set
// per model to train. Round r holds out the phrasings at position r
// (modulo calibMaxRounds) of items with at least two, so no item loses all
// its phrasings; a small FAQ gets several rounds, a large one a sample of
// one round.
func (ix *Index) heldOutSets(sp *space, exs []example) [][]bool {
	count := make([]int, len(sp.items))
	pos := make([]int, len(exs))
	for i, e := range exs {
		pos[i] = count[e.class]
		count[e.class]++
	}
	eligible := 0
	for _, e := range exs {
		if count[e.class] >= 2 {
			eligible++
		}
	}
	if eligible == 0 {
		return nil
	}
	budget := max(1, calibMaxSamples/len(ix.langs))
	perRound := max(1, eligible/calibMaxRounds)
	rounds := min(calibMaxRounds, (budget+perRound-1)/perRound)
	stride := max(1, rounds*perRound/budget)
	var out [][]bool
	for r := 0; r < rounds; r++ {
		held := make([]bool, len(exs))
		k := 0
		any := false
		for i, e := range exs {
			if count[e.class] < 2 || pos[i]%calibMaxRounds != r {
				continue
			}
			if k%stride == 0 {
				held[i] = true
				any = true
			}
			k++
		}
		if any {
			out = append(out, held)
		}
	}
	return out
}

// heldOutSamples trains a model of a language without the held phrasings
// and asks each of them as a question. When few phrasings are held out
// (a large FAQ), the model reuses the rivals the full model found for
// each example (cands): without the held phrasings they would barely
// differ, and finding them is most of a training's work.
//
// The full model's start must be done; base, when called, waits for the
// full model's training to be prepared and returns it.
func heldOutSamples(sp *space, exs []example, held []bool, cands [][]int32, vm *vecModel, vs [][]float32, base func() *training) []calibSample {
	m := &space{vocab: sp.vocab, idf: sp.idf, isWord: sp.isWord, items: sp.items}
	n := 0
	for _, h := range held {
		if h {
			n++
		}
	}
	affected := m.startFrom(sp, exs, held)
	if sp.denseFits(exs) {
		m.fitDense(exs, held)
	} else if float64(n) > calibShareRivals*float64(len(exs)) {
		m.fit(exs, held, m.rivals(exs, held, 0, len(exs)))
	} else {
		// Same rivals as the full model: most of its training is too.
		m.train(m.prepareFrom(base(), exs, held, affected))
	}
	known := make([]bool, len(sp.idf))
	for i, e := range exs {
		if !held[i] {
			for _, id := range e.x.ids {
				known[id] = true
			}
		}
	}
	var out []calibSample
	sc := newScorer(len(sp.items))
	for i, e := range exs {
		if !held[i] {
			continue
		}
		top := m.top(sc, e.x, 10, scoreBudget, false)
		if vm != nil {
			top = fuse(m, vm, e.x, vs[i], top, 10)
		}
		if len(top) == 0 {
			out = append(out, calibSample{})
			continue
		}
		ps := softmax(top)
		out = append(out, calibSample{
			p:     ps[0],
			sim:   m.cent[top[0].class].dot(e.x),
			cover: coverage(sp, e.x, known),
			right: top[0].class == e.class,
		})
	}
	return out
}

// coverage is the share of x's analysed words that are known.
func coverage(sp *space, x sparse, known []bool) float64 {
	words, k := 0, 0
	for _, id := range x.ids {
		if sp.isWord[id] {
			words++
			if known[id] {
				k++
			}
		}
	}
	if words == 0 {
		return 1
	}
	return float64(k) / float64(words)
}

// fitLogistic fits weights by Newton's method on the log-likelihood with a
// Gaussian prior (strength lambda) centred on prior, so a handful of
// samples moves the model little and thousands decide it.
func fitLogistic(samples []calibSample, prior calibration, lambda float64) calibration {
	c := prior
	if len(samples) == 0 {
		return c
	}
	const d = calibDims
	for iter := 0; iter < 100; iter++ {
		var g [d]float64
		var h [d][d + 1]float64
		for k := 0; k < d; k++ {
			g[k] = -lambda * (c[k] - prior[k])
			h[k][k] = -lambda
		}
		for _, s := range samples {
			x := [d]float64{1, s.p, s.sim, s.cover}
			p := c.prob(s.p, s.sim, s.cover)
			y := 0.0
			if s.right {
				y = 1
			}
			for a := 0; a < d; a++ {
				g[a] += (y - p) * x[a]
				for b := 0; b < d; b++ {
					h[a][b] -= p * (1 - p) * x[a] * x[b]
				}
			}
		}
		for k := 0; k < d; k++ {
			h[k][d] = g[k]
		}
		step, ok := solve(h)
		if !ok {
			break
		}
		// Damped: far from the optimum the curvature is small and a full
		// Newton step overshoots into saturation.
		scale := 1.0
		for k := 0; k < d; k++ {
			scale = min(scale, 2/math.Max(math.Abs(step[k]), 1e-12))
		}
		var size float64
		for k := 0; k < d; k++ {
			step[k] *= scale
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

// solve solves the linear system of an augmented matrix m = [h | g] by
// Gaussian elimination with partial pivoting.
func solve(m [calibDims][calibDims + 1]float64) ([calibDims]float64, bool) {
	const d = calibDims
	for col := 0; col < d; col++ {
		piv := col
		for r := col + 1; r < d; r++ {
			if math.Abs(m[r][col]) > math.Abs(m[piv][col]) {
				piv = r
			}
		}
		if math.Abs(m[piv][col]) < 1e-12 {
			return [d]float64{}, false
		}
		m[col], m[piv] = m[piv], m[col]
		for r := 0; r < d; r++ {
			if r == col {
				continue
			}
			f := m[r][col] / m[col][col]
			for k := col; k <= d; k++ {
				m[r][k] -= f * m[col][k]
			}
		}
	}
	var x [d]float64
	for i := 0; i < d; i++ {
		x[i] = m[i][d] / m[i][i]
	}
	return x, true
}
