package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/web"
)

func BenchmarkMarkdown(b *testing.B) {
	text := strings.Repeat("1. Open **GlobalProtect** from the system tray (Windows) or the menu bar.\n"+
		"2. Enter the portal `vpn.example.com` and see [the guide](https://wiki.example.com/vpn).\n\n", 4)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		web.Markdown(text)
	}
}

// BenchmarkChatMessageLive measures one message in a ticket chat from the
// sender's POST to the other member's event stream: store, engine
// (transcript) and Server-Sent Events, on SQLite.
func BenchmarkChatMessageLive(b *testing.B) {
	srv := start(b)
	sam := signIn(b, srv, "sam", "Sam")
	ada := signIn(b, srv, "ada", "Ada")
	card := openTicket(b, sam, ada)
	ada.press(card, "Start Chat")
	chats := sam.me().Chats
	room := chats[len(chats)-1].ID
	live := ada.stream(ada.me().Seq)
	i := 0
	for b.Loop() {
		i++
		text := fmt.Sprintf("message %d", i)
		sam.say(room, text)
		live.next(b, text)
	}
}
