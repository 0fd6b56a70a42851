package textutil

import (
	"regexp"
	"unicode/utf8"
)

// Runes counts characters as Discord, Mattermost and Slack count them.
func Runes(s string) int { return utf8.RuneCountInString(s) }

// Bytes counts UTF-8 bytes, for limits counted in bytes.
func Bytes(s string) int { return len(s) }

// markup is text a cut must not fall inside: code fences, code spans,
// Markdown links [x](y) and Slack's <url|label>, <@U…>, <!here>.
var markup = regexp.MustCompile("(?s)```.*?```|`[^`\n]*`|\\[[^\\]\n]*\\]\\([^)\\s]*\\)|<[^<>\\s][^<>\n]*>")

// Split cuts text into parts that each count at most limit by count
// (Runes when nil), so a long text can go out as several messages. Nothing
// is lost: the parts joined give text back. It cuts after a paragraph break
// where it can, else after a line break, a sentence, a word; never inside a
// code span or fence, a link or a Slack <…> token, unless one alone is
// longer than limit. limit <= 0 or a text within it gives one part.
func Split(text string, limit int, count func(string) int) []string {
	if count == nil {
		count = Runes
	}
	if limit <= 0 || count(text) <= limit {
		return []string{text}
	}
	var out []string
	for count(text) > limit {
		cut := cutAt(text, fit(text, limit, count))
		out = append(out, text[:cut])
		text = text[cut:]
	}
	if text != "" {
		out = append(out, text)
	}
	return out
}

// fit is the longest prefix of s, in bytes at a rune boundary, that counts
// at most limit; at least one rune, so Split always advances.
func fit(s string, limit int, count func(string) int) int {
	lo, hi := 0, len(s) // count(s[:lo]) <= limit < count(s[:hi])
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		for mid > lo && !utf8.RuneStart(s[mid]) {
			mid--
		}
		if mid == lo {
			mid = (lo + hi) / 2
			for mid < hi && !utf8.RuneStart(s[mid]) {
				mid++
			}
			if mid == hi {
				break
			}
		}
		if count(s[:mid]) <= limit {
			lo = mid
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		_, n := utf8.DecodeRuneInString(s)
		return n
	}
	return lo
}

// breaks are the boundaries Split prefers, best first; a cut goes after the match.
var breaks = []*regexp.Regexp{
	regexp.MustCompile(`\n[ \t]*\n\s*`),
	regexp.MustCompile(`\n\s*`),
	regexp.MustCompile(`[.!?:;]["')\]]*[ \t]+`),
	regexp.MustCompile(`[ \t]+`),
}

// cutAt picks where to cut s, at or before max bytes: the best kind of
// boundary that keeps the part at least half full, else any boundary, else
// before the markup that max falls in, else at max.
func cutAt(s string, max int) int {
	head := s[:max]
	var spans [][]int
	for _, m := range markup.FindAllStringIndex(s, -1) {
		if m[0] >= max {
			break
		}
		spans = append(spans, m)
	}
	inside := func(i int) bool {
		for _, m := range spans {
			if m[0] < i && i < m[1] {
				return true
			}
		}
		return false
	}
	best := 0
	for _, re := range breaks {
		last := 0
		for _, m := range re.FindAllStringIndex(head, -1) {
			end := m[1]
			if end <= max && !inside(end) {
				last = end
			}
		}
		if last >= max/2 {
			return last
		}
		if best == 0 {
			best = last
		}
	}
	if best > 0 {
		return best
	}
	for _, m := range spans {
		if m[0] < max && max < m[1] && m[0] > 0 {
			return m[0]
		}
	}
	return max
}
