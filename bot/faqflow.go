// Self-service from the desk's FAQ: the greeting, answers, "Did you mean",
// the question menu and the question log.

package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/internal/textutil"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

func (c *conv) index() *faq.Index {
	if ix, ok := c.rt.FAQ.Desk(c.desk.ID); ok {
		return ix
	}
	return nil
}

func (c *conv) greet(ctx context.Context) error {
	c.st.Greeted = true
	text := c.desk.Greeting
	if text == "" {
		if name := firstName(c.ev.User.Name); name != "" {
			text = c.t(mGreeting, Literal(name), c.desk.Name)
		} else {
			text = c.t(mGreetingAnon, c.desk.Name)
		}
		if c.desk.Description != "" {
			text += " " + c.desk.Description + "."
		}
		text += " " + c.t(mGreetingAsk)
	}
	msg := c.menuMessage("")
	msg.Text = text
	return c.reply(msg)
}

func firstName(n string) string {
	if f := strings.Fields(n); len(f) > 0 {
		return f[0]
	}
	return ""
}

// ask answers a question from the FAQ, or offers choices, or says it does not know.
func (c *conv) ask(ctx context.Context, q string) error {
	c.st.Question, c.st.Suggested, c.st.Category, c.st.QuestionID = q, nil, "", 0
	c.st.Step = StepIdle
	if q == "" {
		return c.greet(ctx)
	}
	ix := c.index()
	var hits []faq.Hit
	if ix != nil {
		var err error
		if hits, err = ix.Search(ctx, q, c.st.Lang, 3); err != nil {
			return fmt.Errorf("search FAQ of %s: %w", c.desk.ID, err)
		}
	}
	decision := faq.DecideNone
	if ix != nil {
		decision = ix.Decide(hits)
	}
	c.logQuestion(ctx, q, hits, decision)
	if decision != faq.DecideNone && hits[0].Lang != "" && hits[0].Lang != c.st.Lang &&
		slices.Contains(c.desk.Languages, hits[0].Lang) {
		// The question's language was clearer than the platform locale's:
		// the bot goes on in the language it answered in.
		c.st.Lang = hits[0].Lang
	}
	switch decision {
	case faq.DecideAnswer:
		return c.answer(ctx, hits[0].ItemID, hits[0].CategoryID, hits[0].Question, hits[0].Answer)
	case faq.DecideSuggest:
		msg := Message{Text: c.t(mDidYouMean)}
		for _, h := range hits {
			if len(msg.Buttons) == 3 || ix.Decide([]faq.Hit{h}) == faq.DecideNone {
				break
			}
			c.st.Suggested = append(c.st.Suggested, h.ItemID)
			msg.Buttons = append(msg.Buttons, Button{ID: actPick, Label: textutil.ShortenTrim(h.Question, 75), Value: h.ItemID})
		}
		if c.st.Category == "" && len(hits) > 0 {
			c.st.Category = hits[0].CategoryID
		}
		msg.Buttons = append(msg.Buttons, Button{ID: actNone, Label: c.t(mNoneOfThese)})
		return c.reply(msg)
	default:
		return c.reply(Message{
			Text: c.t(mDontKnow),
			Buttons: []Button{
				{ID: actMenu, Label: c.t(mBrowseTopics)},
				{ID: actAgent, Label: c.t(mTalkToAgent), Style: StylePrimary},
			},
		})
	}
}

func (c *conv) answer(ctx context.Context, itemID, category, question, answer string) error {
	if !slices.Contains(c.st.Suggested, itemID) {
		c.st.Suggested = append(c.st.Suggested, itemID)
	}
	c.st.Category = category
	c.st.Step = StepAnswered
	return c.reply(Message{
		Text: fmt.Sprintf("**%s**\n\n%s\n\n%s", question, strings.TrimSpace(answer), c.t(mDidThisHelp)),
		Buttons: []Button{
			{ID: actHelpful, Label: c.t(mYes), Value: "yes:" + itemID, Style: StylePrimary},
			{ID: actHelpful, Label: c.t(mNo), Value: "no:" + itemID},
		},
	})
}

func (c *conv) answerItem(ctx context.Context, id string) error {
	ix := c.index()
	if ix == nil {
		return c.say(c.t(mAnswerGone))
	}
	it, ok := ix.Item(id)
	if !ok {
		return c.say(c.t(mAnswerGoneAsk))
	}
	q, a := ix.Localize(it, c.st.Lang)
	return c.answer(ctx, id, ix.CategoryOf(id), q, a)
}

