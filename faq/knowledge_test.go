package faq_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/faq"
)

func TestKnowledgeSearch(t *testing.T) {
	k, err := faq.BuildKnowledge(mustLoadFAQ(t, "it.yaml"), []string{"en", "de", "fr"})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	ctx := context.Background()

	// A word found only in an answer ("choose" is in no question).
	page, err := k.Search(ctx, "choose", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if page.Total == 0 || page.Hits[0].ItemID != "password-reset" {
		t.Fatalf("answer words: %+v", page)
	}
	if hl := strings.Join(page.Hits[0].Highlights["answer"], " "); !strings.Contains(hl, "<mark>choose</mark>") {
		t.Errorf("answer highlight: %q", hl)
	}

	// Each language with its analyzer: German stemming and umlaut folding.
	page, _ = k.Search(ctx, "zurucksetzen passworter", 0, 10)
	if len(page.Hits) == 0 || page.Hits[0].ItemID != "password-reset" || page.Hits[0].Lang != "de" {
		t.Fatalf("German: %+v", page.Hits)
	}
	if !strings.HasPrefix(page.Hits[0].Question, "Wie kann ich") {
		t.Errorf("German hit shows %q", page.Hits[0].Question)
	}
	// French elision: "l'authentification" finds "authentification".
	page, _ = k.Search(ctx, "mot de passe", 0, 10)
	found := false
	for _, h := range page.Hits {
		found = found || (h.ItemID == "password-reset" && h.Lang == "fr")
	}
	if !found {
		t.Errorf("French: %+v", page.Hits)
	}

	// Paging: every hit once over pages of one.
	all, _ := k.Search(ctx, "password account", 0, 50)
	if all.Total < 3 {
		t.Fatalf("want several hits, got %d", all.Total)
	}
	seen := map[string]bool{}
	for from := 0; from < all.Total; from++ {
		p, err := k.Search(ctx, "password account", from, 1)
		if err != nil || len(p.Hits) != 1 || p.From != from || p.Total != all.Total {
			t.Fatalf("page %d: %+v %v", from, p, err)
		}
		key := p.Hits[0].ItemID + "/" + p.Hits[0].Lang
		if seen[key] {
			t.Fatalf("%s twice", key)
		}
		seen[key] = true
	}
	// Markup in the query or the text is escaped in the highlights.
	if p, _ := k.Search(ctx, "<script>password", 0, 5); len(p.Hits) > 0 {
		for _, frs := range p.Hits[0].Highlights {
			for _, fr := range frs {
				if strings.Contains(fr, "<script") {
					t.Errorf("unescaped: %q", fr)
				}
			}
		}
	}
	if _, err := k.Search(ctx, "  ", 0, 5); !errors.Is(err, faq.ErrEmptyQuery) {
		t.Errorf("empty query: %v", err)
	}
	if p, _ := k.Search(ctx, "xylophone", 0, 5); p.Total != 0 {
		t.Errorf("nonsense found %+v", p.Hits)
	}
}
