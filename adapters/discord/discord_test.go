package discord_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/helpdesk-chat/helpdesk/internal/clocktest"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/platformtest"

	"github.com/helpdesk-chat/helpdesk/adapters/discord"
	"github.com/helpdesk-chat/helpdesk/adapters/discord/discordfake"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/tickets"
	"github.com/helpdesk-chat/helpdesk/tickets/sqlite"
)

// Ids named in testdata/helpdesk.yaml.
const (
	token        = "MTIzNDU2Nzg5.fake-secret-token"
	adaID        = "900000000000000001"
	bossID       = "900000000000000002"
	annID        = "900000000000000010"
	bobID        = "900000000000000011"
	agentChannel = "900000000000000100"
	support      = "900000000000000101"
)

type env struct {
	t     *testing.T
	fake  *discordfake.Server
	ad    *discord.Adapter
	store tickets.Store
	logs  *platformtest.Logs
	done  chan error
	stop  context.CancelFunc

	cfg    *config.Config
	set    *faq.Set
	logger *slog.Logger
	opts   []option
	// engine is the running engine; engineNow, when set, its clock from
	// the next run on.
	engine    *bot.Engine
	engineNow func() time.Time
}

type option func(*discord.Options)

// memoryForms keeps stepped forms in memory instead of the store.
func memoryForms(o *discord.Options) { o.FormState = nil }

// start runs a fake Discord, the real engine on SQLite and the adapter
// (with the store keeping stepped forms, as cmd/helpdesk wires it).
func start(t *testing.T, opts ...option) *env {
	t.Helper()
	f := discordfake.New(t, token)
	f.AddUserID(adaID, "ada")
	f.AddUserID(bossID, "boss")
	f.AddUserID(annID, "ann")
	f.AddUserID(bobID, "bob")
	cat := f.AddChannel("help", discordfake.TypeCategory, "")
	f.AddChannelID(agentChannel, "it-agents", discordfake.TypeText, cat)
	f.AddChannelID(support, "support", discordfake.TypeText, cat)

	logs := &platformtest.Logs{}
	prev := log.Writer()
	log.SetOutput(logs) // discordgo's own log, if it ever printed
	t.Cleanup(func() { log.SetOutput(prev) })
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	ctx := context.Background()
	cfg, err := config.Load(filepath.Join("testdata", "helpdesk.yaml"))
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "helpdesk.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	set, err := faq.BuildSet(cfg)
	if err != nil {
		t.Fatalf("build FAQ: %v", err)
	}
	e := &env{t: t, fake: f, store: st, logs: logs, cfg: cfg, set: set, logger: logger, opts: opts}
	t.Cleanup(func() {
		e.halt()
		st.Close()
		if strings.Contains(logs.String(), token) {
			t.Errorf("the bot token reached the log")
		}
	})
	e.run()
	return e
}

