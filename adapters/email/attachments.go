package email

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// keepAttachments keeps the mail's attachments with the ticket (once per
// mail and part, however often the mail is taken) and returns, for each
// one refused (too large, a type not accepted), the reason in words.
func (a *Adapter) keepAttachments(ctx context.Context, svc *tickets.Service, id int64, m *inMail, actor tickets.Actor) ([]string, error) {
	if len(m.Attach) == 0 {
		return nil, nil
	}
	if svc.Files == nil {
		return nil, nil
	}
	k := svc.Files.Configured(a.opts.Engine().Runtime().Config.Attachments)
	t, err := a.opts.Store.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("keep attachments: %w", err)
	}
	var refused []string
	for i, at := range m.Attach {
		_, err := k.Keep(ctx, t, actor, "email:"+hashID(m.MessageID)+":"+strconv.Itoa(i), at.Name, at.Data)
		switch {
		case err == nil:
		case errs.Code(err) == errs.EINVALID:
			refused = append(refused, errs.Message(err))
		default:
			return nil, fmt.Errorf("keep attachment %s of %s: %w", at.Name, t.Key, err)
		}
	}
	return refused, nil
}

// tellRefused answers a reply whose attachments were refused: the sender
// learns which and why, in the ticket's thread.
func (a *Adapter) tellRefused(ctx context.Context, t *tickets.Ticket, m *inMail, refused []string) error {
	_, domain, _ := strings.Cut(a.from(t.Desk).Address, "@")
	body := "Hello " + t.Requester.Name + ",\n\nyour mail was added to ticket " + t.Key + ", but not all of its attachments:\n\n" +
		strings.Join(refused, "\n") + "\n\nSend the file in another form (a PDF, an image, a smaller file), or a link to it."
	om := outMail{
		ID: "refused-" + hashID(m.MessageID) + "@" + domain, From: a.from(t.Desk), To: m.From, Auto: true,
		Subject: "Re: [" + t.Key + "] " + t.Subject, InReplyTo: m.MessageID, References: []string{m.MessageID},
	}
	msg := botMessage(body)
	om.Text, om.HTML = a.plainText(m.From, t.RequesterChat, msg), a.htmlText(m.From, t.RequesterChat, msg)
	return a.queueMail(ctx, om)
}
