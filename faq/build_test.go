package faq_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
)

// A large FAQ's build shares work between its models (the held-out
// models of the calibration reuse the final models' training); whatever
// the number of cores, it must give the same answers and confidences.
func TestBuildLargeSameOnAnyCores(t *testing.T) {
	if testing.Short() {
		t.Skip("large FAQ: skipped with -short")
	}
	f, queries := syntheticFAQ3(1500) // above charMaxItems and several analysis chunks; 3,500 took 30 min under -race on a loaded machine
	search := func(procs int) [][]faq.Hit {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		ix, err := faq.Build(f, []string{"en", "de", "fr"}, config.Thresholds{})
		if err != nil {
			t.Fatal(err)
		}
		var out [][]faq.Hit
		for _, q := range queries {
			hits, err := ix.Search(context.Background(), q.text, q.lang, 3)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, hits)
		}
		return out
	}
	one, many := search(1), search(4)
	answered := 0 // questions with a hit
	for i := range one {
		if len(one[i]) != len(many[i]) {
			t.Fatalf("%q: %d hits on one core, %d on four", queries[i].text, len(one[i]), len(many[i]))
		}
		for k := range one[i] {
			a, b := one[i][k], many[i][k]
			if a.ItemID != b.ItemID || a.Confidence != b.Confidence {
				t.Fatalf("%q hit %d: %s (%.6f) on one core, %s (%.6f) on four",
					queries[i].text, k, a.ItemID, a.Confidence, b.ItemID, b.Confidence)
			}
		}
		if len(one[i]) > 0 {
			answered++
		}
	}
	if answered < len(queries)*9/10 {
		t.Errorf("only %d of %d questions have a hit", answered, len(queries))
	}
}
