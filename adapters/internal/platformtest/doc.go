// Package platformtest holds what the chat adapters' tests share: a log
// buffer safe for several goroutines, and (in time) the platform contract
// suite run against each adapter's fake. Only tests import it.
package platformtest
