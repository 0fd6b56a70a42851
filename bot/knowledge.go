package bot

import (
	"context"
	"fmt"
	"html"
	"strings"
	"sync"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// knowledgeCache keeps one full-text index of each desk's FAQ for the
// agents' `/helpdesk faq <words>`, built on first use and again when the
// desk's FAQ changes (a reload brings a new one).
type knowledgeCache struct {
	mu    sync.Mutex
	desks map[string]knowledgeEntry
}

type knowledgeEntry struct {
	faq *config.FAQ
	k   *faq.Knowledge
}

func (kc *knowledgeCache) of(desk *config.Desk) (*faq.Knowledge, error) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if e, ok := kc.desks[desk.ID]; ok && e.faq == desk.FAQ {
		return e.k, nil
	}
	k, err := faq.BuildKnowledge(desk.FAQ, desk.Languages)
	if err != nil {
		return nil, err
	}
	if kc.desks == nil {
		kc.desks = map[string]knowledgeEntry{}
	}
	kc.desks[desk.ID] = knowledgeEntry{faq: desk.FAQ, k: k}
	return k, nil
}

// faqResults is how many results `/helpdesk faq <words>` lists.
const faqResults = 5

// faqList answers an agent's `/helpdesk faq <words>` privately with the
// desk's FAQ items that match (full text: questions, alternates, keywords
// and answers), each with its matched words in bold and the command that
// posts it into the chat.
func (e *Engine) faqList(ctx context.Context, desk *config.Desk, words string, ev Event) error {
	k, err := e.knowledge.of(desk)
	if err != nil {
		return err
	}
	page, err := k.Search(ctx, words, 0, faqResults)
	if err != nil {
		return err
	}
	if page.Total == 0 {
		return e.private(ctx, ev, fmt.Sprintf("No FAQ entry matches “%s”.", Literal(Sanitize(words, 80))))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "FAQ entries matching “%s” (%d):\n", Literal(Sanitize(words, 80)), page.Total)
	for i, h := range page.Hits {
		fmt.Fprintf(&b, "%d. **%s** (%s)", i+1, Sanitize(h.Question, 200), h.Lang)
		for _, f := range []string{"answer", "alternates", "keywords"} {
			if frs := h.Highlights[f]; len(frs) > 0 {
				fmt.Fprintf(&b, " — %s", markedToMarkdown(frs[0]))
				break
			}
		}
		fmt.Fprintf(&b, "\n   Post it here: `/helpdesk faq post %s`\n", h.ItemID)
	}
	if page.Total > len(page.Hits) {
		fmt.Fprintf(&b, "%d more: add words to narrow the search, or search in the Ticket Center's knowledge panel.", page.Total-len(page.Hits))
	}
	return e.private(ctx, ev, strings.TrimSpace(b.String()))
}

// markedToMarkdown turns a highlighted fragment (HTML, matches in
// <mark>) into chat text with the matches in bold.
func markedToMarkdown(frag string) string {
	frag = strings.NewReplacer("<mark>", "\x01", "</mark>", "\x02").Replace(frag)
	frag = html.UnescapeString(frag)
	frag = Sanitize(strings.Join(strings.Fields(frag), " "), 300)
	return strings.NewReplacer("\x01", "**", "\x02", "**").Replace(frag)
}

// faqPost posts an FAQ item's answer into the ticket's group chat, as the
// bot, recording who asked for it.
func (e *Engine) faqPost(ctx context.Context, rt *Runtime, desk *config.Desk, t *tickets.Ticket, actor tickets.Actor, id string, ev Event) error {
	ix, ok := rt.FAQ.Desk(desk.ID)
	var it *config.Item
	if ok {
		it, ok = ix.Item(id)
	}
	if !ok {
		return e.private(ctx, ev, fmt.Sprintf("The FAQ has no entry %q; `/helpdesk faq <words>` lists them.", Sanitize(id, 80)))
	}
	q, a := it.Question, it.Answer
	if tr, ok := it.Translations[t.Language]; ok && tr.Question != "" {
		q = tr.Question
		if tr.Answer != "" {
			a = tr.Answer
		}
	}
	text := fmt.Sprintf("**%s**\n\n%s", q, strings.TrimSpace(a))
	if _, err := e.sendTo(ctx, t.Platform, t.GroupChat, Message{Text: text}); err != nil {
		return err
	}
	// The answer is the bot's words, posted at the agent's request.
	by := tickets.System
	by.Name = "helpdesk (FAQ, posted by " + actor.Name + ")"
	_, err := e.svc.RecordMessage(ctx, t.ID, text, "", by, tickets.SourceCommand)
	return err
}