// run starts a new engine and adapter on the env's store and waits until
// the adapter registered /helpdesk.
func (e *env) run() {
	t, f := e.t, e.fake
	t.Helper()
	defer func() {
		if t.Failed() {
			t.Log(e.logs.String())
		}
	}()
	ctx := context.Background()
	var engine *bot.Engine
	o := discord.Options{Token: token, Guild: f.GuildID, SupportChannel: support, Logger: e.logger, HTTPClient: f.Client(),
		Runtime: func() *bot.Runtime { return engine.Runtime() }, FormState: e.store}
	for _, opt := range e.opts {
		opt(&o)
	}
	ad, err := discord.New(o)
	if err != nil {
		t.Fatalf("new adapter: %v", err)
	}
	engine, err = bot.New(bot.Options{Store: e.store, Runtime: &bot.Runtime{Config: e.cfg, FAQ: e.set}, Platforms: []bot.Platform{ad}, Logger: e.logger,
		Now: e.engineNow})
	if err != nil {
		t.Fatalf("new engine: %v", err)
	}
	e.engine = engine
	if err := engine.Recover(ctx); err != nil {
		t.Fatalf("recover: %v", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	e.ad, e.done, e.stop = ad, make(chan error, 1), cancel
	done := e.done
	identified, _, _ := f.Stats()
	handle := func(ctx context.Context, ev bot.Event) error {
		defer f.Notify() // the store changed: wake WaitFor
		return engine.Handle(ctx, ev)
	}
	go func() { done <- ad.Run(runCtx, handle) }()
	f.WaitFor("the bot to connect and register /helpdesk", func() bool {
		ids, _, _ := f.Stats()
		return f.Connected() && ids > identified && f.Registered() > 0
	})
}

// halt stops the running adapter and waits until Run returned.
func (e *env) halt() {
	e.stop()
	select {
	case err := <-e.done:
		e.done <- err // for a second halt
	case <-time.After(10 * time.Second):
		e.t.Errorf("Run did not return after cancel")
	}
}

// restart stops the bot and starts it again on the same store, as after
// a deploy or a crash.
func (e *env) restart() {
	e.t.Helper()
	e.halt()
	e.fake.WaitFor("the bot to disconnect", func() bool { return !e.fake.Connected() })
	e.run()
}

func (e *env) ticket(key string) *tickets.Ticket {
	e.t.Helper()
	tk, err := e.store.GetByKey(context.Background(), key)
	if err != nil {
		e.t.Fatalf("ticket %s: %v", key, err)
	}
	return tk
}

func (e *env) messages(key string, kind tickets.MessageKind) []string {
	e.t.Helper()
	tk := e.ticket(key)
	ms, err := e.store.Messages(context.Background(), tk.ID)
	if err != nil {
		e.t.Fatalf("messages of %s: %v", key, err)
	}
	var out []string
	for _, m := range ms {
		if m.Kind == kind {
			out = append(out, m.Text)
		}
	}
	return out
}

func (e *env) count(channel, viewer string) int { return len(e.fake.Messages(channel, viewer)) }

// The whole journey over the gateway: question → answer → escalate with a
// select and a modal → ticket → card → Start Chat (private thread) →
// messages → internal note → End Service → evaluation with a comment modal.
func TestJourney(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := e.fake
	dm := f.DMChannel(annID)

	f.DM(annID, "How do I connect to the VPN?")
	answer := f.WaitMessage(dm, annID, 0, "Did this help?")
	if got := answer.Buttons(); strings.Join(got, ",") != "Yes,No" {
		t.Fatalf("answer buttons = %v", got)
	}
	n := e.count(dm, annID)
	f.Press(annID, answer.ID, "No")
	offer := f.WaitMessage(dm, annID, n, "talk to an agent")

	n = e.count(dm, annID)
	agentPress := f.Press(annID, offer.ID, "Talk to an agent")
	// A modal cannot hold a select: the select field comes first, as a select menu.
	sel := f.WaitMessage(dm, annID, n, "Which system?")
	if got := f.Interaction(agentPress).Responses; len(got) != 1 || got[0] != 4 {
		t.Fatalf("Talk to an agent answered with %v, want a message (4)", got)
	}
	choice := f.Choose(annID, sel.ID, "VPN")
	f.WaitFor("the modal", func() bool { return len(f.Modals()) == 1 })
	md := f.Modals()[0]
	if md.Interaction != choice || len(md.Inputs) != 2 || md.Inputs[0].Label != "What happened?" {
		t.Fatalf("modal = %+v", md)
	}
	n = e.count(dm, annID)
	f.Submit(md, map[string]string{"What happened?": "VPN drops every 5 minutes @everyone", "Phone number": "+49 30 1234"})
	f.WaitMessage(dm, annID, n, "I've opened ticket **IT-1**")
	f.WaitMessage(dm, annID, n, "Ada")

	tk := e.ticket("IT-1")
	if tk.Status != tickets.StatusAssigned || tk.Assignee != "Ada" {
		t.Fatalf("IT-1 is %s for %q, want assigned to Ada", tk.Status, tk.Assignee)
	}
	if got := answers(tk); got != "system=VPN details=VPN drops every 5 minutes @\u200deveryone phone=+49 30 1234" {
		t.Fatalf("form answers = %q", got)
	}

	// The card, with the form answers, in the agent channel.
	card := f.WaitMessage(agentChannel, adaID, 0, "Start Chat")
	if !strings.Contains(card.Text(), "IT-1") || !strings.Contains(card.Text(), "VPN") || len(card.Embeds) != 1 {
		t.Fatalf("card = %s", card.Text())
	}

	// Bob is no agent: a private refusal, and nothing changes.
	press := f.Press(bobID, card.ID, "Start Chat")
	refusal := f.WaitMessage(agentChannel, bobID, 0, "Only the assigned agent")
	if refusal.Flags&discordfake.FlagEphemeral == 0 || refusal.EphemeralFor != bobID {
		t.Fatalf("refusal is not ephemeral: flags %d", refusal.Flags)
	}
	if r := f.Interaction(press).Responses; len(r) != 1 || r[0] != 4 {
		t.Fatalf("refusal answered with %v", r)
	}
	for _, m := range f.Messages(agentChannel, adaID) {
		if strings.Contains(m.Text(), "Only the assigned agent") {
			t.Fatalf("Ada sees Bob's refusal")
		}
	}
	if len(f.ChildrenOf(support)) != 0 || e.ticket("IT-1").Status != tickets.StatusAssigned {
		t.Fatalf("a refused Start Chat changed something")
	}

	// Ada starts the chat: a private thread in the support channel.
	f.Press(adaID, card.ID, "Start Chat")
	f.WaitFor("the group thread", func() bool { return len(f.ChildrenOf(support)) == 1 })
	th := f.ChildrenOf(support)[0]
	if th.Type != discordfake.TypePrivateThread || th.Invitable == nil || *th.Invitable {
		t.Fatalf("group chat = type %d invitable %v, want a private thread members cannot invite to", th.Type, th.Invitable)
	}
	f.WaitFor("user and agent in the thread", func() bool {
		c, _ := f.Channel(th.ID)
		return strings.Contains(strings.Join(c.Members, ","), annID) && strings.Contains(strings.Join(c.Members, ","), adaID)
	})
	summary := f.WaitMessage(th.ID, annID, 0, "End Service")
	f.WaitMessage(dm, annID, 0, "opened a chat with you")

	f.Say(annID, th.ID, "It still drops every few minutes", false)
	f.Say(adaID, th.ID, "Please update the client to 6.2", false)
	f.WaitFor("the transcript", func() bool { return len(e.messages("IT-1", tickets.KindTranscript)) >= 2 })

	// A thread on the card holds internal notes.
	notes := f.StartThread(adaID, card.ID, "IT-1 notes")
	f.Say(adaID, notes, "Checked the gateway logs: MTU issue", false)
	f.WaitFor("the internal note", func() bool {
		return strings.Contains(strings.Join(e.messages("IT-1", tickets.KindNote), "\n"), "MTU issue")
	})

	// End Service: closing note, archived and locked thread, evaluation DM.
	n = e.count(dm, annID)
	f.Press(adaID, summary.ID, "End Service")
	f.WaitMessage(th.ID, adaID, 0, "resolved by Ada")
	f.WaitFor("the thread archived and locked", func() bool {
		c, _ := f.Channel(th.ID)
		return c.Metadata != nil && c.Metadata.Archived && c.Metadata.Locked
	})
	rate := f.WaitMessage(dm, annID, n, "How would you rate")
	n = e.count(dm, annID)
	ratePress := f.Press(annID, rate.ID, "★★★★★")
	thanks := f.WaitMessage(dm, annID, n, "Anything you'd like to add?")
	f.WaitFor("the prompt updated in place", func() bool { return strings.Contains(f.Message(rate.ID).Text(), "You rated it") })
	if r := f.Interaction(ratePress).Responses; len(r) != 1 || r[0] != 7 {
		t.Fatalf("rating answered with %v, want an update of the prompt (7)", r)
	}
	f.Press(annID, thanks.ID, "Add a comment")
	f.WaitFor("the comment modal", func() bool { return len(f.Modals()) == 2 })
	n = e.count(dm, annID)
	f.Submit(f.Modals()[1], map[string]string{"Comment": "Quick and friendly"})
	f.WaitMessage(dm, annID, n, "Thanks for your feedback!")

	tk = e.ticket("IT-1")
	if tk.Status != tickets.StatusResolved || tk.Evaluation == nil || tk.Evaluation.Rating != 5 || tk.Evaluation.Comment != "Quick and friendly" {
		t.Fatalf("IT-1 after the evaluation: %s %+v", tk.Status, tk.Evaluation)
	}
	transcript := strings.Join(e.messages("IT-1", tickets.KindTranscript), "\n")
	for _, want := range []string{"It still drops", "update the client"} {
		if !strings.Contains(transcript, want) {
			t.Errorf("transcript lacks %q:\n%s", want, transcript)
		}
	}
	f.WaitFor("every interaction acknowledged", func() bool { return len(f.Unanswered()) == 0 })
	if intents, _ := f.Identify(); intents&discordfake.RequiredIntents != discordfake.RequiredIntents {
		t.Errorf("intents = %b", intents)
	}
}

func answers(t *tickets.Ticket) string {
	var parts []string
	for _, a := range t.Form {
		parts = append(parts, a.ID+"="+a.Value)
	}
	return strings.Join(parts, " ")
}

// A RECONNECT (op 7) in the middle of a conversation loses nothing: the
// session resumes and the events sent meanwhile are replayed once.
func TestReconnectInTheMiddle(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := e.fake
	dm := f.DMChannel(annID)
	f.DM(annID, "How do I reset my password?")
	first := f.WaitMessage(dm, annID, 0, "Did this help?")
	n := e.count(dm, annID)

	f.Reconnect()
	f.Press(annID, first.ID, "Yes") // sent while the bot is away
	f.DM(annID, "How do I connect to the VPN?")
	f.WaitMessage(dm, annID, n, "Glad I could help")
	f.WaitMessage(dm, annID, n, "How do I connect to the VPN?")

	ids, resumes, _ := f.Stats()
	if ids != 1 || resumes < 1 {
		t.Fatalf("identifies=%d resumes=%d, want one IDENTIFY and a RESUME", ids, resumes)
	}
	// A marker question sent last: a replayed duplicate would be answered
	// before it, since one person's events are handled in order.
	f.DM(annID, "What is the guest wifi password?")
	marker := f.WaitMessage(dm, annID, n, "printed at the reception")
	got := 0
	for _, m := range f.Messages(dm, annID)[n:] {
		if m.ID == marker.ID {
			break
		}
		if strings.Contains(m.Text(), "Did this help?") {
			got++
		}
	}
	if got != 1 {
		t.Fatalf("%d answers to the question sent during the reconnect, want 1", got)
	}
	f.WaitFor("every interaction acknowledged", func() bool { return len(f.Unanswered()) == 0 })
}

// A redelivered message and a payload that does not decode change nothing.
func TestDuplicatesAndGarbage(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := e.fake
	dm := f.DMChannel(annID)
	id := f.DM(annID, "How do I reset my password?")
	f.WaitMessage(dm, annID, 0, "Did this help?")
	f.Redeliver(id)
	f.RawInteraction(`{"id":"77","type":3,"token":"x","channel_id":"1","data":"not an object"}`)
	f.RawInteraction(`{"id":"78","type":42,"token":"x","channel_id":"1","user":{"id":"5"}}`)
	n := e.count(dm, annID)
	f.DM(annID, "How do I connect to the VPN?")
	f.WaitMessage(dm, annID, n, "How do I connect to the VPN?")
	got := 0
	for _, m := range f.Messages(dm, annID) {
		if m.Author.ID == f.BotID && strings.Contains(m.Text(), "reset my password") {
			got++
		}
	}
	if got != 1 {
		t.Fatalf("the redelivered question was answered %d times", got)
	}
	if !strings.Contains(e.logs.String(), "undecodable INTERACTION_CREATE ignored") {
		t.Fatalf("the undecodable interaction was not logged:\n%s", e.logs.String())
	}
}

// A revoked token stops Run with a clear error instead of reconnecting forever.
func TestRevokedToken(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.fake.Revoke()
	select {
	case err := <-e.done:
		e.done <- err // for the cleanup
		if !errors.Is(err, discord.ErrTokenRejected) || !strings.Contains(err.Error(), "4004") {
			t.Fatalf("Run returned %v, want the rejected token (4004)", err)
		}
		if strings.Contains(err.Error(), token) {
			t.Fatalf("the error shows the token")
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Run kept going with a revoked token")
	}
}

func TestWrongTokenAtStart(t *testing.T) {
	t.Parallel()
	f := discordfake.New(t, token)
	ad, err := discord.New(discord.Options{Token: "wrong", Guild: f.GuildID, SupportChannel: support, HTTPClient: f.Client()})
	if err != nil {
		t.Fatal(err)
	}
	err = ad.Run(context.Background(), func(context.Context, bot.Event) error { return nil })
	if !errors.Is(err, discord.ErrTokenRejected) {
		t.Fatalf("Run = %v, want ErrTokenRejected", err)
	}
}

// longFormFirstPart plays Ann through the select and the first modal of a
// form with a select and six text fields, and returns the message with
// Continue and the count of Ann's DM messages before it.
func longFormFirstPart(t *testing.T, e *env) (discordfake.Message, int) {
	t.Helper()
	f := e.fake
	dm := f.DMChannel(annID)
	f.DM(annID, "How do I reset my password?")
	f.Press(annID, f.WaitMessage(dm, annID, 0, "Did this help?").ID, "No")
	n := e.count(dm, annID)
	f.Press(annID, f.WaitMessage(dm, annID, n, "talk to an agent").ID, "Talk to an agent")
	f.Choose(annID, f.WaitMessage(dm, annID, n, "Kind of account").ID, "VPN")
	f.WaitFor("the first modal", func() bool { return len(f.Modals()) == 1 })
	if got := len(f.Modals()[0].Inputs); got != 5 {
		t.Fatalf("first modal has %d inputs, want 5", got)
	}
	n = e.count(dm, annID)
	f.Submit(f.Modals()[0], map[string]string{"Full name": "Ann Smith", "Team": "Sales", "Room": "2.14"})
	return f.WaitMessage(dm, annID, n, "Continue"), n
}

// longFormRest presses Continue, fills the second modal and checks that
// one ticket holds all seven answers and that no progress is left saved.
func longFormRest(t *testing.T, e *env, cont discordfake.Message, n int) {
	t.Helper()
	f := e.fake
	f.Press(annID, cont.ID, "Continue")
	f.WaitFor("the second modal", func() bool { return len(f.Modals()) == 2 })
	if in := f.Modals()[1].Inputs; len(in) != 1 || in[0].Label != "Anything else?" {
		t.Fatalf("second modal = %+v", in)
	}
	f.Submit(f.Modals()[1], map[string]string{"Anything else?": "Needed by Monday"})
	f.WaitMessage(f.DMChannel(annID), annID, n, "I've opened ticket **IT-1**")
	if got := answers(e.ticket("IT-1")); got != "kind=VPN name=Ann Smith team=Sales manager= start= room=2.14 notes=Needed by Monday" {
		t.Fatalf("answers = %q", got)
	}
	all, err := e.store.List(context.Background(), tickets.Filter{})
	if err != nil || len(all) != 1 {
		t.Fatalf("%d tickets (%v), want exactly one", len(all), err)
	}
	if data, _, err := e.store.GetState(context.Background(), "discord:form:"+annID); err == nil && len(data) > 0 {
		t.Fatalf("the submitted form's progress is still saved: %s", data)
	}
	f.WaitFor("every interaction acknowledged", func() bool { return len(f.Unanswered()) == 0 })
}

// A form with a select and six text fields: a select menu, then a modal of
// five inputs, then (a modal cannot answer a modal) Continue and a second
// modal; with the progress in the store or in memory.
func TestLongFormInSteps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts []option
	}{
		{"store", nil},
		{"memory", []option{memoryForms}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, tc.opts...)
			cont, n := longFormFirstPart(t, e)
			longFormRest(t, e, cont, n)
		})
	}
}

