package tickets

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
)

// Edit is a change of a ticket's details after it opened. A nil field
// stays as it is; Form changes only the fields it names.
type Edit struct {
	Subject  *string           `json:"subject,omitempty"`
	Category *string           `json:"category,omitempty"` // the topic: a category id of the desk's menu, "" for none
	Priority *Priority         `json:"priority,omitempty"`
	Tags     *[]string         `json:"tags,omitempty"` // the whole new set
	Form     map[string]string `json:"form,omitempty"` // field id -> answer; "" clears an optional field
}

// Limits of free tags: a tag is a short word, a ticket has a handful.
const (
	MaxTagLen  = 32
	MaxTags    = 20
	maxFormLen = 4000 // an answer of a field without its own max_length
)

// NormalizeTag is how a tag is kept: trimmed, lower case, inner spaces as
// dashes. It reports an error for an empty, too long or odd tag.
func NormalizeTag(s string) (string, error) {
	tag := strings.ToLower(strings.Join(strings.Fields(s), "-"))
	if tag == "" {
		return "", errs.Errorf(errs.EINVALID, "A tag is empty.")
	}
	if utf8.RuneCountInString(tag) > MaxTagLen {
		return "", errs.Errorf(errs.EINVALID, "The tag %q is longer than %d characters.", tag, MaxTagLen)
	}
	for _, r := range tag {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("-_./:#", r) {
			return "", errs.Errorf(errs.EINVALID, "The tag %q has a character tags cannot have (%q).", tag, r)
		}
	}
	return tag, nil
}

// NormalizeTags normalizes each tag and returns the set sorted, without repeats.
func NormalizeTags(in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		tag, err := NormalizeTag(s)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, tag) {
			out = append(out, tag)
		}
	}
	if len(out) > MaxTags {
		return nil, errs.Errorf(errs.EINVALID, "A ticket has at most %d tags.", MaxTags)
	}
	slices.Sort(out)
	return out, nil
}

// Edit changes a ticket's subject, topic, priority, tags and form answers,
// as an agent or admin of its desk (a requester may not), and records one
// "edit" event that says what changed. desk is the ticket's desk in the
// config: the topic must be one of its menu, the answers must pass the
// rules of the topic's form (required fields, select options, lengths). An
// edit that changes nothing writes nothing and returns the ticket.
func (s *Service) Edit(ctx context.Context, id int64, ed Edit, desk *config.Desk, actor Actor, src Source) (*Ticket, error) {
	return s.Store.Update(ctx, id, func(t *Ticket) (*Change, error) {
		if !staff(actor) {
			return nil, errs.Errorf(errs.EFORBIDDEN, "Only agents of the desk can edit %s.", t.Key)
		}
		if desk == nil || desk.ID != t.Desk {
			return nil, errs.Errorf(errs.EINVALID, "The desk of %s is not in the config.", t.Key)
		}
		var what []string
		if ed.Subject != nil {
			subj := strings.Join(strings.Fields(*ed.Subject), " ")
			switch n := utf8.RuneCountInString(subj); {
			case n == 0:
				return nil, errs.Errorf(errs.EINVALID, "The subject of %s cannot be empty.", t.Key)
			case n > MaxSubjectLen:
				return nil, errs.Errorf(errs.EINVALID, "The subject has %d characters; at most %d fit.", n, MaxSubjectLen)
			}
			if subj != t.Subject {
				what = append(what, fmt.Sprintf("subject %q -> %q", t.Subject, subj))
				t.Subject = subj
			}
		}
		if ed.Category != nil && *ed.Category != t.Category {
			cat := strings.TrimSpace(*ed.Category)
			if cat != "" && (desk.FAQ == nil || desk.FAQ.Category(cat) == nil) {
				return nil, errs.Errorf(errs.EINVALID, "The %s has no topic %q.", desk.Name, clipRunes(cat, 40))
			}
			if cat != t.Category {
				what = append(what, fmt.Sprintf("topic %s -> %s", orNone(t.Category), orNone(cat)))
				t.Category = cat
			}
		}
		if ed.Priority != nil && *ed.Priority != t.Priority {
			if *ed.Priority < PriorityLow || *ed.Priority > PriorityUrgent {
				return nil, errs.Errorf(errs.EINVALID, "Priority %d is not low, normal, high or urgent.", *ed.Priority)
			}
			what = append(what, fmt.Sprintf("priority %s -> %s", t.Priority, *ed.Priority))
			t.Priority = *ed.Priority
		}
		if ed.Tags != nil {
			tags, err := NormalizeTags(*ed.Tags)
			if err != nil {
				return nil, err
			}
			if d := tagDiff(t.Tags, tags); d != "" {
				what = append(what, "tags "+d)
				t.Tags = tags
			}
		}
		if len(ed.Form) > 0 {
			changed, err := editForm(t, desk, ed.Form)
			if err != nil {
				return nil, err
			}
			if len(changed) > 0 {
				what = append(what, "form "+strings.Join(changed, ", "))
			}
		}
		if len(what) == 0 {
			return nil, nil
		}
		// The detail names the fields and values changed, not the form's
		// answers themselves, which may be private.
		return s.change("edit", actor, src, strings.Join(what, "; ")), nil
	})
}

