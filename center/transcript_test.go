package center_test

import (
	"strings"
	"testing"
)

// The ticket page shows the conversation as the chat did: the bot's FAQ
// answer (posted with /helpdesk faq post) as the bot's, its markdown
// rendered and its admin-written link live; what a person typed rendered
// without raw HTML and without a [label](address) link hiding where it goes.
func TestTranscriptRendersMarkdownSafely(t *testing.T) {
	faqText := strings.Replace(testFAQ, "answer: Open GlobalProtect.}",
		`answer: "Open **GlobalProtect**, see [the VPN guide](https://intranet.example.com/vpn)."}`, 1)
	l := newLiveConfig(t, false, testConfig, faqText)
	tk := l.ask(l.alice, "zebra quantum marmalade")
	chat := l.start(tk)
	agent := l.agents[tk.Assignee]
	l.alice.SayIn(chat, `<b>bold?</b> **really** [click me](https://evil.example/x)`)
	agent.CommandIn(chat, "group", "faq post vpn")
	_, page := l.agentBrowser[tk.Assignee].do("GET", "/center/tickets/"+tk.Key, nil)
	conv := page[strings.Index(page, `id="h-transcript"`):]
	conv = conv[:strings.Index(conv, "</section>")]
	for _, want := range []string{
		`&lt;b&gt;bold?&lt;/b&gt; <strong>really</strong> [click me](`, // typed: escaped, no hidden link
		`helpdesk (FAQ, posted by ` + tk.Assignee + `)`,                // the bot's words, at the agent's request
		`Open <strong>GlobalProtect</strong>, see <a href="https://intranet.example.com/vpn"`,
	} {
		if !strings.Contains(conv, want) {
			t.Errorf("the conversation lacks %s:\n%s", want, conv)
		}
	}
	if strings.Contains(conv, "<b>bold?") || strings.Contains(conv, `href="https://evil.example/x">click me`) {
		t.Errorf("typed markup or a hidden link came through:\n%s", conv)
	}
}
