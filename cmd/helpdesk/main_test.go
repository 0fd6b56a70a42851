package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/examples"
)

func TestCheckReportsEveryProblemWithFileAndLine(t *testing.T) {
	dir := t.TempDir()
	cfg := `store: sqlite:helpdesk.db
desks:
  - id: it
    strategy: fastest
    languages: [en, klingon]
    agents:
      - {name: Ada, web: ada, max_open: -1}
    rules:
      - {assign: {agents: [Bob]}}
    colour: blue
`
	path := filepath.Join(dir, "helpdesk.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"check", path}, &out, &errOut); code != 1 {
		t.Fatalf("exit code %d, want 1; stderr %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("want 5 problems, got %d:\n%s", len(lines), out.String())
	}
	for i, wantLine := range []string{":4:", ":5:", ":7:", ":9:", ":10:"} {
		if !strings.HasPrefix(lines[i], path+wantLine) {
			t.Errorf("problem %d = %q, want it at %s%s", i+1, lines[i], path, wantLine)
		}
	}
	if !strings.Contains(out.String(), "colour") {
		t.Errorf("the unknown key should be named:\n%s", out.String())
	}
}

func TestCheckSummarisesAGoodConfig(t *testing.T) {
	dir := t.TempDir()
	path, err := examples.WriteTo(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"check", path}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "OK: 2 desks") {
		t.Fatalf("summary: %s", out.String())
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"version"}, &out, io.Discard); code != 0 || !strings.HasPrefix(out.String(), "helpdesk ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	if code := run([]string{"frobnicate"}, io.Discard, io.Discard); code != 2 {
		t.Fatalf("unknown command exit %d", code)
	}
}

// TestMainRunsTheRealWiring starts the whole program on a temp dir and port 0,
// checks health, reloads a changed config and shuts down cleanly.
func TestMainRunsTheRealWiring(t *testing.T) {
	dir := t.TempDir()
	path, err := examples.WriteTo(dir)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	m := NewMain(MainOptions{ConfigPath: path, Listen: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	res, err := http.Get("http://" + m.Addr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health map[string]any
	json.NewDecoder(res.Body).Decode(&health)
	res.Body.Close()
	if res.StatusCode != 200 || health["status"] != "ok" || health["desks"] != float64(2) {
		t.Fatalf("healthz %d %v", res.StatusCode, health)
	}
	if _, err := os.Stat(filepath.Join(dir, "helpdesk.db")); err != nil {
		t.Fatalf("the SQLite store should sit beside the config: %v", err)
	}

	// A broken edit keeps the running config; a good one is swapped in.
	orig, _ := os.ReadFile(path)
	// The watcher starts in the background: write until it notices.
	writeUntil(t, path, "desks: [\n", &logs, func() bool { return strings.Contains(logs.String(), "config change rejected") })
	if n := len(m.Engine().Runtime().Config.Desks); n != 2 {
		t.Fatalf("a broken config must not replace the live one: %d desks", n)
	}
	edited := strings.Replace(string(orig), "name: HR Help Desk", "name: People Team", 1)
	writeUntil(t, path, edited, &logs, func() bool { return m.Engine().Runtime().Config.Desk("hr").Name == "People Team" })

	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeUntil writes data to path and waits until cond holds, looking again
// at every log line (the bot logs every reload, good or rejected). Run
// returns before the config watcher has begun to watch, so a write may come
// too early to be seen: it is written again every two seconds until one is.
// The deadline only bounds a failure: a busy CI machine retrains the FAQ slowly.
func writeUntil(t *testing.T, path, data string, logs *syncBuffer, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(2 * time.Minute)
	defer deadline.Stop()
	again := time.NewTicker(2 * time.Second)
	defer again.Stop()
	write := func() {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write()
	for {
		written := logs.Written()
		if cond() {
			return
		}
		select {
		case <-written:
		case <-again.C:
			write()
		case <-deadline.C:
			t.Fatalf("the running bot did not pick up the change within 2 minutes")
		}
	}
}
