package center

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// request is what an action asks for, from a form or a JSON body.
type request struct {
	Action string `json:"action"`
	Agent  string `json:"agent,omitempty"`  // assign, transfer
	For    string `json:"for,omitempty"`    // snooze: a duration (2h, 1d)
	Until  string `json:"until,omitempty"`  // snooze: an RFC 3339 time, instead of For
	Text   string `json:"text,omitempty"`   // note; reason for end and reopen
	Via    string `json:"via,omitempty"`    // reply: the channel ("" the ticket's; see ChannelReplier)
	Into   string `json:"into,omitempty"`   // merge: the ticket key to merge into
	Reason string `json:"reason,omitempty"` // end: why (one of the desk's close_reasons or free text)
	Desk   string `json:"desk,omitempty"`   // move: the desk id to move to
	// side conversations (side.go): the side chat acted on, and for "side"
	// the people to talk to (Agent adds one more).
	Chat string   `json:"chat,omitempty"`
	With []string `json:"with,omitempty"`
	// split: the id of the transcript message that becomes a new ticket
	Message int64 `json:"message,omitempty"`
	// edit: each field given is changed; the rest stay as they are.
	Subject  *string           `json:"subject,omitempty"`
	Category *string           `json:"category,omitempty"` // the topic's id, "" for none
	Priority string            `json:"priority,omitempty"`
	Tags     *tagList          `json:"tags,omitempty"` // the whole set: ["vpn", "vip"] or "vpn, vip"
	Form     map[string]string `json:"form,omitempty"` // field id -> answer
	// reply: files sent with it, each {"name": …, "data": base64}
	Files []fileJSON `json:"files,omitempty"`
}

// fileJSON is a file of an API reply.
type fileJSON struct {
	Name string `json:"name"`
	Data []byte `json:"data"` // base64 in JSON
}

// tagList is a set of tags, in JSON a list or one comma-separated string
// (as a form posts it).
type tagList []string

func (l *tagList) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = splitTags(s)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errs.Errorf(errs.EINVALID, "tags are a list of strings")
	}
	*l = list
	return nil
}

