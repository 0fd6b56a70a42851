package config_test

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestVectorFiles(t *testing.T) {
	t.Parallel()
	const main = `
vectors: {de: vec/de.hdv}
desks:
  - id: it
    languages: [en, de, fr]
    vectors: {fr: vec/fr.hdv}
  - id: hr
`
	cfg := mustLoad(t, "helpdesk.yaml", map[string]string{
		"helpdesk.yaml": main,
		"vec/de.hdv":    "HDVEC\x00\x01\x00rest",
		"vec/fr.hdv":    "HDVEC\x00\x01\x00rest",
	})
	it := cfg.VectorFiles(cfg.Desks[0])
	if filepath.Base(it["de"]) != "de.hdv" || filepath.Base(it["fr"]) != "fr.hdv" || !filepath.IsAbs(it["fr"]) {
		t.Errorf("desk it vectors = %v, want absolute de.hdv (global) and fr.hdv (own)", it)
	}
	if hr := cfg.VectorFiles(cfg.Desks[1]); len(hr) != 1 || hr["fr"] != "" {
		t.Errorf("desk hr vectors = %v, want only the global de", hr)
	}
}

func TestVectorProblems(t *testing.T) {
	t.Parallel()
	got := problems(t, "helpdesk.yaml", map[string]string{
		"helpdesk.yaml": "vectors: {de: de.vec, xx: x.hdv}\ndesks:\n  - id: it\n    vectors: {fr: missing.hdv}\n",
		"de.vec":        "der 0.1 0.2\n",
		"x.hdv":         "HDVEC\x00\x01\x00",
	})
	want := []string{
		"helpdesk.yaml:1: vectors de: ", "is not a vector file",
		"helpdesk.yaml:1: vectors: unknown language \"xx\"",
		"helpdesk.yaml:4: vectors fr: open ", "no such file",
	}
	all := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("problems lack %q:\n%s", w, all)
		}
	}
}
