package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helpdesk-chat/helpdesk/faq/vectors"
)

func TestFAQVectorsImport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "de.vec")
	// fastText .vec: a "count dims" header, then words most frequent first.
	if err := os.WriteFile(src, []byte("3 2\nder 1 0\nPasswort 0 1\nfür 0.5 0.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	if code := faqCmd([]string{"vectors", "import", src, "-lang", "de"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "de.hdv"))
	if err != nil {
		t.Fatal(err)
	}
	tb, err := vectors.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	// Words are folded as the German analyzer folds what users type.
	for _, w := range []string{"der", "passwort", "fur"} {
		if _, ok := tb.Lookup(w); !ok {
			t.Errorf("%q missing from %s", w, out.String())
		}
	}
}
