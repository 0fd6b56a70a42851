package faq

import (
	"math"
)

// Full softmax regression: for an FAQ small enough (examples × classes ×
// features under denseWork), the lexical classifier is a multinomial
// logistic regression over every feature and every class, trained by SGD
// with L2 regularisation from the centroids, instead of the sampled
// training of fit (each class against its rivals, on its own phrasings'
// features only). Every class then weighs every feature, so a word can
// speak against an item, and each example's softmax runs over all items.
// Search then scores every class.
const (
	denseWork = 3_000_000_000 // multiply-adds of a training (forward pass, all epochs)
	// denseMaxWeights bounds features × classes: the weights are held
	// dense, 4 bytes each.
	denseMaxWeights = 8_000_000
	denseEpochs     = 15
	denseRate       = 5.0
	denseDecay      = 0.2 // rate / (1 + decay × epoch)
	denseL2         = 1e-5
	denseInit       = 1.0 // start weights: the class centroids times this
	denseMinGrad    = 1e-4
)

// denseFits reports whether a full softmax training of exs fits the work
// and memory bounds.
func (s *space) denseFits(exs []example) bool {
	nc := len(s.items)
	if nc < 2 || len(s.idf)*nc > denseMaxWeights {
		return false
	}
	feats := 0
	for _, e := range exs {
		feats += len(e.x.ids)
	}
	return float64(feats)*float64(nc)*denseEpochs <= denseWork
}

// fitDense trains the weights on the examples not held out by full
// softmax regression, from the centroids set by start, and indexes them.
func (s *space) fitDense(exs []example, held []bool) {
	nc, nf := len(s.items), len(s.idf)
	// Feature-major: an example's scores add one row per feature.
	w := make([]float32, nf*nc)
	for c, v := range s.w {
		for k, id := range v.ids {
			w[int(id)*nc+c] = v.w[k] * denseInit
		}
	}
	bias := make([]float64, nc)
	var idx []int
	for i := range exs {
		if held == nil || !held[i] {
			idx = append(idx, i)
		}
	}
	p := make([]float64, nc)
	active := make([]int, 0, nc)
	rng := uint64(0x9e3779b97f4a7c15)
	for ep := 0; ep < denseEpochs; ep++ {
		for k := len(idx) - 1; k > 0; k-- {
			rng = rng*6364136223846793005 + 1442695040888963407
			j := int((rng >> 33) % uint64(k+1))
			idx[k], idx[j] = idx[j], idx[k]
		}
		eta := denseRate / (1 + denseDecay*float64(ep))
		for _, i := range idx {
			x := exs[i].x
			copy(p, bias)
			for k, id := range x.ids {
				xw := float64(x.w[k])
				row := w[int(id)*nc : int(id+1)*nc]
				for c, v := range row {
					p[c] += xw * float64(v)
				}
			}
			mx := math.Inf(-1)
			for _, v := range p {
				mx = max(mx, v)
			}
			z := softmaxExp(p, mx)
			active = active[:0]
			for c := range p {
				g := p[c] / z
				if c == exs[i].class {
					g--
				}
				if math.Abs(g) >= denseMinGrad {
					p[c] = g
					active = append(active, c)
				}
			}
			for k, id := range x.ids {
				f := float32(-eta) * x.w[k]
				row := w[int(id)*nc : int(id+1)*nc]
				for _, c := range active {
					row[c] += f * float32(p[c])
				}
			}
			for _, c := range active {
				bias[c] -= eta * p[c] * trainBiasRate
			}
		}
		// L2, once an epoch.
		shrink := float32(math.Pow(1-eta*denseL2, float64(len(idx))))
		for k := range w {
			w[k] *= shrink
		}
	}
	for c := 0; c < nc; c++ {
		s.bias[c] = float32(bias[c])
	}
	s.dense = w
	s.w, s.post = nil, nil
}

// score is class c's exact score for x.
func (s *space) score(x sparse, c int) float64 {
	if s.dense == nil {
		return s.w[c].dot(x) + float64(s.bias[c])
	}
	nc := len(s.items)
	v := float64(s.bias[c])
	for k, id := range x.ids {
		v += float64(x.w[k]) * float64(s.dense[int(id)*nc+c])
	}
	return v
}

// topDense is top for a dense space: every class is scored.
func (s *space) topDense(sc *scorer, x sparse, n int) []ranked {
	nc := len(s.items)
	acc := sc.acc
	for c := range acc {
		acc[c] = float64(s.bias[c])
	}
	for k, id := range x.ids {
		xw := float64(x.w[k])
		for c, v := range s.dense[int(id)*nc : int(id+1)*nc] {
			acc[c] += xw * float64(v)
		}
	}
	best := make([]ranked, 0, n)
	for c, a := range acc {
		r := ranked{c, a}
		acc[c] = 0
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
