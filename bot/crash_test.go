package bot_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/bot/bottest"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres/pgtest"
)

// dying counts the writes of one process, to the store and to the chat
// platform, and dies after the first limit of them: from then on every
// write and send fails, as in a process killed with kill -9 (what a dead
// process would still read changes nothing). limit < 0: never dies; the
// writes are still counted.
type dying struct {
	mu     sync.Mutex
	limit  int
	writes []string
}

var errKilled = errors.New("process killed")

func (d *dying) write(what string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.limit >= 0 && len(d.writes) >= d.limit {
		return errKilled
	}
	d.writes = append(d.writes, what)
	return nil
}

func (d *dying) dead() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.limit >= 0 && len(d.writes) >= d.limit
}

type dyingStore struct {
	tickets.Store
	d *dying
}

func (s dyingStore) Create(ctx context.Context, t *tickets.Ticket, prefix string, ev tickets.Event) (*tickets.Ticket, bool, error) {
	if err := s.d.write("create ticket"); err != nil {
		return nil, false, err
	}
	return s.Store.Create(ctx, t, prefix, ev)
}

func (s dyingStore) Update(ctx context.Context, id int64, fn func(t *tickets.Ticket) (*tickets.Change, error)) (*tickets.Ticket, error) {
	if err := s.d.write("update ticket"); err != nil {
		return nil, err
	}
	return s.Store.Update(ctx, id, fn)
}

func (s dyingStore) Erase(ctx context.Context, id int64, fn func(t *tickets.Ticket) (*tickets.Change, error)) (*tickets.Ticket, error) {
	if err := s.d.write("erase ticket"); err != nil {
		return nil, err
	}
	return s.Store.Erase(ctx, id, fn)
}

func (s dyingStore) PutState(ctx context.Context, key string, data []byte, version int64) (int64, error) {
	if err := s.d.write("put state " + stepOf(data)); err != nil {
		return 0, err
	}
	return s.Store.PutState(ctx, key, data, version)
}

func stepOf(data []byte) string {
	s := string(data)
	if i := strings.Index(s, `"step":"`); i >= 0 {
		s = s[i+8:]
		return s[:strings.IndexByte(s, '"')]
	}
	return ""
}

func (s dyingStore) PutCheckpoint(ctx context.Context, name string, value []byte, version int64) (int64, error) {
	if err := s.d.write("put checkpoint " + name); err != nil {
		return 0, err
	}
	return s.Store.PutCheckpoint(ctx, name, value, version)
}

func (s dyingStore) ClaimEvent(ctx context.Context, key, owner string, now, leaseUntil time.Time) (tickets.Claim, error) {
	if err := s.d.write("claim event"); err != nil {
		return 0, err
	}
	return s.Store.ClaimEvent(ctx, key, owner, now, leaseUntil)
}

func (s dyingStore) FinishEvent(ctx context.Context, key, owner string, at time.Time) error {
	if err := s.d.write("finish event"); err != nil {
		return err
	}
	return s.Store.FinishEvent(ctx, key, owner, at)
}

func (s dyingStore) ReleaseEvent(ctx context.Context, key, owner string) error {
	if err := s.d.write("release event"); err != nil {
		return err
	}
	return s.Store.ReleaseEvent(ctx, key, owner)
}

func (s dyingStore) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	if err := s.d.write("prune events"); err != nil {
		return 0, err
	}
	return s.Store.PruneEvents(ctx, before)
}

func (s dyingStore) RecordQuestion(ctx context.Context, q *tickets.Question) (int64, error) {
	if err := s.d.write("record question"); err != nil {
		return 0, err
	}
	return s.Store.RecordQuestion(ctx, q)
}

func (s dyingStore) SetQuestionOutcome(ctx context.Context, id int64, outcome tickets.Outcome, itemID string, ticketID int64) error {
	if err := s.d.write("question outcome"); err != nil {
		return err
	}
	return s.Store.SetQuestionOutcome(ctx, id, outcome, itemID, ticketID)
}

func (s dyingStore) SetPresence(ctx context.Context, agent, status string, at time.Time) error {
	if err := s.d.write("presence"); err != nil {
		return err
	}
	return s.Store.SetPresence(ctx, agent, status, at)
}

func (s dyingStore) SetDeskPresence(ctx context.Context, desk, status string, at time.Time) error {
	if err := s.d.write("desk presence"); err != nil {
		return err
	}
	return s.Store.SetDeskPresence(ctx, desk, status, at)
}

// ClusterLock keeps the PostgreSQL store's cross-replica lock (taking a
// lock is no write a crash can cut in two).
func (s dyingStore) ClusterLock(ctx context.Context, name string) (func(), error) {
	if l, ok := s.Store.(bot.ClusterLocker); ok {
		return l.ClusterLock(ctx, name)
	}
	return func() {}, nil
}

