package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Run checks the bot token (auth.test) and receives events until ctx ends:
// in socket mode over the Socket Mode WebSocket, reconnecting on its own; in
// http mode through the handlers Routes registered. It returns nil when ctx
// ends, and an error wrapping ErrAuth when Slack refuses a token.
func (a *Adapter) Run(ctx context.Context, handle Handler) error {
	var auth *slack.AuthTestResponse
	if err := a.call(ctx, "auth.test", func() error {
		var err error
		auth, err = a.api.AuthTestContext(ctx)
		return err
	}); err != nil {
		if isAuthError(err) {
			return fmt.Errorf("slack: the bot token was refused (%s): %w", slackError(err), ErrAuth)
		}
		return err
	}
	a.mu.Lock()
	a.botUser, a.botID = auth.UserID, auth.BotID
	a.mu.Unlock()
	a.log.Info("connected to Slack", "team", auth.Team, "bot_user", auth.UserID, "mode", a.opts.Mode)

	ctx, stop := a.disp.Bind(ctx, handle)
	defer stop()
	a.readyOnce.Do(func() { close(a.ready) })

	if a.opts.Mode == ModeHTTP {
		select {
		case <-ctx.Done():
			return nil
		case err := <-a.fatal:
			return err
		}
	}
	return a.runSocket(ctx)
}

func (a *Adapter) runSocket(ctx context.Context) error {
	sm := socketmode.New(a.api, socketmode.OptionPingInterval(a.opts.PingInterval), socketmode.OptionLog(discardLog{}))
	done := make(chan error, 1)
	go func() { done <- sm.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			<-done
			return nil
		case err := <-a.fatal:
			return err
		case err := <-done:
			if ctx.Err() != nil {
				return nil
			}
			if isAuthError(err) {
				return fmt.Errorf("slack: the app token was refused (%s): create an app-level token with connections:write: %w", err.Error(), ErrAuth)
			}
			return a.wrap("socket mode", err)
		case evt := <-sm.Events:
			a.socketEvent(ctx, sm, evt)
		}
	}
}

func (a *Adapter) socketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.Debug("connecting to Socket Mode")
	case socketmode.EventTypeConnected:
		a.log.Info("Socket Mode connected")
	case socketmode.EventTypeConnectionError:
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			a.log.Warn("Socket Mode connection failed; retrying", "attempt", ce.Attempt, "backoff", ce.Backoff, "err", ce.ErrorObj)
		}
	case socketmode.EventTypeInvalidAuth:
		a.fail(fmt.Errorf("slack: the app token was refused: %w", ErrAuth))
	case socketmode.EventTypeEventsAPI, socketmode.EventTypeInteractive, socketmode.EventTypeSlashCommand:
		req := evt.Request
		if req == nil {
			return
		}
		// Ack at once: Slack redelivers envelopes not acknowledged within 3 s.
		// An invalid modal submission is answered in the ack (response_action
		// errors) and goes no further: the modal stays open.
		var resp *slack.ViewSubmissionResponse
		if evt.Type == socketmode.EventTypeInteractive {
			resp = a.submissionResponse(req.Payload)
		}
		if req.EnvelopeID != "" {
			var err error
			if resp != nil {
				err = sm.Ack(*req, resp)
			} else {
				err = sm.Ack(*req)
			}
			if err != nil {
				a.log.Warn("ack envelope", "envelope", req.EnvelopeID, "err", err)
			}
		}
		if resp != nil {
			return
		}
		if !a.seen.First("envelope:" + req.EnvelopeID) {
			return
		}
		// The envelope is read off the loop: reading may call the Web API.
		switch evt.Type {
		case socketmode.EventTypeEventsAPI:
			a.processLater(req.Payload, a.eventsAPI)
		case socketmode.EventTypeInteractive:
			a.processLater(req.Payload, a.interactive)
		default:
			a.processLater(req.Payload, func(ctx context.Context, raw []byte) ([]incoming, error) {
				var c command
				if err := json.Unmarshal(raw, &c); err != nil {
					return nil, err
				}
				return a.slash(ctx, c)
			})
		}
	case socketmode.EventTypeErrorBadMessage:
		a.log.Warn("unreadable Socket Mode message")
	case socketmode.EventTypeDisconnect:
		a.log.Info("Slack asked to reconnect")
	}
}

// Ready is closed once Run has checked the token and accepts events.
func (a *Adapter) Ready() <-chan struct{} { return a.ready }

// errNotRunning answers HTTP requests that arrive before Run.
var errNotRunning = errors.New("slack adapter is not running")