// editForm sets the answers of the ticket's form fields named in answers,
// checked against the form of the ticket's topic, and returns the labels of
// the fields that changed.
func editForm(t *Ticket, desk *config.Desk, answers map[string]string) ([]string, error) {
	form := desk.FormFor(t.Category)
	if form == nil {
		form = &config.Form{} // only answers already there may be sent back
	}
	var changed []string
	for _, fl := range form.Fields {
		v, ok := answers[fl.ID]
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if fl.Type != "paragraph" {
			v = strings.Join(strings.Fields(v), " ")
		}
		switch {
		case v == "" && fl.Required:
			return nil, errs.Errorf(errs.EINVALID, "%q needs an answer.", fl.Label)
		case v != "" && fl.Type == "select":
			i := slices.IndexFunc(fl.Options, func(o string) bool { return strings.EqualFold(o, v) })
			if i < 0 {
				return nil, errs.Errorf(errs.EINVALID, "%q is one of %s.", fl.Label, strings.Join(fl.Options, ", "))
			}
			v = fl.Options[i]
		case fl.MaxLen > 0 && utf8.RuneCountInString(v) > fl.MaxLen:
			return nil, errs.Errorf(errs.EINVALID, "%q has at most %d characters.", fl.Label, fl.MaxLen)
		case utf8.RuneCountInString(v) > maxFormLen:
			return nil, errs.Errorf(errs.EINVALID, "%q has at most %d characters.", fl.Label, maxFormLen)
		}
		i := slices.IndexFunc(t.Form, func(a FormAnswer) bool { return a.ID == fl.ID })
		switch {
		case i >= 0 && v == "":
			t.Form = slices.Delete(t.Form, i, i+1)
		case i >= 0 && t.Form[i].Value != v:
			t.Form[i].Value = v
		case i < 0 && v != "":
			t.Form = append(t.Form, FormAnswer{ID: fl.ID, Label: fl.Label, Value: v})
		default:
			continue
		}
		changed = append(changed, fl.Label)
	}
	for id, v := range answers {
		if slices.ContainsFunc(form.Fields, func(fl *config.Field) bool { return fl.ID == id }) {
			continue
		}
		// An answer that is already there (of the topic's former form) is
		// no change; a new one needs a field to go in.
		i := slices.IndexFunc(t.Form, func(a FormAnswer) bool { return a.ID == id })
		if (i < 0 && strings.TrimSpace(v) != "") || (i >= 0 && t.Form[i].Value != strings.TrimSpace(v)) {
			if form.Title == "" {
				return nil, errs.Errorf(errs.EINVALID, "The topic of %s has no form to answer.", t.Key)
			}
			return nil, errs.Errorf(errs.EINVALID, "The form %q has no field %q.", form.Title, clipRunes(id, 40))
		}
	}
	return changed, nil
}

// tagDiff says which tags were added and removed ("+vpn -printer"), "" if none.
func tagDiff(old, new []string) string {
	var parts []string
	for _, tag := range new {
		if !slices.Contains(old, tag) {
			parts = append(parts, "+"+tag)
		}
	}
	for _, tag := range old {
		if !slices.Contains(new, tag) {
			parts = append(parts, "-"+tag)
		}
	}
	return strings.Join(parts, " ")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Edited names the details an edit changed from before to after, in the
// words of the Ticket Center: subject, topic, priority, tags, form.
func Edited(before, after *Ticket) []string {
	var out []string
	if before.Subject != after.Subject {
		out = append(out, "subject")
	}
	if before.Category != after.Category {
		out = append(out, "topic")
	}
	if before.Priority != after.Priority {
		out = append(out, "priority")
	}
	if !slices.Equal(before.Tags, after.Tags) {
		out = append(out, "tags")
	}
	if !slices.Equal(before.Form, after.Form) {
		out = append(out, "form")
	}
	return out
}
