package center

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Notices after a done action. The redirect after an action carries only
// a fixed id (?done=assign); the page writes the notice from that id and
// the ticket as stored, never from text in the address, so a link cannot
// make the Center show a notice of its choosing ("IT-7 was approved by
// the CEO"). An unknown id shows nothing.

// ticketNotice is the notice on a ticket's page for a done id ("" for an
// unknown id); the page puts the ticket's key before it.
func ticketNotice(id string, t *tickets.Ticket, deskName string) string {
	switch id {
	case "assign", "transfer":
		if t.Assignee == "" {
			return "assigned"
		}
		return "assigned to " + t.Assignee
	case "snooze":
		if t.SnoozedUntil.IsZero() {
			return "snoozed"
		}
		return "snoozed until " + t.SnoozedUntil.UTC().Format("Mon 2 Jan 15:04 UTC")
	case "wake":
		return "woken up"
	case "end":
		if t.CloseReason != "" {
			return "resolved (" + t.CloseReason + ")"
		}
		return "resolved"
	case "reopen":
		return "reopened"
	case "note":
		return "internal note added"
	case "reply":
		return "reply sent to the requester"
	case "reply-undelivered":
		return "reply sent; a file was kept with the ticket but not delivered to the requester (the internal notes say why)"
	case "follow":
		return "followed"
	case "unfollow":
		return "unfollowed"
	case "edit":
		return "edited"
	case "unchanged":
		return "unchanged"
	case "tag":
		if len(t.Tags) == 0 {
			return "tagged"
		}
		return "tagged " + strings.Join(t.Tags, ", ")
	case "split":
		return "split: the new ticket was opened"
	case "move":
		return "moved to the " + deskName
	case "merge":
		if t.MergedInto != "" {
			return "merged into " + t.MergedInto
		}
		return "merged"
	case "opened":
		return "opened"
	}
	return ""
}

// doneID is the notice id for a done action.
func doneID(action string, res result) string {
	if res.quiet && action == "edit" {
		return "unchanged"
	}
	if action == "reply" && len(res.notDelivered) > 0 {
		return "reply-undelivered"
	}
	return action
}

// bulkLabels names the bulk actions in the list's notice.
var bulkLabels = map[string]string{"assign": "Assign", "snooze": "Snooze", "end": "Close", "tag": "Tag"}

// keyPattern is a ticket key as the Center makes them (IT-1042).
var keyPattern = regexp.MustCompile(`^[A-Z0-9]{1,20}-[0-9]{1,12}$`)

// bulkDone is the list's address after a bulk action: the action's id, the
// counts and the keys of the tickets it was refused on.
func bulkDone(action string, done, of int, refused []string) string {
	q := url.Values{"view": {"all"}, "done": {"bulk"}, "action": {action},
		"n": {strconv.Itoa(done)}, "of": {strconv.Itoa(of)}}
	if len(refused) > 0 {
		q.Set("refused", strings.Join(refused, ","))
	}
	return "/center/?" + q.Encode()
}

// listNotice is the notice on the list for its query ("" for none or an
// unknown id). Only numbers, fixed words and well-formed ticket keys are
// taken from the address.
func listNotice(q url.Values) string {
	switch q.Get("done") {
	case "bulk":
		label, ok := bulkLabels[q.Get("action")]
		n, err1 := strconv.Atoi(q.Get("n"))
		of, err2 := strconv.Atoi(q.Get("of"))
		if !ok || err1 != nil || err2 != nil || n < 0 || of < n || of > maxBulk {
			return ""
		}
		msg := fmt.Sprintf("%s: %d of %d done.", label, n, of)
		var keys []string
		for _, k := range strings.Split(q.Get("refused"), ",") {
			if keyPattern.MatchString(k) && len(keys) < of-n {
				keys = append(keys, k)
			}
		}
		if len(keys) > 0 {
			msg += " Not done on " + strings.Join(keys, ", ") + ": open each ticket to see why."
		}
		return msg
	case "moved":
		if k := q.Get("ticket"); keyPattern.MatchString(k) {
			return k + " was moved to a desk you are not on."
		}
	}
	return ""
}
