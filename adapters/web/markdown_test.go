package web_test

import (
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/web"
	"github.com/helpdesk-chat/helpdesk/bot"
)

func TestTyped(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`A ThinkPad **T14**`, `<p>A ThinkPad <strong>T14</strong></p>`},
		{`[click here](https://evil.example/x) [x](/\evil.example)`, `<p>[click here](<a href="https://evil.example/x" target="_blank" rel="noopener noreferrer">https://evil.example/x</a>) [x](/\evil.example)</p>`},
	} {
		if got := web.Typed(tc.in); got != tc.want {
			t.Errorf("Typed(%q)\n got  %s\n want %s", tc.in, got, tc.want)
		}
	}
}

func TestPlain(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`[x](/\evil.example) <b> **b**`, `[x](/\evil.example) &lt;b&gt; **b**`},
		{"see https://a.example/x\nbye", `see <a href="https://a.example/x" target="_blank" rel="noopener noreferrer">https://a.example/x</a><br>bye`},
		{"[click](https://evil.example)", `[click](<a href="https://evil.example" target="_blank" rel="noopener noreferrer">https://evil.example</a>)`},
	} {
		if got := web.Plain(tc.in); got != tc.want {
			t.Errorf("Plain(%q)\n got  %s\n want %s", tc.in, got, tc.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "hello", "<p>hello</p>"},
		{"escapes html", `<script>alert("x")</script> & <b>`, "<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;</p>"},
		{"bold italic", "**IT-3** is _done_ and *fine*", "<p><strong>IT-3</strong> is <em>done</em> and <em>fine</em></p>"},
		{"code stays literal", "run `rm -rf **x** <y>` now", "<p>run <code>rm -rf **x** &lt;y&gt;</code> now</p>"},
		{"unclosed backtick", "a ` b", "<p>a ` b</p>"},
		{"link", "see [the docs](https://x.example/a?b=1&c=2)", `<p>see <a href="https://x.example/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the docs</a></p>`},
		{"local link", "[center](/center/)", `<p><a href="/center/" target="_blank" rel="noopener noreferrer">center</a></p>`},
		{"javascript link refused", "[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"},
		{"protocol-relative refused", "[x](//evil.example)", "<p>[x](//evil.example)</p>"},
		{"quote cannot break out", `[x](https://a.example/"onmouseover="alert(1))`, `<p><a href="https://a.example/&#34;onmouseover=&#34;alert(1" target="_blank" rel="noopener noreferrer">x</a>)</p>`},
		{"bare url", "go to https://id.example.com/reset.", `<p>go to <a href="https://id.example.com/reset" target="_blank" rel="noopener noreferrer">https://id.example.com/reset</a>.</p>`},
		{"list", "Steps:\n1. Open it.\n2. Sign in.\n\n- a\n- **b**", "<p>Steps:</p><ol><li>Open it.</li><li>Sign in.</li></ol><ul><li>a</li><li><strong>b</strong></li></ul>"},
		{"wrapped list item", "1. Open it from the\n   menu bar.\n2. Sign in.\nDone.", "<ol><li>Open it from the menu bar.</li><li>Sign in.</li></ol><p>Done.</p>"},
		{"soft breaks and paragraphs", "one\ntwo\n\nthree", "<p>one two</p><p>three</p>"},
		{"hard breaks", "one  \ntwo\\\nthree\nfour", "<p>one<br>two<br>three four</p>"},
		{"bold labels start a line", "**IT**: 0 waiting\n**HR**: 1 waiting", "<p><strong>IT</strong>: 0 waiting<br><strong>HR</strong>: 1 waiting</p>"},
		{"bullets", "Desks:\n• **IT**: laptops\n• **HR**: leave", "<p>Desks:</p><ul><li><strong>IT</strong>: laptops</li><li><strong>HR</strong>: leave</li></ul>"},
		{"snake_case untouched", "set max_open_tickets to 5", "<p>set max_open_tickets to 5</p>"},
		{"nul bytes cannot fake tokens", "a\x000\x00b", "<p>a0b</p>"},
		// Browsers read "/\" as "//": the address would be http://evil.example.
		{"backslash address refused", `[x](/\evil.example)`, `<p>[x](/\evil.example)</p>`},
		{"escaped backslash address refused", `[x](/%5C/evil.example) [y](/\/evil.example)`, `<p><a href="/%5C/evil.example" target="_blank" rel="noopener noreferrer">x</a> [y](//evil.example)</p>`},
		// What the engine made literal (bot.Literal) takes part in no markup.
		{"literal link stays text", bot.Literal("[click here](https://evil.example/x) **b**"), `<p>[click here](<a href="https://evil.example/x" target="_blank" rel="noopener noreferrer">https://evil.example/x</a>) **b**</p>`},
		{"literal backtick", bot.Literal("`x`") + " `y`", "<p>`x` <code>y</code></p>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := web.Markdown(tc.in); got != tc.want {
				t.Errorf("Markdown(%q)\n got  %s\n want %s", tc.in, got, tc.want)
			}
		})
	}
}
