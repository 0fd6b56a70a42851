package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

type step struct {
	name string
	do   func(h *bottest.Harness)
}

// journey is the whole help-desk journey as separate steps.
func journey() []step {
	carl := func(h *bottest.Harness) *bottest.Person { return h.Person("carl", "Carl") }
	ada := func(h *bottest.Harness) *bottest.Person { return h.Person("ada", "Ada") }
	return []step{
		{"ask", func(h *bottest.Harness) { carl(h).Say("VPN does not connect") }},
		{"not helpful", func(h *bottest.Harness) { carl(h).Press("No") }},
		{"talk to agent", func(h *bottest.Harness) { carl(h).Press("Talk to an agent") }},
		{"form system", func(h *bottest.Harness) { carl(h).Press("VPN") }},
		{"form details", func(h *bottest.Harness) { carl(h).Say("drops every hour") }},
		{"form skip phone", func(h *bottest.Harness) { carl(h).Press("Skip") }},
		{"start chat", func(h *bottest.Harness) { ada(h).Press("Start Chat") }},
		{"user writes", func(h *bottest.Harness) { c := carl(h); c.SayIn(c.Group().ID, "it dropped again") }},
		{"agent writes", func(h *bottest.Harness) { c := carl(h); ada(h).SayIn(c.Group().ID, "update GlobalProtect") }},
		{"end service", func(h *bottest.Harness) { c := carl(h); ada(h).PressIn(c.Group().ID, "End Service") }},
		{"rate", func(h *bottest.Harness) { carl(h).Press("★★★★☆") }},
		{"comment", func(h *bottest.Harness) { carl(h).Say("fixed, thanks") }},
	}
}

func checkJourneyDone(t *testing.T, h *bottest.Harness) {
	t.Helper()
	ts := h.Tickets()
	if len(ts) != 1 {
		t.Fatalf("want exactly one ticket, got %d", len(ts))
	}
	tk := ts[0]
	if tk.Key != "IT-1" || tk.Status != tickets.StatusResolved || tk.Assignee != "Ada" {
		t.Fatalf("ticket %s %s %s", tk.Key, tk.Status, tk.Assignee)
	}
	if tk.Evaluation == nil || tk.Evaluation.Rating != 4 || tk.Evaluation.Comment != "fixed, thanks" {
		t.Fatalf("evaluation %+v", tk.Evaluation)
	}
	msgs, err := h.Store.Messages(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Text != "it dropped again" || msgs[1].Text != "update GlobalProtect" {
		t.Fatalf("transcript %+v", msgs)
	}
	carl := h.Person("carl", "Carl")
	if strings.Count(h.Transcript(carl.DM(), "carl"), "I've opened ticket") != 1 {
		t.Fatal("the user should be told about the ticket exactly once")
	}
}

// TestRestartBetweenSteps stops the engine between each pair of steps of the
// journey (one restart per run, and once after every step) and finishes it.
func TestRestartBetweenSteps(t *testing.T) {
	steps := journey()
	for k := 0; k < len(steps)-1; k++ {
		t.Run(fmt.Sprintf("after %s", steps[k].name), func(t *testing.T) {
			h := bottest.New(t, testConfig)
			for i, s := range steps {
				s.do(h)
				if i == k {
					h.Restart()
				}
			}
			checkJourneyDone(t, h)
		})
	}
	t.Run("after every step", func(t *testing.T) {
		h := bottest.New(t, testConfig)
		for _, s := range steps {
			s.do(h)
			h.Restart()
		}
		checkJourneyDone(t, h)
	})
}

// crashAfterCreate stands for a process that dies right after the ticket
// row is committed, before anything else is written or sent.
type crashAfterCreate struct {
	tickets.Store
}

var errCrash = errors.New("process killed")

func (c crashAfterCreate) Create(ctx context.Context, t *tickets.Ticket, prefix string, ev tickets.Event) (*tickets.Ticket, bool, error) {
	if _, _, err := c.Store.Create(ctx, t, prefix, ev); err != nil {
		return nil, false, err
	}
	return nil, false, errCrash
}

func TestCrashWhileOpeningTicketNeitherLosesNorDuplicates(t *testing.T) {
	h := bottest.New(t, testConfig)
	carl := h.Person("carl", "Carl")
	steps := journey()
	for _, s := range steps[:5] {
		s.do(h)
	}
	h.Wrap = func(s tickets.Store) tickets.Store { return crashAfterCreate{s} }
	h.Restart()
	last := h.Platform.Messages(carl.DM(), "carl")
	var skip bot.Button
	for _, b := range last[len(last)-1].Msg.Buttons {
		if b.Label == "Skip" {
			skip = b
		}
	}
	ev := bot.Event{ID: "skip-1", Platform: "web", Kind: bot.EventAction, User: bot.User{ID: "carl", Name: "Carl"},
		Chat: bot.Chat{ID: carl.DM(), Kind: bot.ChatDirect}, Action: bot.Action{ID: skip.ID, Value: skip.Value}}
	if err := h.Engine.Handle(context.Background(), ev); !errors.Is(err, errCrash) {
		t.Fatalf("want the simulated crash, got %v", err)
	}
	h.Wrap = nil
	h.Restart()
	// The platform redelivers the event: the failed attempt released its
	// claim, so it is handled again, and the write-ahead state and the
	// ticket's request key keep it one ticket.
	if err := h.Engine.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	carl.Say("hello?")
	mustSee(t, carl, "I've opened ticket **IT-1**")
	for _, s := range steps[6:] {
		s.do(h)
	}
	checkJourneyDone(t, h)
}
