package faq

import (
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"

	"github.com/helpdesk-chat/helpdesk/config"
)

// The analyzers must reduce accented and folded spellings to the same
// terms, and drop stop words whatever their spelling.
func TestAnalyzersFoldAccents(t *testing.T) {
	t.Parallel()
	ix, err := Build(nil, []string{"en", "de", "fr", "es", "it", "nl", "pt", "sv"}, config.Thresholds{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang string
		a, b string
	}{
		{"de", "Passwort zurücksetzen", "passwort zurucksetzen"},
		{"de", "Passwort zurücksetzen", "PASSWORT ZURUECKSETZEN"},
		{"de", "Straße für Größe", "strasse fuer groesse"},
		{"fr", "mot de passe oublié", "mot de passe oublie"},
		{"fr", "l'imprimante a été réinitialisée", "imprimante reinitialisee"},
		{"fr", "l’imprimante", "imprimante"},
		{"es", "¿Olvidé mi contraseña?", "olvide contrasena"},
		{"it", "perché l'stampante è bloccata", "stampante bloccata"},
		{"pt", "não consigo acessar o e-mail", "nao consigo acessar e mail"},
		{"en", "Resetting the user's passwords", "reset user password"},
		{"en", "hi, can you please reset my password", "reset password"},
		{"sv", "Lösenordet är glömt", "losenordet ar glomt"},
	}
	for _, tc := range tests {
		t.Run(tc.lang+" "+tc.a, func(t *testing.T) {
			a, b := terms(ix.analyzers[tc.lang], tc.a), terms(ix.analyzers[tc.lang], tc.b)
			if len(a) == 0 || !slices.Equal(a, b) {
				t.Errorf("%q -> %v, %q -> %v: want the same non-empty terms", tc.a, a, tc.b, b)
			}
		})
	}
}

// Analysing a text once (raw chain, then the search chain's remaining
// filters) must give the features of analysing it with both analyzers.
func TestFeaturesSinglePassMatchesTwoAnalyzers(t *testing.T) {
	t.Parallel()
	langs := []string{"en", "de", "fr", "es", "it", "nl", "pt", "sv", "zh", "ja"}
	ix, err := Build(nil, langs, config.Thresholds{})
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"How do I reset my password? My password doesn't work, password!",
		"Wie kann ich mein Passwort zurücksetzen? Der Drucker funktioniert nicht für Größe",
		"Comment réinitialiser mon mot de passe ? L'imprimante ne fonctionne pas",
		"¿Olvidé mi contraseña? no puedo acceder al correo",
		"perché l'stampante è bloccata e non posso stampare",
		"ik kan niet inloggen op het netwerk, wachtwoord vergeten",
		"não consigo acessar o e-mail da empresa",
		"jag har glömt mitt lösenord",
		"如何重置密码", "パスワードを忘れました",
		"", "   ", "the the the a of", "a b c d e f g h i j k l m n o p q r s t u v w x y z aa bb cc dd ee ff gg hh",
	}
	for _, lang := range langs {
		full, _ := ix.analyzers[lang].(*analysis.DefaultAnalyzer)
		raw, _ := ix.raw[lang].(*analysis.DefaultAnalyzer)
		if !isCJK(lang) && (full == nil || raw == nil || !sharesChain(full, raw)) {
			t.Errorf("%s: the search analyzer does not extend the raw one; text is analysed twice", lang)
		}
		for _, text := range texts {
			want := features(terms(ix.analyzers[lang], text), terms(ix.raw[lang], text), ix.chars[lang])
			got := ix.features(lang, text)
			if !slices.Equal(got, want) {
				t.Errorf("%s %q: features %q, want %q", lang, text, got, want)
			}
		}
	}
}
