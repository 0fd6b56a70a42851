package center_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/tickets"
)

// A duplicate on another desk is merged by someone who is staff of both:
// the ticket merged into keeps its desk, and the duplicate's conversation
// and notes are copied onto it, with a note on both.
func TestMergeAcrossDesks(t *testing.T) {
	e := newEnv(t)
	hr := e.open("hr", "alice@example.com", "Laptop for the new hire")
	it := e.open("it", "alice@example.com", "New hire needs a laptop")
	alice := tickets.Actor{Role: tickets.RoleUser, Platform: "web", ID: "alice@example.com", Name: "alice"}
	if _, err := e.svc.RecordMessage(ctx, hr.ID, "She starts on Monday", "m1", alice, tickets.SourceChat); err != nil {
		t.Fatal(err)
	}
	bob := tickets.Actor{Role: tickets.RoleAgent, Platform: "web", ID: "bob@example.com", Name: "Bob"}
	if _, err := e.svc.AddNote(ctx, hr.ID, "IT has to order it", "", bob, tickets.SourceWeb); err != nil {
		t.Fatal(err)
	}
	// Bob is an agent of HR only: he may not merge into an IT ticket.
	if status, _ := e.signIn("bob@example.com").post("/center/tickets/"+hr.Key+"/merge", url.Values{"into": {it.Key}}); status == http.StatusSeeOther {
		t.Fatal("an agent of one desk merged into a ticket of another")
	}
	if got := e.get(hr.Key); got.MergedInto != "" {
		t.Fatal("the refused merge changed the duplicate")
	}
	root := e.signIn("root@example.com") // admin of every desk
	if status, page := root.post("/center/tickets/"+hr.Key+"/merge", url.Values{"into": {it.Key}}); status != http.StatusSeeOther {
		t.Fatalf("merge: status %d\n%s", status, page)
	}
	if got := e.get(hr.Key); got.MergedInto != it.Key || got.Status != tickets.StatusResolved || got.Desk != "hr" {
		t.Fatalf("the duplicate after the merge: %+v", got)
	}
	into := e.get(it.Key)
	if into.Desk != "it" {
		t.Fatalf("the ticket merged into moved to %s", into.Desk)
	}
	ms, err := e.store.Messages(ctx, into.ID)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range ms {
		texts = append(texts, string(m.Kind)+": "+m.Text)
	}
	want := []string{
		"note: " + hr.Key + " of the hr desk (Laptop for the new hire, from alice) was merged into this ticket as a duplicate; its 2 messages and notes follow.",
		"transcript: " + hr.Key + " · She starts on Monday",
		"note: " + hr.Key + " · IT has to order it",
	}
	if strings.Join(texts, "\n") != strings.Join(want, "\n") {
		t.Fatalf("messages of %s:\n%s\nwant:\n%s", it.Key, strings.Join(texts, "\n"), strings.Join(want, "\n"))
	}
	if ms[1].Author.Name != "alice" || ms[2].Author.Name != "Bob" {
		t.Errorf("the copies lost their authors: %+v %+v", ms[1].Author, ms[2].Author)
	}
	dms, _ := e.store.Messages(ctx, hr.ID)
	if last := dms[len(dms)-1]; last.Kind != tickets.KindNote || !strings.Contains(last.Text, "Merged into "+it.Key) {
		t.Errorf("the duplicate has no note of where it went: %+v", last)
	}
	// The page of the ticket merged into shows the copied conversation.
	if _, page := root.do("GET", "/center/tickets/"+it.Key, nil); !strings.Contains(page, hr.Key+" · She starts on Monday") {
		t.Error("the merged conversation is not on the ticket page")
	}
}
