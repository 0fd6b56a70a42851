package suggest_test

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq/suggest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

func q(text string, o tickets.Outcome, item string) tickets.Question {
	return tickets.Question{Text: text, Outcome: o, ItemID: item, Language: "en"}
}

func TestSuggestedAlternatesComeFromHelpfulPicks(t *testing.T) {
	t.Parallel()
	f := &config.FAQ{Menu: []*config.Category{{ID: "net", Items: []*config.Item{
		{ID: "vpn", Question: "How do I connect to the VPN?", Alternates: []string{"VPN is down"}},
	}}}}
	qs := []tickets.Question{
		q("vpn keeps dropping", tickets.OutcomePickedHelpful, "vpn"),
		q("VPN keeps dropping!", tickets.OutcomePickedHelpful, "vpn"),
		q("vpn is down", tickets.OutcomePickedHelpful, "vpn"),           // already an alternate
		q("remote access broken", tickets.OutcomePicked, "vpn"),         // picked, no verdict
		q("tunnel fails", tickets.OutcomeHelpful, "vpn"),                // answered directly
		q("cannot reach intranet", tickets.OutcomePickedHelpful, "vpn"), // once
	}
	got := suggest.SuggestedAlternates(qs, f)
	want := []suggest.Alternate{{ItemID: "vpn", Text: "vpn keeps dropping", Count: 2}, {ItemID: "vpn", Text: "cannot reach intranet", Count: 1}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestGapsGroupSimilarUnansweredQuestions(t *testing.T) {
	t.Parallel()
	qs := []tickets.Question{
		q("How do I order a new monitor?", tickets.OutcomeUnanswered, ""),
		q("how do i order a new monitor", tickets.OutcomeEscalated, ""),
		q("order new monitor please", tickets.OutcomeUnanswered, ""),
		q("Where is the parking garage?", tickets.OutcomeUnanswered, ""),
		q("printer jams", tickets.OutcomeNotHelpful, "printer-add"),
		q("How do I reset my password?", tickets.OutcomeHelpful, "password-reset"), // answered fine
	}
	gaps := suggest.Gaps(qs, 0, 0)
	if len(gaps) != 3 {
		t.Fatalf("want 3 groups, got %+v", gaps)
	}
	g := gaps[0]
	if g.Count != 3 || len(g.Phrasings) != 2 || g.Phrasings[0].Count != 2 || g.Outcomes[tickets.OutcomeEscalated] != 1 {
		t.Errorf("monitor group %+v", g)
	}
	for _, g := range gaps {
		if strings.Contains(g.Phrasings[0].Text, "printer") && g.ItemID != "printer-add" {
			t.Errorf("printer group should name the item offered: %+v", g)
		}
		if strings.Contains(g.Phrasings[0].Text, "password") {
			t.Errorf("a helpful answer is no gap: %+v", g)
		}
	}
	if got := suggest.Gaps(qs, 0, 1); len(got) != 1 || got[0].Count != 3 {
		t.Errorf("limit 1: %+v", got)
	}
}

func TestYAMLIsReadyToPaste(t *testing.T) {
	t.Parallel()
	alts := []suggest.Alternate{{ItemID: "vpn", Text: "vpn: keeps dropping #2", Count: 2}}
	gaps := suggest.Gaps([]tickets.Question{
		q("order a monitor?", tickets.OutcomeUnanswered, ""),
		q("order monitor", tickets.OutcomeUnanswered, ""),
	}, 0, 0)
	out, err := suggest.YAML("it", alts, gaps)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Alternates []struct {
			ID         string   `yaml:"id"`
			Alternates []string `yaml:"alternates"`
		} `yaml:"alternates"`
		Items []config.Item `yaml:"items"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(doc.Alternates) != 1 || doc.Alternates[0].ID != "vpn" || doc.Alternates[0].Alternates[0] != "vpn: keeps dropping #2" {
		t.Errorf("alternates %+v\n%s", doc.Alternates, out)
	}
	if len(doc.Items) != 1 || doc.Items[0].Question != "order a monitor?" || len(doc.Items[0].Alternates) != 1 {
		t.Errorf("items %+v\n%s", doc.Items, out)
	}
}
