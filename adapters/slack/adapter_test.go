package slack_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/slack"
	"github.com/helpdesk-chat/helpdesk/bot"
	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// escalate takes Carl from a question to ticket IT-1 assigned to Ada (form in a modal).
func escalate(w *world) {
	w.t.Helper()
	w.say("UCARL", "VPN does not connect")
	w.press("UCARL", "DCARL", "No")
	w.press("UCARL", "DCARL", "Talk to an agent")
	w.submit("UCARL", map[string]string{"system": "VPN", "details": "It drops"})
	if w.ticket("IT-1").Assignee != "Ada" {
		w.t.Fatal("IT-1 should be assigned to Ada")
	}
}

func TestDuplicateEnvelopesHaveOneEffect(t *testing.T) {
	w := newWorld(t)
	w.start()
	w.ensureIM("UCARL")
	cb := w.callback(dm("UCARL", "How do I reset my password?"))
	w.slack.push("env-dup", "events_api", cb)
	w.wait(1)
	w.slack.push("env-dup", "events_api", cb)   // the same envelope again
	w.slack.push("env-retry", "events_api", cb) // Slack's retry: new envelope, same event_id
	w.ensureIM("UBOB")
	w.event(dm("UBOB", "hi")) // a later event: everything before it has been processed
	w.noMoreEvents()
	if n := len(w.slack.messages("DCARL", "UCARL")); n != 2 { // greeting + answer
		t.Fatalf("want the greeting and one answer, got %d messages:\n%s", n, w.transcript("DCARL", "UCARL"))
	}
}

func TestIgnoresOwnAndEditedMessages(t *testing.T) {
	w := newWorld(t)
	w.start()
	w.ensureIM("UCARL")
	for _, ev := range []map[string]any{
		{"type": "message", "channel": "DCARL", "channel_type": "im", "user": botUser, "bot_id": botID, "text": "my own answer"},
		{"type": "message", "channel": "DCARL", "channel_type": "im", "bot_id": "BOTHER", "subtype": "bot_message", "text": "another bot"},
		{"type": "message", "subtype": "message_changed", "channel": "DCARL", "channel_type": "im", "user": "UCARL", "text": "edited"},
		{"type": "message", "subtype": "channel_join", "channel": "CGENERAL", "channel_type": "channel", "user": "UCARL"},
		{"type": "message", "channel": "CGENERAL", "channel_type": "channel", "user": "UCARL", "text": "chatter without a mention"},
	} {
		w.slack.push(w.next("env-"), "events_api", w.callback(ev))
	}
	got := w.event(dm("UCARL", "hi"))
	if got.Text != "hi" {
		t.Fatalf("only the last message should reach the engine, got %+v", got)
	}
	w.noMoreEvents()
}

func TestMentionIsAnsweredInThread(t *testing.T) {
	w := newWorld(t)
	w.start()
	ev := w.event(map[string]any{"type": "app_mention", "channel": "CGENERAL", "user": "UCARL",
		"text": "<@UBOT> How do I reset my password?", "ts": "1712345678.000100"})
	if ev.Chat.ID != "CGENERAL/1712345678.000100" || ev.Chat.Kind != bot.ChatChannel || ev.Text != "How do I reset my password?" {
		t.Fatalf("mention event: %+v %q", ev.Chat, ev.Text)
	}
	msgs := w.slack.messages("CGENERAL", "")
	if len(msgs) == 0 {
		t.Fatal("no reply to the mention")
	}
	for _, m := range msgs {
		if m.Thread != "1712345678.000100" {
			t.Fatalf("the reply should be in the mention's thread: %+v", m)
		}
	}
	mustContain(t, "the thread", w.transcript("CGENERAL", ""), "https://id.example.com/reset")
}

