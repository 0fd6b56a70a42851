package slack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/internal/kit"
)

// HTTP paths of the Events API mode (Request URLs in the app's settings).
const (
	PathEvents        = "/slack/events"
	PathInteractivity = "/slack/interactivity"
	PathCommands      = "/slack/commands"
)

const (
	maxBody   = 1 << 20
	maxSkew   = 5 * time.Minute
	sigPrefix = "v0="
)

// Routes adds the Events API, interactivity and slash command endpoints to
// mux. Every request must carry a valid X-Slack-Signature over a timestamp
// within five minutes, or it is answered 401 and nothing is handled. Events
// are handled after the answer, by the handler given to Run.
func (a *Adapter) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+PathEvents, a.serveEvents)
	mux.HandleFunc("POST "+PathInteractivity, a.serveInteractivity)
	mux.HandleFunc("POST "+PathCommands, a.serveCommands)
}

// verified reads the body of a signed request, or answers 401 and returns false.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	if err := a.verify(r.Header, body); err != nil {
		a.log.Warn("rejected Slack request", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", err.Error())
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// running answers 503 (Slack retries) while Run has not started.
func (a *Adapter) running(w http.ResponseWriter) bool {
	ok := a.disp.Running()
	if !ok {
		http.Error(w, errNotRunning.Error(), http.StatusServiceUnavailable)
	}
	return ok
}

// verify checks Slack's request signature: v0=HMAC-SHA256(secret, "v0:ts:body").
func (a *Adapter) verify(h http.Header, body []byte) error {
	tsHeader := h.Get("X-Slack-Request-Timestamp")
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return fmt.Errorf("no valid timestamp")
	}
	skew := a.opts.Now().Sub(time.Unix(ts, 0))
	if skew > maxSkew || skew < -maxSkew {
		return fmt.Errorf("timestamp %s off", skew.Round(time.Second))
	}
	sig, err := hex.DecodeString(trimPrefix(h.Get("X-Slack-Signature"), sigPrefix))
	if err != nil || len(sig) == 0 {
		return fmt.Errorf("no valid signature")
	}
	if !hmac.Equal(sig, Sign(a.opts.SigningSecret, tsHeader, body)) {
		return fmt.Errorf("signature mismatch")
	}
	return nil
}

func trimPrefix(s, p string) string {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return ""
}

// Sign computes Slack's request signature (without the "v0=" prefix) for a
// timestamp and body; tests and tools use it to sign requests.
func Sign(secret, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%s:", timestamp)
	m.Write(body)
	return m.Sum(nil)
}

// SignatureHeader returns the X-Slack-Signature value for a timestamp and body.
func SignatureHeader(secret, timestamp string, body []byte) string {
	return sigPrefix + hex.EncodeToString(Sign(secret, timestamp, body))
}

func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r)
	if !ok {
		return
	}
	var cb callback
	if err := json.Unmarshal(body, &cb); err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	if cb.Type == "url_verification" {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, cb.Challenge)
		return
	}
	if !a.running(w) {
		return
	}
	w.WriteHeader(http.StatusOK) // acknowledge first: Slack wants the 200 within 3 s
	a.processLater(body, a.eventsAPI)
}

func (a *Adapter) serveInteractivity(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r)
	if !ok {
		return
	}
	if !a.running(w) {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	payload := []byte(form.Get("payload"))
	if resp := a.submissionResponse(payload); resp != nil {
		// An invalid modal submission: the errors go back in the response
		// body, the modal stays open, and nothing reaches the engine.
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
		return
	}
	w.WriteHeader(http.StatusOK)
	a.processLater(payload, a.interactive)
}

func (a *Adapter) serveCommands(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r)
	if !ok {
		return
	}
	if !a.running(w) {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	c := command{Command: form.Get("command"), Text: form.Get("text"), UserID: form.Get("user_id"),
		ChannelID: form.Get("channel_id"), TriggerID: form.Get("trigger_id")}
	w.WriteHeader(http.StatusOK)
	a.processLater(nil, func(ctx context.Context, _ []byte) ([]incoming, error) { return a.slash(ctx, c) })
}

// parseKey orders the reading of payloads. Reading one may call the Web
// API (a user's name for a mention, the DM of a slash command), so it runs
// after the acknowledgement (HTTP 200, the Socket Mode ack) and off the
// Socket Mode loop, in arrival order; the events then go on in order per
// chat. A slow or rate-limited call delays the payloads read after it, but
// never an acknowledgement.
const parseKey = "\x00parse"

func (a *Adapter) processLater(raw []byte, parse func(context.Context, []byte) ([]incoming, error)) {
	a.disp.Do(parseKey, func(ctx context.Context, _ kit.Handler) { a.process(ctx, raw, parse) })
}

func (a *Adapter) process(ctx context.Context, raw []byte, parse func(context.Context, []byte) ([]incoming, error)) {
	events, err := parse(ctx, raw)
	if err != nil {
		a.log.Warn("bad Slack payload", "err", err)
		return
	}
	a.dispatch(events)
}
