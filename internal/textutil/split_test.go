package textutil_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/helpdesk-chat/helpdesk/internal/textutil"
)

func TestSplit(t *testing.T) {
	para := strings.Repeat("word ", 300) // 1,500 characters
	link := "<https://docs.example.com/a|the docs>"
	md := "[the docs](https://docs.example.com/a)"
	for _, tc := range []struct {
		name  string
		text  string
		limit int
		count func(string) int
		// each part must not end inside any of these
		whole []string
	}{
		{"short", "hello", 10, nil, nil},
		{"paragraphs", para + "\n\n" + para + "\n\n" + para, 2000, nil, nil},
		{"one long line of words", strings.Repeat("alpha beta. ", 900), 3000, nil, nil},
		{"slack link at the limit", strings.Repeat("x", 2990) + " " + link + " after", 3000, nil, []string{link}},
		{"markdown link at the limit", strings.Repeat("y ", 995) + md + " after", 2000, nil, []string{md}},
		{"code span", strings.Repeat("z ", 995) + "`a b c d e f g`" + " after", 2000, nil, []string{"`a b c d e f g`"}},
		{"code fence", strings.Repeat("w ", 900) + "```\nline one\nline two\n```\nafter", 1810, nil, []string{"```\nline one\nline two\n```"}},
		{"no boundary at all", strings.Repeat("é", 5000), 2000, nil, nil},
		{"bytes", strings.Repeat("ü ", 10000), 16383, textutil.Bytes, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			count := tc.count
			if count == nil {
				count = textutil.Runes
			}
			parts := textutil.Split(tc.text, tc.limit, tc.count)
			if got := strings.Join(parts, ""); got != tc.text {
				t.Fatalf("parts joined differ from the text")
			}
			off := 0
			for i, p := range parts {
				off += len(p)
				for _, w := range tc.whole {
					if at := strings.Index(tc.text, w); at < off && off < at+len(w) {
						t.Errorf("part %d cuts %q", i, w)
					}
				}
				if count(p) > tc.limit {
					t.Errorf("part %d counts %d > %d", i, count(p), tc.limit)
				}
				if !utf8.ValidString(p) {
					t.Errorf("part %d is not valid UTF-8", i)
				}
				if p == "" {
					t.Errorf("part %d is empty", i)
				}
			}
			if want := (count(tc.text) + tc.limit - 1) / tc.limit; len(parts) > 2*want+1 {
				t.Errorf("%d parts for %d characters at %d: too many", len(parts), count(tc.text), tc.limit)
			}
		})
	}
}

func TestSplitPrefersParagraphs(t *testing.T) {
	a, b := strings.Repeat("a ", 600), strings.Repeat("b ", 600)
	parts := textutil.Split(a+"\n\n"+b, 2000, nil)
	if len(parts) != 2 || parts[0] != a+"\n\n" {
		t.Fatalf("want the cut at the paragraph break, got %d parts, first ends %q", len(parts), parts[0][max(0, len(parts[0])-5):])
	}
}
