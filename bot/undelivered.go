package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/helpdesk-chat/helpdesk/errs"
	"github.com/helpdesk-chat/helpdesk/tickets"
)

// Replies that a platform did not take wait in a durable queue
// (tickets.DeliveryQueue) and are sent again from Tick, in order per chat,
// until delivered or expired. A reply fails for good (and is reported as
// before) only when the platform refused it (an unknown chat, a bad
// message); a rate limit, a server error or a network failure is temporary:
// adapters mark such errors with Temporary, and the engine also counts
// network errors and timeouts as temporary.

// TemporaryError is a failure of a platform call that may pass: a rate
// limit (HTTP 429), a server error (5xx), the platform unreachable.
type TemporaryError struct {
	Err error
	// RetryAfter is how long the platform asked to wait (0: not said).
	RetryAfter time.Duration
}

func (e *TemporaryError) Error() string { return e.Err.Error() }
func (e *TemporaryError) Unwrap() error { return e.Err }

// Temporary marks err as a temporary failure after which the platform asked
// to wait retryAfter (0 if it did not say); nil stays nil.
func Temporary(err error, retryAfter time.Duration) error {
	if err == nil {
		return nil
	}
	return &TemporaryError{Err: err, RetryAfter: retryAfter}
}

// Unsent records on a temporary failure of Send which parts of the
// message were not posted (a long text goes out as several posts and a
// later one failed): only those are sent again, so no post shows twice.
// A failure that is not temporary is returned as it is.
func Unsent(err error, parts []Message) error {
	if ok, _ := retryable(err); !ok {
		return err
	}
	return &unsentError{err: err, parts: parts}
}

type unsentError struct {
	err   error
	parts []Message
}

func (e *unsentError) Error() string { return e.err.Error() }
func (e *unsentError) Unwrap() error { return e.err }

// unsent returns the parts a failure says were not posted (nil: all of it).
func unsent(err error) []Message {
	var u *unsentError
	if errors.As(err, &u) {
		return u.parts
	}
	return nil
}

// retryable reports whether a failed delivery may succeed later, and how
// long the platform asked to wait.
func retryable(err error) (bool, time.Duration) {
	var te *TemporaryError
	if errors.As(err, &te) {
		return true, te.RetryAfter
	}
	var coded *errs.Error
	if errors.As(err, &coded) {
		return false, 0
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true, 0
	}
	return false, 0
}

// Retries of one delivery wait firstRetry, doubling up to maxRetryWait (or
// longer when the platform asks for longer).
const (
	firstRetry   = 5 * time.Second
	maxRetryWait = 5 * time.Minute
	// A Tick sends at most this many queued messages per chat and
	// dueBatch chats at a time.
	roundsPerTick = 50
	dueBatch      = 100
)

// Kinds of queued deliveries.
const (
	deliverSend    = "send"
	deliverPrivate = "private"
	deliverUpdate  = "update"
	// deliverRetire takes the controls off a prompt whose moment has
	// passed (see stale.go); Msg is the message as it was shown.
	deliverRetire = "retire"
)

// queued is the payload of a delivery.
type queued struct {
	Chat string     `json:"chat"`
	User string     `json:"user,omitempty"` // private: who sees it
	Ref  MessageRef `json:"ref,omitzero"`   // update: what it replaces
	Msg  Message    `json:"msg"`
	// Parts, when set, is what is left to send of Msg (the posts that
	// went out are not sent again).
	Parts []Message `json:"parts,omitempty"`
	// Note is the line a retired prompt gains (retire).
	Note string `json:"note,omitempty"`
	// Prompt, when set, is a prompt whose ref is recorded once it is
	// sent, so that it can be retired when its moment passes.
	Prompt *Prompt `json:"prompt,omitempty"`
}

// attempt makes one platform call of a delivery; a send returns where its
// last post went (the one with the controls).
func (e *Engine) attempt(ctx context.Context, platform, kind string, q queued) (MessageRef, error) {
	p, err := e.platform(platform)
	if err != nil {
		return MessageRef{}, err
	}
	switch kind {
	case deliverPrivate:
		return MessageRef{}, p.SendPrivate(ctx, q.Chat, q.User, q.Msg)
	case deliverUpdate:
		return MessageRef{}, p.Update(ctx, q.Ref, q.Msg)
	case deliverRetire:
		if r, ok := p.(ButtonRetirer); ok {
			return MessageRef{}, r.RetireButtons(ctx, q.Ref, &q.Msg, q.Note)
		}
		return MessageRef{}, nil
	}
	msgs := q.Parts
	if len(msgs) == 0 {
		msgs = []Message{q.Msg}
	}
	var ref MessageRef
	for i, m := range msgs {
		if ref, err = p.Send(ctx, q.Chat, m); err != nil {
			rest := msgs[i:]
			if u := unsent(err); u != nil {
				rest = append(append([]Message(nil), u...), msgs[i+1:]...)
			}
			return MessageRef{}, Unsent(err, rest)
		}
	}
	return ref, nil
}

