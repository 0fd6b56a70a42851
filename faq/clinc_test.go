package faq_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
)

// TestEvalCases measures answer quality on an external benchmark when
// FAQ_EVAL_FAQ and FAQ_EVAL_CASES name a FAQ YAML file and a JSONL case
// file (the `helpdesk faq eval` formats), e.g. CLINC150 (FAQ_EVAL_NO_VECTORS
// set: the lexical model only):
//
//	FAQ_EVAL_FAQ=/work/shared/bench/clinc150/faq-k10.yaml \
//	FAQ_EVAL_CASES=/work/shared/bench/clinc150/val.jsonl go test -run EvalCases -v ./faq
//
// It reports figures and asserts nothing: quality is tuned elsewhere.
func TestEvalCases(t *testing.T) {
	t.Parallel()
	faqFile, casesFile := os.Getenv("FAQ_EVAL_FAQ"), os.Getenv("FAQ_EVAL_CASES")
	if faqFile == "" || casesFile == "" {
		t.Skip("set FAQ_EVAL_FAQ and FAQ_EVAL_CASES to run")
	}
	b, err := os.ReadFile(faqFile)
	if err != nil {
		t.Fatal(err)
	}
	var f config.FAQ
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	built := time.Now()
	ix, err := faq.BuildWith(&f, []string{"en"}, config.Thresholds{}, faq.Options{NoVectors: os.Getenv("FAQ_EVAL_NO_VECTORS") != ""})
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := ix.Thresholds()
	t.Logf("built in %v, answer threshold %.2f", time.Since(built).Round(time.Millisecond), answer)

	cf, err := os.Open(casesFile)
	if err != nil {
		t.Fatal(err)
	}
	defer cf.Close()
	type evalCase struct {
		Q      string  `json:"q"`
		Expect *string `json:"expect"`
		Lang   string  `json:"lang"`
	}
	var (
		n, inScope, oos, hit1, hit3, answered, wrong, oosReject int
		lat                                                     []time.Duration
		buckets                                                 [10]struct{ n, right int }
	)
	sc := bufio.NewScanner(cf)
	for sc.Scan() {
		var c evalCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		hits, err := ix.Search(context.Background(), c.Q, c.Lang, 3)
		lat = append(lat, time.Since(start))
		if err != nil {
			t.Fatal(err)
		}
		n++
		d := ix.Decide(hits)
		right := c.Expect != nil && len(hits) > 0 && hits[0].ItemID == *c.Expect
		if len(hits) > 0 {
			bk := min(int(hits[0].Confidence*10), 9)
			buckets[bk].n++
			if right {
				buckets[bk].right++
			}
		}
		if c.Expect == nil {
			oos++
			if d != faq.DecideAnswer {
				oosReject++
			} else {
				wrong++
			}
			continue
		}
		inScope++
		if right {
			hit1++
		}
		for i := 0; i < len(hits) && i < 3; i++ {
			if hits[i].ItemID == *c.Expect {
				hit3++
			}
		}
		if d == faq.DecideAnswer {
			if right {
				answered++
			} else {
				wrong++
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	for i, bk := range buckets {
		if bk.n > 0 {
			t.Logf("confidence %.1f-%.1f: %4d cases, top hit right %.3f", float64(i)/10, float64(i+1)/10, bk.n, ratio(bk.right, bk.n))
		}
	}
	t.Log(filepath.Base(faqFile), filepath.Base(casesFile))
	t.Logf("hit@1=%.3f hit@3=%.3f answered=%.3f wrong=%.3f oos_reject=%.3f p50_us=%d p99_us=%d n=%d",
		ratio(hit1, inScope), ratio(hit3, inScope), ratio(answered, inScope), ratio(wrong, n), ratio(oosReject, oos),
		lat[len(lat)/2].Microseconds(), lat[len(lat)*99/100].Microseconds(), n)
}