// menuMessage renders one level of the question menu, at its first page.
func (c *conv) menuMessage(category string) Message { return c.menuPage(category, 0) }

// menuPage renders a page of one level of the question menu: all of its
// entries when the platform's select holds them, else a page of them with
// "‹ Previous" and "More…" entries (see pageOf).
func (c *conv) menuPage(category string, page int) Message {
	ix := c.index()
	msg := Message{Text: c.t(mPickTopic)}
	if ix == nil {
		msg.Buttons = []Button{{ID: actAgent, Label: c.t(mTalkToAgent), Style: StylePrimary}}
		return msg
	}
	sel := &Select{ID: actMenu, Placeholder: c.t(mChooseTopic)}
	for _, cat := range ix.Categories(category) {
		sel.Options = append(sel.Options, Option{Label: textutil.ShortenTrim(ix.CategoryTitle(cat, c.st.Lang), 75), Value: "cat:" + cat.ID})
	}
	if category != "" {
		if cat, ok := ix.Category(category); ok {
			msg.Text = c.t(mCategoryPick, ix.CategoryTitle(cat, c.st.Lang))
		}
		for _, it := range ix.Items(category) {
			q, _ := ix.Localize(it, c.st.Lang)
			sel.Options = append(sel.Options, Option{Label: textutil.ShortenTrim(q, 75), Value: "item:" + it.ID})
		}
		msg.Buttons = append(msg.Buttons, Button{ID: actMenu, Label: c.t(mBack), Value: c.parentOf(category)})
	}
	sel.Options = c.pageOf(sel.Options, page, func(p int) string { return menuPage(category, p) })
	if len(sel.Options) > 0 {
		msg.Select = sel
	}
	msg.Buttons = append(msg.Buttons, Button{ID: actAgent, Label: c.t(mTalkToAgent), Style: StylePrimary})
	return msg
}

func (c *conv) parentOf(category string) string {
	ix := c.index()
	var walk func(parent string) (string, bool)
	walk = func(parent string) (string, bool) {
		for _, cat := range ix.Categories(parent) {
			if cat.ID == category {
				if parent == "" {
					return "", true
				}
				return "cat:" + parent, true
			}
			if p, ok := walk(cat.ID); ok {
				return p, true
			}
		}
		return "", false
	}
	p, _ := walk("")
	return p
}

// logQuestion records the question and what the bot did with it.
func (c *conv) logQuestion(ctx context.Context, q string, hits []faq.Hit, d faq.Decision) {
	rec := &tickets.Question{Desk: c.desk.ID, Platform: c.ev.Platform, UserID: c.ev.User.ID, Text: q,
		Language: c.st.Lang, At: c.e.now()}
	if len(hits) > 0 {
		rec.ItemID, rec.Confidence = hits[0].ItemID, hits[0].Confidence
	}
	switch d {
	case faq.DecideAnswer:
		rec.Outcome = tickets.OutcomeAnswered
	case faq.DecideSuggest:
		rec.Outcome = tickets.OutcomeSuggested
	default:
		rec.Outcome = tickets.OutcomeUnanswered
	}
	if c.e.askedStore() != nil {
		// Logged with the state's save, in its transaction.
		c.st.asked, c.st.QuestionID, c.st.Picked = rec, 0, false
		return
	}
	id, err := c.e.store.RecordQuestion(ctx, rec)
	if err != nil {
		c.e.log.Warn("record question", "desk", c.desk.ID, "err", err)
		return
	}
	c.st.QuestionID, c.st.Picked = id, false
}

// setOutcome updates the logged outcome of the conversation's question.
func (c *conv) setOutcome(ctx context.Context, o tickets.Outcome, item string, ticket int64) {
	if q := c.st.asked; q != nil { // asked in this step, not logged yet
		q.Outcome = o
		if item != "" {
			q.ItemID = item
		}
		if ticket != 0 {
			q.TicketID = ticket
		}
		return
	}
	if c.st.QuestionID == 0 {
		return
	}
	if err := c.e.store.SetQuestionOutcome(ctx, c.st.QuestionID, o, item, ticket); err != nil {
		c.e.log.Warn("record question outcome", "question", c.st.QuestionID, "err", err)
	}
}
