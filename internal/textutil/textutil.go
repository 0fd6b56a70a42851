// Package textutil holds the few text helpers the bot, the adapters, the
// Ticket Center and the FAQ search share: cutting text to a platform's
// limit without breaking a character. It imports nothing of ours.
package textutil

import (
	"strings"
	"unicode/utf8"
)

// Ellipsis marks where text was cut.
const Ellipsis = "…"

// Shorten cuts s to at most n runes, the last of them "…" when it cut.
// n <= 0 leaves s as it is.
func Shorten(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + Ellipsis
}

// ShortenTrim is Shorten that also drops the spaces before the "…", for
// text read as a sentence (subjects, previews).
func ShortenTrim(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + Ellipsis
}

// ClipBytes cuts s to at most n bytes without splitting a UTF-8 sequence,
// for limits counted in bytes (column sizes, channel names).
func ClipBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// ShortenBytes cuts s to at most n bytes, "…" (3 bytes) included when it
// cut, without splitting a UTF-8 sequence: for limits counted in bytes
// (Mattermost's dialog titles and labels). n < 4 clips without "…".
func ShortenBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < len(Ellipsis)+1 {
		return ClipBytes(s, n)
	}
	return ClipBytes(s, n-len(Ellipsis)) + Ellipsis
}

// OneLine joins the words of s with single spaces: no line breaks, no
// runs of blanks.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
