package bot

import (
	"regexp"
	"strings"

	"github.com/helpdesk-chat/helpdesk/internal/textutil"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Limits on what people type, so one message cannot flood a card or a log.
const (
	maxQuestionLen = 500
	maxSubjectLen  = tickets.MaxSubjectLen // the service's one limit
	maxMessageLen  = 4000
)

var broadcast = regexp.MustCompile(`(?i)([@!])(channel|here|everyone|all)\b`)

// Sanitize makes untrusted text safe to echo: it breaks platform-wide
// broadcasts (@channel, @here, @everyone, @all) with a zero-width joiner,
// drops control characters and cuts the text to max runes. Adapters still
// escape their own markup (Slack &<>, Discord allowed_mentions, ...).
func Sanitize(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	s = broadcast.ReplaceAllString(s, "$1\u200d$2")
	return textutil.ShortenTrim(strings.TrimSpace(s), max)
}

// markdownPunct is the markup the engine's markdown, Slack mrkdwn,
// Mattermost and Discord give a meaning to.
const markdownPunct = "\\`*_~[]()<>#|!"

// Literal makes untrusted text (anything an employee, user or agent typed:
// subjects, form answers, notes, display names) literal inside a message's
// markdown Text: every markup character is escaped with a backslash, so a
// typed [label](https://evil) stays text and can never become a link with a
// hidden target; only admin-written FAQ answers carry links. Each adapter
// honours the escapes (Mattermost and Discord speak CommonMark-style
// escapes; the Slack and web renderers turn them back into plain text).
// Message titles and card fields are plain text by contract and need no
// Literal.
func Literal(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && strings.ContainsRune(markdownPunct, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// chatName makes a group chat name from the ticket key and subject:
// "IT-1042" + "VPN drops every hour" → "it-1042-vpn-drops-every-hour".
func chatName(key, subject string) string {
	words := strings.Fields(nonSlug.ReplaceAllString(strings.ToLower(subject), " "))
	name := strings.ToLower(key)
	for _, w := range words {
		if len(name)+1+len(w) > 60 {
			break
		}
		name += "-" + w
	}
	return name
}

var greetings = map[string]bool{
	"hi": true, "hello": true, "hey": true, "hallo": true, "bonjour": true, "hola": true, "ciao": true,
	"help": true, "menu": true, "start": true, "moin": true, "salut": true, "servus": true, "hi there": true,
	"good morning": true, "guten tag": true, "?": true,
}

func isGreeting(text string) bool {
	t := strings.Trim(strings.ToLower(strings.TrimSpace(text)), "!.,? ")
	return t == "" || greetings[t]
}