// dyingPlatform counts what the bot shows on the platform as writes too.
type dyingPlatform struct {
	bot.Platform
	d *dying
}

func (p dyingPlatform) Send(ctx context.Context, chat string, msg bot.Message) (bot.MessageRef, error) {
	if err := p.d.write("send to " + chat); err != nil {
		return bot.MessageRef{}, err
	}
	return p.Platform.Send(ctx, chat, msg)
}

func (p dyingPlatform) Update(ctx context.Context, ref bot.MessageRef, msg bot.Message) error {
	if err := p.d.write("update message"); err != nil {
		return err
	}
	return p.Platform.Update(ctx, ref, msg)
}

func (p dyingPlatform) SendPrivate(ctx context.Context, chat, user string, msg bot.Message) error {
	if err := p.d.write("send private"); err != nil {
		return err
	}
	return p.Platform.SendPrivate(ctx, chat, user, msg)
}

func (p dyingPlatform) OpenForm(ctx context.Context, trigger string, form bot.Form) error {
	if err := p.d.write("open form"); err != nil {
		return err
	}
	return p.Platform.OpenForm(ctx, trigger, form)
}

// submission is a way a form is submitted: the events before it (not cut
// short) and the event that submits it.
type submission struct {
	name   string
	opts   []bottest.Option
	before func(h *bottest.Harness)
	submit func(h *bottest.Harness) bot.Event
	want   []tickets.FormAnswer
}

func submissions() []submission {
	carl := func(h *bottest.Harness) *bottest.Person { return h.Person("carl", "Carl") }
	ask := func(h *bottest.Harness) {
		carl(h).Say("VPN does not connect")
		carl(h).Press("No")
		carl(h).Press("Talk to an agent")
	}
	return []submission{
		{
			name: "in chat",
			before: func(h *bottest.Harness) {
				ask(h)
				carl(h).Press("VPN")
				carl(h).Say("drops every hour")
			},
			submit: func(h *bottest.Harness) bot.Event {
				c := carl(h)
				var skip bot.Button
				for _, b := range c.Last().Buttons {
					if b.Label == "Skip" {
						skip = b
					}
				}
				return bot.Event{ID: "skip-1", Platform: "web", Kind: bot.EventAction, User: bot.User{ID: "carl", Name: "Carl"},
					Chat: bot.Chat{ID: c.DM(), Kind: bot.ChatDirect}, Action: bot.Action{ID: skip.ID, Value: skip.Value}}
			},
			want: []tickets.FormAnswer{
				{ID: "system", Label: "Which system?", Value: "VPN"},
				{ID: "details", Label: "What happened?", Value: "drops every hour"},
				{ID: "phone", Label: "Phone number", Value: ""},
			},
		},
		{
			name:   "as a dialog",
			opts:   []bottest.Option{bottest.WithForms()},
			before: ask,
			submit: func(h *bottest.Harness) bot.Event {
				c := carl(h)
				return bot.Event{ID: "form-1", Platform: "web", Kind: bot.EventForm, User: bot.User{ID: "carl", Name: "Carl"},
					Chat: bot.Chat{ID: c.DM(), Kind: bot.ChatDirect}, FormID: "ticket",
					Values: map[string]string{"system": "GitLab", "details": "cannot push", "phone": "+49 30 1234"}}
			},
			want: []tickets.FormAnswer{
				{ID: "system", Label: "Which system?", Value: "GitLab"},
				{ID: "details", Label: "What happened?", Value: "cannot push"},
				{ID: "phone", Label: "Phone number", Value: "+49 30 1234"},
			},
		},
	}
}

// crashRun is one run of a submission killed after limit writes.
type crashRun struct {
	writes []string // the writes done before the kill
	told   int      // how often the user was told about the ticket
}

