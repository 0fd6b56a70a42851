package bot_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// racingStates is a state store with another writer on it (a second
// replica, a web tab): just before the engine saves a conversation in a
// step it has not saved it in before, the other writer saves that
// conversation, so the engine's save meets a conflict and must decide again.
type racingStates struct {
	tickets.Store // the state methods of it are the ones that race
	mu            sync.Mutex
	seen          map[string]bool // key + step already raced
	races         int
}

func (r *racingStates) PutState(ctx context.Context, key string, data []byte, version int64) (int64, error) {
	var st bot.State
	if err := json.Unmarshal(data, &st); err != nil {
		return 0, err
	}
	r.mu.Lock()
	race := !r.seen[key+"/"+string(st.Step)]
	r.seen[key+"/"+string(st.Step)] = true
	r.mu.Unlock()
	if race {
		cur, v, err := r.Store.GetState(ctx, key)
		if errs.Code(err) == errs.ENOTFOUND {
			cur, v, err = []byte(`{}`), 0, nil
		}
		if err != nil {
			return 0, err
		}
		if _, err := r.Store.PutState(ctx, key, cur, v); err != nil {
			return 0, err
		}
		r.mu.Lock()
		r.races++
		r.mu.Unlock()
	}
	return r.Store.PutState(ctx, key, data, version)
}

func (r *racingStates) raced() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.races
}

// seesEachOnce fails if a person sees any message twice in a chat.
func seesEachOnce(t *testing.T, p *bottest.Platform, chat, viewer string) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range p.Messages(chat, viewer) {
		r := bottest.Render(s.Msg)
		if seen[r] {
			t.Errorf("%s sees this twice in %s:\n%s", viewer, chat, r)
		}
		seen[r] = true
	}
}

func count(p *bottest.Platform, chat, viewer, text string) int {
	n := 0
	for _, s := range p.Messages(chat, viewer) {
		if strings.Contains(bottest.Render(s.Msg), text) {
			n++
		}
	}
	return n
}

// TestConflictSendsNothingTwice: the engine's states are kept by a store on
// which another writer saves first at every new step; the user still sees
// each answer, form question and ticket notice once, and one ticket opens.
func TestConflictSendsNothingTwice(t *testing.T) {
	ctx := context.Background()
	r := newReplicas(t)
	set, err := faq.BuildSet(r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	st, platform := r.store, r.platform
	states := &racingStates{Store: st, seen: map[string]bool{}}
	e, err := bot.New(bot.Options{Store: st, States: states, Runtime: &bot.Runtime{Config: r.cfg, FAQ: set},
		Platforms: []bot.Platform{platform}, Now: r.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	carl := bot.User{ID: "carl", Name: "Carl"}
	dm := bot.Chat{ID: bottest.DMChat("carl"), Kind: bot.ChatDirect}
	say := func(id, text string) {
		t.Helper()
		if err := e.Handle(ctx, bot.Event{ID: id, Platform: "web", Kind: bot.EventMessage, User: carl, Chat: dm, Text: text}); err != nil {
			t.Fatalf("say %q: %v", text, err)
		}
	}
	press := func(id, label string) {
		t.Helper()
		msgs := platform.Messages(dm.ID, "carl")
		for i := len(msgs) - 1; i >= 0; i-- {
			for _, b := range msgs[i].Msg.Buttons {
				if b.Label == label {
					if err := e.Handle(ctx, bot.Event{ID: id, Platform: "web", Kind: bot.EventAction, User: carl, Chat: dm,
						Action: bot.Action{ID: b.ID, Value: b.Value, Message: msgs[i].Ref}}); err != nil {
						t.Fatalf("press %q: %v", label, err)
					}
					return
				}
			}
		}
		t.Fatalf("no button %q", label)
	}

	say("e1", "VPN does not connect")
	press("e2", "No")
	press("e3", "Talk to an agent")
	press("e4", "VPN")
	say("e5", "It drops every hour")
	press("e6", "Skip")

	if states.raced() < 5 {
		t.Fatalf("only %d saves met a conflict; the test should race each step", states.raced())
	}
	for text, want := range map[string]int{
		"GlobalProtect":                1,
		"**1/3** Which system?":        1,
		"**2/3** What happened?":       1,
		"**3/3** Phone number":         1,
		"I've opened ticket **IT-1**":  1,
		"**Ada** will help you with":   1,
		"Would you like to talk to an": 1,
	} {
		if got := count(platform, dm.ID, "carl", text); got != want {
			t.Errorf("carl sees %q %d times, want %d", text, got, want)
		}
	}
	seesEachOnce(t, platform, dm.ID, "carl")
	seesEachOnce(t, platform, bottest.DMChat("ada"), "ada")
	if n := count(platform, bottest.DMChat("ada"), "ada", "# IT-1"); n != 1 {
		t.Errorf("Ada got %d cards of IT-1, want 1", n)
	}
	ts, err := st.List(ctx, tickets.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 {
		t.Fatalf("%d tickets, want 1", len(ts))
	}
}

// TestConflictsThroughTheWholeJourney plays the journey to the rating on the
// harness while another writer races every new step of every conversation,
// the rating prompt after End Service included.
func TestConflictsThroughTheWholeJourney(t *testing.T) {
	h := bottest.New(t, testConfig)
	var states *racingStates
	h.Wrap = func(s tickets.Store) tickets.Store {
		states = &racingStates{Store: s, seen: map[string]bool{}}
		return states
	}
	h.Restart()
	carl := h.Person("carl", "Carl Example")
	ada := h.Person("ada", "Ada")

	carl.Say("VPN does not connect")
	carl.Press("No")
	carl.Press("Talk to an agent")
	carl.Press("VPN")
	carl.Say("It drops every hour since Monday")
	carl.Press("Skip")
	mustSee(t, carl, "I've opened ticket **IT-1** for you: VPN does not connect")
	ada.Press("Start Chat")
	g := carl.Group()
	carl.SayIn(g.ID, "Hi Ada")
	ada.PressIn(g.ID, "End Service")
	mustSee(t, carl, "**IT-1** is resolved. How would you rate")
	if n := count(h.Platform, carl.DM(), "carl", "How would you rate"); n != 1 {
		t.Errorf("carl got the rating prompt %d times, want 1", n)
	}
	carl.Press("★★★★☆")
	carl.Press("Fast")
	carl.Say("Quick and friendly")
	mustSee(t, carl, "Thanks for your feedback!")

	if states.raced() < 6 {
		t.Fatalf("only %d saves met a conflict; the test should race each step", states.raced())
	}
	seesEachOnce(t, h.Platform, carl.DM(), "carl")
	seesEachOnce(t, h.Platform, ada.DM(), "ada")
	seesEachOnce(t, h.Platform, g.ID, "carl")
	tk := h.Ticket("IT-1")
	if tk.Evaluation == nil || tk.Evaluation.Rating != 4 || tk.Evaluation.Comment != "Quick and friendly" {
		t.Fatalf("evaluation = %+v", tk.Evaluation)
	}
	if n := len(h.Tickets()); n != 1 {
		t.Fatalf("%d tickets, want 1", n)
	}
}
