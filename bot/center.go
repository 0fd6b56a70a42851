package bot

import (
	"context"
	"fmt"
)

// Notify sends text to a user's DM on a platform: the Ticket Center uses it
// for the followers of a ticket. The Ticket Center's changes themselves go
// through the transition methods (transitions.go), as the engine's own do.
func (e *Engine) Notify(ctx context.Context, platform, user, text string) error {
	if _, err := e.sendDM(ctx, platform, user, Message{Text: text}); err != nil {
		return fmt.Errorf("notify %s on %s: %w", user, platform, err)
	}
	return nil
}
