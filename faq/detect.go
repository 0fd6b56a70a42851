package faq

import (
	"strings"
	"unicode"
)

// functionWords are frequent words that mostly belong to one language.
// Words shared by several of these languages ("de", "a", "in", "die") count
// for each of them and so decide nothing on their own.
var functionWords = map[string][]string{
	"en": strings.Fields(`the a an and or is are was be been i you my your me we our it this that
		how what why when where who which can could do does did don't doesn't can't not to of for with
		on in at from have has get please help there`),
	"de": strings.Fields(`der die das den dem des ein eine einen einem einer und oder ist sind war ich
		du mein meine mich mir wir sie es nicht kein keine wie was warum wann wo wer kann können
		muss habe hat mit für auf von zu zum zur bei ich bitte geht funktioniert auch noch`),
	"fr": strings.Fields(`le la les un une des du de et ou est sont était je tu mon ma mes me nous vous
		il elle ne pas comment quoi pourquoi quand où qui que quel quelle peux puis faire pour avec
		sur dans au aux j'ai ai`),
	"es": strings.Fields(`el la los las un una unos unas y o es son está estoy yo tú mi mis me nosotros
		usted no cómo como qué por qué cuándo dónde quién puedo puede hacer para con en del al
		yo`),
	"it": strings.Fields(`il lo la i gli le un uno una e o è sono io tu mio mia mi noi non come cosa
		perché quando dove chi posso può fare per con su nel della del ho`),
	"nl": strings.Fields(`de het een en of is zijn was ik jij je mijn me wij we niet geen hoe wat waarom
		wanneer waar wie kan kun moet doen voor met op van te bij heb`),
	"pt": strings.Fields(`o a os as um uma e ou é são está eu tu meu minha me nós não como que porquê
		quando onde quem posso pode fazer para com em no na do da`),
}

// charHints are letters that mark a language.
var charHints = map[string]string{
	"de": "äöüß",
	"fr": "éèêàçëîïôœù",
	"es": "ñ¿¡áíóú",
	"it": "àèìòù",
	"pt": "ãõçâêô",
}

// DetectLanguage guesses which of the candidate languages text is written
// in, from function words and characters. It returns the first candidate
// when it is unsure (and "" when there are no candidates).
func DetectLanguage(text string, candidates []string) string {
	if len(candidates) == 0 {
		return ""
	}
	if lang, ok := scriptLanguage(text, candidates); ok {
		return lang
	}
	return candidates[argmax(functionWordScores(text, candidates))]
}

// argmax returns the index of the first highest score, so the first
// candidate (the desk default) wins ties, including all-zero scores.
func argmax(scores []float64) int {
	best := 0
	for i := 1; i < len(scores); i++ {
		if scores[i] > scores[best] {
			best = i
		}
	}
	return best
}

// scriptLanguage decides for text mostly written in a CJK script: kana is
// Japanese, hangul Korean, other han Chinese.
func scriptLanguage(text string, candidates []string) (string, bool) {
	cands := make([]string, len(candidates))
	for i, c := range candidates {
		cands[i] = normLang(c)
	}
	var han, kana, hangul, letters int
	for _, r := range text {
		switch {
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			kana++
		case unicode.Is(unicode.Hangul, r):
			hangul++
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.IsLetter(r):
			letters++
		}
	}
	if cjk := han + kana + hangul; cjk > letters {
		want := "zh"
		switch {
		case hangul >= han && hangul >= kana:
			want = "ko"
		case kana > 0:
			want = "ja"
		}
		for i, c := range cands {
			if c == want {
				return candidates[i], true
			}
		}
		// Han without a zh candidate may still be Japanese.
		for i, c := range cands {
			if isCJK(c) {
				return candidates[i], true
			}
		}
		return candidates[0], true
	}
	return "", false
}

// functionWordScores counts, per candidate, the function words and marked
// letters of text that belong to its language.
func functionWordScores(text string, candidates []string) []float64 {
	scores := make([]float64, len(candidates))
	lower := strings.ToLower(text)
	words := strings.FieldsFunc(lower, func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\''
	})
	for i, c := range candidates {
		c = normLang(c)
		list := functionWords[c]
		for _, w := range words {
			for _, fw := range list {
				if w == fw {
					scores[i]++
					break
				}
			}
		}
		if hints := charHints[c]; hints != "" {
			for _, r := range lower {
				if strings.ContainsRune(hints, r) {
					scores[i] += 0.5
				}
			}
		}
	}
	return scores
}
