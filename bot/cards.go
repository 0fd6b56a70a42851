package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// statusText says where a ticket is, in the words of the service's messages.
func statusText(s tickets.Status) string { return s.Describe() }

// card renders a ticket card for agents.
func (e *Engine) card(ctx context.Context, rt *Runtime, t *tickets.Ticket) Message {
	desk := rt.Config.Desk(t.Desk)
	title := t.Key + " · " + t.Subject
	msg := Message{Title: title}
	status := statusText(t.Status)
	switch t.Status {
	case tickets.StatusAssigned:
		status = "Assigned to " + t.Assignee + ". Press **Start Chat** to open a chat with the requester."
		msg.Buttons = []Button{{ID: actStart, Label: "Start Chat", Value: idValue(t.ID), Style: StylePrimary}}
	case tickets.StatusInService:
		status = "In service with " + t.Assignee + "."
		msg.Buttons = []Button{{ID: actEnd, Label: "End Service", Value: idValue(t.ID), Style: StyleDanger}}
	case tickets.StatusResolved:
		status = "Resolved."
		if t.Evaluation != nil {
			status += " Rated " + stars(t.Evaluation.Rating, t.Evaluation.Scale) + "."
		}
	case tickets.StatusOpen:
		status = "Waiting in the queue."
	case tickets.StatusSnoozed:
		status = "Snoozed until " + t.SnoozedUntil.Format("Mon 2 Jan 15:04 MST") + "."
	}
	msg.Text = status
	msg.Fields = append(msg.Fields,
		Field{Label: "Requester", Value: t.Requester.Name},
		Field{Label: "Priority", Value: t.Priority.String()},
	)
	if t.Category != "" {
		cat := t.Category
		if desk != nil {
			if ix, ok := rt.FAQ.Desk(desk.ID); ok {
				if c, ok := ix.Category(t.Category); ok {
					cat = ix.CategoryTitle(c, "")
				}
			}
		}
		msg.Fields = append(msg.Fields, Field{Label: "Topic", Value: cat})
	}
	msg.Fields = append(msg.Fields, formFields(t)...)
	// Cards go to agents only: the desk's own tags are shown there.
	if len(t.Tags) > 0 {
		msg.Fields = append(msg.Fields, Field{Label: "Tags", Value: strings.Join(t.Tags, ", ")})
	}
	if t.CloseReason != "" {
		msg.Fields = append(msg.Fields, Field{Label: "Close reason", Value: t.CloseReason})
	}
	if len(t.Suggested) > 0 && desk != nil {
		var tried []string
		if ix, ok := rt.FAQ.Desk(desk.ID); ok {
			for _, id := range t.Suggested {
				if it, ok := ix.Item(id); ok {
					q, _ := ix.Localize(it, "")
					tried = append(tried, q)
				}
			}
		}
		if len(tried) > 0 {
			msg.Fields = append(msg.Fields, Field{Label: "Bot suggested", Value: strings.Join(tried, "; ")})
		}
	}
	// The requester's earlier tickets on this desk, on every channel they
	// used (their accounts linked by a verified address).
	who := []tickets.Person{{Platform: t.Requester.Platform, ID: t.Requester.ID}}
	if accounts, err := e.Accounts(ctx, t.Requester); err == nil {
		who = accounts
	}
	if earlier, err := e.store.List(ctx, tickets.Filter{Desk: t.Desk, Requesters: who}); err == nil {
		var keys []string
		for i := len(earlier) - 1; i >= 0 && len(keys) < 3; i-- {
			if o := earlier[i]; o.ID != t.ID && o.CreatedAt.Before(t.CreatedAt.Add(1)) {
				on := ""
				if o.Platform != t.Platform {
					on = ", by " + platformTitle(o.Platform)
				}
				keys = append(keys, fmt.Sprintf("%s (%s, %s%s)", o.Key, textutil.ShortenTrim(o.Subject, 40), statusText(o.Status), on))
			}
		}
		if len(keys) > 0 {
			msg.Fields = append(msg.Fields, Field{Label: "Earlier tickets", Value: strings.Join(keys, "; ")})
		}
	}
	return msg
}

func formFields(t *tickets.Ticket) []Field {
	var fs []Field
	for _, a := range t.Form {
		if a.Value != "" {
			fs = append(fs, Field{Label: a.Label, Value: a.Value})
		}
	}
	return fs
}

