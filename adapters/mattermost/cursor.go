package mattermost

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
)

// CursorKey is the checkpoint under which the catch-up cursor is saved
// (apart from conversation states).
const CursorKey = "mattermost:cursor"

// Cursor keeps the catch-up cursor across restarts; tickets.Checkpoints
// (every store) satisfies it. PutCheckpoint must report errs.ECONFLICT
// when the stored version is no longer version.
type Cursor interface {
	GetCheckpoint(ctx context.Context, name string) (value []byte, version int64, err error)
	PutCheckpoint(ctx context.Context, name string, value []byte, version int64) (int64, error)
}

// cursorState is what is saved under CursorKey.
type cursorState struct {
	// CreateAt is the create_at (ms) of the newest post handed to the
	// engine: a DM to the bot, a mention, a ticket channel post or a card
	// thread reply.
	CreateAt int64 `json:"create_at"`
}

// loadCursor reads the saved cursor; 0 if none was saved.
func (a *Adapter) loadCursor(ctx context.Context) (at, version int64, err error) {
	data, version, err := a.opts.Cursor.GetCheckpoint(ctx, CursorKey)
	if errs.Code(err) == errs.ENOTFOUND {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("read the mattermost catch-up cursor: %w", err)
	}
	var c cursorState
	if err := json.Unmarshal(data, &c); err != nil {
		a.log.Warn("unreadable catch-up cursor ignored", "err", err)
		return 0, version, nil
	}
	return c.CreateAt, version, nil
}

// startCursor reads the saved cursor when Run starts and returns where the
// start-up catch-up begins (ms), or 0 for none: no cursor was saved (the
// first start) or no store was given.
func (a *Adapter) startCursor(ctx context.Context) int64 {
	if a.opts.Cursor == nil {
		return 0
	}
	at, version, err := a.loadCursor(ctx)
	if err != nil {
		a.log.Warn("no catch-up of posts made while the bot was down", "err", err)
		return 0
	}
	a.cursorMu.Lock()
	a.cursorAt, a.cursorVersion = at, version
	a.cursorMu.Unlock()
	if at == 0 {
		return 0
	}
	return a.catchUpSince(at)
}

// catchUpSince bounds a catch-up from the cursor at (ms): it starts
// CatchUpMargin before at, but never more than CatchUpWindow ago.
func (a *Adapter) catchUpSince(at int64) int64 {
	oldest := a.opts.Now().Add(-a.opts.CatchUpWindow).UnixMilli()
	return max(at-a.opts.CatchUpMargin.Milliseconds(), oldest)
}

// saveCursor moves the saved cursor forward to at (ms). When another
// replica moved it in between (ECONFLICT) it re-reads it and keeps the
// later of the two. Failures are logged: the next handled post retries.
func (a *Adapter) saveCursor(ctx context.Context, at int64) {
	if a.opts.Cursor == nil || at <= 0 {
		return
	}
	// The post was handled: save even if Run is ending meanwhile.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	a.cursorMu.Lock()
	defer a.cursorMu.Unlock()
	for range 5 {
		if at <= a.cursorAt {
			return
		}
		data, err := json.Marshal(cursorState{CreateAt: at})
		if err != nil {
			a.log.Warn("save the catch-up cursor", "err", err)
			return
		}
		v, err := a.opts.Cursor.PutCheckpoint(ctx, CursorKey, data, a.cursorVersion)
		if err == nil {
			a.cursorAt, a.cursorVersion = at, v
			return
		}
		if errs.Code(err) != errs.ECONFLICT {
			a.log.Warn("save the catch-up cursor", "err", err)
			return
		}
		stored, version, err := a.loadCursor(ctx)
		if err != nil {
			a.log.Warn("save the catch-up cursor", "err", err)
			return
		}
		a.cursorAt, a.cursorVersion = stored, version
	}
	a.log.Warn("save the catch-up cursor: it keeps changing under us; the next post retries")
}