// A restart between two modals loses nothing: Continue opens the second
// modal and the ticket gets all seven answers.
func TestLongFormSurvivesRestart(t *testing.T) {
	t.Parallel()
	e := start(t)
	cont, n := longFormFirstPart(t, e)
	e.restart()
	longFormRest(t, e, cont, n)
}

// Continue no longer works once the form was cancelled, after an hour, or
// after a restart when nothing keeps the progress.
func TestLongFormGone(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		name string
		opts []option
		then func(e *env)
	}{
		{"cancelled", nil, func(e *env) {
			f := e.fake
			msg := f.WaitMessage(f.DMChannel(annID), annID, 0, "Open the form again")
			n := e.count(f.DMChannel(annID), annID)
			f.Press(annID, msg.ID, "Cancel")
			f.WaitMessage(f.DMChannel(annID), annID, n, "Cancelled")
			if data, _, err := e.store.GetState(context.Background(), "discord:form:"+annID); err != nil || len(data) > 0 {
				e.t.Fatalf("the cancelled form's progress is still saved: %s (%v)", data, err)
			}
		}},
		{"after an hour", []option{func(o *discord.Options) { o.Now = clock.Now }}, func(*env) {
			clock.Advance(61 * time.Minute)
		}},
		{"restart without a store", []option{memoryForms}, func(e *env) { e.restart() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, tc.opts...)
			f := e.fake
			cont, _ := longFormFirstPart(t, e)
			tc.then(e)
			n := e.count(f.DMChannel(annID), annID)
			f.Press(annID, cont.ID, "Continue")
			f.WaitMessage(f.DMChannel(annID), annID, n, "This form has expired")
			if len(f.Modals()) != 1 {
				t.Fatalf("%d modals opened, want only the first", len(f.Modals()))
			}
		})
	}
}

