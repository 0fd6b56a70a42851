package discord

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/helpdesk-chat/helpdesk/bot"
)

// Rate limits follow the same policy as on Slack and Mattermost. Left to
// itself, discordgo (v0.29) answers a 429 by sleeping retry_after on the
// wall clock (ignoring the request's context) and trying again, as often
// as Discord answers 429: a long storm holds the handler for as long as it
// lasts. The adapter turns that off (ShouldRetryOnRateLimit = false) and
// waits 429s out in its HTTP transport instead, for up to RetryFor in all
// (Options.Sleep, which ends with the context); then the 429 reaches
// discordgo, which returns a *discordgo.RateLimitError, and the adapter
// hands it to the engine as a bot.Temporary error with Discord's
// retry_after, so the message waits in the engine's delivery queue and is
// sent again later. discordgo's own bucket accounting (X-RateLimit-*
// headers, waiting before a bucket is used again) stays as it is, and so
// does its retry of a 502 (up to MaxRestRetries, 3).
//
// Discord answers a 429 with a JSON body whose retry_after is in seconds
// (a float) and a Retry-After header
// (https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit).

// DefaultRetryFor is how long 429s are waited out before a message is
// handed back to the engine (Options.RetryFor).
const DefaultRetryFor = 2 * time.Minute

type rateLimitTransport struct {
	next http.RoundTripper
	a    *Adapter
}

func (t *rateLimitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := t.a.opts.Now()
	for attempt := 1; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests {
			return resp, err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		wait := retryAfter(resp.Header, body)
		if t.a.opts.Now().Add(wait).Sub(start) > t.a.opts.RetryFor || (req.Body != nil && req.GetBody == nil) {
			t.a.log.Error("rate limited by Discord for too long; giving up", "call", req.Method+" "+req.URL.Path, "attempts", attempt)
			return resp, nil
		}
		t.a.log.Info("rate limited by Discord; retrying", "call", req.Method+" "+req.URL.Path, "retry_after", wait)
		if t.a.opts.Sleep(req.Context(), wait) != nil {
			return resp, nil
		}
		again := req.Clone(req.Context())
		if req.GetBody != nil {
			b, gerr := req.GetBody()
			if gerr != nil {
				return resp, nil
			}
			again.Body = b
		}
		req = again
	}
}

// retryAfter reads how long Discord asked to wait: the body's retry_after
// (seconds, float), else the Retry-After header (seconds), else
// X-RateLimit-Reset-After; 1 s if none says.
func retryAfter(h http.Header, body []byte) time.Duration {
	var b struct {
		RetryAfter *float64 `json:"retry_after"`
	}
	if json.Unmarshal(body, &b) == nil && b.RetryAfter != nil && *b.RetryAfter >= 0 {
		return max(time.Duration(*b.RetryAfter*float64(time.Second)), 10*time.Millisecond)
	}
	for _, k := range []string{"Retry-After", "X-RateLimit-Reset-After"} {
		if f, err := strconv.ParseFloat(h.Get(k), 64); err == nil && f >= 0 {
			return max(time.Duration(f*float64(time.Second)), 10*time.Millisecond)
		}
	}
	return time.Second
}

// temporary marks the REST failures that may pass (a 429 left after
// RetryFor, a server error) as bot.Temporary, so that the engine queues the
// message instead of losing it.
func temporary(err error) error {
	if err == nil {
		return nil
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil {
		return bot.Temporary(err, rl.RetryAfter)
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode >= 500 {
		return bot.Temporary(err, 0)
	}
	if strings.HasPrefix(err.Error(), "Exceeded Max retries HTTP 502") { // discordgo's retries of a 502 ran out
		return bot.Temporary(err, 0)
	}
	return err
}
