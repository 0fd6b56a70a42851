package faq

import (
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
)

// WordNormalizer returns the function that turns a word into the form the
// model looks word vectors up by in lang: the language's raw chain
// (folding, lower-casing, elision), "" for what is not one word. The
// vector importer applies it, so imported tables match what search sees.
func WordNormalizer(lang string) (func(string) string, error) {
	lang = normLang(lang)
	if isCJK(lang) {
		return func(s string) string { return s }, nil
	}
	im := bleve.NewIndexMapping()
	if err := addAnalyzers(im, []string{lang}); err != nil {
		return nil, fmt.Errorf("analyzer %s: %w", lang, err)
	}
	a := im.AnalyzerNamed(rawAnalyzerName(lang))
	if a == nil {
		return nil, fmt.Errorf("analyzer %s is missing", lang)
	}
	return func(w string) string { return oneTerm(a, w) }, nil
}

// oneTerm is the single term a analyses w into, or "".
func oneTerm(a analysis.Analyzer, w string) string {
	toks := a.Analyze([]byte(w))
	if len(toks) != 1 {
		return ""
	}
	return string(toks[0].Term)
}