// openTicket plays Ann up to a ticket assigned to Ada and returns Ada's DM card.
func openTicket(t *testing.T, e *env) discordfake.Message {
	t.Helper()
	f := e.fake
	dm := f.DMChannel(annID)
	f.DM(annID, "How do I connect to the VPN?")
	f.Press(annID, f.WaitMessage(dm, annID, 0, "Did this help?").ID, "No")
	n := e.count(dm, annID)
	f.Press(annID, f.WaitMessage(dm, annID, n, "talk to an agent").ID, "Talk to an agent")
	f.Choose(annID, f.WaitMessage(dm, annID, n, "Which system?").ID, "GitLab")
	f.WaitFor("the modal", func() bool { return len(f.Modals()) == 1 })
	f.Submit(f.Modals()[0], map[string]string{"What happened?": "Cannot push"})
	f.WaitMessage(dm, annID, n, "I've opened ticket **IT-1**")
	return f.WaitMessage(f.DMChannel(adaID), adaID, 0, "Start Chat")
}

// private_channels: Start Chat makes a private text channel that only the
// user, the agent and the bot can see; End Service takes the right to write.
func TestPrivateChannels(t *testing.T) {
	t.Parallel()
	e := start(t, func(o *discord.Options) { o.PrivateChannels = true })
	f := e.fake
	before := len(f.GuildChannels())
	card := openTicket(t, e)
	f.Press(adaID, card.ID, "Start Chat")
	f.WaitFor("the private channel", func() bool { return len(f.GuildChannels()) == before+1 })
	var ch discordfake.Channel
	for _, c := range f.GuildChannels() {
		if c.ID != agentChannel && c.ID != support {
			ch = c
		}
	}
	ow := map[string]discordfake.Overwrite{}
	for _, o := range ch.Overwrites {
		ow[o.ID] = o
	}
	const view = "1024"
	if ow[f.GuildID].Deny != view || ow[f.GuildID].Type != 0 {
		t.Errorf("@everyone overwrite = %+v, want VIEW_CHANNEL denied", ow[f.GuildID])
	}
	for _, id := range []string{annID, adaID, f.BotID} {
		o, ok := ow[id]
		if !ok || o.Type != 1 || !strings.Contains(o.Allow, "") || o.Allow == "0" {
			t.Errorf("no allow overwrite for member %s: %+v", id, o)
		}
	}
	if ch.ParentID == "" {
		t.Errorf("the channel is not under the support channel's category")
	}
	summary := f.WaitMessage(ch.ID, annID, 0, "End Service")
	f.Say(annID, ch.ID, "Still cannot push", false)
	f.WaitFor("the transcript", func() bool { return len(e.messages("IT-1", tickets.KindTranscript)) >= 1 })
	f.Press(annID, summary.ID, "End Service") // the requester may end it too
	f.WaitMessage(ch.ID, annID, 0, "This chat is now closed")
	f.WaitFor("the channel locked", func() bool {
		c, _ := f.Channel(ch.ID)
		for _, o := range c.Overwrites {
			if o.ID == annID && o.Deny == "2048" {
				return true
			}
		}
		return false
	})
}

