package bot_test

import (
	"fmt"
	"testing"

	"github.com/helpdesk-chat/helpdesk/bot/bottest"
)

// BenchmarkJourney runs one whole journey per iteration through the engine on
// the in-memory platform and a SQLite store: question, answer, "No", form in
// chat, ticket, Start Chat, two messages, End Service, rating, comment.
func BenchmarkJourney(b *testing.B) {
	h := bottest.New(b, testConfig)
	ada := h.Person("ada", "Ada")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u := h.Person(fmt.Sprintf("user%d", i), "User")
		u.Say("VPN does not connect")
		u.Press("No")
		u.Press("Talk to an agent")
		u.Press("VPN")
		u.Say("drops every hour")
		u.Press("Skip")
		ada.Press("Start Chat")
		g := u.Group()
		u.SayIn(g.ID, "it dropped again")
		ada.SayIn(g.ID, "update GlobalProtect")
		ada.PressIn(g.ID, "End Service")
		u.Press("★★★★☆")
		u.Say("thanks")
	}
}
