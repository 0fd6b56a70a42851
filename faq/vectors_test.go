package faq_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/helpdesk-chat/helpdesk/config"
	"github.com/helpdesk-chat/helpdesk/faq"
	"github.com/helpdesk-chat/helpdesk/faq/vectors"
)

// mustVectorFile writes a small generated vector table and returns its path.
func mustVectorFile(tb testing.TB, words []string, vecs [][]float32) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := vectors.Write(&buf, words, vecs); err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(tb.TempDir(), "de.hdv")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// Imported German vectors let a question find its item by a word the FAQ
// never uses ("Tunnel" for the VPN).
func TestSetUsesImportedVectors(t *testing.T) {
	t.Parallel()
	words := []string{"ich", "mein", "nicht", "geht", "passwort", "kennwort", "vpn", "tunnel", "drucker", "papier", "urlaub", "ferien"}
	vecs := make([][]float32, len(words))
	for i := range words {
		v := make([]float32, 8)
		v[0] = 0.2 // what every word shares (the principal component)
		v[1+min(i, 11)/2%7] = 1
		vecs[i] = v
	}
	items := []*config.Item{
		{ID: "password", Question: "Wie setze ich mein Passwort zurück?", Alternates: []string{"Passwort vergessen"}},
		{ID: "vpn", Question: "Wie verbinde ich mich mit dem VPN?", Alternates: []string{"VPN verbindet nicht"}},
		{ID: "printer", Question: "Der Drucker hat kein Papier", Alternates: []string{"Drucker druckt nicht"}},
		{ID: "leave", Question: "Wie beantrage ich Urlaub?", Alternates: []string{"Urlaubsantrag stellen"}},
	}
	cfg := &config.Config{
		Vectors: map[string]string{"de": mustVectorFile(t, words, vecs)},
		Desks: []*config.Desk{{ID: "it", Languages: []string{"de"},
			FAQ: &config.FAQ{Menu: []*config.Category{{ID: "c", Title: "C", Items: items}}}}},
	}
	s, err := faq.BuildSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hits, err := s.Search(context.Background(), "it", "Tunnel", "de")
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) == 0 || hits[0].ItemID != "vpn" {
		t.Errorf("Tunnel: want vpn first, got:%s", describe(hits))
	}
	cfg.Vectors["de"] = filepath.Join(t.TempDir(), "missing.hdv")
	if _, err := faq.BuildSet(cfg); err == nil {
		t.Error("BuildSet with a missing vector file succeeded")
	}
}