// /helpdesk in a server channel answers privately; a slow answer is deferred
// (type 5) and shown by editing @original. The panel is for server managers.
func TestCommandAndPanel(t *testing.T) {
	t.Parallel()
	e := start(t, func(o *discord.Options) { o.AckAfter = -1 })
	f := e.fake
	ask := f.Command(annID, support, "ask", map[string]string{"question": "How do I connect to the VPN?"}, 0)
	answer := f.WaitMessage(support, annID, 0, "Did this help?")
	in := f.Interaction(ask)
	if len(in.Responses) != 1 || in.Responses[0] != 5 || !strings.Contains(f.Message(in.Original).Text(), "IT Help Desk") {
		t.Fatalf("/helpdesk ask answered with %v, want a deferral whose @original shows the greeting: %s", in.Responses, f.Message(in.Original).Text())
	}
	if answer.EphemeralFor != annID {
		t.Fatalf("the answer is visible to everyone in the channel")
	}
	if got := e.count(support, bobID); got != 0 {
		t.Fatalf("bob sees %d messages in the support channel", got)
	}

	f.Command(bobID, support, "panel", nil, 0)
	f.WaitMessage(support, bobID, 0, "Only server managers")
	const manageGuild = 1 << 5
	f.Command(bossID, support, "panel", nil, manageGuild)
	panel := f.WaitMessage(support, bobID, 0, "Talk to an agent")
	if got := strings.Join(panel.Buttons(), ","); got != "Network & VPN,Accounts,Catalogue,Talk to an agent" || panel.EphemeralFor != "" {
		t.Fatalf("panel buttons = %s (private to %q)", got, panel.EphemeralFor)
	}
	n := e.count(support, bobID)
	press := f.Press(bobID, panel.ID, "Network & VPN")
	menu := f.WaitMessage(support, bobID, n, "How do I connect to the VPN?")
	if menu.EphemeralFor != bobID {
		t.Fatalf("the panel's answer is not private to bob")
	}
	if r := f.Interaction(press).Responses; len(r) != 1 || r[0] != 6 {
		t.Fatalf("panel press answered with %v, want a deferred update (6)", r)
	}
	f.WaitFor("every interaction acknowledged", func() bool { return len(f.Unanswered()) == 0 })
}

