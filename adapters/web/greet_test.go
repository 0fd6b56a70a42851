package web_test

import (
	"strings"
	"testing"
)

// The chat opens with the desk's greeting, description and menu, once.
func TestChatOpensWithTheGreeting(t *testing.T) {
	srv := start(t)
	zoe := signIn(t, srv, "zoe", "Zoe")
	h := zoe.history(zoe.dm())
	if len(h) != 1 || !h[0].From.Bot || !strings.Contains(h[0].HTML, "IT Help Desk") ||
		!strings.Contains(h[0].HTML, "Laptops, accounts, VPN") || len(h[0].Buttons) == 0 {
		t.Fatalf("the opened chat should hold the greeting with the menu:\n%s", dump(h))
	}
	// Another tab, or a reload: still one greeting.
	again := signIn(t, srv, "zoe", "Zoe")
	if h := again.history(again.dm()); len(h) != 1 {
		t.Fatalf("greeted again:\n%s", dump(h))
	}
	// Asking goes on as usual, without a second greeting.
	zoe.say(zoe.dm(), "How do I connect to the VPN?")
	h = zoe.history(zoe.dm())
	n := 0
	for _, v := range h {
		if strings.Contains(v.HTML, "this is the") {
			n++
		}
	}
	if n != 1 || !strings.Contains(dump(h), "GlobalProtect") {
		t.Fatalf("after a question:\n%s", dump(h))
	}
}
