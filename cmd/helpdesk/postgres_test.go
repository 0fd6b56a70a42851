package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/adapters/web"
	"github.com/helpdesk-chat/helpdesk/auth"
	"github.com/helpdesk-chat/helpdesk/examples"
	"github.com/helpdesk-chat/helpdesk/tickets/postgres/pgtest"
)

// startOnPostgres runs the real wiring of the demo config with its store
// set to dsn (the web chat is enabled there) on port 0.
func startOnPostgres(t *testing.T, dsn string) *Main {
	t.Helper()
	path, err := examples.WriteTo(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(cfg), "store: sqlite:helpdesk.db", `store: "`+dsn+`"`, 1)
	if edited == string(cfg) {
		t.Fatal("the demo config has no sqlite store line to replace")
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	m := NewMain(MainOptions{ConfigPath: path, Listen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run on postgres: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m
}

// Two replicas of the whole program on one PostgreSQL database: both are
// healthy, a browser signed in through one is served by the other, and the
// bot's answer to a question asked on one reaches the event stream open on
// the other.
func TestRunOnPostgresWithWebChat(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, b := startOnPostgres(t, dsn), startOnPostgres(t, dsn)
	for _, m := range []*Main{a, b} {
		res, err := http.Get("http://" + m.Addr() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		var health map[string]any
		json.NewDecoder(res.Body).Decode(&health)
		res.Body.Close()
		if res.StatusCode != 200 || health["status"] != "ok" {
			t.Fatalf("healthz of %s: %d %v", m.Addr(), res.StatusCode, health)
		}
	}

	ctx := context.Background()
	const sam = "sam@example.com"
	link, err := a.auth.Link(ctx, auth.Identity{Platform: web.Name, UserID: sam, Name: "Sam"}, "/")
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil) // cookies ignore the port: one browser for both replicas
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	// The link's page, then its Sign in button.
	res, err := followSignInLink(ctx, hc, link)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Request.URL.Path != "/" {
		t.Fatalf("sign-in on replica A ended at %s with %d", res.Request.URL, res.StatusCode)
	}
	var me struct {
		User auth.Identity `json:"user"`
		CSRF string        `json:"csrf"`
		Seq  int64         `json:"seq"`
	}
	if code := getJSON(t, hc, "http://"+b.Addr()+"/chat/api/me", &me); code != 200 || me.User.UserID != sam {
		t.Fatalf("replica B does not know the session from A: %d %+v", code, me.User)
	}

	// A's event stream, opened before the question is asked on B.
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	req, _ := http.NewRequestWithContext(sctx, "GET", "http://"+a.Addr()+"/chat/api/events?after="+jsonOf(me.Seq), nil)
	stream, err := (&http.Client{Jar: jar}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != 200 {
		t.Fatalf("event stream on A: %d", stream.StatusCode)
	}
	botSaid := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stream.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var v web.View
			if json.Unmarshal([]byte(data), &v) == nil && v.From.Bot && v.Chat == web.DMPrefix+sam {
				botSaid <- v.HTML + v.Title
				return
			}
		}
	}()

	body, _ := json.Marshal(map[string]string{"chat": web.DMPrefix + sam, "text": "How do I connect to the VPN?"})
	req, _ = http.NewRequest("POST", "http://"+b.Addr()+"/chat/api/send", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", me.CSRF)
	res, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("send on replica B: %d %s", res.StatusCode, out)
	}
	select {
	case said := <-botSaid:
		if strings.TrimSpace(said) == "" {
			t.Fatal("the bot's answer is empty")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the bot's answer to a question asked on B did not reach the stream on A within 10s")
	}
	stop() // the stream ends before the replicas shut down
}

func getJSON(t *testing.T, hc *http.Client, url string, out any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode == 200 {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return res.StatusCode
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
