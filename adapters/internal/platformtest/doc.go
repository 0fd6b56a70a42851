// Package platformtest holds what the chat adapters' tests share: the
// platform contract suite and a log buffer safe for several goroutines.
//
// The contract suite (Run) plays the same journey and edge cases against
// each adapter over its own fake: an FAQ answer; a question the FAQ cannot
// answer becoming a ticket, its card, Start Chat, the group chat both ways,
// End Service and the evaluation prompt; a duplicate delivery handled once;
// the order of messages in one chat. Each adapter's TestContract implements
// Driver over its fake. Nothing sleeps: waits re-check their condition when
// the Session signals a change (Signal), and "nothing else arrived" is shown
// by a later marker message in the same chat. Cases are data (cases), so the
// per-platform limits of the next issues are added as more cases. Only tests
// import it.
package platformtest