// splitTags reads tags separated by commas.
func splitTags(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// edit is the request's change of details as tickets.Edit.
func (req request) edit() (tickets.Edit, error) {
	ed := tickets.Edit{Subject: req.Subject, Category: req.Category, Form: req.Form}
	if req.Priority != "" {
		p, err := tickets.ParsePriority(strings.TrimSpace(req.Priority))
		if err != nil {
			return ed, errs.Errorf(errs.EINVALID, "%s", err.Error())
		}
		ed.Priority = &p
	}
	if req.Tags != nil {
		tags := []string(*req.Tags)
		ed.Tags = &tags
	}
	if ed.Subject == nil && ed.Category == nil && ed.Priority == nil && ed.Tags == nil && len(ed.Form) == 0 {
		return ed, errs.Errorf(errs.EINVALID, "Edit what? Give a subject, category, priority, tags or form answers.")
	}
	return ed, nil
}

// result is a done action: the changed ticket and a line for the page and
// the followers.
type result struct {
	ticket *tickets.Ticket
	what   string
	extra  *tickets.Ticket // merge: the ticket merged into
	quiet  bool            // nothing changed: nobody is told
	// reply: the files kept but not delivered by the channel, a line each
	notDelivered []string
}

const maxNoteLen = 4000

// apply runs one action on t as actor through the engine, which changes the
// ticket through tickets.Service (where who may do what is decided) and then
// carries the change out on the chat platforms. The caller has checked that
// actor may see t. Here the request is read: the agent named, the snooze
// time, the ticket to merge into. follower is who follows/unfollows (nil:
// not allowed). see reports whether the actor may see another ticket
// (merge).
func (c *Center) apply(ctx context.Context, cfg *config.Config, t *tickets.Ticket, actor tickets.Actor, src tickets.Source,
	req request, follower *tickets.Person, see func(*tickets.Ticket) bool) (result, error) {
	// The change and its effects on the platforms run to the end even if
	// the request goes away first.
	ctx = context.WithoutCancel(ctx)
	desk := cfg.Desk(t.Desk)
	by := " in the Ticket Center"
	if src == tickets.SourceAPI {
		by = " through the API"
	}
	switch req.Action {
	case "assign", "transfer":
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
		if t.Status == tickets.StatusOpen {
			got, err = c.engine.Assign(ctx, t.ID, agent.Name, reason, actor, src)
		} else {
			got, err = c.engine.Transfer(ctx, t.ID, agent.Name, reason, actor, src)
		}
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, what: "assigned to " + agent.Name}, nil
	case "snooze":
		until, err := c.snoozeUntil(req)
		if err != nil {
			return result{}, err
		}
		got, err := c.engine.Snooze(ctx, t.ID, until, actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, what: "snoozed until " + until.UTC().Format("Mon 2 Jan 15:04 UTC")}, nil
	case "wake":
		got, err := c.engine.Wake(ctx, t.ID, actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, what: "woken up"}, nil
	case "end":
		var got *tickets.Ticket
		var err error
		if reason := strings.TrimSpace(req.Reason); reason != "" {
			got, err = c.engine.EndServiceWithReason(ctx, t.ID, textutil.ClipBytes(req.Text, 500), textutil.ClipBytes(reason, 400), actor, src)
		} else {
			got, err = c.engine.EndService(ctx, t.ID, textutil.ClipBytes(req.Text, 500), actor, src)
		}
		if err != nil {
			return result{}, err
		}
		if got.CloseReason != "" {
			return result{ticket: got, what: "resolved (" + got.CloseReason + ")"}, nil
		}
		return result{ticket: got, what: "resolved"}, nil
	case "reopen":
		got, err := c.engine.Reopen(ctx, t.ID, textutil.ClipBytes(req.Text, 500), actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, what: "reopened"}, nil
	case "note":
		text := textutil.ClipBytes(strings.TrimSpace(req.Text), maxNoteLen)
		if text == "" {
			return result{}, errs.Errorf(errs.EINVALID, "The note is empty.")
		}
		got, err := c.engine.AddNote(ctx, t.ID, text, "", actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, what: "internal note added"}, nil
	case "reply":
		// Goes to the requester on the ticket's channel (chat or email).
		text := textutil.ClipBytes(strings.TrimSpace(req.Text), maxNoteLen)
		if text == "" && len(req.Files) == 0 {
			return result{}, errs.Errorf(errs.EINVALID, "The reply is empty.")
		}
		var got *tickets.Ticket
		var notDelivered []string
		var err error
		if len(req.Files) > 0 {
			fr, ok := c.engine.(FileReplier)
			if !ok {
				return result{}, errs.Errorf(errs.EINVALID, "Files need the bot running: there is no channel to send them on.")
			}
			ups, cerr := c.checkUploads(cfg, req.Files)
			if cerr != nil {
				return result{}, cerr
			}
			got, notDelivered, err = fr.ReplyWithFiles(ctx, t.ID, text, req.Via, ups, actor, src)
		} else if cr, ok := c.engine.(ChannelReplier); ok && req.Via != "" {
			got, err = cr.ReplyVia(ctx, t.ID, text, req.Via, actor, src)
		} else if req.Via != "" {
			err = errs.Errorf(errs.EINVALID, "Replies on another channel need the bot running.")
		} else {
			got, err = c.engine.Reply(ctx, t.ID, text, actor, src)
		}
		if err != nil {
			return result{}, err
		}
		what := "reply sent to the requester"
		if len(req.Files) > 0 {
			what = fmt.Sprintf("reply sent to the requester with %d of %d files", len(req.Files)-len(notDelivered), len(req.Files))
		}
		return result{ticket: got, what: what, notDelivered: notDelivered}, nil
	case "follow", "unfollow":
		if follower == nil {
			return result{}, errs.Errorf(errs.EINVALID, "Following needs a signed-in person.")
		}
		got, err := c.engine.Follow(ctx, t.ID, *follower, req.Action == "follow", actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, what: req.Action + "ed"}, nil
	case "edit":
		ed, err := req.edit()
		if err != nil {
			return result{}, err
		}
		got, err := c.engine.Edit(ctx, t.ID, ed, actor, src)
		if err != nil {
			return result{}, err
		}
		what := tickets.Edited(t, got)
		if len(what) == 0 {
			return result{ticket: got, what: "unchanged", quiet: true}, nil
		}
		return result{ticket: got, what: "edited (" + strings.Join(what, ", ") + ")"}, nil
	case "tag": // adds tags, keeping the ticket's others (the list's bulk action)
		if req.Tags == nil || len(*req.Tags) == 0 {
			return result{}, errs.Errorf(errs.EINVALID, "Tag with what? No tags given.")
		}
		tags := append(slices.Clone(t.Tags), *req.Tags...)
		got, err := c.engine.Edit(ctx, t.ID, tickets.Edit{Tags: &tags}, actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, what: "tagged " + strings.Join(got.Tags, ", "), quiet: slices.Equal(got.Tags, t.Tags)}, nil
	case "split":
		from, split, err := c.engine.Split(ctx, t.ID, req.Message, actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: from, what: "split: " + split.Key + " was opened"}, nil
	case "move":
		to := cfg.Desk(strings.TrimSpace(req.Desk))
		if to == nil || (src == tickets.SourceAPI && !see(&tickets.Ticket{Desk: to.ID})) {
			return result{}, errs.Errorf(errs.EINVALID, "There is no desk %q to move %s to.", textutil.ClipBytes(req.Desk, 40), t.Key)
		}
		got, err := c.engine.Move(ctx, t.ID, to.ID, textutil.ClipBytes(req.Text, 500), actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, what: "moved to the " + to.Name}, nil
	case "erase": // Delete: the erasure a privacy request asks for
		got, err := c.engine.Delete(ctx, t.ID, actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: got, what: "deleted"}, nil
	case "merge":
		into, err := c.store.GetByKey(ctx, strings.ToUpper(strings.TrimSpace(req.Into)))
		if err != nil || !see(into) {
			return result{}, errs.Errorf(errs.EINVALID, "There is no ticket %q you may merge into.", textutil.ClipBytes(req.Into, 20))
		}
		// Across desks the actor must be staff of the other desk too (not
		// only its requester): the merged conversation lands there.
		if into.Desk != t.Desk && !see(&tickets.Ticket{Desk: into.Desk, Assignee: into.Assignee}) {
			return result{}, errs.Errorf(errs.EFORBIDDEN, "Merging %s into %s needs you to be an agent of both desks.", t.Key, into.Key)
		}
		dup, target, err := c.engine.Merge(ctx, t.ID, into.ID, actor, src)
		if err != nil {
			return result{}, err
		}
		return result{ticket: dup, what: "merged into " + target.Key, extra: target}, nil
	}
	if res, ok, err := c.applySide(ctx, t, actor, src, req); ok {
		return res, err
	}
	return result{}, errs.Errorf(errs.EINVALID, "Unknown action %q.", textutil.ClipBytes(req.Action, 20))
}

