package center

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/faq"
)

// knowledgePage is how many results the knowledge panel shows at a time.
const knowledgePage = 5

// knowledgeBase keeps one full-text index per desk, built on first use and
// again when the desk's FAQ changes (a config reload brings a new one).
type knowledgeBase struct {
	mu    sync.Mutex
	desks map[string]knowledgeEntry
}

type knowledgeEntry struct {
	faq *config.FAQ
	k   *faq.Knowledge
}

// of returns the desk's index.
func (kb *knowledgeBase) of(desk *config.Desk) (*faq.Knowledge, error) {
	kb.mu.Lock()
	defer kb.mu.Unlock()
	if e, ok := kb.desks[desk.ID]; ok && e.faq == desk.FAQ {
		return e.k, nil
	}
	k, err := faq.BuildKnowledge(desk.FAQ, desk.Languages)
	if err != nil {
		return nil, err
	}
	if kb.desks == nil {
		kb.desks = map[string]knowledgeEntry{}
	}
	// The index it replaces may be in a search right now; it holds only
	// memory, which goes with the last reference.
	kb.desks[desk.ID] = knowledgeEntry{faq: desk.FAQ, k: k}
	return k, nil
}

// KnowledgeHit is one result as the pages and the API show it.
type KnowledgeHit struct {
	Item     string `json:"item"`
	Lang     string `json:"lang"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
	// Highlights are the matching fragments, HTML with <mark> around each
	// matched word (everything else escaped), by field.
	Highlights map[string][]string `json:"highlights"`
	// Marked is the best fragment for the page.
	Marked template.HTML `json:"-"`
}

// KnowledgeResults is one page of a knowledge search.
type KnowledgeResults struct {
	Query string         `json:"query"`
	Total int            `json:"total"`
	From  int            `json:"from"`
	Hits  []KnowledgeHit `json:"hits"`
	// Prev and Next are the offsets of the pages around (-1: none).
	Prev int `json:"-"`
	Next int `json:"-"`
}

// searchKnowledge searches the desk's FAQ.
func (c *Center) searchKnowledge(ctx context.Context, desk *config.Desk, words string, from, size int) (KnowledgeResults, error) {
	res := KnowledgeResults{Query: words, From: from, Prev: -1, Next: -1}
	if desk == nil || desk.FAQ == nil {
		return res, nil
	}
	k, err := c.kb.of(desk)
	if err != nil {
		return res, err
	}
	page, err := k.Search(ctx, words, from, size)
	if errors.Is(err, faq.ErrEmptyQuery) {
		return res, errs.Errorf(errs.EINVALID, "Type the words to search the FAQ for.")
	}
	if err != nil {
		return res, err
	}
	res.Total, res.From = page.Total, page.From
	for _, h := range page.Hits {
		kh := KnowledgeHit{Item: h.ItemID, Lang: h.Lang, Question: h.Question, Answer: h.Answer, Highlights: h.Highlights}
		for _, f := range []string{"answer", "question", "alternates", "keywords"} {
			if frs := h.Highlights[f]; len(frs) > 0 {
				// Bleve's html fragment formatter escapes all but its <mark> tags.
				kh.Marked = template.HTML(frs[0]) //nolint:gosec // escaped by bleve, see above
				break
			}
		}
		res.Hits = append(res.Hits, kh)
	}
	if from > 0 {
		res.Prev = max(from-size, 0)
	}
	if from+size < res.Total {
		res.Next = from + size
	}
	return res, nil
}

// apiFAQ is GET /api/v1/faq?desk=it&q=words&from=0&size=10: the knowledge
// search for integrations.
func (c *Center) apiFAQ(w http.ResponseWriter, r *http.Request, cl client) {
	q := r.URL.Query()
	desk := cl.cfg.Desk(q.Get("desk"))
	if desk == nil {
		c.apiFail(w, errs.Errorf(errs.EINVALID, "Name a desk: ?desk=<id>."))
		return
	}
	if !cl.allowed(desk.ID) {
		c.apiFail(w, errOtherDesk)
		return
	}
	from, _ := strconv.Atoi(q.Get("from"))
	size, _ := strconv.Atoi(q.Get("size"))
	if size <= 0 {
		size = 10
	}
	res, err := c.searchKnowledge(r.Context(), desk, strings.TrimSpace(q.Get("q")), max(from, 0), min(size, faq.MaxKnowledgePage))
	if err != nil {
		c.apiFail(w, err)
		return
	}
	if res.Hits == nil {
		res.Hits = []KnowledgeHit{}
	}
	writeJSON(w, http.StatusOK, res)
}
