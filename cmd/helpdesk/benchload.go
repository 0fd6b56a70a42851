package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The load client of `helpdesk bench`: what a browser tab of the web chat
// does, over HTTP, against helpdesk or the baseline alike.

// benchEvent is the part of a web chat "message" event the client needs.
type benchEvent struct {
	ID      int64              `json:"id"`
	Chat    string             `json:"chat"`
	From    struct{ Bot bool } `json:"from"`
	Buttons []struct {
		ID, Label, Value string
	} `json:"buttons"`
	Form *struct {
		ID     string
		Fields []struct {
			ID       string
			Options  []string
			Required bool
		}
	} `json:"form"`
	FormState string `json:"form_state"`
}

type benchClient struct {
	url    string
	user   string
	http   *http.Client
	csrf   string
	events chan benchEvent
	close  context.CancelFunc // ends its stream
}

// errReplyTimeout: the server did not answer within replyWait.
var errReplyTimeout = errors.New("no reply on the stream")

const replyWait = 15 * time.Second

func csrfOf(ctx context.Context, hc *http.Client, base string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/chat/api/me", nil)
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var me struct{ CSRF string }
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("GET /chat/api/me: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
		return "", err
	}
	return me.CSRF, nil
}

func newBenchClient(ctx context.Context, base, user string, signIn func(context.Context, *http.Client, string) (string, error)) (*benchClient, error) {
	jar, _ := cookiejar.New(nil)
	c := &benchClient{url: base, user: user, http: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
	csrf, err := signIn(ctx, c.http, user)
	if err != nil {
		return nil, err
	}
	c.csrf = csrf
	return c, nil
}

// stream opens the event stream; with events false it is read and dropped.
func (c *benchClient) stream(ctx context.Context, events bool) error {
	ctx, c.close = context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(ctx, "GET", c.url+"/chat/api/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	hc := &http.Client{Jar: c.http.Jar, Transport: &http.Transport{}}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.close()
		return fmt.Errorf("event stream of %s: %s %s", c.user, resp.Status, body)
	}
	r := bufio.NewReader(resp.Body)
	for { // wait until the server confirms, so the stream counts from now
		line, err := r.ReadString('\n')
		if err != nil {
			resp.Body.Close()
			return err
		}
		if strings.HasPrefix(line, ": connected") {
			break
		}
	}
	if !events {
		go func() {
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, r)
		}()
		return nil
	}
	c.events = make(chan benchEvent, 1024)
	go func() {
		defer resp.Body.Close()
		defer close(c.events)
		kind := ""
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				kind = line[len("event: "):]
			case strings.HasPrefix(line, "data: ") && kind == "message":
				var ev benchEvent
				if json.Unmarshal([]byte(line[len("data: "):]), &ev) == nil {
					c.events <- ev
				}
			}
		}
	}()
	return nil
}

func (c *benchClient) post(ctx context.Context, path string, body any) ([]byte, error) {
	data, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, "POST", c.url+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("POST %s: %s %s", path, resp.Status, out)
	}
	return out, nil
}

// waitBot returns the first bot message with an id above after that ok
// accepts (nil: any).
func (c *benchClient) waitBot(ctx context.Context, after int64, ok func(benchEvent) bool) (benchEvent, error) {
	timeout := time.NewTimer(replyWait)
	defer timeout.Stop()
	for {
		select {
		case ev, open := <-c.events:
			if !open {
				return benchEvent{}, errors.New("event stream closed")
			}
			if ev.From.Bot && ev.ID > after && (ok == nil || ok(ev)) {
				return ev, nil
			}
		case <-timeout.C:
			return benchEvent{}, errReplyTimeout
		case <-ctx.Done():
			return benchEvent{}, ctx.Err()
		}
	}
}

func hasButton(label string) func(benchEvent) bool {
	return func(ev benchEvent) bool {
		return slices.ContainsFunc(ev.Buttons, func(b struct{ ID, Label, Value string }) bool { return b.Label == label })
	}
}

func (c *benchClient) press(ctx context.Context, ev benchEvent, label string) error {
	for _, b := range ev.Buttons {
		if b.Label == label {
			_, err := c.post(ctx, "/chat/api/action", map[string]any{"chat": ev.Chat, "message": ev.ID, "id": b.ID, "value": b.Value})
			return err
		}
	}
	return fmt.Errorf("no button %q", label)
}

// ask sends a question and returns the send id and the first bot reply.
func (c *benchClient) ask(ctx context.Context, text string) (benchEvent, error) {
	out, err := c.post(ctx, "/chat/api/send", map[string]string{"chat": "dm:" + c.user, "text": text})
	if err != nil {
		return benchEvent{}, err
	}
	var sent struct{ ID int64 }
	if err := json.Unmarshal(out, &sent); err != nil {
		return benchEvent{}, err
	}
	return c.waitBot(ctx, sent.ID, nil)
}

