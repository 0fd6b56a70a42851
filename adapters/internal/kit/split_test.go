package kit_test

import (
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
	"github.com/helpdesk-chat/helpdesk/bot"
)

func TestSplitMessageKeepsControlsOnTheLast(t *testing.T) {
	text := strings.Repeat("Restart the VPN client and sign in again. ", 120) // 5,040 characters
	m := bot.Message{Title: "VPN", Text: text, Buttons: []bot.Button{{ID: "yes", Label: "Yes"}, {ID: "no", Label: "No"}}}
	parts := kit.SplitMessage(m, 2000, nil)
	if len(parts) != 3 {
		t.Fatalf("want 3 messages, got %d", len(parts))
	}
	var joined []string
	for i, p := range parts {
		if n := len([]rune(p.Text)); n > 2000 {
			t.Errorf("message %d has %d characters", i, n)
		}
		if (len(p.Buttons) > 0) != (i == len(parts)-1) {
			t.Errorf("message %d has %d buttons; only the last should have them", i, len(p.Buttons))
		}
		joined = append(joined, p.Text)
	}
	if parts[0].Title != "VPN" {
		t.Errorf("the first message lost the title")
	}
	if strings.Join(strings.Fields(strings.Join(joined, " ")), " ") != strings.Join(strings.Fields(text), " ") {
		t.Errorf("the messages together are not the text")
	}
	if short := kit.SplitMessage(bot.Message{Text: "hi"}, 2000, nil); len(short) != 1 || short[0].Text != "hi" {
		t.Errorf("a short message changed: %+v", short)
	}
}