// tell tells the followers of the changed tickets what was done.
func (c *Center) tell(ctx context.Context, res result, actor tickets.Actor) {
	c.poke()
	if res.quiet {
		return
	}
	ctx = context.WithoutCancel(ctx)
	c.tellFollowers(ctx, res.ticket, actor, res.what)
	if res.extra != nil {
		c.tellFollowers(ctx, res.extra, actor, res.ticket.Key+" merged in")
	}
}

// snoozeUntil reads a snooze as a duration from now or a time.
func (c *Center) snoozeUntil(req request) (time.Time, error) {
	if req.Until != "" {
		t, err := time.Parse(time.RFC3339, req.Until)
		if err != nil {
			return time.Time{}, errs.Errorf(errs.EINVALID, "until %q is not an RFC 3339 time.", textutil.ClipBytes(req.Until, 40))
		}
		return t, nil
	}
	d, err := config.ParseDuration(strings.TrimSpace(req.For))
	if err != nil || d <= 0 {
		return time.Time{}, errs.Errorf(errs.EINVALID, "Snooze for how long? Write e.g. 2h or 1d.")
	}
	return c.now().Add(d), nil
}

// poke makes the open pages' live updates read the change just made.
func (c *Center) poke() {
	if c.hub != nil {
		c.hub.poke()
	}
}
