package bot_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/bot/bottest"
)

// BenchmarkJourney runs one whole journey per iteration through the engine on
// the in-memory platform and a SQLite store: question, answer, "No", form in
// chat, ticket, Start Chat, two messages, End Service, rating, comment. Beside
// the wall time it reports the process's CPU time per journey (cpu-ns/op),
// which other programs on a shared machine disturb less.
func BenchmarkJourney(b *testing.B) {
	h := bottest.New(b, testConfig)
	ada := h.Person("ada", "Ada")
	b.ReportAllocs()
	cpu0 := cpuTime(b)
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
	b.StopTimer()
	b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