// A 429 is waited out with discordgo's rate-limit buckets; nothing is lost.
func TestRateLimited(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := e.fake
	dm := f.DMChannel(annID)
	f.RateLimitNext(2)
	f.DM(annID, "How do I connect to the VPN?")
	f.WaitMessage(dm, annID, 0, "Did this help?")
}

// A 429 storm longer than RetryFor: the adapter gives the answer back to
// the engine as temporary, the engine queues it, and once the storm is over
// a Tick delivers it, whole and once.
func TestRateLimitStormLongerThanRetryFor(t *testing.T) {
	t.Parallel()
	e := start(t, func(o *discord.Options) { o.RetryFor = 100 * time.Millisecond })
	clock := clocktest.New(time.Date(2026, 11, 18, 10, 0, 0, 0, time.UTC))
	e.engineNow = clock.Now
	e.restart()
	f := e.fake
	dm := f.DMChannel(annID)
	const storm = 40 // 40 answers of 429 with retry_after 0.05 s: 2 s, far past RetryFor
	f.RateLimitNext(storm)
	f.DM(annID, "How do I connect to the VPN?")
	f.WaitFor("the answer to be queued", func() bool {
		n, err := e.store.CountDeliveries(context.Background())
		return err == nil && n > 0
	})
	for tick := 0; ; tick++ {
		n, err := e.store.CountDeliveries(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if tick > storm {
			t.Fatalf("still %d queued after %d ticks", n, tick)
		}
		clock.Advance(10 * time.Minute)
		if err := e.engine.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	f.WaitMessage(dm, annID, 0, "Did this help?")
	got := 0
	for _, m := range f.Messages(dm, annID) {
		if strings.Contains(m.Text(), "Did this help?") {
			got++
		}
	}
	if got != 1 {
		t.Fatalf("Ann sees the answer %d times, want once", got)
	}
	if !strings.Contains(e.logs.String(), "rate limited by Discord for too long") {
		t.Error("the adapter did not give up within RetryFor")
	}
}

// A 12-field form whose select has 150 options and whose eleven text answers
// are 900 characters each: the select step shows 25 options at a time with
// More…, option 150 can be chosen, the modals keep their step counter within
// 45 characters, the ticket holds every answer whole, and its card (about
// 10,000 characters) reaches the agent channel as several cards, each one
// within Discord's limits (the fake refuses any other).
func TestBigFormAndBigCard(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := e.fake
	dm := f.DMChannel(annID)
	f.DM(annID, "hi")
	f.Choose(annID, f.WaitMessage(dm, annID, 0, "Catalogue").ID, "Catalogue")
	n := e.count(dm, annID)
	f.Choose(annID, f.WaitMessage(dm, annID, n, "Topic 1").ID, "Topic 1")
	n = e.count(dm, annID)
	f.Press(annID, f.WaitMessage(dm, annID, n, "Talk to an agent").ID, "Talk to an agent")
	sel := f.WaitMessage(dm, annID, n, "Which one?")
	for page := 1; page < 6; page++ {
		lo := page*25 + 1
		f.Press(annID, sel.ID, fmt.Sprintf("More… (%d–%d of 150)", lo, min(150, lo+24)))
		want := fmt.Sprintf("options %d–%d of 150", lo, min(150, lo+24))
		f.WaitFor(want, func() bool {
			for _, m := range f.Messages(dm, annID) {
				if m.ID == sel.ID && strings.Contains(m.Text(), want) {
					return true
				}
			}
			return false
		})
	}
	f.Choose(annID, sel.ID, "Option 150")
	answer := func(i int) string { return strings.Repeat(string(rune('a'+i)), 900) }
	for step, last := 0, 2; step <= last; step++ {
		f.WaitFor("modal "+strconv.Itoa(step+1), func() bool { return len(f.Modals()) == step+1 })
		md := f.Modals()[step]
		if want := fmt.Sprintf("(%d/4)", step+2); !strings.HasSuffix(md.Title, want) || utf8.RuneCountInString(md.Title) > 45 {
			t.Fatalf("modal title %q: want at most 45 characters ending in %s", md.Title, want)
		}
		values := map[string]string{}
		for _, in := range md.Inputs {
			i, _ := strconv.Atoi(strings.TrimPrefix(in.Label, "Answer "))
			values[in.Label] = answer(i)
		}
		n = e.count(dm, annID)
		f.Submit(md, values)
		if step < last {
			f.Press(annID, f.WaitMessage(dm, annID, n, "Continue").ID, "Continue")
		}
	}
	f.WaitMessage(dm, annID, n, "I've opened ticket **IT-1**")
	tk := e.ticket("IT-1")
	if len(tk.Form) != 12 || tk.Form[0].Value != "Option 150" {
		t.Fatalf("IT-1's form has %d answers, the first %q; want 12, Option 150", len(tk.Form), tk.Form[0].Value)
	}
	for _, a := range tk.Form[1:] {
		i, _ := strconv.Atoi(strings.TrimPrefix(a.ID, "a"))
		if a.Value != answer(i) {
			t.Fatalf("answer %s: %d characters, want the 900 typed", a.ID, len(a.Value))
		}
	}
	f.WaitFor("the whole card of IT-1 in the agent channel", func() bool {
		var all strings.Builder
		for _, m := range f.Messages(agentChannel, adaID) {
			all.WriteString(m.Text())
		}
		for i := 2; i <= 12; i++ {
			if !strings.Contains(all.String(), answer(i)) {
				return false
			}
		}
		return strings.Contains(all.String(), "Start Chat")
	})
	if logs := e.logs.String(); strings.Contains(logs, "could not be posted") {
		t.Fatalf("a card part was refused:\n%s", logs)
	}
}

// A ticket card posted to the agent channel while an agent's command there
// is being handled (/helpdesk online dispatches the queue) is a real post
// that every agent sees, not an ephemeral follow-up for the one who typed.
func TestCardsInTheAgentChannelArePublic(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := e.fake
	f.Command(adaID, agentChannel, "offline", nil, 0)
	f.WaitFor("Ada offline", func() bool { return len(f.Unanswered()) == 0 && e.count(agentChannel, adaID) > 0 })
	dm := f.DMChannel(annID)
	f.DM(annID, "How do I connect to the VPN?")
	f.Press(annID, f.WaitMessage(dm, annID, 0, "Did this help?").ID, "No")
	n := e.count(dm, annID)
	f.Press(annID, f.WaitMessage(dm, annID, n, "talk to an agent").ID, "Talk to an agent")
	f.Choose(annID, f.WaitMessage(dm, annID, n, "Which system?").ID, "GitLab")
	f.WaitFor("the modal", func() bool { return len(f.Modals()) == 1 })
	f.Submit(f.Modals()[0], map[string]string{"What happened?": "Cannot push"})
	f.WaitMessage(dm, annID, n, "I've opened ticket **IT-1**")
	if tk := e.ticket("IT-1"); tk.Status != tickets.StatusOpen {
		t.Fatalf("IT-1 is %s with Ada offline, want queued", tk.Status)
	}
	f.Command(adaID, agentChannel, "online", nil, 0)
	card := f.WaitMessage(agentChannel, bobID, 0, "Start Chat") // bob sees only real posts
	if card.Flags&discordfake.FlagEphemeral != 0 || card.EphemeralFor != "" || !strings.Contains(card.Text(), "IT-1") {
		t.Fatalf("the card is private (flags %d, for %q): %s", card.Flags, card.EphemeralFor, card.Text())
	}
}

// private_channels: a category holds at most 50 channels (the fake refuses
// the 51st, as Discord does). When a new ticket channel would not fit, the
// oldest closed ticket channel is deleted to make room, so Start Chat keeps
// working after the 50th chat.
func TestPrivateChannelsMakeRoom(t *testing.T) {
	t.Parallel()
	e := start(t, func(o *discord.Options) { o.PrivateChannels = true })
	f := e.fake
	sc, _ := f.Channel(support)
	for i := len(f.ChildrenOf(sc.ParentID)); i < 49; i++ {
		f.AddChannel(fmt.Sprintf("other-%d", i), discordfake.TypeText, sc.ParentID)
	}
	chat := func(user, key string) string {
		dm := f.DMChannel(user)
		f.DM(user, "How do I connect to the VPN?")
		f.Press(user, f.WaitMessage(dm, user, 0, "Did this help?").ID, "No")
		n := e.count(dm, user)
		f.Press(user, f.WaitMessage(dm, user, n, "talk to an agent").ID, "Talk to an agent")
		modals := len(f.Modals())
		f.Choose(user, f.WaitMessage(dm, user, n, "Which system?").ID, "GitLab")
		f.WaitFor("the modal", func() bool { return len(f.Modals()) > modals })
		md := f.Modals()
		f.Submit(md[len(md)-1], map[string]string{"What happened?": "Cannot push"})
		f.WaitMessage(dm, user, n, "I've opened ticket **"+key+"**")
		f.WaitFor(key+" assigned", func() bool { return e.ticket(key).Status == tickets.StatusAssigned })
		card := f.WaitMessage(f.DMChannel(adaID), adaID, 0, key+" ·")
		f.Press(adaID, card.ID, "Start Chat")
		f.WaitFor(key+" in service", func() bool { return e.ticket(key).GroupChat != "" })
		return e.ticket(key).GroupChat
	}
	first := chat(annID, "IT-1")
	if got := len(f.ChildrenOf(sc.ParentID)); got != 50 {
		t.Fatalf("the category holds %d channels, want 50", got)
	}
	f.Press(adaID, f.WaitMessage(first, adaID, 0, "End Service").ID, "End Service")
	f.WaitMessage(first, adaID, 0, "This chat is now closed")
	f.WaitFor("IT-1 resolved", func() bool { return e.ticket("IT-1").Status == tickets.StatusResolved })
	second := chat(bobID, "IT-2")
	if _, ok := f.Channel(first); ok || f.Deleted() != 1 {
		t.Fatalf("the closed channel of IT-1 is still there (%d deleted)", f.Deleted())
	}
	if _, ok := f.Channel(second); !ok || len(f.ChildrenOf(sc.ParentID)) != 50 {
		t.Fatalf("IT-2's channel %s: the category holds %d", second, len(f.ChildrenOf(sc.ParentID)))
	}
}

// The gateway connection goes through the proxy Options.Proxy names
// (HTTPS_PROXY by default), with CONNECT, as REST calls do.
func TestGatewayThroughProxy(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var tunnels atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				req, err := http.ReadRequest(br)
				if err != nil || req.Method != http.MethodConnect {
					_, _ = io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\n\r\n")
					return
				}
				up, err := net.Dial("tcp", req.Host)
				if err != nil {
					_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
					return
				}
				defer up.Close()
				tunnels.Add(1)
				_, _ = io.WriteString(c, "HTTP/1.1 200 Connection Established\r\n\r\n")
				go func() { _, _ = io.Copy(up, br); up.Close() }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
	proxyURL := &url.URL{Scheme: "http", Host: ln.Addr().String()}
	e := start(t, func(o *discord.Options) {
		o.Proxy = func(*http.Request) (*url.URL, error) { return proxyURL, nil }
	})
	f := e.fake
	f.DM(annID, "How do I connect to the VPN?")
	f.WaitMessage(f.DMChannel(annID), annID, 0, "Did this help?")
	if tunnels.Load() == 0 {
		t.Fatal("the gateway did not connect through the proxy")
	}
}

// A requester whose DMs are closed to the bot (Discord answers 50007) is
// never left out silently: the agent is told in the ticket's thread that
// the "chat opened" notice did not reach them, and in the agent channel
// that the rating prompt did not; the freed agent is still dispatched.
func TestRequesterWithDMsClosedIsReportedToTheAgent(t *testing.T) {
	t.Parallel()
	e := start(t)
	f := e.fake
	dm := f.DMChannel(annID)
	f.DM(annID, "How do I connect to the VPN?")
	answer := f.WaitMessage(dm, annID, 0, "Did this help?")
	n := e.count(dm, annID)
	f.Press(annID, answer.ID, "No")
	offer := f.WaitMessage(dm, annID, n, "talk to an agent")
	n = e.count(dm, annID)
	f.Press(annID, offer.ID, "Talk to an agent")
	sel := f.WaitMessage(dm, annID, n, "Which system?")
	f.Choose(annID, sel.ID, "VPN")
	f.WaitFor("the modal", func() bool { return len(f.Modals()) == 1 })
	n = e.count(dm, annID)
	f.Submit(f.Modals()[0], map[string]string{"What happened?": "VPN drops", "Phone number": "+49 30 1234"})
	f.WaitMessage(dm, annID, n, "Ada")
	card := f.WaitMessage(agentChannel, adaID, 0, "Start Chat")

	// Ann turns off direct messages from server members.
	f.CloseDMs(annID)
	if _, err := e.ad.Send(context.Background(), dm, bot.Message{Text: "ping"}); !errors.Is(err, bot.ErrUnreachable) {
		t.Fatalf("a post to a closed DM: err = %v, want bot.ErrUnreachable", err)
	}
	before := e.count(dm, annID)
	f.Press(adaID, card.ID, "Start Chat")
	f.WaitFor("the group thread", func() bool { return len(f.ChildrenOf(support)) == 1 })
	th := f.ChildrenOf(support)[0]
	summary := f.WaitMessage(th.ID, adaID, 0, "End Service")
	warn := f.WaitMessage(th.ID, adaID, 0, "could not be reached by direct message")
	if !strings.Contains(warn.Text(), "IT-1") || !strings.Contains(warn.Text(), "chat is open") {
		t.Errorf("the warning in the thread = %q", warn.Text())
	}
	n = e.count(agentChannel, adaID)
	f.Press(adaID, summary.ID, "End Service")
	warn = f.WaitMessage(agentChannel, adaID, n, "could not be reached by direct message")
	if !strings.Contains(warn.Text(), "IT-1") || !strings.Contains(warn.Text(), "rating prompt") {
		t.Errorf("the warning in the agent channel = %q", warn.Text())
	}
	if got := e.count(dm, annID); got != before {
		t.Errorf("%d messages reached the closed DM", got-before)
	}
}
