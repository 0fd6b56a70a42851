package suggest

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// YAML renders a desk's suggestions as YAML an admin can paste into the
// FAQ file: for each item, the alternates to add; for each gap, a draft
// item whose question is the most asked wording and whose alternates are
// the others. Counts and outcomes are comments.
func YAML(desk string, alts []Alternate, gaps []Gap) ([]byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# desk %s\n", desk)
	b.WriteString("# Suggested alternates: phrasings that led users to a helpful answer through \"Did you mean\".\n")
	b.WriteString("# Add them to the alternates of each item.\n")
	if len(alts) == 0 {
		b.WriteString("alternates: []\n")
	} else {
		b.WriteString("alternates:\n")
		byItem := map[string][]Alternate{}
		var ids []string
		for _, a := range alts {
			if _, ok := byItem[a.ItemID]; !ok {
				ids = append(ids, a.ItemID)
			}
			byItem[a.ItemID] = append(byItem[a.ItemID], a)
		}
		sort.Strings(ids)
		for _, id := range ids {
			fmt.Fprintf(&b, "  - id: %s\n    alternates:\n", scalar(id))
			for _, a := range byItem[id] {
				fmt.Fprintf(&b, "      - %s  # asked %d×\n", scalar(a.Text), a.Count)
			}
		}
	}
	b.WriteString("# Questions the FAQ did not answer (unanswered, not helpful, escalated), similar ones grouped,\n")
	b.WriteString("# most asked first. Each is a draft item: fill in id, answer, and move it into a category.\n")
	if len(gaps) == 0 {
		b.WriteString("items: []\n")
	} else {
		b.WriteString("items:\n")
		for _, g := range gaps {
			fmt.Fprintf(&b, "  # asked %d× (%s)", g.Count, outcomes(g))
			if g.ItemID != "" {
				fmt.Fprintf(&b, "; the bot offered %s", g.ItemID)
			}
			if g.Language != "" {
				fmt.Fprintf(&b, "; language %s", g.Language)
			}
			b.WriteString("\n")
			fmt.Fprintf(&b, "  - id: \"\"\n    question: %s\n", scalar(g.Phrasings[0].Text))
			if len(g.Phrasings) > 1 {
				b.WriteString("    alternates:\n")
				for _, p := range g.Phrasings[1:] {
					fmt.Fprintf(&b, "      - %s  # asked %d×\n", scalar(p.Text), p.Count)
				}
			}
			b.WriteString("    answer: \"\"\n")
		}
	}
	out := []byte(b.String())
	var check any
	if err := yaml.Unmarshal(out, &check); err != nil {
		return nil, fmt.Errorf("suggestions yaml: %w", err)
	}
	return out, nil
}

func outcomes(g Gap) string {
	keys := make([]string, 0, len(g.Outcomes))
	for o := range g.Outcomes {
		keys = append(keys, string(o))
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, g.Outcomes[tickets.Outcome(k)])
	}
	return strings.Join(parts, ", ")
}

// scalar quotes s as a one-line YAML string when it needs quoting.
func scalar(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	out, err := yaml.Marshal(s)
	if err != nil || strings.Contains(strings.TrimSpace(string(out)), "\n") {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSpace(string(out))
}
