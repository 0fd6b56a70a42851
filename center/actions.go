package center

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// request is what an action asks for, from a form or a JSON body.
type request struct {
	Action string `json:"action"`
	Agent  string `json:"agent,omitempty"` // assign, transfer
	For    string `json:"for,omitempty"`   // snooze: a duration (2h, 1d)
	Until  string `json:"until,omitempty"` // snooze: an RFC 3339 time, instead of For
	Text   string `json:"text,omitempty"`  // note; reason for end and reopen
	Into   string `json:"into,omitempty"`  // merge: the ticket key to merge into
}

// result is a done action: the changed ticket, the transition kind for the
// engine, and a line for the page and the followers.
type result struct {
	ticket *tickets.Ticket
	kind   string
	what   string
	extra  *tickets.Ticket // merge: the ticket merged into
}

const maxNoteLen = 4000

// apply runs one action on t as actor through tickets.Service. The caller
// has checked that actor may see t; the staff-only actions are checked here,
// the rest by the service. follower is who follows/unfollows (nil: not
// allowed). see reports whether the actor may see another ticket (merge).
func (c *Center) apply(ctx context.Context, cfg *config.Config, t *tickets.Ticket, actor tickets.Actor, src tickets.Source,
	req request, follower *tickets.Person, see func(*tickets.Ticket) bool) (result, error) {
	desk := cfg.Desk(t.Desk)
	staff := actor.Role == tickets.RoleAgent || actor.Role == tickets.RoleAdmin
	needStaff := func(what string) error {
		if !staff {
			return errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk can %s %s.", what, t.Key)
		}
		return nil
	}
	by := " in the Ticket Center"
	if src == tickets.SourceAPI {
		by = " through the API"
	}
	switch req.Action {
	case "assign", "transfer":
		if err := needStaff("assign"); err != nil {
			return result{}, err
		}
		var agent *config.Agent
		if desk != nil {
			for _, a := range desk.Agents {
				if strings.EqualFold(a.Name, strings.TrimSpace(req.Agent)) {
					agent = a
				}
			}
		}
		if agent == nil {
			return result{}, errs.Errorf(errs.EINVALID, "%q is not an agent of this desk.", req.Agent)
		}
		reason := "assigned by " + actor.Name + by
		var got *tickets.Ticket
		var err error
		kind := "transfer"
		if t.Status == tickets.StatusOpen {
			kind = "assign"
			got, err = c.svc.Assign(ctx, t.ID, agent.Name, reason, actor, src)
		} else {
			got, err = c.svc.Transfer(ctx, t.ID, agent.Name, reason, actor, src)
		}
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, kind: kind, what: "assigned to " + agent.Name}, nil
	case "snooze":
		until, err := c.snoozeUntil(req)
		if err != nil {
			return result{}, err
		}
		got, err := c.svc.Snooze(ctx, t.ID, until, actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, kind: "snooze", what: "snoozed until " + until.UTC().Format("Mon 2 Jan 15:04 UTC")}, nil
	case "wake":
		if err := needStaff("wake"); err != nil {
			return result{}, err
		}
		got, err := c.svc.Wake(ctx, t.ID, actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, kind: "wake", what: "woken up"}, nil
	case "end":
		got, err := c.svc.End(ctx, t.ID, clip(req.Text, 500), actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, kind: "end", what: "resolved"}, nil
	case "reopen":
		got, err := c.svc.Reopen(ctx, t.ID, clip(req.Text, 500), actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, kind: "reopen", what: "reopened"}, nil
	case "note":
		if err := needStaff("add notes to"); err != nil {
			return result{}, err
		}
		text := clip(strings.TrimSpace(req.Text), maxNoteLen)
		if text == "" {
			return result{}, errs.Errorf(errs.EINVALID, "The note is empty.")
		}
		got, err := c.svc.AddNote(ctx, t.ID, text, "", actor, src)
		if err != nil {
			return result{}, err
		}
		c.notifyMentions(ctx, cfg, desk, got, actor, text)
		return result{ticket: got, kind: "note", what: "internal note added"}, nil
	case "follow", "unfollow":
		if follower == nil {
			return result{}, errs.Errorf(errs.EINVALID, "Following needs a signed-in person.")
		}
		got, err := c.svc.Follow(ctx, t.ID, *follower, req.Action == "follow", actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, kind: req.Action, what: req.Action + "ed"}, nil
	case "merge":
		if err := needStaff("merge"); err != nil {
			return result{}, err
		}
		into, err := c.store.GetByKey(ctx, strings.ToUpper(strings.TrimSpace(req.Into)))
		if err != nil || !see(into) {
			return result{}, errs.Errorf(errs.EINVALID, "There is no ticket %q you may merge into.", clip(req.Into, 20))
		}
		dup, target, err := c.svc.Merge(ctx, t.ID, into.ID, actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: dup, kind: "merge", what: "merged into " + target.Key, extra: target}, nil
	}
	return result{}, errs.Errorf(errs.EINVALID, "Unknown action %q.", clip(req.Action, 20))
}

// snoozeUntil reads a snooze as a duration from now or a time.
func (c *Center) snoozeUntil(req request) (time.Time, error) {
	if req.Until != "" {
		t, err := time.Parse(time.RFC3339, req.Until)
		if err != nil {
			return time.Time{}, errs.Errorf(errs.EINVALID, "until %q is not an RFC 3339 time.", clip(req.Until, 40))
		}
		return t, nil
	}
	d, err := config.ParseDuration(strings.TrimSpace(req.For))
	if err != nil || d <= 0 {
		return time.Time{}, errs.Errorf(errs.EINVALID, "Snooze for how long? Write e.g. 2h or 1d.")
	}
	return c.now().Add(d), nil
}

// notifyMentions tells each agent named as @Name in a note, on the ticket's
// platform if they are there, else on the first platform they have.
func (c *Center) notifyMentions(ctx context.Context, cfg *config.Config, desk *config.Desk, t *tickets.Ticket, actor tickets.Actor, text string) {
	if c.engine == nil || desk == nil {
		return
	}
	for _, a := range mentioned(desk, text) {
		if a.Name == actor.Name {
			continue
		}
		platform, id := t.Platform, a.ID(t.Platform)
		if id == "" {
			for _, p := range []string{"slack", "discord", "mattermost", "web"} {
				if a.ID(p) != "" {
					platform, id = p, a.ID(p)
					break
				}
			}
		}
		if id == "" {
			continue
		}
		msg := fmt.Sprintf("%s mentioned you in a note on %s (%s): %s", actor.Name, t.Key, t.Subject, text)
		if cfg.BaseURL != "" {
			msg += "\n" + strings.TrimRight(cfg.BaseURL, "/") + "/center/tickets/" + t.Key
		}
		if err := c.engine.Notify(context.WithoutCancel(ctx), platform, id, msg); err != nil {
			c.log.Warn("notify mentioned agent", "ticket", t.Key, "agent", a.Name, "err", err)
		}
	}
}

// mentioned returns the desk's agents named as @Name (any case, not inside
// a longer word).
func mentioned(desk *config.Desk, text string) []*config.Agent {
	var out []*config.Agent
	for _, a := range desk.Agents {
		re := regexp.MustCompile(`(?i)(^|[^\w@])@` + regexp.QuoteMeta(a.Name) + `\b`)
		if re.MatchString(text) {
			out = append(out, a)
		}
	}
	return out
}

// clip shortens s to n bytes at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}
