package config_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helpdesk-chat/helpdesk/config"
)

const watchTimeout = 10 * time.Second

// writeAtomic saves like many editors do: write a temp file, rename it over.
func writeAtomic(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp~"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func writeInPlace(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func deskConfig(name, faq string) string {
	return "desks:\n  - id: it\n    name: " + name + "\n    faq: " + faq + "\n"
}

func faqWith(question string) string {
	return "menu:\n  - id: n\n    title: N\n    items:\n      - id: q\n        question: " + question + "\n        answer: A\n"
}

type watcher struct {
	changes chan *config.Config
	errs    chan error
	done    chan error
}

func startWatch(t *testing.T, path string) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &watcher{changes: make(chan *config.Config, 16), errs: make(chan error, 16), done: make(chan error, 1)}
	go func() {
		w.done <- config.Watch(ctx, path,
			func(c *config.Config) { w.changes <- c },
			func(err error) { w.errs <- err })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-w.done:
			if err != nil {
				t.Errorf("Watch returned %v", err)
			}
		case <-time.After(watchTimeout):
			t.Error("Watch did not return after cancel")
		}
	})
	return w
}

// waitChange waits for a config that satisfies ok, skipping older deliveries.
// If retry is set it is called every half second meanwhile (to repeat a write
// that may have happened before Watch was ready).
func (w *watcher) waitChange(t *testing.T, what string, ok func(*config.Config) bool, retry func()) *config.Config {
	t.Helper()
	deadline := time.After(watchTimeout)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case c := <-w.changes:
			if ok(c) {
				return c
			}
		case err := <-w.errs:
			if retry == nil {
				t.Fatalf("waiting for %s: got error %v", what, err)
			}
		case <-tick.C:
			if retry != nil {
				retry()
			}
		case <-deadline:
			t.Fatalf("no config with %s delivered within %v", what, watchTimeout)
		}
	}
}

func (w *watcher) waitError(t *testing.T) *config.Errors {
	t.Helper()
	deadline := time.After(watchTimeout)
	for {
		select {
		case <-w.changes: // late deliveries of an earlier edit
		case err := <-w.errs:
			var errs *config.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("onError got %T %v, want *config.Errors", err, err)
			}
			return errs
		case <-deadline:
			t.Fatalf("no error delivered within %v", watchTimeout)
		}
	}
}

func deskName(name string) func(*config.Config) bool {
	return func(c *config.Config) bool { return c.Desks[0].Name == name }
}

func TestWatchDeliversChangesAndErrors(t *testing.T) {
	t.Parallel()
	path := writeFiles(t, "helpdesk.yaml", map[string]string{
		"helpdesk.yaml": deskConfig("First", "faq/a.yaml"),
		"faq/a.yaml":    faqWith("Old question"),
		"faq/b.yaml":    faqWith("Question B"),
	})
	dir := filepath.Dir(path)
	w := startWatch(t, path)

	// A valid edit of the main file is delivered. Watch may not be ready for
	// the first write, so it is repeated until one arrives.
	second := deskConfig("Second", "faq/a.yaml")
	writeAtomic(t, path, second)
	w.waitChange(t, "name Second", deskName("Second"), func() { writeAtomic(t, path, second) })

	// An invalid edit goes to onError with its line.
	writeInPlace(t, path, deskConfig("Second", "faq/a.yaml")+"    strategy: fastest\n")
	errs := w.waitError(t)
	if len(errs.Problems) != 1 || errs.Problems[0].Line != 5 || !strings.Contains(errs.Problems[0].Message, "fastest") {
		t.Errorf("problems = %v", errs)
	}

	// Fixing it delivers again.
	writeAtomic(t, path, deskConfig("Fixed", "faq/a.yaml"))
	w.waitChange(t, "name Fixed", deskName("Fixed"), nil)

	// Editing a FAQ file reloads too.
	writeInPlace(t, filepath.Join(dir, "faq/a.yaml"), faqWith("New question"))
	w.waitChange(t, "the new FAQ question", func(c *config.Config) bool {
		return c.Desks[0].Items()[0].Question == "New question"
	}, nil)

	// The main file switches to another FAQ file; edits of that file are followed.
	writeAtomic(t, path, deskConfig("Fixed", "faq/b.yaml"))
	w.waitChange(t, "FAQ b", func(c *config.Config) bool {
		return c.Desks[0].Items()[0].Question == "Question B"
	}, nil)
	writeAtomic(t, filepath.Join(dir, "faq/b.yaml"), faqWith("Question B2"))
	w.waitChange(t, "the edited FAQ b", func(c *config.Config) bool {
		return c.Desks[0].Items()[0].Question == "Question B2"
	}, nil)

	// Removing the FAQ file is a problem at the main file's faq: line.
	if err := os.Remove(filepath.Join(dir, "faq/b.yaml")); err != nil {
		t.Fatal(err)
	}
	errs = w.waitError(t)
	if got := errs.Problems[0]; got.Line != 4 || got.Message != "open faq/b.yaml: no such file" {
		t.Errorf("problem = %v", got)
	}
}
