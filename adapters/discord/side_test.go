package discord_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/adapters/discord/discordfake"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Ada asks Bob in a side conversation: a second private thread in the
// support channel without Ann, whose messages are internal notes; Bob is
// then removed from the thread.
func TestSideConversationIsAPrivateThreadWithoutTheRequester(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.run()
	f := e.fake
	card := openTicket(t, e)
	f.Press(adaID, card.ID, "Start Chat")
	f.WaitFor("the group thread", func() bool { return len(f.ChildrenOf(support)) == 1 })
	group := f.ChildrenOf(support)[0]
	f.WaitMessage(group.ID, adaID, 0, "End Service")

	f.Say(adaID, group.ID, "/helpdesk side <@"+bobID+">", false)
	f.WaitFor("the side thread", func() bool { return len(f.ChildrenOf(support)) == 2 })
	var side discordfake.Channel
	for _, c := range f.ChildrenOf(support) {
		if c.ID != group.ID {
			side = c
		}
	}
	if side.Type != discordfake.TypePrivateThread {
		t.Fatalf("side conversation is type %d, want a private thread", side.Type)
	}
	f.WaitFor("Ada and Bob in the side thread", func() bool {
		c, _ := f.Channel(side.ID)
		return slices.Contains(c.Members, adaID) && slices.Contains(c.Members, bobID)
	})
	if c, _ := f.Channel(side.ID); slices.Contains(c.Members, annID) {
		t.Fatal("the requester is in the side thread")
	}
	f.WaitMessage(side.ID, bobID, 0, "the requester, is not in this chat")

	f.Say(bobID, side.ID, "Their GitLab token expired", false)
	f.WaitFor("the side note", func() bool {
		return strings.Contains(strings.Join(e.messages("IT-1", tickets.KindNote), "\n"), "GitLab token expired")
	})
	if strings.Contains(strings.Join(e.messages("IT-1", tickets.KindTranscript), "\n"), "token expired") {
		t.Fatal("the side conversation is in the transcript")
	}

	f.Say(adaID, side.ID, "/helpdesk remove <@"+bobID+">", false)
	f.WaitFor("Bob out of the side thread", func() bool {
		c, _ := f.Channel(side.ID)
		return !slices.Contains(c.Members, bobID)
	})
}

// Once the form is sent, its prompt's buttons are shown disabled at once,
// with a line saying why (the fake, like Discord, lets nobody press a
// disabled button; the engine's refusal of a late press is tested in bot).
func TestSentFormsPromptDisablesItsButtons(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.run()
	f := e.fake
	openTicket(t, e)
	dm := f.DMChannel(annID)
	prompt := f.WaitMessage(dm, annID, 0, "Open the form again")
	f.WaitFor("the prompt's buttons disabled once the form is sent", func() bool {
		m := f.Message(prompt.ID)
		return len(m.Disabled()) == len(prompt.Buttons()) && strings.Contains(m.Content, "That button is no longer active.")
	})
	if !strings.Contains(f.Message(prompt.ID).Content, "Access request") {
		t.Fatalf("the retired prompt lost its text: %q", f.Message(prompt.ID).Content)
	}
}
