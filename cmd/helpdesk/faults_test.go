package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/examples"
)

// writeDemo writes the demo config to a temp dir with edit applied to the
// main file and returns its path.
func writeDemo(t *testing.T, edit func(string) string) string {
	t.Helper()
	path, err := examples.WriteTo(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := edit(string(data))
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// closedAddr returns an address on 127.0.0.1 where nothing listens: a
// connection there is refused.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func replace(t *testing.T, old, new string) func(string) string {
	return func(s string) string {
		out := strings.Replace(s, old, new, 1)
		if out == s {
			t.Fatalf("the demo config has no %q to replace", old)
		}
		return out
	}
}

// PostgreSQL down at start: a clear error and exit 1, no panic in Close.
func TestPostgresDownAtStartIsAClearError(t *testing.T) {
	dsn := "postgres://postgres@" + closedAddr(t) + "/test"
	path := writeDemo(t, replace(t, "store: sqlite:helpdesk.db", `store: "`+dsn+`"`))

	m := NewMain(MainOptions{ConfigPath: path, Listen: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	err := m.Run(context.Background())
	if err == nil {
		m.Close()
		t.Fatal("Run started with the database down")
	}
	if !strings.Contains(err.Error(), "open postgres store") {
		t.Errorf("the error should say the store could not be opened: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close after a failed start: %v", err)
	}

	var out, errOut bytes.Buffer
	if code := run([]string{"run", "-config", path}, &out, &errOut); code != 1 {
		t.Fatalf("exit code %d, want 1; stderr %s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "open postgres store postgres://postgres@") || strings.Contains(errOut.String(), "panic") {
		t.Errorf("stderr should name the store and not panic:\n%s", errOut.String())
	}
}
