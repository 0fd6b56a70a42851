package slack_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/slack"
	"github.com/helpdesk-chat/helpdesk/bot"
)

func httpWorld(t *testing.T) (*world, *httptest.Server) {
	w := newWorld(t, func(o *slack.Options) { o.Mode = slack.ModeHTTP })
	w.start()
	mux := http.NewServeMux()
	w.adapter.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return w, srv
}

// post sends a request signed with secret at time at.
func post(t *testing.T, srv *httptest.Server, path, contentType, body, secret string, at time.Time) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ts := fmt.Sprint(at.Unix())
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slack.SignatureHeader(secret, ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHTTPModeVerifiesEveryRequest(t *testing.T) {
	w, srv := httpWorld(t)
	secret := w.cfg.Platforms.Slack.SigningSecret
	now := w.clock.Now()
	w.ensureIM("UCARL")
	event := func() string {
		b, _ := json.Marshal(w.callback(dm("UCARL", "How do I reset my password?")))
		return string(b)
	}
	const js = "application/json"

	// URL verification answers the challenge, but only when signed.
	challenge := `{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`
	if code, body := post(t, srv, slack.PathEvents, js, challenge, secret, now); code != 200 || body != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("url_verification: %d %q", code, body)
	}

	rejected := []struct {
		name   string
		secret string
		at     time.Time
	}{
		{"forged signature", "not-the-secret", now},
		{"timestamp 6 minutes old", secret, now.Add(-6 * time.Minute)},
		{"timestamp 6 minutes ahead", secret, now.Add(6 * time.Minute)},
	}
	for _, tc := range rejected {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{slack.PathEvents, slack.PathInteractivity, slack.PathCommands} {
				if code, _ := post(t, srv, path, js, event(), tc.secret, tc.at); code != http.StatusUnauthorized {
					t.Fatalf("%s: status %d, want 401", path, code)
				}
			}
		})
	}
	// A body changed after signing is refused too.
	body := event()
	ts := fmt.Sprint(now.Unix())
	req, _ := http.NewRequest(http.MethodPost, srv.URL+slack.PathEvents, strings.NewReader(strings.Replace(body, "password", "passw0rd", 1)))
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slack.SignatureHeader(secret, ts, []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("tampered body: %d", resp.StatusCode)
	}
	w.noMoreEvents()
	if len(w.slack.messages("DCARL", "UCARL")) != 0 {
		t.Fatal("a rejected request must have no effect")
	}

	// A signed event is handled; replaying it (Slack's retry) has no second effect.
	body = event()
	for range 2 {
		if code, _ := post(t, srv, slack.PathEvents, js, body, secret, now.Add(4*time.Minute)); code != 200 {
			t.Fatalf("signed event: %d", code)
		}
	}
	w.wait(1)
	mustContain(t, "Carl's DM", w.transcript("DCARL", "UCARL"), "https://id.example.com/reset")
	n := len(w.slack.messages("DCARL", "UCARL"))

	// Interactivity and slash commands arrive as signed forms.
	m := w.last("DCARL", "UCARL")
	id, value, _, _ := element(m.Blocks, "Yes")
	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "trigger_id": "trig-http-1",
		"user": map[string]any{"id": "UCARL"}, "channel": map[string]any{"id": "DCARL"},
		"container": map[string]any{"type": "message", "message_ts": m.TS, "channel_id": "DCARL"},
		"message":   map[string]any{"ts": m.TS},
		"actions":   []any{map[string]any{"action_id": id, "type": "button", "value": value, "action_ts": "1.2"}}})
	form := url.Values{"payload": {string(payload)}}.Encode()
	if code, _ := post(t, srv, slack.PathInteractivity, "application/x-www-form-urlencoded", form, secret, now); code != 200 {
		t.Fatalf("interactivity: %d", code)
	}
	if ev := w.wait(1)[0]; ev.Kind != bot.EventAction || ev.Action.Message.ID != m.TS || ev.Trigger != "trig-http-1" {
		t.Fatalf("action event: %+v", ev)
	}
	mustContain(t, "Carl's DM", w.transcript("DCARL", "UCARL"), "Glad I could help")

	cmd := url.Values{"command": {"/helpdesk"}, "text": {"help"}, "user_id": {"UCARL"}, "channel_id": {"DCARL"}, "trigger_id": {"trig-http-2"}}.Encode()
	if code, _ := post(t, srv, slack.PathCommands, "application/x-www-form-urlencoded", cmd, secret, now); code != 200 {
		t.Fatalf("command: %d", code)
	}
	if ev := w.wait(1)[0]; ev.Kind != bot.EventCommand || ev.Text != "help" {
		t.Fatalf("command event: %+v", ev)
	}
	if got := len(w.slack.messages("DCARL", "UCARL")); got <= n {
		t.Fatal("the command should be answered")
	}
}

// HTTP mode acknowledges first: the 200 comes while the Web API calls the
// event needs (here users.info for the name of the mentioned <@UADA>, held by the fake until the test lets it go)
// have not been answered, so a slow or rate-limited Slack never makes the
// request miss Slack's 3 seconds
// (https://docs.slack.dev/apis/events-api/#responding).
func TestHTTPModeAcknowledgesBeforeAnyWebAPICall(t *testing.T) {
	w := newWorld(t, func(o *slack.Options) { o.Mode = slack.ModeHTTP })
	w.slack.hold, w.slack.holdMethod = make(chan struct{}), "users.info"
	w.start()
	mux := http.NewServeMux()
	w.adapter.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	w.ensureIM("UCARL")
	b, _ := json.Marshal(w.callback(dm("UCARL", "How do I reset my password? <@UADA> told me to ask")))
	acked := make(chan int, 1)
	go func() {
		code, _ := post(t, srv, slack.PathEvents, "application/json", string(b), w.cfg.Platforms.Slack.SigningSecret, w.clock.Now())
		acked <- code
	}()
	select {
	case code := <-acked:
		if code != 200 {
			t.Fatalf("status %d", code)
		}
	case <-time.After(10 * time.Second): // a bound, not a synchronisation
		close(w.slack.hold)
		t.Fatal("no 200 while users.info was unanswered: the ack waited for the Web API")
	}
	if n := len(w.slack.messages("DCARL", "UCARL")); n != 0 {
		t.Fatalf("%d answers before users.info was answered", n)
	}
	close(w.slack.hold) // Slack answers users.info now
	w.wait(1)
	mustContain(t, "the DM", w.transcript("DCARL", "UCARL"), "reset my password")
}
