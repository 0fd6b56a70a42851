package bot

// Pending ticket openings. A submitted form (or a form answered to its last
// field in chat) is saved as a StepOpening state with the answers in one
// write, and the ticket is opened from it after that save. A crash can fall
// between any two writes of that, so the engine keeps an index of the
// conversations with an opening in progress (checkpoints the store keeps
// under a version, shared by replicas) and finishes them by itself, at start
// (Recover) and on every Tick, without waiting for the user to write again:
//
//  1. the conversation is added to the index (write-ahead);
//  2. the state is saved as StepOpening with the answers (the submission is
//     durable from here on);
//  3. the ticket is opened under a request key made of the user and the
//     state's Seq (a second open of the same submission finds the first);
//  4. the state is saved as waiting for that ticket;
//  5. the user is told ("I've opened ticket …");
//  6. the conversation leaves the index;
//  7. the queue is dispatched (the card is posted to the agent).
//
// Recovery takes each indexed conversation under its lock: one still
// StepOpening is finished from step 3 (exactly one ticket, by the request
// key; two replicas finishing it at once are told apart by the state's
// version, so the user is told once); one already waiting for the ticket
// (a crash between 4 and 6) has its user told, once its state is older than
// the event lease, so that a replica still working on it is not doubled; the
// desk's queue is then dispatched and cards a crash left unposted are posted
// (Recover). The user is told at least once; twice only when the process
// dies between sending the notice and step 6.

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
)

// The index of pending openings is kept in openingShards checkpoints
// ("bot:openings:07"), a conversation's entry in the one its key hashes to,
// so that replicas opening tickets for different people at once seldom
// write the same row (a write that meets another is done again on it).
const openingShards = 16

func openingsCheckpoint(shard int) string { return fmt.Sprintf("bot:openings:%02d", shard) }

func shardOf(key string) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % openingShards)
}

// pendingOpening is one entry of the index: whose conversation, and the Seq
// of the opening (the ticket's request key).
type pendingOpening struct {
	Platform string `json:"platform"`
	User     string `json:"user"`
	Seq      int64  `json:"seq"`
	// At is when the entry was written (a replica between steps 1 and 2
	// is not mistaken for one whose save never happened).
	At time.Time `json:"at"`
}

// openingsShard reads one checkpoint of the index and its version.
func (e *Engine) openingsShard(ctx context.Context, shard int) (map[string]pendingOpening, int64, error) {
	data, version, err := e.store.GetCheckpoint(ctx, openingsCheckpoint(shard))
	if errs.Code(err) == errs.ENOTFOUND {
		return map[string]pendingOpening{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read pending ticket openings: %w", err)
	}
	idx := map[string]pendingOpening{}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &idx); err != nil {
			return nil, 0, fmt.Errorf("read pending ticket openings: %w", err)
		}
	}
	return idx, version, nil
}

// openings reads the whole index of pending openings.
func (e *Engine) openings(ctx context.Context) (map[string]pendingOpening, error) {
	all := map[string]pendingOpening{}
	for shard := range openingShards {
		idx, _, err := e.openingsShard(ctx, shard)
		if err != nil {
			return nil, err
		}
		maps.Copy(all, idx)
	}
	return all, nil
}

// openingEntry reads the index entry of one conversation.
func (e *Engine) openingEntry(ctx context.Context, key string) (pendingOpening, bool, error) {
	idx, _, err := e.openingsShard(ctx, shardOf(key))
	if err != nil {
		return pendingOpening{}, false, err
	}
	p, ok := idx[key]
	return p, ok, nil
}

// maxIndexRuns bounds the retries of an index change that met another
// writer's change (each retry reads the other's result first, so every
// round some writer gets through).
const maxIndexRuns = 100

// changeOpenings applies change to the checkpoint of key's entry and saves
// it, again on the other writer's version after a conflict. change reports
// whether it changed anything (nothing to write otherwise).
func (e *Engine) changeOpenings(ctx context.Context, key string, change func(map[string]pendingOpening) bool) error {
	shard := shardOf(key)
	var err error
	for range maxIndexRuns {
		idx, version, rerr := e.openingsShard(ctx, shard)
		if rerr != nil {
			return rerr
		}
		if !change(idx) {
			return nil
		}
		data, merr := json.Marshal(idx)
		if merr != nil {
			return fmt.Errorf("encode pending ticket openings: %w", merr)
		}
		if _, err = e.store.PutCheckpoint(ctx, openingsCheckpoint(shard), data, version); err == nil {
			return nil
		}
		if errs.Code(err) != errs.ECONFLICT {
			return fmt.Errorf("save pending ticket openings: %w", err)
		}
	}
	return fmt.Errorf("save pending ticket openings: %w", err)
}

