package bot_test

import (
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot/bottest"
)

// A button whose moment has passed, pressed late, does nothing but say so
// in private, and the message loses its controls (on platforms that can
// take them off: bot.ButtonRetirer).
func TestLatePressOfAFormPromptRetiresItsButtons(t *testing.T) {
	h := bottest.New(t, testConfig, bottest.WithForms())
	carl := h.Person("carl", "Carl")
	carl.Say("VPN does not connect")
	carl.Press("No")
	carl.Press("Talk to an agent")
	carl.Submit(map[string]string{"system": "VPN", "details": "It drops"})
	mustSee(t, carl, "I've opened ticket **IT-1**")
	forms := len(h.Platform.OpenedForms())
	carl.Press("Open the form again")
	if n := len(h.Platform.OpenedForms()); n != forms {
		t.Fatalf("a late press opened the form again (%d forms)", n)
	}
	var prompt *bottest.Sent
	for _, s := range h.Platform.Messages(carl.DM(), carl.ID) {
		if strings.Contains(s.Msg.Text, "Access request") && s.Private == "" {
			prompt = &s
		}
	}
	if prompt == nil || len(prompt.Msg.Buttons) != 0 || !strings.Contains(prompt.Msg.Text, "_That button is no longer active._") {
		t.Fatalf("the form prompt after a late press: %+v", prompt)
	}
	last := h.Platform.Messages(carl.DM(), carl.ID)
	if l := last[len(last)-1]; l.Private != carl.ID || l.Msg.Text != "That button is no longer active." {
		t.Fatalf("no private refusal: %+v", l)
	}
}

// The End Service of a closed room, pressed after a reopen, ends nothing
// and loses its button.
func TestClosedRoomsEndServiceRetired(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, agent := resolved(t, h)
	old := carl.Group().ID
	carl.Press("Reopen")
	agent.PressIn(old, "End Service")
	if st := h.Ticket("IT-1").Status; st == "resolved" {
		t.Fatal("the closed room's End Service ended the reopened ticket")
	}
	for _, s := range h.Platform.Messages(old, agent.ID) {
		for _, b := range s.Msg.Buttons {
			if b.Label == "End Service" {
				t.Fatal("the closed room's End Service is still live")
			}
		}
	}
}
