package redact_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/internal/redact"
)

func TestHandlerMasksSecretsEverywhere(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := redact.New("xoxb-secret")
	log := slog.New(redact.NewHandler(slog.NewTextHandler(&buf, nil), s)).With("token", "xoxb-secret")
	s.Add("late-secret")
	log.Warn("call with xoxb-secret failed", "err", errors.New("auth late-secret"),
		"url", "wss://x/link?ticket=abc&app=1", slog.Group("g", "k", "xoxb-secret"), "n", 3)
	out := buf.String()
	for _, bad := range []string{"xoxb-secret", "late-secret", "abc"} {
		if strings.Contains(out, bad) {
			t.Fatalf("%q reached the log: %s", bad, out)
		}
	}
	if !strings.Contains(out, "n=3") || !strings.Contains(out, redact.Mask) {
		t.Fatalf("log lost its content: %s", out)
	}
}

func TestErrorfKeepsTheChain(t *testing.T) {
	t.Parallel()
	err := redact.New("tok").Errorf("call: %w", io.EOF)
	if !errors.Is(err, io.EOF) || strings.Contains(err.Error(), "tok") && !strings.Contains(err.Error(), redact.Mask) {
		t.Fatalf("got %v", err)
	}
	if got := redact.New("tok").Errorf("with tok: %w", io.EOF).Error(); got != "with [redacted]: EOF" {
		t.Fatalf("got %q", got)
	}
}
