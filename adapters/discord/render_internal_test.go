package discord

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/helpdesk-chat/helpdesk/bot"
)

func embedTotal(e *discordgo.MessageEmbed) int {
	n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
	for _, f := range e.Fields {
		n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	return n
}

// A card over Discord's 6,000 characters of embeds (six 900-character form
// answers, a 2,000-character one, "Bot suggested" and "Earlier tickets") goes
// out as several cards, each within every embed limit, with every answer
// whole and the buttons only on the last, which holds the status.
func TestPartsSplitABigCardWhole(t *testing.T) {
	a := &Adapter{}
	card := bot.Message{Title: "IT-7 · " + strings.Repeat("s", 120), Text: "Assigned to Ada. Press **Start Chat** to open a chat with the requester.",
		Buttons: []bot.Button{{ID: "start", Label: "Start Chat", Value: "7"}}}
	card.Fields = append(card.Fields, bot.Field{Label: "Requester", Value: "Ann"}, bot.Field{Label: "Priority", Value: "high"})
	for i := range 6 {
		card.Fields = append(card.Fields, bot.Field{Label: "Answer " + string(rune('A'+i)), Value: strings.Repeat(string(rune('a'+i)), 900)})
	}
	card.Fields = append(card.Fields, bot.Field{Label: "Long answer", Value: strings.Repeat("word ", 400)},
		bot.Field{Label: "Bot suggested", Value: strings.Repeat("q", 300)}, bot.Field{Label: "Earlier tickets", Value: strings.Repeat("t", 200)})

	ps := parts(card)
	if len(ps) < 2 {
		t.Fatalf("a card of more than 6,000 characters went out as %d message", len(ps))
	}
	var all strings.Builder
	for i, p := range ps {
		_, embeds, comps := a.render(p, "")
		if len(embeds) != 1 {
			t.Fatalf("part %d has %d embeds", i, len(embeds))
		}
		e := embeds[0]
		if got := embedTotal(e); got > maxEmbedsTotal || len(e.Fields) > maxEmbedFields || utf8.RuneCountInString(e.Description) > maxEmbedDesc {
			t.Fatalf("part %d: %d characters, %d fields", i, got, len(e.Fields))
		}
		for _, f := range e.Fields {
			if utf8.RuneCountInString(f.Value) > maxFieldValue || strings.HasSuffix(f.Value, "…") {
				t.Fatalf("part %d: field %q of %d characters, or cut", i, f.Name, utf8.RuneCountInString(f.Value))
			}
			all.WriteString(f.Value)
		}
		if last := i == len(ps)-1; last != (len(comps) > 0) || last != strings.Contains(e.Description, "Start Chat") {
			t.Errorf("part %d of %d: %d component rows, description %q; want the status and buttons on the last only", i+1, len(ps), len(comps), e.Description)
		}
	}
	for _, f := range card.Fields {
		if !strings.Contains(all.String(), strings.TrimSpace(f.Value)) && !strings.Contains(strings.Join(strings.Fields(all.String()), " "), strings.TrimSpace(f.Value)) {
			t.Errorf("the value of %q did not arrive whole", f.Label)
		}
	}

	small := bot.Message{Title: "IT-8", Fields: []bot.Field{{Label: "a", Value: "b"}}}
	if ps := parts(small); len(ps) != 1 || ps[0].Title != "IT-8" {
		t.Errorf("a small card was changed: %+v", ps)
	}
}