// deliver makes a platform call of a conversation's effects, or queues it:
// behind the chat's queued deliveries if it has any (so that the chat sees
// its messages in order), or when the call fails with a temporary error.
// It returns nil when the message went out (with where a send went) or
// waits in the queue (an empty ref); a refusal by the platform (or a
// failure to queue) is returned.
func (e *Engine) deliver(ctx context.Context, platform, kind string, q queued, ticket int64) (MessageRef, error) {
	if e.deliveriesWaiting.Load() > 0 {
		waiting, err := e.store.DeliveriesWaiting(ctx, platform, q.Chat)
		if err != nil {
			return MessageRef{}, err
		}
		if waiting {
			return MessageRef{}, e.queueDelivery(ctx, platform, kind, q, ticket, nil, 0)
		}
	}
	ref, err := e.attempt(ctx, platform, kind, q)
	if err == nil {
		return ref, nil
	}
	if ok, after := retryable(err); ok {
		if u := unsent(err); u != nil && kind == deliverSend {
			q.Parts = u // the posts that went out are not sent again
		}
		if qerr := e.queueDelivery(ctx, platform, kind, q, ticket, err, after); qerr != nil {
			return MessageRef{}, errors.Join(err, qerr)
		}
		return MessageRef{}, nil
	}
	return MessageRef{}, err
}