// runCrash submits the form in an engine that dies after limit writes (never
// if limit < 0), restarts on the same store and lets the engine recover by
// itself: no user action, only the engine's start and its timers. It then
// asserts one ticket with the submitted answers, its card posted to the
// agent and the user told; the platform then redelivers the event (it was
// never acknowledged, or is delivered twice anyway), which changes nothing.
func runCrash(t *testing.T, sub submission, limit int, newHarness func(t *testing.T, opts ...bottest.Option) *bottest.Harness) crashRun {
	t.Helper()
	h := newHarness(t, sub.opts...)
	carl := h.Person("carl", "Carl")
	ada := h.Person("ada", "Ada")
	sub.before(h)
	ev := sub.submit(h)
	d := &dying{limit: limit}
	h.Wrap = func(s tickets.Store) tickets.Store { return dyingStore{s, d} }
	h.WrapPlatform = func(p bot.Platform) bot.Platform { return dyingPlatform{p, d} }
	h.Restart()
	d.mu.Lock()
	d.writes = nil // the writes of the start do not count
	d.mu.Unlock()
	err := h.Engine.Handle(context.Background(), ev)
	if limit < 0 && err != nil {
		t.Fatalf("submit: %v", err)
	}
	run := crashRun{writes: append([]string(nil), d.writes...)}
	if limit >= 0 && !d.dead() {
		t.Fatalf("the submission did fewer than %d writes", limit)
	}

	// The restart: the engine finishes what it can by itself; its timers
	// run (a lease later, a replica that was still working is presumed dead).
	h.Wrap, h.WrapPlatform = nil, nil
	h.Restart()
	h.Tick(bot.DefaultEventLease + time.Second)
	st, err := h.Engine.State(context.Background(), "web", "carl")
	if err != nil {
		t.Fatal(err)
	}
	ts := h.Tickets()
	if len(ts) == 0 {
		// Only a submission that was never saved may be without a ticket,
		// and then the user was not told anything: it is still being
		// filled in, with what they answered before kept.
		if st.Step != bot.StepForm {
			t.Fatalf("no ticket after the restart, and the conversation is %q (writes %q)", st.Step, run.writes)
		}
		if n := strings.Count(h.Transcript(carl.DM(), "carl"), "I've opened ticket"); n != 0 {
			t.Fatalf("told about a ticket that does not exist")
		}
		// The platform redelivers the event it never got an answer for.
		h.Deliver(ev)
		ts = h.Tickets()
	}
	check := func() {
		t.Helper()
		if len(ts) != 1 {
			t.Fatalf("want one ticket, got %d (writes before the kill %q)", len(ts), run.writes)
		}
		tk := ts[0]
		if fmt.Sprint(tk.Form) != fmt.Sprint(sub.want) {
			t.Fatalf("answers %+v, want %+v", tk.Form, sub.want)
		}
		if tk.Status != tickets.StatusAssigned || tk.Assignee != "Ada" || len(tk.Cards) == 0 {
			t.Fatalf("ticket %s %s %q, cards %+v: want assigned to Ada with the card posted", tk.Key, tk.Status, tk.Assignee, tk.Cards)
		}
		if !strings.Contains(h.Transcript(ada.DM(), "ada"), tk.Key) {
			t.Fatalf("Ada got no card for %s:\n%s", tk.Key, h.Transcript(ada.DM(), "ada"))
		}
		run.told = strings.Count(h.Transcript(carl.DM(), "carl"), "I've opened ticket **"+tk.Key+"**")
		if run.told == 0 {
			t.Fatalf("the user was not told about %s (writes before the kill %q):\n%s", tk.Key, run.writes, h.Transcript(carl.DM(), "carl"))
		}
		st, err := h.Engine.State(context.Background(), "web", "carl")
		if err != nil {
			t.Fatal(err)
		}
		if st.Step != bot.StepWaiting || st.Ticket != tk.ID {
			t.Fatalf("conversation %q for ticket %d, want waiting for %d", st.Step, st.Ticket, tk.ID)
		}
	}
	check()
	told := run.told
	h.Deliver(ev)
	h.Tick(bot.DefaultEventLease + time.Second)
	ts = h.Tickets()
	check()
	if run.told != told {
		t.Fatalf("a redelivered event told the user again")
	}
	// Nothing is left pending: another restart changes nothing.
	h.Restart()
	h.Tick(bot.DefaultEventLease + time.Second)
	ts = h.Tickets()
	check()
	if run.told != told {
		t.Fatalf("a second restart told the user again")
	}
	return run
}

// testCrashBetweenEveryWrite kills the engine after each write of a form
// submission in turn (store writes and platform sends) and checks each run.
func testCrashBetweenEveryWrite(t *testing.T, newHarness func(t *testing.T, opts ...bottest.Option) *bottest.Harness, only ...string) {
	for _, sub := range submissions() {
		if len(only) > 0 && !slices.Contains(only, sub.name) {
			continue
		}
		t.Run(sub.name, func(t *testing.T) {
			var all []string
			t.Run("no crash", func(t *testing.T) {
				run := runCrash(t, sub, -1, newHarness)
				all = run.writes
				if run.told != 1 {
					t.Fatalf("told %d times", run.told)
				}
			})
			if len(all) < 8 {
				t.Fatalf("a submission should take several writes, counted %q", all)
			}
			twice := 0
			for k := 0; k < len(all); k++ {
				last := "nothing"
				if k > 0 {
					last = all[k-1]
				}
				t.Run(fmt.Sprintf("killed after %d writes, the last %s", k, last), func(t *testing.T) {
					run := runCrash(t, sub, k, newHarness)
					if run.told > 1 {
						twice++
						// Sent, then killed before it was recorded as sent.
						if !strings.HasPrefix(all[k-1], "send to dm:carl") {
							t.Fatalf("told %d times after a kill that followed %q", run.told, all[k-1])
						}
					}
				})
			}
			if twice > 1 {
				t.Fatalf("the user was told twice after %d different kills; only the one right after the notice may", twice)
			}
		})
	}
}