func TestCardThreadReplyIsInternalNote(t *testing.T) {
	w := newWorld(t)
	w.start()
	escalate(w)
	card := w.slack.messages("CAGENTS", "")[0]
	ev := w.event(map[string]any{"type": "message", "channel": "CAGENTS", "channel_type": "channel", "user": "UGRACE",
		"text": "<@UADA> the user called, it is urgent &amp; blocking", "ts": "1712399999.000100", "thread_ts": card.TS})
	if ev.Chat != (bot.Chat{ID: "CAGENTS", Kind: bot.ChatChannel, Thread: card.TS}) || ev.Kind != bot.EventMessage {
		t.Fatalf("thread reply event: %+v", ev)
	}
	msgs, err := w.store.Messages(context.Background(), w.ticket("IT-1").ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Kind != tickets.KindNote || !strings.Contains(msgs[0].Text, "urgent & blocking") {
		t.Fatalf("want one internal note, got %+v", msgs)
	}
	mustContain(t, "Ada's DM", w.transcript("DADA", "UADA"), "mentioned you in a note on *IT-1*")
	if strings.Contains(w.transcript("DCARL", "UCARL"), "urgent") {
		t.Fatal("the requester must never see a note")
	}
}

// A thread reply on the card in the agent's own DM is an internal note too,
// not a new question of the agent's.
func TestCardThreadReplyInAgentDMIsInternalNote(t *testing.T) {
	w := newWorld(t)
	w.start()
	escalate(w)
	var card fakeMsg
	for _, m := range w.slack.messages("DADA", "UADA") {
		if strings.Contains(render(m.Blocks), "Start Chat") {
			card = m
		}
	}
	if card.TS == "" {
		t.Fatalf("no card in Ada's DM:\n%s", w.transcript("DADA", "UADA"))
	}
	before := len(w.slack.messages("DADA", "UADA"))
	w.event(map[string]any{"type": "message", "channel": "DADA", "channel_type": "im", "user": "UADA",
		"text": "called the user, waiting for the logs", "ts": "1712399999.000200", "thread_ts": card.TS})
	msgs, err := w.store.Messages(context.Background(), w.ticket("IT-1").ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Kind != tickets.KindNote || msgs[0].Text != "called the user, waiting for the logs" {
		t.Fatalf("want one internal note, got %+v", msgs)
	}
	if after := w.slack.messages("DADA", "UADA"); len(after) != before {
		t.Fatalf("the bot answered the note as a question: %s", render(after[len(after)-1].Blocks))
	}
}

func TestSlashCommand(t *testing.T) {
	w := newWorld(t)
	w.start()
	// In a channel, the answer goes to the user's DM with the bot.
	ev := w.slash("UCARL", "CGENERAL", "How do I reset my password?")
	if ev.Kind != bot.EventCommand || ev.Chat.ID != "DCARL" || ev.Trigger == "" {
		t.Fatalf("command event: %+v", ev)
	}
	mustContain(t, "Carl's DM", w.transcript("DCARL", "UCARL"), "https://id.example.com/reset")
	if len(w.slack.messages("CGENERAL", "UCARL")) != 0 {
		t.Fatal("nothing should be posted in the channel")
	}
	w.slash("UADA", "DADA", "offline")
	if m := w.last("DADA", "UADA"); !strings.Contains(render(m.Blocks), "offline") {
		t.Fatalf("agent presence reply: %s", render(m.Blocks))
	}
}

func TestUserLocalePicksFAQLanguage(t *testing.T) {
	w := newWorld(t)
	w.start()
	ev := w.say("UDIETER", "VPN verbindet nicht")
	if ev.User.Locale != "de-DE" {
		t.Fatalf("locale = %q", ev.User.Locale)
	}
	mustContain(t, "Dieter's DM", w.transcript("DDIETER", "UDIETER"), "Öffnen Sie GlobalProtect")
	w.say("UDIETER", "danke")
	if n := len(w.slack.callsOf("users.info")); n != 1 {
		t.Fatalf("users.info should be cached, called %d times", n)
	}
}

func TestReconnectsAfterDroppedConnection(t *testing.T) {
	w := newWorld(t)
	w.start()
	w.slack.dropConnection()
	w.slack.waitConnected()
	w.say("UCARL", "hi")
	if n := len(w.slack.callsOf("apps.connections.open")); n < 2 {
		t.Fatalf("apps.connections.open called %d times, want a new connection", n)
	}
	if len(w.slack.messages("DCARL", "UCARL")) == 0 {
		t.Fatal("events after the reconnect should be answered")
	}
}

func TestRevokedTokenStopsWithClearError(t *testing.T) {
	cases := []struct {
		name   string
		revoke func(w *world)
		want   string
	}{
		{"bot token", func(w *world) { w.slack.revoke(w.cfg.Platforms.Slack.BotToken) }, "bot token was refused (token_revoked)"},
		{"app token", func(w *world) { w.slack.revoke(w.cfg.Platforms.Slack.AppToken) }, "app token was refused (token_revoked)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			tc.revoke(w)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := w.adapter.Run(ctx, func(context.Context, bot.Event) error { return nil })
			if !errors.Is(err, slack.ErrAuth) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want ErrAuth with %q", err, tc.want)
			}
			assertNoSecrets(t, w, err.Error())
		})
	}
}