// markOpening puts a conversation into the index before its StepOpening
// state is saved.
func (e *Engine) markOpening(ctx context.Context, key, platform, user string, seq int64) error {
	return e.changeOpenings(ctx, key, func(idx map[string]pendingOpening) bool {
		idx[key] = pendingOpening{Platform: platform, User: user, Seq: seq, At: e.now()}
		return true
	})
}

// unmarkOpening takes a conversation out of the index once the opening
// numbered seq is finished and told (a later opening's entry stays).
func (e *Engine) unmarkOpening(ctx context.Context, key string, seq int64) error {
	return e.changeOpenings(ctx, key, func(idx map[string]pendingOpening) bool {
		p, ok := idx[key]
		if !ok || p.Seq > seq {
			return false
		}
		delete(idx, key)
		return true
	})
}

// finishOpenings finishes every pending opening it can; one that fails
// (a platform not connected yet, the store down) stays for the next Tick.
// Replicas take turns (a cluster lock), so each reads the conversations as
// the previous one left them.
func (e *Engine) finishOpenings(ctx context.Context) error {
	idx, err := e.openings(ctx)
	if err != nil || len(idx) == 0 {
		return err
	}
	unlock, err := e.clusterLock(ctx, "openings")
	if err != nil {
		return fmt.Errorf("lock pending ticket openings: %w", err)
	}
	defer unlock()
	if idx, err = e.openings(ctx); err != nil {
		return err
	}
	rt := e.rt.Load()
	for _, key := range slices.Sorted(maps.Keys(idx)) {
		p := idx[key]
		if err := e.finishOpening(ctx, rt, key, p); err != nil {
			e.log.Warn("finish pending ticket opening; trying again later", "conversation", key, "err", err)
		}
	}
	return nil
}

// finishOpening finishes one indexed opening under the conversation's lock.
func (e *Engine) finishOpening(ctx context.Context, rt *Runtime, key string, p pendingOpening) error {
	if key != stateKey(p.Platform, p.User) {
		return e.unmarkOpening(ctx, key, p.Seq) // not an entry this engine wrote
	}
	ev := Event{Platform: p.Platform, User: User{ID: p.User}, Kind: EventMessage}
	done := false
	err := e.converse(ctx, rt, ev, func(c *conv, ctx context.Context) error {
		c.unchanged = true
		// Read the entry again under the lock: the opening's own run may
		// have finished it meanwhile.
		cur, ok, err := e.openingEntry(ctx, key)
		if err != nil {
			return err
		}
		if !ok || cur.Seq != p.Seq {
			return nil
		}
		st := c.st
		opening := st.Step == StepOpening && st.Seq == p.Seq
		told := st.Step == StepWaiting && st.Seq == p.Seq+1 && st.Ticket != 0
		if !opening && !told {
			// The conversation moved on: the save of StepOpening never
			// happened (once the entry is older than a lease: a replica
			// may be between writing the entry and the state), or the
			// user went further after being told.
			done = e.now().Sub(cur.At) >= e.lease
			return nil
		}
		if c.desk = rt.Config.Desk(st.Desk); c.desk == nil {
			return fmt.Errorf("desk %q of the pending opening is not configured any more; its answers are kept", st.Desk)
		}
		if st.Opener != nil {
			c.ev.User.Name = st.Opener.Name
		}
		chat := st.Chat
		if chat == "" {
			pl, err := e.platform(p.Platform)
			if err != nil {
				return err
			}
			if chat, err = pl.DirectChat(ctx, p.User); err != nil {
				return fmt.Errorf("open DM with %s on %s: %w", p.User, p.Platform, err)
			}
		}
		c.ev.Chat = Chat{ID: chat, Kind: ChatDirect}
		if opening {
			e.log.Info("finishing a ticket opening cut short", "conversation", key)
			return c.completeOpening(ctx) // saves the state itself
		}
		// Waiting for the ticket, the user maybe not told: a replica
		// may still be about to tell them, until its lease runs out.
		if e.now().Sub(st.UpdatedAt) < e.lease {
			return nil
		}
		t, err := e.store.Get(ctx, st.Ticket)
		if err != nil {
			return err
		}
		e.log.Info("telling the user about a ticket opened before a crash", "ticket", t.Key)
		c.announceOpened(t, p.Seq)
		return nil
	})
	if err != nil {
		return err
	}
	if done {
		return e.unmarkOpening(ctx, key, p.Seq)
	}
	return nil
}
