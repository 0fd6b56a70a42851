package email

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Store is what the channel keeps in the ticket store.
type Store interface {
	tickets.TicketReader
	tickets.EventLedger
	tickets.Checkpoints
	tickets.IdentityReader
}

// hashID turns a Message-ID (or any key) into a short, safe name part.
func hashID(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:12])
}

// getJSON reads a checkpoint into v; found is false when none was saved.
func getJSON(ctx context.Context, st tickets.Checkpoints, name string, v any) (version int64, found bool, err error) {
	b, ver, err := st.GetCheckpoint(ctx, name)
	if errs.Code(err) == errs.ENOTFOUND {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return 0, false, fmt.Errorf("decode %s: %w", name, err)
	}
	return ver, true, nil
}

// updateJSON changes a checkpoint under its version: fn changes v (a zero
// value when none was saved) and reports whether to write; a conflict with
// another writer runs fn again on what they wrote.
func updateJSON[T any](ctx context.Context, st tickets.Checkpoints, name string, fn func(v *T) (bool, error)) (T, error) {
	for {
		var v T
		ver, _, err := getJSON(ctx, st, name, &v)
		if err != nil {
			return v, err
		}
		write, err := fn(&v)
		if err != nil || !write {
			return v, err
		}
		b, err := json.Marshal(v)
		if err != nil {
			return v, err
		}
		_, err = st.PutCheckpoint(ctx, name, b, ver)
		if errs.Code(err) == errs.ECONFLICT {
			if ctx.Err() != nil {
				return v, ctx.Err()
			}
			continue
		}
		return v, err
	}
}
