package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/helpdesk-chat/helpdesk/config"
)

// agentVerbs are the commands agents and admins may type in their DM with
// the bot without `/helpdesk` (the README says they can be typed).
var agentVerbs = []string{"online", "away", "offline", "queue", "transfer", "snooze", "note", "end", "reopen", "desk"}

// ticketVerbs are the commands whose first argument is a ticket key.
var ticketVerbs = []string{"transfer", "snooze", "note", "end", "invite", "remove", "side"}

// isTicketKey reports whether word is shaped like a key of one of the
// desks' tickets ("IT-3", "it-3"), whether or not that ticket exists.
func isTicketKey(cfg *config.Config, word string) bool {
	prefix, num, ok := strings.Cut(word, "-")
	if !ok || num == "" || strings.Trim(num, "0123456789") != "" {
		return false
	}
	for _, d := range cfg.Desks {
		if strings.EqualFold(d.Prefix, prefix) {
			return true
		}
	}
	return false
}

// staffAnywhere reports whether the user is an agent or admin of any desk.
func staffAnywhere(cfg *config.Config, platform, user string) bool {
	for _, d := range cfg.Desks {
		if d.Agent(platform, user) != nil || d.IsAdmin(platform, user, cfg.Admins) {
			return true
		}
	}
	return false
}

// typedCommand handles what an agent or admin types in their DM that is a
// command without `/helpdesk`, and a command they mistyped (with or without
// it: one word, or a ticket command followed by a ticket key): that gets a
// hint and is never logged as a question the FAQ could not answer. It
// reports whether it handled the event.
func (e *Engine) typedCommand(ctx context.Context, rt *Runtime, ev Event) (bool, error) {
	if ev.Chat.Kind != ChatDirect && ev.Kind != EventCommand {
		return false, nil
	}
	if !staffAnywhere(rt.Config, ev.Platform, ev.User.ID) {
		return false, nil
	}
	text := strings.TrimSpace(ev.Text)
	verb, _, _ := strings.Cut(text, " ")
	verb = strings.ToLower(verb)
	for _, v := range agentVerbs {
		if verb == v && ev.Kind == EventMessage {
			return e.command(ctx, rt, ev)
		}
	}
	if len(verb) < 3 {
		return false, nil
	}
	verbs := append(agentVerbs, "help", "web", "menu")
	if _, args, ok := strings.Cut(text, " "); ok {
		// With more words it is a question, unless a ticket key follows:
		// "snoze IT-3 2h" is a mistyped command, not a question.
		key, _, _ := strings.Cut(strings.TrimSpace(args), " ")
		if !isTicketKey(rt.Config, key) {
			return false, nil
		}
		verbs = ticketVerbs
	}
	for _, v := range verbs {
		// One typo in a short word, two in a longer one ("vpn" is no "web").
		if verb != v && editDistance(verb, v) <= min(2, len(v)/3) {
			return true, e.private(ctx, ev, fmt.Sprintf("There is no command %q; did you mean `/helpdesk %s`? (`/helpdesk help` lists them.)", Sanitize(verb, 40), v))
		}
	}
	return false, nil
}

// editDistance is the Levenshtein distance of two short words.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}