// queueDelivery writes a delivery to the queue. It is written even when
// ctx was cancelled (a shutdown in the middle of a reply), so that the
// reply is not lost.
func (e *Engine) queueDelivery(ctx context.Context, platform, kind string, q queued, ticket int64, cause error, after time.Duration) error {
	payload, err := json.Marshal(q)
	if err != nil {
		return fmt.Errorf("queue reply on %s: %w", platform, err)
	}
	now := e.now()
	expiry := e.deliveryExpiry
	if expiry <= 0 {
		expiry = e.rt.Load().Config.OutboxExpiry()
	}
	d := tickets.Delivery{Platform: platform, Chat: q.Chat, Kind: kind, Payload: payload, Ticket: ticket,
		CreatedAt: now, NextAttempt: now, ExpiresAt: now.Add(expiry)}
	if cause != nil {
		d.NextAttempt = now.Add(retryWait(0, after))
		d.LastError = cause.Error()
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := e.store.QueueDelivery(wctx, d); err != nil {
		return fmt.Errorf("queue reply on %s: %w", platform, err)
	}
	e.deliveriesWaiting.Add(1)
	if cause != nil {
		e.log.Warn("reply not delivered; queued to retry", "platform", platform, "chat", q.Chat, "retry_at", d.NextAttempt, "err", cause)
	} else {
		e.log.Info("reply queued behind undelivered ones", "platform", platform, "chat", q.Chat)
	}
	e.observeDeliveryResult(platform, "queued")
	return nil
}

// retryWait is the wait after the attempt-th failed attempt (0: the first).
func retryWait(attempt int, after time.Duration) time.Duration {
	w := firstRetry
	for range attempt {
		if w *= 2; w >= maxRetryWait {
			w = maxRetryWait
			break
		}
	}
	return max(w, after)
}

func (e *Engine) observeDeliveryResult(platform, result string) {
	if e.observeDelivery != nil {
		e.observeDelivery(platform, result)
	}
}

// retryDeliveries sends the due queued deliveries, each chat's in order,
// until the queues are empty or what is left is not due yet.
func (e *Engine) retryDeliveries(ctx context.Context) error {
	n, err := e.store.CountDeliveries(ctx)
	if err != nil {
		return err
	}
	e.deliveriesWaiting.Store(n) // other replicas' deliveries count too
	if n == 0 {
		return nil
	}
	for range roundsPerTick {
		now := e.now()
		ds, err := e.store.DueDeliveries(ctx, now, dueBatch)
		if err != nil {
			return err
		}
		progress := false
		for _, d := range ds {
			done, err := e.retryDelivery(ctx, d, now)
			if err != nil {
				return err
			}
			progress = progress || done
		}
		if !progress {
			break
		}
	}
	n, err = e.store.CountDeliveries(ctx)
	if err != nil {
		return err
	}
	e.deliveriesWaiting.Store(n)
	return nil
}

// retryDelivery claims a delivery and sends it; done reports whether it
// left the queue (sent, expired or refused).
func (e *Engine) retryDelivery(ctx context.Context, d tickets.Delivery, now time.Time) (done bool, err error) {
	mine, err := e.store.ClaimDelivery(ctx, d.ID, e.owner, now, now.Add(e.lease))
	if err != nil || !mine {
		return false, err
	}
	var q queued
	if err := json.Unmarshal(d.Payload, &q); err != nil {
		e.log.Error("undeliverable reply dropped: its payload does not decode", "platform", d.Platform, "chat", d.Chat, "id", d.ID, "err", err)
		e.observeDeliveryResult(d.Platform, "failed")
		return true, e.store.FinishDelivery(ctx, d.ID, e.owner)
	}
	if !now.Before(d.ExpiresAt) {
		if err := e.store.FinishDelivery(ctx, d.ID, e.owner); err != nil {
			return false, err
		}
		e.log.Error("reply expired undelivered", "platform", d.Platform, "chat", d.Chat, "kind", d.Kind,
			"queued_at", d.CreatedAt, "attempts", d.Attempts, "last_err", d.LastError)
		e.observeDeliveryResult(d.Platform, "expired")
		e.tellAgents(ctx, d, q, fmt.Sprintf("was not delivered: %s kept refusing it for %s (%s)",
			d.Platform, d.ExpiresAt.Sub(d.CreatedAt).Round(time.Minute), d.LastError))
		return true, nil
	}
	ref, err := e.attempt(ctx, d.Platform, d.Kind, q)
	if err == nil {
		if q.Prompt != nil && ref.ID != "" {
			e.promptSent(ctx, *q.Prompt, ref)
		}
		if err := e.store.FinishDelivery(ctx, d.ID, e.owner); err != nil {
			// The lease ran out while sending and another replica took the
			// delivery over: it may send it again (at least once).
			e.log.Warn("delivered reply was taken over by another replica", "platform", d.Platform, "chat", d.Chat, "err", err)
			return false, nil
		}
		e.log.Info("queued reply delivered", "platform", d.Platform, "chat", d.Chat, "attempts", d.Attempts+1, "waited", now.Sub(d.CreatedAt))
		e.observeDeliveryResult(d.Platform, "delivered")
		return true, nil
	}
	if ok, after := retryable(err); ok {
		next := now.Add(retryWait(d.Attempts+1, after))
		var left []byte
		if u := unsent(err); u != nil && d.Kind == deliverSend {
			q.Parts = u // part of it went out: keep only what is left
			var merr error
			if left, merr = json.Marshal(q); merr != nil {
				return false, merr
			}
		}
		if rerr := e.store.RetryDelivery(ctx, d.ID, e.owner, next, err.Error(), left); rerr != nil && errs.Code(rerr) != errs.ECONFLICT {
			return false, rerr
		}
		e.log.Info("queued reply still not delivered", "platform", d.Platform, "chat", d.Chat, "attempts", d.Attempts+1, "retry_at", next, "err", err)
		return false, nil
	}
	if err := e.store.FinishDelivery(ctx, d.ID, e.owner); err != nil {
		return false, err
	}
	e.log.Error("queued reply refused by the platform; dropped", "platform", d.Platform, "chat", d.Chat, "kind", d.Kind, "err", err)
	e.observeDeliveryResult(d.Platform, "failed")
	e.tellAgents(ctx, d, q, fmt.Sprintf("was refused by %s: %v", d.Platform, err))
	return true, nil
}

// tellAgents records on the delivery's ticket, as an internal note the
// agents see in the Ticket Center and the transcript, that a message to the
// requester never arrived.
func (e *Engine) tellAgents(ctx context.Context, d tickets.Delivery, q queued, what string) {
	if d.Ticket == 0 {
		return
	}
	text := q.Msg.Text
	if text == "" {
		text = q.Msg.Title
	}
	if r := []rune(text); len(r) > 200 {
		text = string(r[:200]) + "…"
	}
	note := fmt.Sprintf("⚠️ A message from the bot in %s (queued %s) %s. It began: %s",
		d.Chat, d.CreatedAt.Format(time.RFC3339), what, text)
	if _, err := e.svc.AddNote(ctx, d.Ticket, note, "", tickets.System, tickets.SourceTimer); err != nil {
		e.log.Warn("note of an undelivered reply", "ticket", d.Ticket, "err", err)
	}
}
