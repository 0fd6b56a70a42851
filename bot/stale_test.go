package bot_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// live returns the messages in chat that viewer sees with a live control
// whose action id is one of ids.
func live(h *bottest.Harness, chat, viewer string, ids ...string) []bottest.Sent {
	var out []bottest.Sent
	for _, s := range h.Platform.Messages(chat, viewer) {
		if slices.ContainsFunc(s.Msg.Buttons, func(b bot.Button) bool { return slices.Contains(ids, b.ID) }) {
			out = append(out, s)
		}
	}
	return out
}

var errRateLimited = errors.New("rate limited")

var (
	formIDs   = []string{"form.open", "form.cancel", "form.option", "form.skip"}
	ratingIDs = []string{"rate", "reason", "comment", "comment.skip", "reopen"}
)

// sentWith returns the newest message in the DM whose text has text.
func sentWith(t *testing.T, h *bottest.Harness, p *bottest.Person, text string) bottest.Sent {
	t.Helper()
	ms := h.Platform.Messages(p.DM(), p.ID)
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Private == "" && strings.Contains(ms[i].Msg.Text, text) {
			return ms[i]
		}
	}
	t.Fatalf("no message with %q", text)
	return bottest.Sent{}
}

// The form prompt goes stale once the form is sent: its controls go at
// once; a late press from a client still showing them does nothing but
// say so in private.
func TestFormPromptRetiredOnceTheFormIsSent(t *testing.T) {
	h := bottest.New(t, testConfig, bottest.WithForms())
	carl := h.Person("carl", "Carl")
	carl.Say("VPN does not connect")
	carl.Press("No")
	carl.Press("Talk to an agent")
	if len(live(h, carl.DM(), carl.ID, formIDs...)) != 1 {
		t.Fatal("no live form prompt while the form is open")
	}
	carl.Submit(map[string]string{"system": "VPN", "details": "It drops"})
	mustSee(t, carl, "I've opened ticket **IT-1**")
	prompt := sentWith(t, h, carl, "Access request")
	if len(prompt.Msg.Buttons) != 0 || !strings.Contains(prompt.Msg.Text, "_That button is no longer active._") {
		t.Fatalf("the form prompt after the form was sent: %+v", prompt.Msg)
	}
	forms := len(h.Platform.OpenedForms())
	carl.PressOn(prompt, "form.open", "")
	if n := len(h.Platform.OpenedForms()); n != forms {
		t.Fatalf("a late press opened the form again (%d forms)", n)
	}
	last := h.Platform.Messages(carl.DM(), carl.ID)
	if l := last[len(last)-1]; l.Private != carl.ID || l.Msg.Text != "That button is no longer active." {
		t.Fatalf("no private refusal: %+v", l)
	}
}

// Cancel retires the form prompt; asked field by field, every field's
// question loses its controls once the form is done.
func TestFormPromptRetiredOnCancelAndInChat(t *testing.T) {
	t.Run("cancel", func(t *testing.T) {
		h := bottest.New(t, testConfig, bottest.WithForms())
		carl := h.Person("carl", "Carl")
		carl.Say("VPN does not connect")
		carl.Press("No")
		carl.Press("Talk to an agent")
		carl.Press("Cancel")
		if l := live(h, carl.DM(), carl.ID, formIDs...); len(l) != 0 {
			t.Fatalf("live form prompts after Cancel: %+v", l)
		}
	})
	t.Run("in chat", func(t *testing.T) {
		h := bottest.New(t, testConfig)
		carl := h.Person("carl", "Carl")
		carl.Say("VPN does not connect")
		carl.Press("No")
		carl.Press("Talk to an agent")
		carl.Press("VPN")
		carl.Say("It drops")
		if len(live(h, carl.DM(), carl.ID, formIDs...)) == 0 {
			t.Fatal("no live field question while the form is filled")
		}
		carl.Press("Skip")
		mustSee(t, carl, "I've opened ticket **IT-1**")
		if l := live(h, carl.DM(), carl.ID, formIDs...); len(l) != 0 {
			t.Fatalf("live field questions after the ticket opened: %+v", l)
		}
	})
}

// The reasons and Skip of the comment prompt go once a comment is typed.
func TestCommentPromptRetiredByATypedComment(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, _ := resolved(t, h)
	carl.Press("★★★★☆")
	carl.Press("Add a comment")
	carl.Say("Quick and kind")
	mustSee(t, carl, "Thank")
	if l := live(h, carl.DM(), carl.ID, "reason", "comment", "comment.skip"); len(l) != 0 {
		t.Fatalf("the comment prompt is still live: %+v", l)
	}
	// The rated prompt keeps its way back.
	if l := live(h, carl.DM(), carl.ID, "reopen"); len(l) != 1 {
		t.Fatalf("%d live Reopen buttons, want the rated prompt's", len(l))
	}
}