func TestRevokedWhileRunningStops(t *testing.T) {
	w := newWorld(t)
	errc := make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { errc <- w.adapter.Run(ctx, w.engine.Handle) }()
	w.slack.waitConnected()
	w.slack.revoke(w.cfg.Platforms.Slack.BotToken)
	if _, err := w.adapter.Send(ctx, "CGENERAL", bot.Message{Text: "hello"}); err == nil {
		t.Fatal("a call with a revoked token should fail")
	}
	select {
	case err := <-errc:
		if !errors.Is(err, slack.ErrAuth) || !strings.Contains(err.Error(), "token_revoked") {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run should stop when the token is revoked")
	}
}

func TestRateLimitedCallIsRetriedAfterRetryAfter(t *testing.T) {
	w := newWorld(t)
	w.slack.failNext("chat.postMessage", failure{status: http.StatusTooManyRequests, retryAfter: 7})
	w.slack.failNext("chat.postMessage", failure{status: http.StatusTooManyRequests, retryAfter: 2})
	ref, err := w.adapter.Send(context.Background(), "CGENERAL", bot.Message{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.clock.Sleeps(); len(got) != 2 || got[0] != 7*time.Second || got[1] != 2*time.Second {
		t.Fatalf("waits = %v, want [7s 2s] from Retry-After", got)
	}
	if msgs := w.slack.messages("CGENERAL", ""); len(msgs) != 1 || msgs[0].TS != ref.ID {
		t.Fatalf("want the message posted once, got %+v", msgs)
	}
	if n := len(w.slack.callsOf("chat.postMessage")); n != 3 {
		t.Fatalf("chat.postMessage called %d times, want 3", n)
	}
}

func TestRateLimitGivesUpAfterMaxRetries(t *testing.T) {
	w := newWorld(t, func(o *slack.Options) { o.MaxRetries = 1 })
	for range 2 {
		w.slack.failNext("chat.postMessage", failure{status: http.StatusTooManyRequests, retryAfter: 1})
	}
	if _, err := w.adapter.Send(context.Background(), "CGENERAL", bot.Message{Text: "hello"}); err == nil {
		t.Fatal("want an error after the retries")
	}
	if len(w.slack.messages("CGENERAL", "")) != 0 {
		t.Fatal("nothing should be posted")
	}
}

// TestRateLimitStormIsWaitedOutForRetryFor: a reply answered 429 ten times
// (Retry-After 10s each) is still posted once, after waiting out each
// Retry-After; a storm longer than RetryFor (2 minutes) gives up with the
// error and a log line.
func TestRateLimitStormIsWaitedOutForRetryFor(t *testing.T) {
	w := newWorld(t)
	for range 10 {
		w.slack.failNext("chat.postMessage", failure{status: http.StatusTooManyRequests, retryAfter: 10})
	}
	if _, err := w.adapter.Send(context.Background(), "CGENERAL", bot.Message{Text: "hello"}); err != nil {
		t.Fatalf("a 100-second storm should be waited out: %v", err)
	}
	if msgs := w.slack.messages("CGENERAL", ""); len(msgs) != 1 {
		t.Fatalf("want the message posted once, got %d", len(msgs))
	}
	if got := w.clock.Sleeps(); len(got) != 10 || got[0] != 10*time.Second {
		t.Fatalf("waits = %v, want ten of 10s", got)
	}
	for range 20 {
		w.slack.failNext("chat.postMessage", failure{status: http.StatusTooManyRequests, retryAfter: 10})
	}
	if _, err := w.adapter.Send(context.Background(), "CGENERAL", bot.Message{Text: "again"}); err == nil {
		t.Fatal("a storm longer than RetryFor should give up with an error")
	}
	if !strings.Contains(w.logs.String(), "rate limited by Slack for too long") {
		t.Errorf("giving up should be logged:\n%s", w.logs.String())
	}
}

func TestPostsArePacedPerChannel(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for _, ch := range []string{"CGENERAL", "CGENERAL", "CAGENTS", "CGENERAL"} {
		if _, err := w.adapter.Send(ctx, ch, bot.Message{Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	// Second and third post in CGENERAL wait; CAGENTS does not wait for CGENERAL.
	got := w.clock.Sleeps()
	if len(got) != 2 || got[0] != time.Second || got[1] > time.Second {
		t.Fatalf("waits = %v, want two waits of at most 1s, one of exactly 1s", got)
	}
}

func TestGroupChatNameTakenAndArchive(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.slack.addChannel(&fakeChannel{ID: "CX1", Name: "it-7-printer"})
	w.slack.addChannel(&fakeChannel{ID: "CX2", Name: "it-7-printer-2"})
	long := "it-8-" + strings.Repeat("word-", 30)
	for _, tc := range []struct{ name, want string }{
		{"it-7-printer", "it-7-printer-3"},
		{long, strings.TrimRight(long[:80], "-")},
		{"IT 9: Drucker.kaputt", "it-9-drucker-kaputt"},
	} {
		id, err := w.adapter.CreateGroupChat(ctx, bot.GroupChat{Name: tc.name, Topic: "IT-7 for Carl", Members: []string{"UCARL", "UADA", "UCARL"}})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		ch := w.slack.channel(id)
		if ch.Name != tc.want || !ch.Private || len(ch.Members) != 3 || ch.Topic != "IT-7 for Carl" {
			t.Fatalf("%s: channel %+v, want name %s", tc.name, ch, tc.want)
		}
		if err := w.adapter.InviteToGroupChat(ctx, id, "UBOB"); err != nil {
			t.Fatal(err)
		}
		if err := w.adapter.InviteToGroupChat(ctx, id, "UBOB"); err != nil {
			t.Fatalf("inviting again should be harmless: %v", err)
		}
		if err := w.adapter.ArchiveGroupChat(ctx, id); err != nil || !w.slack.channel(id).Archived {
			t.Fatalf("archive: %v", err)
		}
	}
}

func TestTokensNeverLogged(t *testing.T) {
	w := newWorld(t)
	w.start()
	escalate(w)
	// Failures the engine logs: a card that cannot be updated, a 429.
	w.slack.failNext("chat.update", failure{slackErr: "message_not_found"})
	w.slack.failNext("chat.postMessage", failure{status: http.StatusTooManyRequests, retryAfter: 1})
	w.press("UADA", "DADA", "Start Chat")
	if !strings.Contains(w.logs.String(), "message_not_found") {
		t.Fatalf("the failed update should be logged:\n%s", w.logs.String())
	}
	w.slack.dropConnection()
	w.slack.waitConnected()
	w.say("UCARL", "hello")
	assertNoSecrets(t, w, w.logs.String())
	if !strings.Contains(w.logs.String(), "level=") {
		t.Fatal("the log should not be empty")
	}
}

func assertNoSecrets(t *testing.T, w *world, text string) {
	t.Helper()
	sc := w.cfg.Platforms.Slack
	for _, secret := range []string{sc.BotToken, sc.AppToken, sc.SigningSecret, "SECRET", "ticket=tk"} {
		if strings.Contains(text, secret) {
			t.Fatalf("%q leaked into:\n%s", secret, text)
		}
	}
}

// platforms.slack.api_url reaches the adapter (GovSlack, test set-ups): the
// world's adapter talks to the fake only through it.
func TestAPIURLFromConfig(t *testing.T) {
	cfg, err := config.Load(testConfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Platforms.Slack.APIURL = "https://slack-gov.example/api/"
	if got := slack.OptionsFrom(cfg.Platforms.Slack).APIURL; got != "https://slack-gov.example/api/" {
		t.Fatalf("APIURL = %q", got)
	}
}

// With users:read.email, users.info gives the address Slack verified: the
// engine links Carl's Slack account to it (one requester across channels).
// Without the scope there is no address and no link.
func TestVerifiedEmailLinksTheAccount(t *testing.T) {
	for _, scope := range []bool{true, false} {
		w := newWorld(t)
		w.slack.emailScope = scope
		w.start()
		ev := w.say("UCARL", "How do I reset my password?")
		id, err := w.store.IdentityOf(context.Background(), "slack", "UCARL")
		if scope && (ev.User.Email != "Carl@Example.com" || err != nil || id.Email != "carl@example.com") {
			t.Fatalf("with the scope: event email %q, link %+v, %v", ev.User.Email, id, err)
		}
		if !scope && (ev.User.Email != "" || errs.Code(err) != errs.ENOTFOUND) {
			t.Fatalf("without the scope: event email %q, link %+v, %v", ev.User.Email, id, err)
		}
	}
}

// TestRateLimitStormLongerThanRetryForIsDeliveredAfter: Carl's question is
// answered while Slack answers chat.postMessage 429 (Retry-After 10 s) for
// longer than RetryFor (2 minutes). The adapter gives the reply back to
// the engine as temporary, the engine keeps it in its delivery queue, and
// once the storm is over a Tick posts it: once, whole, with its buttons.
func TestRateLimitStormLongerThanRetryForIsDeliveredAfter(t *testing.T) {
	w := newWorld(t)
	w.start()
	w.ensureIM("UCARL")
	const storm = 30 // 30 × 10 s = 5 minutes of 429s
	for range storm {
		w.slack.failNext("chat.postMessage", failure{status: http.StatusTooManyRequests, retryAfter: 10})
	}
	w.say("UCARL", "How do I reset my password?")
	if !strings.Contains(w.logs.String(), "rate limited by Slack for too long") {
		t.Fatalf("the adapter should have given up after RetryFor:\n%s", w.logs.String())
	}
	if n := len(w.slack.messages("DCARL", "UCARL")); n != 0 {
		t.Fatalf("Carl sees %d messages during the storm", n)
	}
	ctx := context.Background()
	if n, err := w.store.CountDeliveries(ctx); err != nil || n == 0 {
		t.Fatalf("queued replies: %d, %v; want the reply queued", n, err)
	}
	tickUntilDelivered(t, w, storm)
	tr := w.transcript("DCARL", "UCARL")
	if strings.Count(tr, "id.example.com/reset") != 1 || strings.Count(tr, "Did this help?") != 1 {
		t.Fatalf("want the answer once, Carl sees:\n%s", tr)
	}
	if n := len(w.slack.callsOf("chat.postMessage")); n <= storm {
		t.Fatalf("chat.postMessage called %d times, want more than the %d answered 429", n, storm)
	}
	w.press("UCARL", "DCARL", "Yes")
	if !strings.Contains(w.transcript("DCARL", "UCARL"), "Glad I could help") {
		t.Fatal("the late answer's buttons do not work")
	}
}

// TestRateLimitStormInTheMiddleOfALongAnswer: a 20,000-character answer goes
// out as several posts; the first is taken, then Slack rate limits the bot
// for longer than RetryFor. After the storm the rest is posted from the
// outbox: every part once, in order, "Did this help?" on the last.
func TestRateLimitStormInTheMiddleOfALongAnswer(t *testing.T) {
	w := newWorld(t)
	w.start()
	w.say("UCARL", "hi") // the greeting, before the storm
	before := len(w.slack.messages("DCARL", "UCARL"))
	const storm = 30
	w.slack.failNext("chat.postMessage", failure{status: http.StatusOK}) // the first part goes through
	for range storm {
		w.slack.failNext("chat.postMessage", failure{status: http.StatusTooManyRequests, retryAfter: 10})
	}
	w.say("UCARL", "What does the travel expense handbook say?")
	if got := len(w.slack.messages("DCARL", "UCARL")) - before; got != 1 {
		t.Fatalf("%d posts during the storm, want the first part only", got)
	}
	tickUntilDelivered(t, w, storm)
	msgs := w.slack.messages("DCARL", "UCARL")[before:]
	if len(msgs) < 2 {
		t.Fatalf("the answer came in %d posts, want several", len(msgs))
	}
	tr := w.transcript("DCARL", "UCARL")
	for _, step := range []string{"Step 1.1:", "Step 30.5:", "Step 65.5:"} {
		if n := strings.Count(tr, step); n != 1 {
			t.Errorf("%q is posted %d times, want once", step, n)
		}
	}
	if !strings.Contains(render(msgs[len(msgs)-1].Blocks), "Did this help?") || strings.Count(tr, "Did this help?") != 1 {
		t.Errorf("want \"Did this help?\" once, on the last post:\n%s", tr)
	}
	if i, j := strings.Index(tr, "Step 1.1:"), strings.Index(tr, "Step 65.5:"); i < 0 || j < i {
		t.Errorf("the parts are out of order:\n%s", tr)
	}
}

// tickUntilDelivered advances the clock a minute and ticks the engine until
// the delivery queue is empty, failing after more ticks than the storm has
// 429s.
func tickUntilDelivered(t *testing.T, w *world, storm int) {
	t.Helper()
	ctx := context.Background()
	for tick := 0; ; tick++ {
		n, err := w.store.CountDeliveries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if tick > storm {
			t.Fatalf("%d replies still queued after %d ticks", n, tick)
		}
		w.clock.Advance(time.Minute)
		if err := w.engine.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