// escalate answers "No" to the FAQ answer, asks for an agent and sends the
// form, until the ticket's confirmation arrives.
func (c *benchClient) escalate(ctx context.Context, after int64) error {
	ev, err := c.waitBot(ctx, after, hasButton("No"))
	if err != nil {
		return fmt.Errorf("feedback buttons: %w", err)
	}
	if err := c.press(ctx, ev, "No"); err != nil {
		return err
	}
	ev, err = c.waitBot(ctx, ev.ID, hasButton("Talk to an agent"))
	if err != nil {
		return fmt.Errorf("agent button: %w", err)
	}
	if err := c.press(ctx, ev, "Talk to an agent"); err != nil {
		return err
	}
	form, err := c.waitBot(ctx, ev.ID, func(e benchEvent) bool { return e.Form != nil && e.FormState == "open" })
	if err != nil {
		return fmt.Errorf("form: %w", err)
	}
	values := map[string]string{}
	for _, f := range form.Form.Fields {
		values[f.ID] = "benchmark escalation"
		if len(f.Options) > 0 {
			values[f.ID] = f.Options[0]
		}
	}
	if _, err := c.post(ctx, "/chat/api/form", map[string]any{"chat": form.Chat, "message": form.ID, "values": values}); err != nil {
		return err
	}
	if _, err := c.waitBot(ctx, form.ID, nil); err != nil {
		return fmt.Errorf("ticket confirmation: %w", err)
	}
	return nil
}

// escalation signs a new person in, asks a question and escalates it.
func escalation(ctx context.Context, base, user, question string, signIn func(context.Context, *http.Client, string) (string, error)) error {
	bc, err := newBenchClient(ctx, base, user, signIn)
	if err != nil {
		return err
	}
	if err := bc.stream(ctx, true); err != nil {
		return err
	}
	defer bc.close()
	ev, err := bc.ask(ctx, question)
	if err != nil {
		return err
	}
	return bc.escalate(ctx, ev.ID-1)
}

// benchLoad signs everyone in, opens the streams and runs the closed loop
// for o.duration against the server c.
func benchLoad(ctx context.Context, o benchOptions, c *child, signIn func(context.Context, *http.Client, string) (string, error)) (benchResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // closes every stream
	// Idle people first, a few at a time: each signs in and opens one stream.
	work := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				bc, err := newBenchClient(ctx, c.url, fmt.Sprintf("idle-%d", i), signIn)
				if err == nil {
					err = bc.stream(ctx, false)
				}
				if err != nil {
					mu.Lock()
					firstErr = cmpErr(firstErr, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range o.idle {
		work <- i
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return benchResult{}, fmt.Errorf("idle streams: %w", firstErr)
	}
	clients := make([]*benchClient, o.employees)
	for i := range clients {
		bc, err := newBenchClient(ctx, c.url, fmt.Sprintf("emp-%d", i), signIn)
		if err != nil {
			return benchResult{}, err
		}
		if err := bc.stream(ctx, true); err != nil {
			return benchResult{}, err
		}
		clients[i] = bc
	}
	r := benchResult{}
	var lat []time.Duration
	c.signal(syscall.SIGUSR1) // starts the profile, if any
	startCPU := c.cpu()
	start := time.Now()
	end := start.Add(o.duration)
	// What is under way at the end is cut off and not counted.
	loop, stopLoop := context.WithDeadline(ctx, end)
	defer stopLoop()
	for i, bc := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			replies, escalations, timeouts, errs := 0, 0, 0, 0
			var firstErr error
			for n := i; loop.Err() == nil; n++ {
				t0 := time.Now()
				_, err := bc.ask(loop, benchQuestions[n%len(benchQuestions)])
				if loop.Err() != nil {
					break
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
				switch {
				case errors.Is(err, errReplyTimeout):
					timeouts++
					continue
				case err != nil:
					errs++
					time.Sleep(10 * time.Millisecond) // a refused request: do not spin
					continue
				}
				mine = append(mine, time.Since(t0))
				replies++
				if o.escalateEvery > 0 && (n+1)%o.escalateEvery == 0 {
					// A colleague who just came in asks the same and wants an agent.
					if err := escalation(loop, c.url, fmt.Sprintf("emp-%d-%d", i, n), benchQuestions[n%len(benchQuestions)], signIn); err != nil {
						if loop.Err() == nil {
							errs++
							firstErr = cmpErr(firstErr, fmt.Errorf("escalation: %w", err))
						}
					} else {
						escalations++
					}
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			r.replies += replies
			r.escalations += escalations
			r.timeouts += timeouts
			r.errors += errs
			r.firstErr = cmpErr(r.firstErr, firstErr)
			mu.Unlock()
		}()
	}
	wg.Wait()
	r.elapsed = o.duration
	r.cpu = c.cpu() - startCPU
	c.signal(syscall.SIGUSR2) // writes the profile, if any
	r.rssKB = c.rssKB()
	slices.Sort(lat)
	if len(lat) > 0 {
		r.p50 = lat[len(lat)/2]
		r.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return r, nil
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}
