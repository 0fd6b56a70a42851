// Package markdown renders the small markdown subset the bot writes as
// safe HTML, for the web chat and the Ticket Center: text is escaped first,
// and only the bot's own messages (admin-written FAQ answers) may carry
// [label](address) links.
package markdown

import (
	"html"
	"regexp"
	"strconv"
	"strings"
)

// Markdown renders the small markdown subset the engine writes (bold,
// italic, code, links, lists, line breaks) as HTML. The text is escaped
// first, so nothing a user typed can become markup; links keep only http,
// https, mailto and local addresses.
func Markdown(s string) string { return markdown(s, true) }

// Typed renders what a person typed: the same markdown (bold, italic, code,
// lists), but a [label](address) stays text, so no typed link can hide
// where it goes; bare addresses are still linked, as themselves.
func Typed(s string) string { return markdown(s, false) }

func markdown(s string, links bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	var list string      // "ul", "ol" or "" while inside a list
	var para []string    // lines of the paragraph, joined by <br>
	var hardBreak []bool // whether the line at the same index ended with a hard break
	flush := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + strings.Join(para, "<br>") + "</p>")
			para, hardBreak = nil, nil
		}
	}
	var li string // the list item being read (it may continue on indented lines)
	closeItem := func() {
		if li != "" {
			b.WriteString("<li>" + li + "</li>")
			li = ""
		}
	}
	closeList := func() {
		closeItem()
		if list != "" {
			b.WriteString("</" + list + ">")
			list = ""
		}
	}
	for _, line := range strings.Split(s, "\n") {
		trimmed := strings.TrimSpace(line)
		kind, item := listItem(trimmed)
		switch {
		case trimmed == "":
			flush()
			closeList()
		case kind != "":
			flush()
			if list != kind {
				closeList()
				b.WriteString("<" + kind + ">")
				list = kind
			}
			closeItem()
			li = inline(item, links)
		case list != "" && li != "" && (line[0] == ' ' || line[0] == '\t'):
			li += " " + inline(trimmed, links)
		default:
			closeList()
			// A single newline is a soft break (FAQ answers are hard-wrapped in
			// YAML), except after a line ending in two spaces or a backslash,
			// or before a line that starts with a bold label.
			hard := strings.HasSuffix(line, "  ") || strings.HasSuffix(trimmed, "\\")
			text := inline(strings.TrimSuffix(trimmed, "\\"), links)
			if n := len(para); n > 0 && !hardBreak[n-1] && !strings.HasPrefix(trimmed, "**") {
				para[n-1] += " " + text
				hardBreak[n-1] = hard
			} else {
				para = append(para, text)
				hardBreak = append(hardBreak, hard)
			}
		}
	}
	flush()
	closeList()
	return b.String()
}

var orderedItem = regexp.MustCompile(`^\d{1,3}[.)]\s+`)

func listItem(line string) (kind, item string) {
	if strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "• ") {
		_, item, _ = strings.Cut(line, " ")
		return "ul", strings.TrimSpace(item)
	}
	if loc := orderedItem.FindStringIndex(line); loc != nil {
		return "ol", line[loc[1]:]
	}
	return "", ""
}

var (
	linkRE   = regexp.MustCompile(`\[([^\]\n]+)\]\(([^)\s]+)\)`)
	boldRE   = regexp.MustCompile(`\*\*([^*\n]+?)\*\*|__([^_\n]+?)__`)
	italicRE = regexp.MustCompile(`(^|[\s(>])(?:_([^_\n]+?)_|\*([^*\n]+?)\*)($|[\s).,!?:;<])`)
	urlRE    = regexp.MustCompile("https?://[^\\s<>\"'\x00]+[^\\s<>\"'.,!?;:)\x00]") // \x00: a parked piece ends it
	tokenRE  = regexp.MustCompile("\x00(\\d+)\x00")
	reEscape = regexp.MustCompile("\\\\[!-/:-@\\[-`{-~]")
)

// Plain renders text people typed (and card fields) as HTML: escaped, line
// breaks kept, bare web addresses linked as themselves. No markup is read,
// so no typed [label](address) can hide where a link goes.
func Plain(s string) string {
	s = html.EscapeString(strings.ReplaceAll(s, "\r\n", "\n"))
	s = urlRE.ReplaceAllStringFunc(s, func(m string) string {
		if _, ok := safeHref(m); !ok {
			return m
		}
		return `<a href="` + m + `" target="_blank" rel="noopener noreferrer">` + m + `</a>`
	})
	return strings.ReplaceAll(s, "\n", "<br>")
}

// inline renders one line: code spans verbatim, then links, bold, italic
// and bare addresses. Finished pieces are parked behind \x00n\x00 tokens so
// later steps cannot touch them.
func inline(s string, links bool) string {
	s = strings.ReplaceAll(s, "\x00", "")
	var parked []string
	park := func(h string) string {
		parked = append(parked, h)
		return "\x00" + strconv.Itoa(len(parked)-1) + "\x00"
	}
	// A backslash escape (bot.Literal writes them around what people typed)
	// makes the character literal: it is parked, so no rule sees it.
	s = reEscape.ReplaceAllStringFunc(s, func(m string) string { return park(html.EscapeString(m[1:])) })
	// Code spans, on the raw text, so their content stays literal.
	var b strings.Builder
	for i, part := range strings.Split(s, "`") {
		if i%2 == 1 && i < strings.Count(s, "`") {
			b.WriteString(park("<code>" + html.EscapeString(part) + "</code>"))
			continue
		}
		if i%2 == 1 {
			b.WriteString("`")
		}
		b.WriteString(html.EscapeString(part))
	}
	s = b.String()
	s = linkRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := linkRE.FindStringSubmatch(m)
		href, ok := safeHref(sub[2])
		if !ok || !links {
			return m
		}
		return park(`<a href="` + href + `" target="_blank" rel="noopener noreferrer">` + emphasis(sub[1]) + `</a>`)
	})
	s = urlRE.ReplaceAllStringFunc(s, func(m string) string {
		return park(`<a href="` + m + `" target="_blank" rel="noopener noreferrer">` + m + `</a>`)
	})
	s = emphasis(s)
	for strings.Contains(s, "\x00") {
		s = tokenRE.ReplaceAllStringFunc(s, func(m string) string {
			n, _ := strconv.Atoi(m[1 : len(m)-1])
			return parked[n]
		})
	}
	return s
}

func emphasis(s string) string {
	s = boldRE.ReplaceAllString(s, "<strong>$1$2</strong>")
	return italicRE.ReplaceAllString(s, "$1<em>$2$3</em>$4")
}

// safeHref accepts an already HTML-escaped address if it is http(s),
// mailto or local. Browsers read a backslash as a slash and drop tabs and
// line breaks (https://url.spec.whatwg.org/#concept-basic-url-parser), so
// "/\evil.example" would be protocol-relative, http://evil.example: an
// address with a backslash, a blank or a control character is refused.
func safeHref(h string) (string, bool) {
	raw := html.UnescapeString(h)
	lower := strings.ToLower(raw)
	if strings.ContainsFunc(raw, func(r rune) bool { return r == '\\' || r <= ' ' || r == 0x7f }) {
		return "", false
	}
	switch {
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"), strings.HasPrefix(lower, "mailto:"):
	case strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "//"):
	default:
		return "", false
	}
	return html.EscapeString(raw), true
}
