// Package webchattest is the contract suite every webchat.Store must pass.
package webchattest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/webchat"
)

var base = time.Date(2026, 3, 2, 9, 0, 0, 123456000, time.UTC)

// Run runs the suite; open returns a fresh, empty store for each sub-test.
func Run(t *testing.T, open func(t *testing.T) webchat.Store) {
	t.Run("MessagesAndPrivacy", func(t *testing.T) { testMessages(t, open(t)) })
	t.Run("Update", func(t *testing.T) { testUpdate(t, open(t)) })
	t.Run("GroupChats", func(t *testing.T) { testGroups(t, open(t)) })
	t.Run("Changes", func(t *testing.T) { testChanges(t, open(t)) })
	t.Run("Feed", func(t *testing.T) { testFeed(t, open(t)) })
	t.Run("ConcurrentAddsKeepOrder", func(t *testing.T) { testConcurrent(t, open(t)) })
}

func add(t *testing.T, s webchat.Store, chat, viewer, body string) webchat.Message {
	t.Helper()
	m, err := s.AddMessage(context.Background(), chat, viewer, []byte(body), base)
	if err != nil {
		t.Fatalf("AddMessage: %v", err)
	}
	return m
}

func bodies(ms []webchat.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Body))
	}
	return out
}

func testMessages(t *testing.T, s webchat.Store) {
	ctx := context.Background()
	a := add(t, s, "dm:ann", "", `"hello"`)
	add(t, s, "dm:ann", "ann", `"only ann"`)
	add(t, s, "dm:bob", "", `"bob's"`)
	add(t, s, "dm:ann", "zed", `"only zed"`)
	c := add(t, s, "dm:ann", "", `"third"`)
	if a.ID == 0 || c.ID <= a.ID || c.Seq <= a.Seq || !a.Created.Equal(base) {
		t.Fatalf("ids/seqs not increasing or time lost: %+v %+v", a, c)
	}
	got, err := s.History(ctx, "dm:ann", "ann", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{`"hello"`, `"only ann"`, `"third"`}; !slices.Equal(bodies(got), want) {
		t.Fatalf("History for ann = %v, want %v", bodies(got), want)
	}
	got, _ = s.History(ctx, "dm:ann", "bob", 0, 10)
	if want := []string{`"hello"`, `"third"`}; !slices.Equal(bodies(got), want) {
		t.Fatalf("History for bob = %v, want %v (no one else's private messages)", bodies(got), want)
	}
	got, _ = s.History(ctx, "dm:ann", "ann", 0, 2)
	if want := []string{`"only ann"`, `"third"`}; !slices.Equal(bodies(got), want) {
		t.Fatalf("History limit 2 = %v, want the newest two, oldest first %v", bodies(got), want)
	}
	got, _ = s.History(ctx, "dm:ann", "ann", got[0].ID, 10)
	if want := []string{`"hello"`}; !slices.Equal(bodies(got), want) {
		t.Fatalf("History before = %v, want %v", bodies(got), want)
	}
	m, err := s.Message(ctx, "dm:ann", a.ID)
	if err != nil || string(m.Body) != `"hello"` {
		t.Fatalf("Message = %+v, %v", m, err)
	}
	if _, err := s.Message(ctx, "dm:bob", a.ID); errs.Code(err) != errs.ENOTFOUND {
		t.Fatalf("Message from another chat: %v, want not_found", err)
	}
}

func testUpdate(t *testing.T, s webchat.Store) {
	ctx := context.Background()
	a := add(t, s, "c1", "", `1`)
	b := add(t, s, "c1", "", `2`)
	u, err := s.UpdateMessage(ctx, "c1", a.ID, []byte(`3`), base.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if u.Seq <= b.Seq || string(u.Body) != `3` || !u.Updated.Equal(base.Add(time.Minute)) || !u.Created.Equal(base) {
		t.Fatalf("updated = %+v", u)
	}
	if _, err := s.UpdateMessage(ctx, "c2", a.ID, []byte(`4`), base); errs.Code(err) != errs.ENOTFOUND {
		t.Fatalf("update via another chat: %v, want not_found", err)
	}
	m, _ := s.Message(ctx, "c1", a.ID)
	if string(m.Body) != `3` {
		t.Fatalf("body after refused update = %s", m.Body)
	}
}

func testGroups(t *testing.T, s webchat.Store) {
	ctx := context.Background()
	c, err := s.CreateChat(ctx, webchat.Chat{ID: "g1", Name: "it-1-vpn", Title: "IT-1 VPN", Members: []string{"ann", "ada"}, Created: base})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateChat(ctx, webchat.Chat{ID: "g1", Name: "x"}); errs.Code(err) != errs.ECONFLICT {
		t.Fatalf("second chat with the same id: %v, want conflict", err)
	}
	if err := s.AddMember(ctx, "g1", "linus"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMember(ctx, "g1", "linus"); err != nil {
		t.Fatalf("adding a member twice: %v", err)
	}
	if err := s.AddMember(ctx, "nope", "linus"); errs.Code(err) != errs.ENOTFOUND {
		t.Fatalf("AddMember to no chat: %v", err)
	}
	// A member taken out (a guest removed) no longer has the chat; taking
	// out someone who is not in it changes nothing.
	if err := s.AddMember(ctx, "g1", "hope"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveMember(ctx, "g1", "hope"); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveMember(ctx, "g1", "hope"); err != nil {
		t.Fatalf("removing a non-member: %v", err)
	}
	if err := s.RemoveMember(ctx, "nope", "hope"); errs.Code(err) != errs.ENOTFOUND {
		t.Fatalf("RemoveMember from no chat: %v", err)
	}
	if cs, err := s.ChatsOf(ctx, "hope"); err != nil || len(cs) != 0 {
		t.Fatalf("ChatsOf a removed member = %+v, %v", cs, err)
	}
	got, err := s.Chat(ctx, "g1")
	if err != nil || got.Title != "IT-1 VPN" || got.Archived || !slices.Equal(got.Members, []string{"ann", "ada", "linus"}) || got.Seq <= c.Seq {
		t.Fatalf("Chat = %+v, %v", got, err)
	}
	if err := s.ArchiveChat(ctx, "g1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Chat(ctx, "g1"); !got.Archived {
		t.Fatal("not archived")
	}
	if err := s.ArchiveChat(ctx, "nope"); errs.Code(err) != errs.ENOTFOUND {
		t.Fatalf("archive no chat: %v", err)
	}
	if _, err := s.Chat(ctx, "nope"); errs.Code(err) != errs.ENOTFOUND {
		t.Fatalf("Chat nope: %v", err)
	}
	if _, err := s.CreateChat(ctx, webchat.Chat{ID: "g2", Name: "it-2", Members: []string{"ann"}, Created: base.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	cs, err := s.ChatsOf(ctx, "ann")
	if err != nil || len(cs) != 2 || cs[0].ID != "g2" || cs[1].ID != "g1" {
		t.Fatalf("ChatsOf ann = %+v, %v; want g2, g1", cs, err)
	}
	if cs, _ := s.ChatsOf(ctx, "ada"); len(cs) != 1 {
		t.Fatalf("ChatsOf ada = %+v", cs)
	}
	if cs, _ := s.ChatsOf(ctx, "zed"); len(cs) != 0 {
		t.Fatalf("ChatsOf zed = %+v", cs)
	}
}

func testChanges(t *testing.T, s webchat.Store) {
	ctx := context.Background()
	start, err := s.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	add(t, s, "dm:ann", "", `"a1"`)
	add(t, s, "dm:bob", "", `"b1"`)
	if _, err := s.CreateChat(ctx, webchat.Chat{ID: "g1", Name: "g1", Members: []string{"ann", "ada"}}); err != nil {
		t.Fatal(err)
	}
	add(t, s, "g1", "", `"g1"`)
	add(t, s, "g1", "ada", `"g1 ada only"`)
	add(t, s, "chan", "", `"channel"`)
	ms, cs, err := s.Changes(ctx, "ann", []string{"dm:ann"}, start, 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{`"a1"`, `"g1"`}; !slices.Equal(bodies(ms), want) || len(cs) != 1 || cs[0].ID != "g1" {
		t.Fatalf("Changes for ann = %v, chats %+v; want %v and g1", bodies(ms), cs, want)
	}
	ms, _, _ = s.Changes(ctx, "ada", []string{"dm:ada", "chan"}, start, 100)
	if want := []string{`"g1"`, `"g1 ada only"`, `"channel"`}; !slices.Equal(bodies(ms), want) {
		t.Fatalf("Changes for ada = %v, want %v", bodies(ms), want)
	}
	ms, _, _ = s.Changes(ctx, "zed", nil, start, 100)
	if len(ms) != 0 {
		t.Fatalf("Changes for an outsider = %v", bodies(ms))
	}
	// After the last seen change: only what is new, updates included.
	all, _, _ := s.Changes(ctx, "ann", []string{"dm:ann"}, start, 100)
	last := all[len(all)-1].Seq
	if _, err := s.UpdateMessage(ctx, "dm:ann", all[0].ID, []byte(`"a1 edited"`), base); err != nil {
		t.Fatal(err)
	}
	ms, cs, _ = s.Changes(ctx, "ann", []string{"dm:ann"}, last, 100)
	if want := []string{`"a1 edited"`}; !slices.Equal(bodies(ms), want) || len(cs) != 0 {
		t.Fatalf("Changes after %d = %v %+v, want %v", last, bodies(ms), cs, want)
	}
	if err := s.ArchiveChat(ctx, "g1"); err != nil {
		t.Fatal(err)
	}
	if _, cs, _ = s.Changes(ctx, "ann", nil, ms[0].Seq, 100); len(cs) != 1 || !cs[0].Archived {
		t.Fatalf("archive not in changes: %+v", cs)
	}
	n, _ := s.LastSeq(ctx)
	if n <= last {
		t.Fatalf("LastSeq %d not after %d", n, last)
	}
}

func testConcurrent(t *testing.T, s webchat.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.AddMessage(ctx, "c", "", []byte(`1`), base); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ms, _, err := s.Changes(ctx, "x", []string{"c"}, 0, 100)
	if err != nil || len(ms) != 20 {
		t.Fatalf("%d messages, %v", len(ms), err)
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Seq <= ms[i-1].Seq {
			t.Fatalf("seq not increasing: %d after %d", ms[i].Seq, ms[i-1].Seq)
		}
	}
}

// testFeed: the feed has every change of every viewer, in order, updates
// and chats included, and pages by limit.
func testFeed(t *testing.T, s webchat.Store) {
	ctx := context.Background()
	start, err := s.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a1 := add(t, s, "dm:ann", "", `"a1"`)
	add(t, s, "dm:bob", "bob", `"b1 private"`)
	if _, err := s.CreateChat(ctx, webchat.Chat{ID: "g1", Name: "g1", Members: []string{"ann", "ada"}}); err != nil {
		t.Fatal(err)
	}
	add(t, s, "g1", "", `"g1"`)
	if err := s.AddMember(ctx, "g1", "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateMessage(ctx, "dm:ann", a1.ID, []byte(`"a1 edited"`), base); err != nil {
		t.Fatal(err)
	}
	ms, cs, err := s.Feed(ctx, start, 100)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{`"b1 private"`, `"g1"`, `"a1 edited"`}; !slices.Equal(bodies(ms), want) {
		t.Fatalf("Feed messages = %v, want %v", bodies(ms), want)
	}
	if len(cs) != 1 || cs[0].ID != "g1" || !slices.Equal(cs[0].Members, []string{"ann", "ada", "bob"}) {
		t.Fatalf("Feed chats = %+v, want g1 with ann, ada, bob", cs)
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Seq <= ms[i-1].Seq {
			t.Fatalf("Feed not in Seq order: %+v", ms)
		}
	}
	page, _, err := s.Feed(ctx, start, 2)
	if err != nil || len(page) != 2 {
		t.Fatalf("Feed limit 2 = %v, %v", bodies(page), err)
	}
	rest, _, _ := s.Feed(ctx, page[1].Seq, 100)
	if want := []string{`"a1 edited"`}; !slices.Equal(bodies(rest), want) {
		t.Fatalf("Feed after %d = %v, want %v", page[1].Seq, bodies(rest), want)
	}
}
