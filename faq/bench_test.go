package faq_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
)

// syntheticFAQ generates a deterministic FAQ of n items in 20 categories.
// Words are made of syllables and drawn from a Zipf distribution, so a few
// words are everywhere (like "password", "error") and most are rare, with
// some everyday English mixed in.
func syntheticFAQ(n int) (*config.FAQ, []string) {
	rng := rand.New(rand.NewPCG(42, 1))
	syll := strings.Fields("ka lo mi ne ru sa ti vo ber gen dor fal mun pri ste tra xel zon qui bra")
	vocab := make([]string, 6000)
	for i := range vocab {
		var b strings.Builder
		for j := 0; j < 2+i%3; j++ {
			b.WriteString(syll[rng.IntN(len(syll))])
		}
		vocab[i] = b.String()
	}
	common := strings.Fields("how do i my the can not work working error reset install access account " +
		"laptop phone email printer network vpn password update screen login share file folder")
	zipf := rand.NewZipf(rand.New(rand.NewPCG(7, 7)), 1.1, 20, uint64(len(vocab)-1))
	sentence := func(words int) string {
		parts := make([]string, words)
		for i := range parts {
			if rng.IntN(4) == 0 {
				parts[i] = common[rng.IntN(len(common))]
			} else {
				parts[i] = vocab[zipf.Uint64()]
			}
		}
		return strings.Join(parts, " ")
	}
	f := &config.FAQ{}
	for c := 0; c < 20; c++ {
		f.Menu = append(f.Menu, &config.Category{ID: fmt.Sprintf("cat-%d", c), Title: sentence(2)})
	}
	queries := make([]string, 0, 200)
	for i := 0; i < n; i++ {
		it := &config.Item{
			ID:         fmt.Sprintf("item-%d", i),
			Question:   sentence(5 + rng.IntN(5)),
			Alternates: []string{sentence(4 + rng.IntN(4)), sentence(4 + rng.IntN(4)), sentence(3 + rng.IntN(4))},
			Keywords:   []string{vocab[zipf.Uint64()], vocab[rng.IntN(len(vocab))]},
			Answer:     sentence(20 + rng.IntN(20)),
		}
		cat := f.Menu[i%len(f.Menu)]
		cat.Items = append(cat.Items, it)
		if len(queries) < cap(queries) && i%(n/cap(queries)+1) == 0 {
			// A user's version of the question: a word dropped, one added.
			w := strings.Fields(it.Question)
			w = append(w[1:], common[rng.IntN(len(common))])
			queries = append(queries, strings.Join(w, " "))
		}
	}
	return f, queries
}

func BenchmarkSearch10k(b *testing.B) {
	f, queries := syntheticFAQ(10_000)
	ix, err := faq.Build(f, []string{"en"}, config.Thresholds{})
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		hits, err := ix.Search(ctx, queries[i%len(queries)], "en", 5)
		if err != nil || len(hits) == 0 {
			b.Fatalf("Search: %d hits, %v", len(hits), err)
		}
	}
}

func BenchmarkBuild1k(b *testing.B) {
	f, _ := syntheticFAQ(1_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ix, err := faq.Build(f, []string{"en"}, config.Thresholds{})
		if err != nil {
			b.Fatal(err)
		}
		_ = ix.Close()
	}
}
