package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// The chat's own labels follow the visitor's language (the browser's
// Accept-Language, from the bot's catalogs); an unknown language gets
// English.
func TestChatLabelsFollowTheVisitorsLanguage(t *testing.T) {
	srv := start(t)
	c := signIn(t, srv, "dieter@example.com", "Dieter")
	page := func(lang string) string {
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		req.Header.Set("Accept-Language", lang)
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	de := page("de-DE,de;q=0.9,en;q=0.5")
	for _, want := range []string{`<html lang="de">`, `id="send">Senden</button>`, `placeholder="Stellen Sie eine Frage…"`, `>Abmelden</button>`,
		`"write_agents":"An die Mitarbeiter schreiben…"`, `title="Eine Datei senden" hidden>Anhängen<`} {
		if !strings.Contains(de, want) {
			t.Errorf("the German page lacks %s", want)
		}
	}
	if strings.Contains(de, `>Send</button>`) || strings.Contains(de, "Attach") || strings.Contains(de, "Send a file") {
		t.Error("the German page still says Send, Attach or Send a file")
	}
	fr := page("fr-CH")
	if !strings.Contains(fr, `id="send">Envoyer</button>`) || !strings.Contains(fr, `<html lang="fr">`) {
		t.Error("the French page is not in French")
	}
	if xx := page("xx"); !strings.Contains(xx, `id="send">Send</button>`) || !strings.Contains(xx, `<html lang="en">`) {
		t.Error("an unknown language does not get English")
	}
}
