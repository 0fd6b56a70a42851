package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack/slacktest"

	"github.com/helpdesk-chat/helpdesk/adapters/slack"
	"github.com/helpdesk-chat/helpdesk/bot"
)

func TestMrkdwn(t *testing.T) {
	cases := []struct{ in, want string }{
		{"**bold** and _italic_", "*bold* and _italic_"},
		{"*emphasis*", "_emphasis_"},
		{"~~gone~~", "~gone~"},
		{"[reset page](https://id.example.com/reset?a=1&b=2)", "<https://id.example.com/reset?a=1&amp;b=2|reset page>"},
		{"# Heading", "*Heading*"},
		{"- one\n- two", "• one\n• two"},
		{"1 < 2 && 3 > 2", "1 &lt; 2 &amp;&amp; 3 &gt; 2"},
		{"`<b>**not bold**</b>`", "`&lt;b&gt;**not bold**&lt;/b&gt;`"},
		// Nothing a user types can become a broadcast, a mention or a link.
		{"<!channel> <!here> <!everyone>", "&lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt;"},
		{"hi <@U024BE7LH>", "hi &lt;@U024BE7LH&gt;"},
		{"[click](javascript:alert(1))", "[click](javascript:alert(1))"},
		{"[x](!channel)", "[x](!channel)"},
		{"[x](https://a.example/|<!here>)", "[x](https://a.example/|&lt;!here&gt;)"},
		{"<https://evil.example|https://bank.example>", "&lt;https://evil.example|https://bank.example&gt;"},
		// Text the engine made literal (bot.Literal) takes part in no markup:
		// a typed link keeps its visible address and has no hidden target.
		{bot.Literal("[click here](https://evil.example/x)"), "[click here](https://evil.example/x)"},
		{"see " + bot.Literal("**[a](https://evil.example)**") + " [docs](https://docs.example)", "see **[a](https://evil.example)** <https://docs.example|docs>"},
		{bot.Literal("<@U1> <!here> a\\b ~~x~~"), "&lt;@U1&gt; &lt;!here&gt; a\\b ~~x~~"},
		{"`a\\*b` \\`x\\`", "`a\\*b` `x`"},
	}
	for _, tc := range cases {
		if got := slack.Mrkdwn(tc.in); got != tc.want {
			t.Errorf("Mrkdwn(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func blocksJSON(t *testing.T, m bot.Message) []map[string]any {
	t.Helper()
	b, err := json.Marshal(slack.Blocks(m))
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBlocks(t *testing.T) {
	m := bot.Message{
		Title:  "IT-1 · VPN <drops>",
		Text:   "Assigned to **Ada**.",
		Fields: []bot.Field{{Label: "Requester", Value: "Carl <!here>"}, {Label: "Priority", Value: "high"}},
		Buttons: []bot.Button{
			{ID: "rate", Label: "★", Value: "1:1"}, {ID: "rate", Label: "★★", Value: "1:2", Style: bot.StylePrimary},
			{Label: "Ticket Center", URL: "https://helpdesk.example.com/t/1"},
			{Label: "Bad link", URL: "javascript:alert(1)"},
		},
		Select: &bot.Select{ID: "menu", Placeholder: "Pick a topic", Options: []bot.Option{{Label: "Network & VPN", Value: "network"}}},
	}
	bs := blocksJSON(t, m)
	got := render(bs)
	want := "# IT-1 · VPN <drops>\nAssigned to *Ada*.\n*Requester*\nCarl &lt;!here&gt;\n*Priority*\nhigh\n[★] [★★] [Ticket Center]\n{Network & VPN}"
	if got != want {
		t.Fatalf("blocks render as\n%s\nwant\n%s", got, want)
	}
	// Action ids are unique in a block and map back to the engine's ids.
	buttons := bs[3]["elements"].([]any)
	ids := map[string]bool{}
	for _, b := range buttons {
		ids[b.(map[string]any)["action_id"].(string)] = true
	}
	if len(ids) != 3 {
		t.Fatalf("action ids must be unique: %v", ids)
	}
	link := buttons[2].(map[string]any)
	if link["url"] != "https://helpdesk.example.com/t/1" {
		t.Fatalf("link button: %v", link)
	}
	if buttons[1].(map[string]any)["style"] != "primary" {
		t.Fatalf("style: %v", buttons[1])
	}
	sel := bs[4]["elements"].([]any)[0].(map[string]any)
	if sel["type"] != "static_select" || sel["placeholder"].(map[string]any)["text"] != "Pick a topic" {
		t.Fatalf("select: %v", sel)
	}
	// Long text is split under Slack's 3000-character section limit.
	long := blocksJSON(t, bot.Message{Text: strings.Repeat("word ", 1500)})
	if len(long) != 3 {
		t.Fatalf("7500 characters should need 3 sections, got %d", len(long))
	}
	for _, b := range long {
		if n := len([]rune(b["text"].(map[string]any)["text"].(string))); n > 3000 {
			t.Fatalf("section of %d characters", n)
		}
	}
}

// TestBroadcastEscapingEndToEnd: what a user types is echoed on a ticket
// card without becoming a broadcast or a mention.
func TestBroadcastEscapingEndToEnd(t *testing.T) {
	w := newWorld(t)
	w.start()
	w.say("UCARL", "VPN does not connect")
	w.press("UCARL", "DCARL", "No")
	w.press("UCARL", "DCARL", "Talk to an agent")
	w.submit("UCARL", map[string]string{"system": "VPN", "details": "<!channel> <@UADA> &lt;!here&gt; @everyone"})
	for _, m := range w.slack.messages("CAGENTS", "") {
		raw, _ := json.Marshal(m.Blocks)
		for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<@UADA>", "@everyone"} {
			if strings.Contains(string(raw)+m.Text, bad) {
				t.Fatalf("%q reached Slack unescaped: %s", bad, raw)
			}
		}
		mustContain(t, "the card", render(m.Blocks), "&lt;@UADA&gt;", "&amp;lt;!")
	}
}

// TestAgainstSlacktest runs the adapter against slack-go's own test server
// (its auth.test, users.info and chat.postEphemeral), extended with a
// chat.postMessage handler that records what it receives.
func TestAgainstSlacktest(t *testing.T) {
	var mu sync.Mutex
	var posted []url.Values
	s := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			mu.Lock()
			posted = append(posted, r.PostForm)
			mu.Unlock()
			_, _ = w.Write([]byte(`{"ok":true,"channel":"C1","ts":"1712345.000200"}`))
		})
	})
	s.Start()
	defer s.Stop()
	a, err := slack.New(slack.Options{BotToken: "xoxb-slacktest", AppToken: "xapp-slacktest", APIURL: s.GetAPIURL(), ChannelInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ref, err := a.Send(ctx, "C1/1712345.000100", bot.Message{Text: "Ticket **IT-1** is <open>"})
	if err != nil || ref != (bot.MessageRef{Chat: "C1/1712345.000100", ID: "1712345.000200"}) {
		t.Fatalf("Send = %+v, %v", ref, err)
	}
	mu.Lock()
	p := posted[0]
	mu.Unlock()
	if p.Get("channel") != "C1" || p.Get("thread_ts") != "1712345.000100" || p.Get("text") != "Ticket *IT-1* is &lt;open&gt;" ||
		!strings.Contains(p.Get("blocks"), `"type":"section"`) {
		t.Fatalf("chat.postMessage form: %v", p)
	}
	if err := a.SendPrivate(ctx, "C1", "W012A3CDE", bot.Message{Text: "only you"}); err != nil {
		t.Fatal(err)
	}
	u := a.User(ctx, "W012A3CDE")
	if u.ID != "W012A3CDE" || u.Name == "" || u.Name == "W012A3CDE" {
		t.Fatalf("user from slacktest's users.info: %+v", u)
	}
}

// TestBigCardSplitWithinLimits: a ticket card whose fields pass Slack's
// limits (a 5,000-character answer, 30 answers in all) goes out as several
// messages "(i/n)" that the fake accepts (10 fields of 2,000 characters a
// section, 50 blocks, 3,000 a section text), every answer whole across its
// "… (cont.)" fields, the status and buttons on the last message only; an
// update changes the last message.
func TestBigCardSplitWithinLimits(t *testing.T) {
	w := newWorld(t)
	long := strings.Repeat("Fish & <chips> are served; ", 185) // 4,995 characters, longer once escaped
	card := bot.Message{Title: "IT-7 · The printer on floor 3 is on fire", Text: "*Status:* waiting for an agent",
		Buttons: []bot.Button{{ID: "take", Label: "Take ticket", Value: "IT-7"}}}
	want := map[string]string{}
	for i := range 30 {
		f := bot.Field{Label: fmt.Sprintf("Answer %d", i+1), Value: strings.Repeat(string(rune('a'+i%26)), 900)}
		if i == 3 {
			f.Value = long
		}
		want[f.Label] = f.Value
		card.Fields = append(card.Fields, f)
	}
	ref, err := w.adapter.Send(context.Background(), "CAGENTS", card)
	if err != nil {
		t.Fatal(err)
	}
	msgs := w.slack.messages("CAGENTS", "")
	if len(msgs) < 2 {
		t.Fatalf("want the card split over several messages, got %d", len(msgs))
	}
	if last := msgs[len(msgs)-1]; last.TS != ref.ID {
		t.Errorf("the ref should be the last message, got %s of %s", ref.ID, last.TS)
	}
	unescape := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace
	got := map[string]string{}
	for i, m := range msgs {
		r := render(m.Blocks)
		if wantTitle := fmt.Sprintf("# %s (%d/%d)", card.Title, i+1, len(msgs)); !strings.HasPrefix(r, wantTitle) {
			t.Errorf("message %d starts %q, want %q", i+1, head(r), wantTitle)
		}
		last := i == len(msgs)-1
		if strings.Contains(r, "[Take ticket]") != last || strings.Contains(r, "waiting for an agent") != last {
			t.Errorf("message %d of %d: the status and buttons belong on the last only:\n%s", i+1, len(msgs), head(r))
		}
		for _, b := range m.Blocks {
			fs, _ := b["fields"].([]any)
			for _, fl := range fs {
				text, _ := fl.(map[string]any)["text"].(string)
				label, value, ok := strings.Cut(text, "*\n")
				if !ok {
					t.Fatalf("field %q is not *label*\\nvalue", head(text))
				}
				label = strings.TrimSuffix(strings.TrimPrefix(label, "*"), " (cont.)")
				got[label] += unescape(value)
			}
		}
	}
	for label, v := range want {
		if got[label] != v {
			t.Errorf("%s: got %d characters %q…, want the %d sent", label, len(got[label]), head(got[label]), len(v))
		}
	}
	card.Text = "*Status:* taken by Ada"
	card.Buttons = nil
	if err := w.adapter.Update(context.Background(), ref, card); err != nil {
		t.Fatal(err)
	}
	msgs = w.slack.messages("CAGENTS", "")
	if r := render(msgs[len(msgs)-1].Blocks); !strings.Contains(r, "taken by Ada") || strings.Contains(r, "[Take ticket]") {
		t.Errorf("the update should change the last message:\n%s", head(r))
	}
}

func head(s string) string {
	if len(s) > 80 {
		return s[:80]
	}
	return s
}
