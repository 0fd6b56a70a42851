package bot

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fmtVerb matches a fmt verb with an optional explicit argument index.
var fmtVerb = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0]*\d*(?:\.\d+)?([a-zA-Z%])`)

// verbs lists the verbs of a format by argument position ("1:s", "2:d").
func verbs(format string) []string {
	var out []string
	arg := 0
	for _, m := range fmtVerb.FindAllStringSubmatch(format, -1) {
		if m[2] == "%" {
			continue
		}
		if m[1] != "" {
			arg, _ = strconv.Atoi(m[1])
		} else {
			arg++
		}
		out = append(out, strconv.Itoa(arg)+":"+m[2])
	}
	slices.Sort(out)
	return out
}

// msgConst matches a text's id declared in messages.go.
var msgConst = regexp.MustCompile(`(?m)^\s+m\w+\s+msgID = "(\w+)"`)

func TestCatalogIsComplete(t *testing.T) {
	en := catalog["en"]
	langs := []string{"en", "de", "fr", "es", "it", "nl", "pt"}
	for lang := range catalog {
		if !slices.Contains(langs, lang) {
			t.Errorf("catalog/%s.yaml is not a language of the test", lang)
		}
	}
	src, err := os.ReadFile("messages.go")
	if err != nil {
		t.Fatal(err)
	}
	ids := msgConst.FindAllStringSubmatch(string(src), -1)
	if len(ids) == 0 {
		t.Fatal("no msgID constants found in messages.go")
	}
	for _, m := range ids {
		if _, ok := en[msgID(m[1])]; !ok {
			t.Errorf("en: %q is declared in messages.go but has no text", m[1])
		}
	}
	for _, lang := range langs {
		t.Run(lang, func(t *testing.T) {
			texts, ok := catalog[lang]
			if !ok {
				t.Fatalf("no texts for %s", lang)
			}
			for id, want := range en {
				got, ok := texts[id]
				if !ok || strings.TrimSpace(got) == "" {
					t.Errorf("%s: %q is missing", lang, id)
					continue
				}
				if g, w := verbs(got), verbs(want); !slices.Equal(g, w) {
					t.Errorf("%s: %q has verbs %v, English has %v: %q", lang, id, g, w, got)
				}
				if strings.Count(got, "**")%2 != 0 {
					t.Errorf("%s: %q has unbalanced bold: %q", lang, id, got)
				}
			}
			for id := range texts {
				if _, ok := en[id]; !ok {
					t.Errorf("%s: %q is not an English text", lang, id)
				}
			}
			if n := len(strings.Split(texts[mWeekdays], ",")); n != 7 {
				t.Errorf("%s: %d weekdays", lang, n)
			}
			if n := len(strings.Split(texts[mMonths], ",")); n != 12 {
				t.Errorf("%s: %d months", lang, n)
			}
		})
	}
}

func TestVerbsSeeMismatches(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"%s has %d", "%[2]d bei %[1]s", true},
		{"%s has %d", "%s hat %s", false},
		{"**%s** und %s", "**%s**", false},
		{"100%% %s", "%s", true},
	} {
		if got := slices.Equal(verbs(tc.a), verbs(tc.b)); got != tc.same {
			t.Errorf("verbs(%q) vs verbs(%q): same = %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}

func TestTranslateFallsBack(t *testing.T) {
	for _, tc := range []struct {
		langs []string
		want  string
	}{
		{[]string{"de-DE"}, "Hat das geholfen?"},
		{[]string{"pt_BR"}, "Isso ajudou?"},
		{[]string{"zh", "fr"}, "Cela vous a-t-il aidé ?"}, // desk default
		{[]string{"ja", "ko"}, "Did this help?"},          // English last
		{nil, "Did this help?"},
	} {
		if got := translate(tc.langs, mDidThisHelp); got != tc.want {
			t.Errorf("translate(%v) = %q, want %q", tc.langs, got, tc.want)
		}
	}
}
