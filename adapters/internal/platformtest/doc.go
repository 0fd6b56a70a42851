// Package platformtest holds what the chat adapters' tests share: for now a
// log buffer safe for several goroutines. The platform contract suite (one
// journey and its edge cases run against each adapter's fake) belongs here
// and is not written yet. Only tests import it.
package platformtest
