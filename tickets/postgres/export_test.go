package postgres

// SetWatchHook makes s's web chat watchers call fn with every notification
// they read and whether it was for s's schema (and so signalled), before
// they signal. Call it before WatchChanges.
func SetWatchHook(s *Store, fn func(payload string, ours bool)) { s.heard = fn }