// However the ticket is reopened, its rating prompts go at once; after a
// later End Service the new rating prompt is the only live one.
func TestRatingPromptRetiredOnReopen(t *testing.T) {
	agentActor := tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: "ada", Name: "Ada"}
	paths := []struct {
		name   string
		reopen func(h *bottest.Harness, carl, agent *bottest.Person)
	}{
		{"employee's Reopen", func(h *bottest.Harness, carl, agent *bottest.Person) { carl.Press("Reopen") }},
		{"agent's /helpdesk reopen", func(h *bottest.Harness, carl, agent *bottest.Person) {
			agent.Command("reopen IT-1 it came back")
			mustSee(t, agent, "IT-1 is reopened")
		}},
		{"Ticket Center", func(h *bottest.Harness, carl, agent *bottest.Person) {
			if _, err := h.Engine.Reopen(context.Background(), h.Ticket("IT-1").ID, "it came back", agentActor, tickets.SourceWeb); err != nil {
				t.Fatal(err)
			}
		}},
		{"JSON API", func(h *bottest.Harness, carl, agent *bottest.Person) {
			if _, err := h.Engine.Reopen(context.Background(), h.Ticket("IT-1").ID, "", agentActor, tickets.SourceAPI); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range paths {
		t.Run(tc.name, func(t *testing.T) {
			h := bottest.New(t, testConfig)
			carl, agent := resolved(t, h)
			carl.Press("★★★★☆") // the rated prompt keeps Reopen, the comment prompt is live
			if len(live(h, carl.DM(), carl.ID, ratingIDs...)) != 2 {
				t.Fatalf("want the rated and the comment prompt live:\n%s", h.Transcript(carl.DM(), carl.ID))
			}
			tc.reopen(h, carl, agent)
			if st := h.Ticket("IT-1").Status; st == tickets.StatusResolved {
				t.Fatal("not reopened")
			}
			if l := live(h, carl.DM(), carl.ID, ratingIDs...); len(l) != 0 {
				t.Fatalf("rating prompts still live after the reopen: %+v", l)
			}
			agent.Press("Start Chat")
			agent.PressIn(h.Platform.Groups("carl")[1].ID, "End Service")
			l := live(h, carl.DM(), carl.ID, ratingIDs...)
			if len(l) != 1 || !strings.Contains(l[0].Msg.Text, "How would you rate") {
				t.Fatalf("after the second End Service, live prompts: %+v", l)
			}
		})
	}
}

// A room's End Service goes when the room closes, before it is archived.
func TestRoomsEndServiceRetiredWhenItCloses(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, agent := resolved(t, h)
	old := carl.Group().ID
	if l := live(h, old, agent.ID, "end"); len(l) != 0 {
		t.Fatalf("the closed room's End Service is live: %+v", l)
	}
	if !strings.Contains(h.Transcript(old, agent.ID), "_That button is no longer active._") {
		t.Fatalf("the summary does not say why:\n%s", h.Transcript(old, agent.ID))
	}
}

// A retire the platform cannot take now waits in the delivery queue and
// goes at the next tick.
func TestRetireRetriedFromTheQueue(t *testing.T) {
	h := bottest.New(t, testConfig, bottest.WithForms())
	h.Platform.RefuseRetire = func(bot.MessageRef) error { return bot.Temporary(errRateLimited, 0) }
	carl := h.Person("carl", "Carl")
	carl.Say("VPN does not connect")
	carl.Press("No")
	carl.Press("Talk to an agent")
	carl.Submit(map[string]string{"system": "VPN", "details": "It drops"})
	if len(live(h, carl.DM(), carl.ID, formIDs...)) != 1 {
		t.Fatal("the retire should have failed this time")
	}
	h.Platform.RefuseRetire = nil
	h.Tick(time.Minute)
	if l := live(h, carl.DM(), carl.ID, formIDs...); len(l) != 0 {
		t.Fatalf("the queued retire did not go: %+v", l)
	}
}

// A prompt whose send waited in the queue is kept once sent, and retired
// when its moment passes.
func TestQueuedPromptKeptOnceSent(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl, agent := resolved(t, h)
	failed := false
	h.Platform.Refuse = func(chat string, msg bot.Message) error {
		if !failed && strings.Contains(msg.Text, "Anything you'd like to add?") {
			failed = true
			return bot.Temporary(errRateLimited, 0)
		}
		return nil
	}
	carl.Press("★★★★☆")
	if !failed || carl.Sees("Anything you'd like to add?") {
		t.Fatal("the comment prompt should have waited in the queue")
	}
	h.Tick(time.Minute)
	mustSee(t, carl, "Anything you'd like to add?")
	agent.Command("reopen IT-1")
	if l := live(h, carl.DM(), carl.ID, ratingIDs...); len(l) != 0 {
		t.Fatalf("rating prompts still live after the reopen: %+v", l)
	}
}
