package textutil_test

import (
	"testing"

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
