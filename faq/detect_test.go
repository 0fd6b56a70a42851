package faq_test

import (
	"testing"

	"github.com/helpdesk-chat/helpdesk/faq"
)

func TestDetectLanguage(t *testing.T) {
	t.Parallel()
	desk := []string{"en", "de", "fr", "es"}
	tests := []struct {
		text  string
		cands []string
		want  string
	}{
		{"How do I connect to the VPN?", desk, "en"},
		{"Wie verbinde ich mich mit dem VPN?", desk, "de"},
		{"Mein Drucker druckt nicht", desk, "de"},
		{"Comment me connecter au VPN ?", desk, "fr"},
		{"Je ne peux pas me connecter", desk, "fr"},
		{"¿Cómo me conecto a la VPN?", desk, "es"},
		{"VPN", desk, "en"},                         // unsure: the default
		{"VPN", []string{"de", "en"}, "de"},         // unsure: the default
		{"xyzzy plugh", []string{"fr", "en"}, "fr"}, // unsure: the default
		{"パスワードを忘れました", []string{"en", "ja", "zh"}, "ja"},
		{"我忘记了密码", []string{"en", "ja", "zh"}, "zh"},
		{"비밀번호를 잊어버렸어요", []string{"en", "ko"}, "ko"},
		{"How do I connect?", []string{"en-US", "de-DE"}, "en-US"},
		{"Wie verbinde ich mich?", []string{"en-US", "de-DE"}, "de-DE"},
		{"anything", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			if got := faq.DetectLanguage(tc.text, tc.cands); got != tc.want {
				t.Errorf("DetectLanguage(%q, %v) = %q, want %q", tc.text, tc.cands, got, tc.want)
			}
		})
	}
}