func TestCrashBetweenEveryWriteOfAFormSubmissionSQLite(t *testing.T) {
	testCrashBetweenEveryWrite(t, func(t *testing.T, opts ...bottest.Option) *bottest.Harness {
		return bottest.New(t, testConfig, opts...)
	})
}

// TestCrashBetweenEveryWriteOfAFormSubmissionPostgres runs the dialog
// submission only (the chat one takes the same writes from the save of the
// answers on, and each run costs a fresh schema).
func TestCrashBetweenEveryWriteOfAFormSubmissionPostgres(t *testing.T) {
	testCrashBetweenEveryWrite(t, func(t *testing.T, opts ...bottest.Option) *bottest.Harness {
		return bottest.New(t, testConfig, append(opts, bottest.WithPostgres(pgtest.DSN(t)))...)
	}, "as a dialog")
}

// TestNextMessageAfterACrashKeepsTheAnswers: the process dies right after
// the submission was saved; before anything else happens the user writes
// again. Their text is not taken as a form answer: the ticket has the
// submitted answers and the text is added to it.
func TestNextMessageAfterACrashKeepsTheAnswers(t *testing.T) {
	for _, sub := range submissions() {
		t.Run(sub.name, func(t *testing.T) {
			h := bottest.New(t, testConfig, sub.opts...)
			carl := h.Person("carl", "Carl")
			sub.before(h)
			ev := sub.submit(h)
			d := &dying{limit: -1}
			h.Wrap = func(s tickets.Store) tickets.Store { return openingKiller{dyingStore{s, d}} }
			h.WrapPlatform = func(p bot.Platform) bot.Platform { return dyingPlatform{p, d} }
			h.Restart()
			if err := h.Engine.Handle(context.Background(), ev); !errors.Is(err, errKilled) {
				t.Fatalf("want the kill right after the submission was saved, got %v", err)
			}
			h.Wrap, h.WrapPlatform = nil, nil
			// The restart, and the user writes before the recovery or any
			// timer ran.
			h.SkipRecover = true
			h.Restart()
			if st, err := h.Engine.State(context.Background(), "web", "carl"); err != nil || st.Step != bot.StepOpening {
				t.Fatalf("after the kill the conversation is %+v, %v; want the saved opening", st, err)
			}
			carl.Say("any news? it still does not work")
			ts := h.Tickets()
			if len(ts) != 1 {
				t.Fatalf("want one ticket, got %d", len(ts))
			}
			if fmt.Sprint(ts[0].Form) != fmt.Sprint(sub.want) {
				t.Fatalf("answers %+v, want %+v", ts[0].Form, sub.want)
			}
			msgs, err := h.Store.Messages(context.Background(), ts[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 1 || msgs[0].Text != "any news? it still does not work" {
				t.Fatalf("the follow-up should be on the ticket, got %+v", msgs)
			}
			mustSee(t, carl, "I've opened ticket **"+ts[0].Key+"**")
			if n := strings.Count(h.Transcript(carl.DM(), "carl"), "I've opened ticket"); n != 1 {
				t.Fatalf("told %d times", n)
			}
			// The recovery, when it runs, finds nothing left to do.
			h.SkipRecover = false
			h.Restart()
			h.Tick(bot.DefaultEventLease + time.Second)
			if n := strings.Count(h.Transcript(carl.DM(), "carl"), "I've opened ticket"); n != 1 || len(h.Tickets()) != 1 {
				t.Fatalf("after the recovery: told %d times, %d tickets", n, len(h.Tickets()))
			}
		})
	}
}

// openingKiller dies right after the StepOpening state is saved.
type openingKiller struct{ dyingStore }

func (s openingKiller) PutState(ctx context.Context, key string, data []byte, version int64) (int64, error) {
	v, err := s.dyingStore.PutState(ctx, key, data, version)
	if err == nil && stepOf(data) == string(bot.StepOpening) {
		s.d.mu.Lock()
		s.d.limit = len(s.d.writes)
		s.d.mu.Unlock()
	}
	return v, err
}
