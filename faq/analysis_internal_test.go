package faq

import (
	"slices"
	"testing"

	"github.com/helpdesk-chat/helpdesk/config"
)

// The analyzers must reduce accented and folded spellings to the same
// terms, and drop stop words whatever their spelling.
func TestAnalyzersFoldAccents(t *testing.T) {
	ix, err := Build(nil, []string{"en", "de", "fr", "es", "it", "nl", "pt", "sv"}, config.Thresholds{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
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