// announce posts the ticket card to its agent (DM) and the desk's agent
// channel, and tells the requester who will help.
func (e *Engine) announce(ctx context.Context, rt *Runtime, desk *config.Desk, t *tickets.Ticket) {
	if desk == nil {
		return
	}
	card := e.card(ctx, rt, t)
	// Cards posted earlier (a previous agent's DM, the agent channel) are
	// updated in place; the new assignee gets a card of their own.
	e.updateCards(ctx, rt, t)
	refs := append([]tickets.CardRef(nil), t.Cards...)
	inChannel := false
	for _, c := range t.Cards {
		if c.Chat == desk.AgentChannel[t.Platform] {
			inChannel = true
		}
	}
	agentMissed := false
	if ag := desk.AgentByName(t.Assignee); ag != nil && ag.ID(t.Platform) != "" {
		ref, err := e.sendDM(ctx, t.Platform, ag.ID(t.Platform), card)
		if err != nil {
			e.log.Warn("send ticket card to agent", "ticket", t.Key, "agent", ag.Name, "err", err)
			agentMissed = true
			e.cardFailed(ctx, desk, t, ag.Name+"'s DM", err)
		} else {
			refs = append(refs, tickets.CardRef{Platform: t.Platform, Chat: ref.Chat, Message: ref.ID})
		}
	}
	if ch := desk.AgentChannel[t.Platform]; ch != "" && !inChannel {
		ref, err := e.sendTo(ctx, t.Platform, ch, card)
		if err != nil {
			e.log.Warn("send ticket card to agent channel", "ticket", t.Key, "err", err)
			e.cardFailed(ctx, desk, t, "this channel", err)
		} else {
			refs = append(refs, tickets.CardRef{Platform: t.Platform, Chat: ref.Chat, Message: ref.ID})
		}
	}
	if _, err := e.svc.SetCards(ctx, t.ID, refs); err != nil {
		e.log.Warn("record ticket cards", "ticket", t.Key, "err", err)
	}
	text := tFor(t, desk, mAssigned, t.Assignee, t.Key)
	if agentMissed {
		// Not "X will help you": X was not told. The ticket stays assigned;
		// the assign timeout passes it on if X does not take it up.
		text = tFor(t, desk, mCardFailed, t.Key)
	}
	if _, err := e.sendTo(ctx, t.Platform, t.RequesterChat, Message{Text: text}); err != nil {
		e.log.Warn("tell requester about assignment", "ticket", t.Key, "err", err)
		e.requesterMissed(ctx, desk, t, "", "the notice of who will help", err)
	}
}

// requesterMissed tells the agents in chat (the ticket's group chat; ""
// for the desk's agent channel) that what could not be delivered to the
// requester, so no notice is lost silently; with ErrUnreachable, that the
// requester takes no direct messages from the bot.
func (e *Engine) requesterMissed(ctx context.Context, desk *config.Desk, t *tickets.Ticket, chat, what string, cause error) {
	if chat == "" && desk != nil {
		chat = desk.AgentChannel[t.Platform]
	}
	if chat == "" {
		e.log.Error("requester not reached and no agent channel to tell", "ticket", t.Key, "what", what, "err", cause)
		return
	}
	text := fmt.Sprintf("⚠️ **%s**: %s could not be sent to %s (%s).", t.Key, what, Literal(t.Requester.Name), textutil.ShortenTrim(cause.Error(), 300))
	if errors.Is(cause, ErrUnreachable) {
		text = fmt.Sprintf("⚠️ **%s**: %s could not be reached by direct message (they do not accept direct messages from the bot), so %s was not delivered. Please reach them another way.",
			t.Key, Literal(t.Requester.Name), what)
	}
	if _, err := e.sendTo(ctx, t.Platform, chat, Message{Text: text}); err != nil {
		e.log.Error("tell the agents a requester was not reached", "ticket", t.Key, "err", err)
	}
}

// cardFailed tells the desk's agent channel, in plain text (which a
// platform takes where it refused the card), that the ticket's card could
// not be posted to where, so no ticket goes unseen without anyone knowing.
func (e *Engine) cardFailed(ctx context.Context, desk *config.Desk, t *tickets.Ticket, where string, cause error) {
	ch := desk.AgentChannel[t.Platform]
	if ch == "" {
		return
	}
	text := fmt.Sprintf("⚠️ The card of **%s** (%s) could not be posted to %s: %s. The ticket is saved; open it in the Ticket Center.",
		t.Key, textutil.ShortenTrim(t.Subject, 80), where, textutil.ShortenTrim(cause.Error(), 300))
	if _, err := e.sendTo(ctx, t.Platform, ch, Message{Text: text}); err != nil {
		e.log.Error("tell the agent channel a ticket card failed", "ticket", t.Key, "err", err)
	}
}

// updateCards re-renders every posted card of the ticket.
func (e *Engine) updateCards(ctx context.Context, rt *Runtime, t *tickets.Ticket) {
	if len(t.Cards) == 0 {
		return
	}
	card := e.card(ctx, rt, t)
	for _, c := range t.Cards {
		p, err := e.platform(c.Platform)
		if err != nil {
			continue
		}
		if err := p.Update(ctx, MessageRef{Chat: c.Chat, ID: c.Message}, card); err != nil {
			e.log.Warn("update ticket card", "ticket", t.Key, "err", err)
		}
	}
}
