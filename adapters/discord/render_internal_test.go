package discord

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

func embedTotal(e *discordgo.MessageEmbed) int {
	n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
	for _, f := range e.Fields {
		n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	return n
}

func TestFitEmbedKeepsACardUnderTheTotal(t *testing.T) {
	e := &discordgo.MessageEmbed{Title: "IT-7 · Laptop", Description: strings.Repeat("d", 300)}
	for i := 0; i < 7; i++ {
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: "Answer", Value: strings.Repeat("v", 1000)})
	}
	e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: "Priority", Value: "high"})
	if !fitEmbed(e) {
		t.Fatal("a 7,300-character card was not shortened")
	}
	if got := embedTotal(e); got > maxEmbedsTotal {
		t.Fatalf("card of %d characters after fitEmbed, want at most %d", got, maxEmbedsTotal)
	}
	if e.Fields[len(e.Fields)-1].Value != "high" || e.Description != strings.Repeat("d", 300) {
		t.Errorf("short values and the description must stay whole")
	}
	small := &discordgo.MessageEmbed{Title: "IT-8", Fields: []*discordgo.MessageEmbedField{{Name: "a", Value: "b"}}}
	if fitEmbed(small) {
		t.Errorf("a small card was changed")
	}
}
