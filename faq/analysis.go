package faq

import (
	"fmt"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/de"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/es"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/lang/it"
	"github.com/blevesearch/bleve/v2/analysis/lang/nl"
	"github.com/blevesearch/bleve/v2/analysis/lang/pt"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
)

// langSpec describes the analysis chain of one language. Every chain starts
// with ASCII folding (a char filter, so the stemmer only ever sees folded
// text and "oublié" and "oublie" reach it as the same word), the unicode
// tokenizer and lowercasing.
type langSpec struct {
	pre  []string // token filters before stop word removal (elision, normalisation)
	stop string   // registered token map of the language's stop words; "" for none
	post []string // token filters after stop word removal (stemmer)
}

// langSpecs lists the languages with a dedicated chain. CJK languages use
// Bleve's cjk analyzer (bigrams) instead; any other language gets folding
// and lowercasing only.
var langSpecs = map[string]langSpec{
	"en": {pre: []string{en.PossessiveName}, stop: en.StopName, post: []string{en.SnowballStemmerName}},
	"de": {pre: []string{de.NormalizeName}, stop: de.StopName, post: []string{de.LightStemmerName}},
	"fr": {pre: []string{fr.ElisionName}, stop: fr.StopName, post: []string{fr.LightStemmerName}},
	"es": {pre: []string{es.NormalizeName}, stop: es.StopName, post: []string{es.LightStemmerName}},
	"it": {pre: []string{it.ElisionName}, stop: it.StopName, post: []string{it.LightStemmerName}},
	"nl": {stop: nl.StopName, post: []string{nl.SnowballStemmerName}},
	"pt": {stop: pt.StopName, post: []string{pt.LightStemmerName}},
}

// chatWords are words people add to a chat question that say nothing about
// its topic (greetings, politeness, modal verbs). They are removed like stop
// words, so "hi, can you reset my password please" still reads as an exact
// match for "reset my password".
var chatWords = map[string][]string{
	"en": strings.Fields("hi hello hey please pls plz thanks thank thx can could would may might must shall just also"),
	"de": strings.Fields("hallo hi hey bitte danke kann kannst könnte könnten würde möchte mal"),
	"fr": strings.Fields("bonjour salut svp stp merci peux pourrais voudrais veux"),
	"es": strings.Fields("hola gracias favor puedo puede podría quiero"),
	"it": strings.Fields("ciao salve grazie prego posso potrei vorrei"),
	"nl": strings.Fields("hallo hoi alsjeblieft graag bedankt dank kan kun zou wil"),
	"pt": strings.Fields("olá oi obrigado obrigada favor posso poderia queria"),
}

func isCJK(lang string) bool { return lang == "zh" || lang == "ja" || lang == "ko" }

// analyzerName is the name of the search analyzer of a language in the mapping.
func analyzerName(lang string) string {
	if isCJK(lang) {
		return cjk.AnalyzerName
	}
	return "faq_" + lang
}

// rawAnalyzerName is the name of a language's analyzer that folds,
// lower-cases and normalises but keeps stop words and does not stem.
func rawAnalyzerName(lang string) string { return "faq_pre_" + lang }

// normLang turns a platform locale ("en-US", "de_DE", "FR") into a bare
// lower-case language code.
func normLang(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	return l
}

// addAnalyzers registers the search analyzer of every language on the
// mapping. Stop word lists are passed through the same folding and
// normalisation as the text they filter, so "für" still stops "fur".
func addAnalyzers(im *mapping.IndexMappingImpl, langs []string) error {
	cache := registry.NewCache()
	for _, lang := range langs {
		if isCJK(lang) {
			continue
		}
		spec := langSpecs[lang]
		preName := rawAnalyzerName(lang)
		err := im.AddCustomAnalyzer(preName, map[string]interface{}{
			"type":          custom.Name,
			"char_filters":  []interface{}{asciifolding.Name},
			"tokenizer":     unicode.Name,
			"token_filters": toIfaces(append([]string{lowercase.Name}, spec.pre...)),
		})
		if err != nil {
			return fmt.Errorf("analyzer %s: %w", preName, err)
		}
		filters := append([]string{lowercase.Name}, spec.pre...)
		if spec.stop != "" {
			words, err := cache.TokenMapNamed(spec.stop)
			if err != nil {
				return fmt.Errorf("stop words %s: %w", lang, err)
			}
			pre := im.AnalyzerNamed(preName)
			if pre == nil {
				return fmt.Errorf("analyzer %s was not built", preName)
			}
			folded := foldedStopWords(pre, words, chatWords[lang])
			mapName, filterName := "faq_stopwords_"+lang, "faq_stop_"+lang
			if err := im.AddCustomTokenMap(mapName, map[string]interface{}{
				"type":   tokenmap.Name,
				"tokens": toIfaces(folded),
			}); err != nil {
				return fmt.Errorf("stop words %s: %w", lang, err)
			}
			if err := im.AddCustomTokenFilter(filterName, map[string]interface{}{
				"type":           stop.Name,
				"stop_token_map": mapName,
			}); err != nil {
				return fmt.Errorf("stop filter %s: %w", lang, err)
			}
			filters = append(filters, filterName)
		}
		filters = append(filters, spec.post...)
		err = im.AddCustomAnalyzer(analyzerName(lang), map[string]interface{}{
			"type":          custom.Name,
			"char_filters":  []interface{}{asciifolding.Name},
			"tokenizer":     unicode.Name,
			"token_filters": toIfaces(filters),
		})
		if err != nil {
			return fmt.Errorf("analyzer %s: %w", lang, err)
		}
	}
	return nil
}

// foldedStopWords returns the stop words both as written and as the
// pre-stop chain turns them into.
func foldedStopWords(pre analysis.Analyzer, words analysis.TokenMap, extra []string) []string {
	set := make(map[string]bool, len(words)*2)
	add := func(w string) {
		set[w] = true
		for _, tok := range pre.Analyze([]byte(w)) {
			set[string(tok.Term)] = true
		}
	}
	for w := range words {
		add(w)
	}
	for _, w := range extra {
		add(w)
	}
	out := make([]string, 0, len(set))
	for w := range set {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

func toIfaces(ss []string) []interface{} {
	out := make([]interface{}, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// terms analyzes text into its distinct terms, in order of first appearance.
func terms(a analysis.Analyzer, text string) []string {
	if a == nil || text == "" {
		return nil
	}
	return distinctTerms(a.Analyze([]byte(text)))
}

// distinctTerms lists the distinct terms of a token stream, in order of
// first appearance.
func distinctTerms(toks analysis.TokenStream) []string {
	out := make([]string, 0, len(toks))
	var seen map[string]bool // for long texts; short ones scan out
	for _, t := range toks {
		if len(t.Term) == 0 {
			continue
		}
		if len(toks) > 32 {
			if seen == nil {
				seen = make(map[string]bool, len(toks))
			}
			if seen[string(t.Term)] {
				continue
			}
			s := string(t.Term)
			seen[s] = true
			out = append(out, s)
			continue
		}
		dup := false
		for _, o := range out {
			if o == string(t.Term) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, string(t.Term))
		}
	}
	return out
}

// Languages returns the languages with a dedicated analyzer (stemming,
// stop words, folding) plus the CJK languages: English first (what
// DetectLanguage falls back to), the rest sorted.
func Languages() []string {
	out := []string{"en"}
	for l := range langSpecs {
		if l != "en" {
			out = append(out, l)
		}
	}
	sort.Strings(out[1:])
	return append(out, "ja", "ko", "zh")
}
