package kit

import (
	"strings"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
)

// SplitMessage turns a message whose text is longer than the platform
// takes in one post into several, so nothing is cut: the text is split by
// textutil.Split at limit as count counts it (the platform's own unit, of
// the text as the adapter will render it); the first part keeps the title,
// the last the fields, buttons and select, so the controls stay under the
// end of the text. A message within the limit comes back alone.
func SplitMessage(m bot.Message, limit int, count func(string) int) []bot.Message {
	parts := textutil.Split(m.Text, limit, count)
	if len(parts) < 2 {
		return []bot.Message{m}
	}
	var out []bot.Message
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, bot.Message{Text: p})
		}
	}
	if len(out) == 0 {
		return []bot.Message{m}
	}
	out[0].Title = m.Title
	last := &out[len(out)-1]
	last.Fields, last.Buttons, last.Select = m.Fields, m.Buttons, m.Select
	return out
}
