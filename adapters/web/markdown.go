package web

import "github.com/helpdesk-chat/helpdesk/internal/markdown"

// Markdown renders the small markdown subset the engine writes (bold,
// italic, code, links, lists, line breaks) as HTML (internal/markdown).
func Markdown(s string) string { return markdown.Markdown(s) }

// Typed renders what a person typed: the same markdown, but a
// [label](address) stays text, so no typed link can hide where it goes.
func Typed(s string) string { return markdown.Typed(s) }

// Plain escapes plain text for HTML (card fields, titles).
func Plain(s string) string { return markdown.Plain(s) }
