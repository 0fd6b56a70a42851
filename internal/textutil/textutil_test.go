package textutil_test

import (
	"testing"
	"unicode/utf8"

	"github.com/helpdesk-chat/helpdesk/internal/textutil"
)

func TestHelpers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, got, want string
	}{
		{"short kept", textutil.Shorten("héllo", 5), "héllo"},
		{"cut by runes", textutil.Shorten("héllo wörld", 7), "héllo …"},
		{"no limit", textutil.Shorten("abc", 0), "abc"},
		{"trim before mark", textutil.ShortenTrim("héllo wörld", 7), "héllo…"},
		{"bytes at a rune boundary", textutil.ClipBytes("aé", 2), "a"},
		{"bytes kept", textutil.ClipBytes("abc", 3), "abc"},
		{"one line", textutil.OneLine(" a\n\tb  c "), "a b c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Fatalf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

// ShortenBytes counts bytes, "…" included: a title of umlauts fits 24 bytes.
func TestShortenBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"Zugangsanfrage", 24, "Zugangsanfrage"},
		{"Zugangsanfrage für Prüfungen", 24, "Zugangsanfrage für P…"},
		{"ääääääääääääää", 24, "ääääääääää…"},
	} {
		got := textutil.ShortenBytes(tc.in, tc.n)
		if len(got) > tc.n || !utf8.ValidString(got) {
			t.Errorf("ShortenBytes(%q, %d) = %q: %d bytes", tc.in, tc.n, got, len(got))
		}
		if tc.want != "" && got != tc.want {
			t.Errorf("ShortenBytes(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
