package faq_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

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

// syntheticFAQ3 is syntheticFAQ with a German and a French translation of
// every item (made-up words with each language's common words mixed in),
// and questions in all three languages.
func syntheticFAQ3(n int) (*config.FAQ, []benchQuery) {
	f, en := syntheticFAQ(n)
	rng := rand.New(rand.NewPCG(3, 3))
	common := map[string][]string{
		"de": strings.Fields("wie kann ich mein passwort drucker zurücksetzen funktioniert nicht fehler konto laptop"),
		"fr": strings.Fields("comment je mon mot de passe imprimante réinitialiser ne fonctionne pas erreur compte"),
	}
	tr := func(lang, s string) string {
		w := strings.Fields(s)
		for i := range w {
			if rng.IntN(3) == 0 {
				w[i] = common[lang][rng.IntN(len(common[lang]))]
			}
		}
		return strings.Join(w, " ")
	}
	var qs []benchQuery
	for _, q := range en {
		qs = append(qs, benchQuery{q, "en"})
	}
	k := 0
	for _, c := range f.Menu {
		for _, it := range c.Items {
			it.Translations = map[string]config.Translation{}
			for _, l := range []string{"de", "fr"} {
				t := config.Translation{Question: tr(l, it.Question), Answer: tr(l, it.Answer)}
				for _, a := range it.Alternates {
					t.Alternates = append(t.Alternates, tr(l, a))
				}
				it.Translations[l] = t
				if k%(n/100+1) == 0 {
					qs = append(qs, benchQuery{t.Question, l})
				}
			}
			k++
		}
	}
	return f, qs
}

type benchQuery struct{ text, lang string }

func benchmarkSearch(b *testing.B, n int) {
	if n >= 100_000 && testing.Short() {
		b.Skip("100k items: skipped with -short")
	}
	f, queries := syntheticFAQ3(n)
	ix, err := faq.Build(f, []string{"en", "de", "fr"}, config.Thresholds{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := queries[i%len(queries)]
		start := time.Now()
		hits, err := ix.Search(ctx, q.text, q.lang, 5)
		lat = append(lat, time.Since(start))
		if err != nil || len(hits) == 0 {
			b.Fatalf("Search: %d hits, %v", len(hits), err)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50_us")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds()), "p99_us")
}

// Search on 1k, 10k and 100k items in three languages (en, de, fr), with
// p50 and p99 latency: go test -run - -bench Search -benchtime 2000x ./faq
func BenchmarkSearch1k(b *testing.B)   { benchmarkSearch(b, 1_000) }
func BenchmarkSearch10k(b *testing.B)  { benchmarkSearch(b, 10_000) }
func BenchmarkSearch100k(b *testing.B) { benchmarkSearch(b, 100_000) }

func benchmarkBuild(b *testing.B, n int) {
	if n >= 100_000 && testing.Short() {
		b.Skip("100k items: skipped with -short")
	}
	f, _ := syntheticFAQ3(n)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := faq.Build(f, []string{"en", "de", "fr"}, config.Thresholds{})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// Index build (with the confidence calibration fit) on 1k, 10k and 100k
// items in three languages: go test -run - -bench Build -benchtime 1x ./faq
func BenchmarkBuild1k(b *testing.B)   { benchmarkBuild(b, 1_000) }
func BenchmarkBuild10k(b *testing.B)  { benchmarkBuild(b, 10_000) }
func BenchmarkBuild100k(b *testing.B) { benchmarkBuild(b, 100_000) }

// Memory a desk's index keeps (live heap after a GC, built minus before),
// at 1,000 and 10,000 items in three languages. The English word vectors
// are not in it: they are read in place from the binary, one copy for
// every desk. go test -run - -bench DeskMemory -benchtime 1x ./faq
func BenchmarkDeskMemory1k(b *testing.B)  { benchmarkDeskMemory(b, 1_000) }
func BenchmarkDeskMemory10k(b *testing.B) { benchmarkDeskMemory(b, 10_000) }

func benchmarkDeskMemory(b *testing.B, n int) {
	f, _ := syntheticFAQ3(n)
	var keep []*faq.Index
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < b.N; i++ {
		ix, err := faq.Build(f, []string{"en", "de", "fr"}, config.Thresholds{})
		if err != nil {
			b.Fatal(err)
		}
		keep = append(keep, ix)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(b.N)/(1<<20), "MB/desk")
	runtime.KeepAlive(keep)
}
